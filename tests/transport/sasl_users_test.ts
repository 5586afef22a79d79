// The SASL user database: `deno task passwd` writes SCRAM verifiers (never
// passwords) in a 0600 file the daemon reads at each authentication.

import assert from "node:assert/strict";
import {
  checkUserName,
  lookupVerifier,
  parseUsers,
  removeUser,
  setPassword,
} from "../../src/transport/sasl_users.ts";
import { deriveVerifier } from "../../src/transport/scram.ts";

Deno.test("setPassword() stores a verifier per mechanism that the password derives again", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/sub/users`;
  try {
    await setPassword(file, "alice", "s3cret");
    await setPassword(file, "bob", "other");
    assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);
    const text = await Deno.readTextFile(file);
    assert.ok(!text.includes("s3cret"));
    for (const mech of ["SCRAM-SHA-256", "SCRAM-SHA-1"] as const) {
      const v = await lookupVerifier(file, "alice", mech);
      assert.ok(v);
      const again = await deriveVerifier(mech, "s3cret", v.salt, v.iterations);
      assert.deepEqual(again.storedKey, v.storedKey);
      assert.deepEqual(again.serverKey, v.serverKey);
    }
    // A new password replaces the old verifiers; other users stay.
    await setPassword(file, "alice", "changed");
    const v = (await lookupVerifier(file, "alice", "SCRAM-SHA-256"))!;
    const old = await deriveVerifier("SCRAM-SHA-256", "s3cret", v.salt, v.iterations);
    assert.notDeepEqual(old.storedKey, v.storedKey);
    assert.ok(await lookupVerifier(file, "bob", "SCRAM-SHA-1"));
    assert.equal(await removeUser(file, "bob"), true);
    assert.equal(await removeUser(file, "bob"), false);
    assert.equal(await lookupVerifier(file, "bob", "SCRAM-SHA-1"), null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lookupVerifier() finds nobody in a file that does not exist", async () => {
  assert.equal(await lookupVerifier("/nonexistent/users", "alice", "SCRAM-SHA-256"), null);
});

Deno.test("parseUsers() refuses a malformed line, naming it", () => {
  assert.throws(() => parseUsers("# c\nalice:SCRAM-MD5:1:a:b:c\n"), /line 2 is malformed/);
  assert.throws(() => parseUsers("alice:SCRAM-SHA-1:x:AA==:AA==:AA==\n"), /line 1/);
});

Deno.test("checkUserName() refuses names the file cannot hold", () => {
  for (const bad of ["", "a:b", "a b", "a\nb", "tab\t"]) {
    assert.throws(() => checkUserName(bad), RangeError, JSON.stringify(bad));
  }
  checkUserName("alice@example.org");
});
