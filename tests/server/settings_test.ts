// The daemon-wide settings strings (issue 17, defect 10): a Worker reading
// them while the event loop rewrites them sees the old or the new string,
// never a mixture — even when both have the same length.

import assert from "node:assert/strict";
import { allocateSettings, readSetting, writeSetting } from "../../src/server/settings.ts";

Deno.test("issue 17.10: a reader never sees a setting torn by a rewrite of the same length", async () => {
  const buf = allocateSettings();
  const a = "1:libvirt 1:qemu ".repeat(100).trim();
  const b = "3:libvirt 3:qemu ".repeat(100).trim();
  writeSetting(buf, "log_filters", a);
  // A Worker reads as fast as it can until told to stop, counting what it saw.
  const url = new URL("../../src/server/settings.ts", import.meta.url).href;
  const src = `
    import { readSetting } from "${url}";
    self.onmessage = (e) => {
      const { buf, a, b, flag } = e.data;
      const stop = new Int32Array(flag);
      let reads = 0, torn = 0, sample = "";
      postMessage({ ready: true });
      while (Atomics.load(stop, 0) === 0) {
        const s = readSetting(buf, "log_filters");
        reads++;
        if (s !== a && s !== b) { torn++; sample = s.slice(0, 40); }
      }
      postMessage({ reads, torn, sample });
    };`;
  // A word the reader polls: 1 tells it to stop.
  const flag = new SharedArrayBuffer(4);
  const worker = new Worker(`data:text/javascript,${encodeURIComponent(src)}`, { type: "module" });
  const msgs: { ready?: boolean; reads?: number; torn?: number; sample?: string }[] = [];
  let wake: () => void = () => {};
  worker.onmessage = (e) => {
    msgs.push(e.data);
    wake();
  };
  const next = () => new Promise<void>((r) => (wake = r));
  worker.postMessage({ buf, a, b, flag });
  await next();
  const stop = new Int32Array(flag);
  const until = Date.now() + 500;
  let writes = 0;
  while (Date.now() < until) {
    writeSetting(buf, "log_filters", writes++ % 2 ? a : b);
  }
  Atomics.store(stop, 0, 1);
  await next();
  worker.terminate();
  const seen = msgs[1]!;
  assert.ok(seen.reads! > 100, `the reader read (${seen.reads} reads, ${writes} writes)`);
  assert.equal(seen.torn, 0, `torn reads, e.g. "${seen.sample}…"`);
  assert.ok(readSetting(buf, "log_filters") === a || readSetting(buf, "log_filters") === b);
});
