// The census (`deno task census`) as part of the suite: every declared
// remote procedure called on the real libvirtd and on denovirt, the answers
// compared byte for byte; the run must exit 0 with no difference, and
// docs/testing.md's census figures must be the ones it measures.

import assert from "node:assert/strict";
import { haveTools } from "./_tools.ts";
import type { CensusResult } from "../../tools/census.ts";

const CENSUS = new URL("../../tools/census.ts", import.meta.url).pathname;
const DOC = new URL("../../docs/testing.md", import.meta.url);

const tools = haveTools("census", ["libvirtd"]);

/** The census paragraph of docs/testing.md, as figures. */
function documentedFigures(): Record<string, number> {
  const text = Deno.readTextFileSync(DOC);
  const para = /\*\*Census\*\*[^]*?\n\n/.exec(text)?.[0];
  assert.ok(para, "docs/testing.md has a **Census** paragraph");
  const figure = (re: RegExp, what: string) => {
    const m = re.exec(para.replace(/\s+/g, " "));
    assert.ok(m, `the census paragraph states ${what}`);
    return Number(m[1]!.replace(/,/g, ""));
  };
  return {
    declared: figure(/all \*\*([\d,]+)\*\* remote procedures/, "how many procedures"),
    refOk: figure(/answers \*\*([\d,]+)\*\* of them successfully/, "libvirtd's successes"),
    refErrors: figure(/\*\*([\d,]+)\*\* with an error/, "libvirtd's errors"),
    notCompared: figure(/\*\*([\d,]+)\*\* is called but not compared/, "what is not compared"),
    normalized: figure(/after normalizing \*\*([\d,]+)\*\*/, "how many answers are normalized"),
  };
}

Deno.test({
  name:
    "the census: every remote procedure answers byte for byte as libvirtd's; docs/testing.md quotes it",
  ignore: !tools,
  async fn() {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-check", "--allow-all", CENSUS, "--json"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    const text = dec.decode(out.stdout);
    let r: CensusResult;
    try {
      r = JSON.parse(text) as CensusResult;
    } catch {
      assert.fail(
        `the census printed no result (exit ${out.code}):\n${text}${dec.decode(out.stderr)}`,
      );
    }
    assert.deepEqual(r.differences, [], "denovirt answers differently");
    assert.deepEqual(r.notCalled, [], "procedures the census could not call");
    assert.equal(out.code, 0, "the census exits 0 when nothing differs");
    assert.equal(r.called, r.declared);
    assert.equal(
      r.identicalOk + r.identicalErrors + r.identicalOther + r.notCompared.length,
      r.called,
    );
    assert.deepEqual(documentedFigures(), {
      declared: r.declared,
      refOk: r.refOk,
      refErrors: r.refErrors,
      notCompared: r.notCompared.length,
      normalized: r.normalized.length,
    });
  },
});
