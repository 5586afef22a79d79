/**
 * Every module under src/ opens with a doc comment that `deno doc` shows: a
 * JSDoc block tagged `@module`, saying what the file is for.
 *
 * @module
 */

import assert from "node:assert/strict";

const SRC = new URL("../src/", import.meta.url).pathname;

function* modules(dir: string): Generator<string> {
  for (const e of Deno.readDirSync(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) yield* modules(p);
    else if (e.name.endsWith(".ts")) yield p;
  }
}

Deno.test("every module under src/ opens with an @module doc comment", () => {
  const missing: string[] = [];
  for (const p of modules(SRC.replace(/\/$/, ""))) {
    const text = Deno.readTextFileSync(p).replace(/^#!.*\n/, "");
    const head = /^\/\*\*([\s\S]*?)\*\//.exec(text);
    if (!head || !/@module/.test(head[1]!) || head[1]!.replace(/[\s*]|@module/g, "") === "") {
      missing.push(p.slice(SRC.length - 1));
    }
  }
  assert.deepEqual(missing, [], "modules without an opening @module doc comment");
});
