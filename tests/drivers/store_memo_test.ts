// The driver store's memo (host facts worked out once per daemon, issue
// 16): Workers asking for the same fact at once wait for the one computing
// it; a failed computation leaves nothing; a thread that dies while it
// computes does not leave the memo locked; the memo's block is all it keeps.

import assert from "node:assert/strict";
import { allocateStore, releaseStoreLocks, SharedStore } from "../../src/drivers/shared_store.ts";
import { LockTracker } from "../../src/pool/lock.ts";

const storeUrl = new URL("../../src/drivers/shared_store.ts", import.meta.url).href;
const lockUrl = new URL("../../src/pool/lock.ts", import.meta.url).href;

/**
 * A Worker (thread `id`) that asks the memo for `key` when told, its
 * computation taking `ms` and counting itself in `count`; it answers with
 * the value it got. With `die`, it ends its isolate in the middle of the
 * computation instead.
 */
function asker(
  sab: SharedArrayBuffer,
  count: SharedArrayBuffer,
  id: number,
  key: string,
  ms: number,
  die = false,
): { answer: Promise<unknown>; worker: Worker } {
  const src = `
    import { SharedStore } from "${storeUrl}";
    import { LockTracker } from "${lockUrl}";
    self.onmessage = (e) => {
      const { sab, count, id, key, ms, die } = e.data;
      const store = new SharedStore(sab, new LockTracker(id, true));
      const value = store.memo(key, () => {
        Atomics.add(new Int32Array(count), 0, 1);
        if (die) {
          postMessage({ computing: true });
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
        }
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
        return { by: id, key };
      });
      postMessage({ value });
    };`;
  const worker = new Worker(`data:text/javascript,${encodeURIComponent(src)}`, { type: "module" });
  const answer = new Promise<unknown>((r) => {
    worker.onmessage = (e) => r(e.data.computing ? "computing" : e.data.value);
  });
  worker.postMessage({ sab, count, id, key, ms, die });
  return { answer, worker };
}

Deno.test("Workers asking for a host fact at once compute it once and all get its value", async () => {
  const sab = allocateStore();
  const count = new SharedArrayBuffer(4);
  const main = new SharedStore(sab, new LockTracker(1, true));
  const before = main.bytesInUse;
  const askers = [3, 4, 5, 6].map((id) => asker(sab, count, id, "probe", 300));
  const values = await Promise.all(askers.map((a) => a.answer));
  for (const a of askers) a.worker.terminate();
  assert.equal(Atomics.load(new Int32Array(count), 0), 1, "computed once");
  const first = values[0] as { by: number };
  for (const v of values) assert.deepEqual(v, { by: first.by, key: "probe" });
  // The event loop's view is the same, without computing.
  assert.deepEqual(main.memo("probe", () => assert.fail("computed again")), values[0]);

  // A second fact joins the first; the memo's one block is all that is kept.
  assert.deepEqual(main.memo("cpu", () => ({ model: "qemu64" })), { model: "qemu64" });
  assert.deepEqual(main.memo("cpu", () => assert.fail("computed again")), { model: "qemu64" });
  assert.deepEqual(main.memo("probe", () => assert.fail("computed again")), values[0]);
  assert.equal(main.bytesInUse - before, main.memoBytes);
  assert.ok(main.memoBytes > 0);
});

Deno.test("a host fact whose computation fails is not kept: the next asker computes it", () => {
  const main = new SharedStore(allocateStore(), new LockTracker(1, true));
  assert.throws(() =>
    main.memo("probe", () => {
      throw new Error("the emulator would not start");
    }), /would not start/);
  assert.equal(main.memoBytes, 0);
  assert.deepEqual(main.memo("probe", () => ({ version: 7002000 })), { version: 7002000 });
  assert.deepEqual(main.memo("probe", () => assert.fail("computed again")), { version: 7002000 });
});

Deno.test("a Worker that dies while it computes a host fact does not leave the memo locked", async () => {
  const sab = allocateStore();
  const count = new SharedArrayBuffer(4);
  const dying = asker(sab, count, 7, "probe", 0, true);
  assert.equal(await dying.answer, "computing");
  dying.worker.terminate();
  // What the event loop does when a Worker dies: its locks are released.
  releaseStoreLocks(sab, 7);
  const next = asker(sab, count, 8, "probe", 0);
  const value = await Promise.race([
    next.answer,
    new Promise((r) => setTimeout(() => r("still waiting"), 5000)),
  ]);
  next.worker.terminate();
  assert.deepEqual(value, { by: 8, key: "probe" });
  assert.equal(Atomics.load(new Int32Array(count), 0), 2);
});
