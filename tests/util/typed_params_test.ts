// virTypedParamsValidate: the checks libvirt 9.0 makes of the parameters a caller sends.

import assert from "node:assert/strict";
import {
  type TypedParamsWording,
  typedParamTypeName,
  validateTypedParams,
} from "../../src/util/typed_params.ts";
import { param, VIR_TYPED_PARAM_UINT, VIR_TYPED_PARAM_ULLONG } from "../../src/rpc/typed_params.ts";
import { VirError } from "../../src/rpc/error.ts";
import {
  VIR_ERR_ARGUMENT_UNSUPPORTED,
  VIR_ERR_INVALID_ARG,
  VIR_FROM_NONE,
} from "../../src/rpc/error_codes.ts";

const SPEC = { weight: VIR_TYPED_PARAM_UINT, hard_limit: VIR_TYPED_PARAM_ULLONG };

function failure(f: () => void): VirError {
  try {
    f();
  } catch (e) {
    if (e instanceof VirError) return e;
    throw e;
  }
  throw new Error("no error");
}

Deno.test("typedParamTypeName() names libvirt's parameter types", () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 7, 8].map(typedParamTypeName),
    ["int", "uint", "llong", "ullong", "double", "boolean", "string", ""],
  );
});

Deno.test("validateTypedParams() passes known names of the right type", () => {
  validateTypedParams([], SPEC);
  validateTypedParams([param.ullong("hard_limit", 1n), param.uint("weight", 5)], SPEC);
});

Deno.test("validateTypedParams() refuses an unknown name, a wrong type, a repeat", () => {
  let e = failure(() => validateTypedParams([param.uint("toString", 1)], SPEC));
  assert.equal(e.code, VIR_ERR_ARGUMENT_UNSUPPORTED);
  assert.equal(e.domain, VIR_FROM_NONE);
  assert.equal(e.message, "argument unsupported: parameter 'toString' not supported");
  e = failure(() => validateTypedParams([param.uint("hard_limit", 1)], SPEC));
  assert.equal(e.code, VIR_ERR_INVALID_ARG);
  assert.equal(
    e.message,
    "invalid argument: invalid type 'uint' for parameter 'hard_limit', expected 'ullong'",
  );
  e = failure(() => validateTypedParams([param.uint("weight", 1), param.uint("weight", 2)], SPEC));
  assert.equal(e.message, "invalid argument: parameter 'weight' occurs multiple times");
});

Deno.test("validateTypedParams() checks by name, unless the wording says in order", () => {
  const params = [param.uint("zz", 1), param.uint("hard_limit", 1)];
  assert.match(failure(() => validateTypedParams(params, SPEC)).message, /'hard_limit'/);
  const inOrder: TypedParamsWording = {
    wrongType: (field) => `invalid type for parameter '${field}'`,
    inOrder: true,
    repeats: true,
  };
  assert.match(failure(() => validateTypedParams(params, SPEC, inOrder)).message, /'zz'/);
  assert.equal(
    failure(() => validateTypedParams([param.uint("hard_limit", 1)], SPEC, inOrder)).message,
    "invalid argument: invalid type for parameter 'hard_limit'",
  );
  validateTypedParams([param.uint("weight", 1), param.uint("weight", 2)], SPEC, inOrder);
});
