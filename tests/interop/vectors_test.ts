// The stored libvirt outputs the unit tests compare against are re-made here
// by the scripts that made them (each folder's regenerate.py, run by
// libvirt-python on libvirt 9.0's own test driver) and must come out the
// same: an expected document is libvirt's, not a copy of denovirt's.

import assert from "node:assert/strict";
import { haveTools } from "./_tools.ts";

const TESTDATA = new URL("../testdata/", import.meta.url).pathname;
const FOLDERS = [
  "xml/domain",
  "xml/interface",
  "xml/network",
  "xml/nodedev",
  "xml/snapshot",
  "xml/storage",
  "test_driver",
];

const tools = haveTools("libvirt vectors re-check", ["python3_libvirt"]);

function files(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    if (e.isDirectory) out.push(...files(`${dir}/${e.name}`, `${prefix}${e.name}/`));
    else out.push(`${prefix}${e.name}`);
  }
  return out.sort();
}

/** What the scripts write (every other file is an input they read). */
const OUTPUT =
  /\.(out|secure|copy|migratable|live|live-inactive|live-secure|poolout|update\.out)\.xml$|\.(err|info|caps|result|expected|update\.err)\.json$|^(capabilities|sysinfo|running|paused_child|shutoff|redefine\.out)\.xml$|^(host_facts|cpu_models|baseline)\.json$/;

const maskUuid = (s: string) => s.replace(/<uuid>[0-9a-f-]{36}<\/uuid>/g, "<uuid/>");

/** An input without a <uuid> gets a random one from libvirt on every run. */
function generatesUuid(dir: string, output: string): boolean {
  const input = `${dir}/${output.slice(0, output.indexOf("."))}.xml`;
  try {
    return !Deno.readTextFileSync(input).includes("<uuid>");
  } catch {
    return false;
  }
}

for (const folder of FOLDERS) {
  Deno.test({
    name: `tests/testdata/${folder} is what its regenerate.py gets from libvirt 9.0 today`,
    ignore: !tools,
    async fn() {
      const stored = `${TESTDATA}${folder}`;
      const fresh = await Deno.makeTempDir({ prefix: "denovirt-vectors-" });
      try {
        const copy = await new Deno.Command("cp", { args: ["-r", `${stored}/.`, fresh] }).output();
        assert.ok(copy.success);
        // Dated in the past, so an output the script no longer writes shows as stale.
        const past = new Date("2000-01-01T00:00:00Z");
        for (const f of files(fresh)) await Deno.utime(`${fresh}/${f}`, past, past);
        const run = await new Deno.Command("/usr/bin/python3", {
          args: ["regenerate.py"],
          cwd: fresh,
          env: { LC_ALL: "C" },
          stdout: "piped",
          stderr: "piped",
        }).output();
        assert.ok(run.success, new TextDecoder().decode(run.stderr));
        assert.deepEqual(files(fresh), files(stored), "the same files");
        const stale = files(fresh).filter((f) =>
          OUTPUT.test(f) && Deno.statSync(`${fresh}/${f}`).mtime!.getTime() === past.getTime()
        );
        assert.deepEqual(stale, [], "stored outputs the script no longer writes");
        for (const f of files(stored)) {
          const want = Deno.readTextFileSync(`${fresh}/${f}`);
          const have = Deno.readTextFileSync(`${stored}/${f}`);
          if (have !== want && generatesUuid(stored, f)) {
            assert.equal(maskUuid(have), maskUuid(want), f);
          } else {
            assert.equal(have, want, f);
          }
        }
      } finally {
        await Deno.remove(fresh, { recursive: true });
      }
    },
  });
}
