// Finding a file's holes as libvirt's virFileInData does (SEEK_DATA and
// SEEK_HOLE), on a real sparse file.

import assert from "node:assert/strict";
import { openHoleFinder } from "../../src/util/file_holes.ts";

const MiB = 1024 * 1024;

Deno.test("openHoleFinder() reports a sparse file's data and holes, section by section", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denovirt-holes-" });
  const path = `${dir}/sparse`;
  try {
    // A hole, 1 MiB of data at 4 MiB, and a trailing hole to 8 MiB.
    const f = await Deno.open(path, { write: true, create: true });
    await f.seek(4 * MiB, Deno.SeekMode.Start);
    await f.write(new Uint8Array(MiB).fill(7));
    await f.truncate(8 * MiB);
    f.close();
    const finder = openHoleFinder(path);
    if (!finder) {
      // No FFI permission: the download sends all data, which is still correct.
      assert.equal(Deno.permissions.querySync({ name: "ffi" }).state === "granted", false);
      return;
    }
    try {
      assert.deepEqual(finder.section(0), { data: false, length: 4 * MiB });
      assert.deepEqual(finder.section(4 * MiB), { data: true, length: MiB });
      assert.deepEqual(finder.section(4 * MiB + 10), { data: true, length: MiB - 10 });
      assert.deepEqual(finder.section(5 * MiB), { data: false, length: 3 * MiB });
      assert.deepEqual(finder.section(8 * MiB), { data: false, length: 0 }, "the end");
    } finally {
      finder.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openHoleFinder() gives no finder for a file it cannot open", () => {
  assert.equal(openHoleFinder("/nonexistent/denovirt/volume"), null);
});
