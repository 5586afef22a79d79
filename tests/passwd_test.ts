// `deno task passwd`: the command administrators run to set a SASL password.

import assert from "node:assert/strict";
import { lookupVerifier } from "../src/transport/sasl_users.ts";
import { deriveVerifier } from "../src/transport/scram.ts";

const ROOT = new URL("../", import.meta.url).pathname;

async function passwd(args: string[], stdin: string): Promise<{ code: number; out: string }> {
  const p = new Deno.Command(Deno.execPath(), {
    args: ["task", "passwd", ...args],
    cwd: ROOT,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = p.stdin.getWriter();
  await w.write(new TextEncoder().encode(stdin));
  await w.close();
  const o = await p.output();
  const dec = new TextDecoder();
  return { code: o.code, out: dec.decode(o.stdout) + dec.decode(o.stderr) };
}

Deno.test("deno task passwd sets a password read from standard input, and deletes a user", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const conf = `${dir}/d.conf`;
    await Deno.writeTextFile(conf, `sasl_users_file = "${dir}/users"\n`);
    const set = await passwd(["--config", conf, "alice"], "pass word\nignored\n");
    assert.equal(set.code, 0, set.out);
    assert.match(set.out, new RegExp(`set the password of 'alice' in ${dir}/users`));
    const v = (await lookupVerifier(`${dir}/users`, "alice", "SCRAM-SHA-256"))!;
    const again = await deriveVerifier("SCRAM-SHA-256", "pass word", v.salt, v.iterations);
    assert.deepEqual(again.storedKey, v.storedKey);
    const empty = await passwd(["--config", conf, "bob"], "\n");
    assert.equal(empty.code, 1);
    assert.match(empty.out, /empty password refused/);
    const bad = await passwd(["--config", conf, "a:b"], "x\n");
    assert.equal(bad.code, 1);
    assert.match(bad.out, /Cannot use user name "a:b"/);
    const del = await passwd(["--config", conf, "--delete", "alice"], "");
    assert.equal(del.code, 0, del.out);
    assert.equal(await lookupVerifier(`${dir}/users`, "alice", "SCRAM-SHA-256"), null);
    const again2 = await passwd(["--config", conf, "--delete", "alice"], "");
    assert.equal(again2.code, 1);
    assert.match(again2.out, /no user 'alice'/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
