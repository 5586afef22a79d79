// The public API's preamble as libvirtd runs it: g_canonicalize_filename's
// rules for relative paths (measured with glib 2.74) and argument refusals.

import assert from "node:assert/strict";
import { apiPreamble, canonicalizeFilename } from "../../src/dispatch/api_checks.ts";
import * as P from "../../src/protocol/remote_procedure_numbers.ts";
import { VirError } from "../../src/rpc/error.ts";

Deno.test("relative paths are made absolute as g_canonicalize_filename does", () => {
  const rows: [string, string][] = [
    ["", "/tmp"],
    [".", "/tmp"],
    ["foo/../bar", "/tmp/bar"],
    ["../../../../x", "/x"],
    ["/a/./b//c/", "/a/b/c"],
    ["//a", "//a"],
    ["///a", "/a"],
    ["/..", "/"],
    ["img.save", "/tmp/img.save"],
  ];
  for (const [path, want] of rows) assert.equal(canonicalizeFilename(path, "/tmp"), want, path);
});

Deno.test("the save path reaches the driver absolute; the refusals carry libvirt's fields", () => {
  const args = { dom: null, to: "x/../y.save" };
  apiPreamble(P.REMOTE_PROC_DOMAIN_SAVE, args);
  assert.equal(args.to, `${Deno.cwd()}/y.save`);
  const refusal = (proc: number, a: unknown) => {
    try {
      apiPreamble(proc, a);
    } catch (e) {
      assert.ok(e instanceof VirError);
      return [e.code, e.domain, e.message, e.str1, e.str2, e.int1, e.int2];
    }
    assert.fail("accepted");
  };
  assert.deepEqual(refusal(P.REMOTE_PROC_DOMAIN_SET_MEMORY, { memory: 0n }), [
    8,
    20,
    "memory in virDomainSetMemory must not be zero",
    "virDomainSetMemory",
    "memory",
    0,
    0,
  ]);
  assert.deepEqual(refusal(P.REMOTE_PROC_DOMAIN_SET_VCPUS_FLAGS, { nvcpus: 2, flags: 4 }), [
    8,
    20,
    "Flag 'VIR_DOMAIN_AFFECT_CONFIG' is required by flag 'VIR_DOMAIN_VCPU_MAXIMUM'",
    "virDomainSetVcpusFlags",
    "ctl",
    0,
    0,
  ]);
  assert.deepEqual(refusal(P.REMOTE_PROC_SECRET_SET_VALUE, { value: new Uint8Array() }), [
    8,
    30,
    "value in virSecretSetValue must not be NULL",
    "virSecretSetValue",
    "value",
    0,
    0,
  ]);
  assert.equal(
    refusal(P.REMOTE_PROC_DOMAIN_SET_MEMORY, { memory: 1n << 60n })[2],
    "numerical overflow: input too large: 1152921504606846976",
  );
  // Good arguments pass untouched.
  apiPreamble(P.REMOTE_PROC_DOMAIN_SET_MEMORY, { memory: 1024n });
});
