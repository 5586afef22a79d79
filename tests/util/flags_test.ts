// virCheckFlags: the error libvirt 9.0 raises for a flag a function does not take.

import assert from "node:assert/strict";
import { checkFlagsIn } from "../../src/util/flags.ts";
import { VirError } from "../../src/rpc/error.ts";
import { VIR_ERR_INVALID_ARG, VIR_FROM_TEST } from "../../src/rpc/error_codes.ts";

Deno.test("checkFlagsIn() passes the flags a function takes", () => {
  checkFlagsIn(VIR_FROM_TEST, "testFn", 0, 0);
  checkFlagsIn(VIR_FROM_TEST, "testFn", 5, 7);
});

Deno.test("checkFlagsIn() names the unknown bits, the function and 'flags'", () => {
  let e: unknown;
  try {
    checkFlagsIn(VIR_FROM_TEST, "testFn", 0x80000003, 1);
  } catch (caught) {
    e = caught;
  }
  assert.ok(e instanceof VirError);
  assert.equal(e.code, VIR_ERR_INVALID_ARG);
  assert.equal(e.domain, VIR_FROM_TEST);
  assert.equal(e.str1, "testFn");
  assert.equal(e.str2, "flags");
  assert.equal(e.message, "unsupported flags (0x80000002) in function testFn");
});
