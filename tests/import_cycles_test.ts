// No module under src/ imports, at run time, one that imports it back: each
// folder's files import downward (util and conf below drivers, drivers below
// dispatch), and a driver's shared code below its entry points.

import assert from "node:assert/strict";
import { importCycles } from "../tools/import_cycles.ts";

const REPO = new URL("../", import.meta.url);

Deno.test("importCycles() finds no runtime import cycle among src/ modules", async () => {
  assert.deepEqual(await importCycles(new URL("src/", REPO), new URL("deno.json", REPO)), []);
});

Deno.test("importCycles() reports a runtime cycle and passes over type-only ones", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cycles" });
  try {
    const write = (name: string, text: string) => Deno.writeTextFile(`${dir}/${name}`, text);
    await write("a.ts", 'import { b } from "./b.ts";\nexport const a = () => b;\n');
    await write("b.ts", 'import { c } from "./sub/c.ts";\nexport const b = () => c;\n');
    await Deno.mkdir(`${dir}/sub`);
    await write("sub/c.ts", 'import { a } from "../a.ts";\nexport const c = () => a;\n');
    await write("d.ts", 'import type { E } from "./e.ts";\nexport type D = E | 1;\n');
    await write("e.ts", 'import type { D } from "./d.ts";\nexport type E = D | 2;\n');
    await write("f.ts", 'import "./f.ts";\n');
    assert.deepEqual(await importCycles(new URL(`file://${dir}/`)), [
      ["a.ts", "b.ts", "sub/c.ts"],
      ["f.ts"],
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
