/**
 * Checking typed parameters a caller sent against the names and types a
 * function takes: libvirt's virTypedParamsValidate (src/util/virtypedparam.c).
 * The wire form of a parameter is in src/rpc/typed_params.ts.
 *
 * @example
 * ```ts
 * import { validateTypedParams } from "./typed_params.ts";
 * import { param, VIR_TYPED_PARAM_UINT } from "../rpc/typed_params.ts";
 * validateTypedParams([param.uint("weight", 500)], { weight: VIR_TYPED_PARAM_UINT });
 * // param.int("weight", 500) would be
 * // "invalid type 'int' for parameter 'weight', expected 'uint'"
 * ```
 *
 * @module
 */

import { VirError } from "../rpc/error.ts";
import {
  VIR_ERR_ARGUMENT_UNSUPPORTED,
  VIR_ERR_INVALID_ARG,
  VIR_FROM_NONE,
} from "../rpc/error_codes.ts";
import type { TypedParam } from "../rpc/typed_params.ts";

/** virTypedParameterTypeToString, indexed by VIR_TYPED_PARAM_*. */
const TYPE_NAMES = ["", "int", "uint", "llong", "ullong", "double", "boolean", "string"];

/** The name libvirt gives a VIR_TYPED_PARAM_* type ("" for an unknown one). */
export function typedParamTypeName(type: number): string {
  return TYPE_NAMES[type] ?? "";
}

/** How a caller words and orders its checks, where it is not virTypedParamsValidate. */
export interface TypedParamsWording {
  /** The message for a parameter of the wrong type. */
  wrongType(field: string, got: number, want: number): string;
  /** Check in the order sent, not sorted by name. */
  inOrder: boolean;
  /** Let a name repeat. */
  repeats: boolean;
}

/** virTypedParamsValidate: sorted by name, the types named, no name twice. */
export const VIR_TYPED_PARAMS_VALIDATE: TypedParamsWording = {
  wrongType: (field, got, want) =>
    `invalid type '${typedParamTypeName(got)}' for parameter '${field}', expected '${
      typedParamTypeName(want)
    }'`,
  inOrder: false,
  repeats: false,
};

/**
 * Checks that every parameter is one `spec` names (VIR_ERR_ARGUMENT_UNSUPPORTED
 * otherwise), of the type it gives (VIR_ERR_INVALID_ARG), and, unless
 * `wording` allows it, named once; all from VIR_FROM_NONE.
 */
export function validateTypedParams(
  params: readonly TypedParam[],
  spec: Readonly<Record<string, number>>,
  wording: TypedParamsWording = VIR_TYPED_PARAMS_VALIDATE,
): void {
  const list = wording.inOrder
    ? params
    : [...params].sort((a, b) => (a.field < b.field ? -1 : a.field > b.field ? 1 : 0));
  let last: string | null = null;
  for (const p of list) {
    const want = Object.hasOwn(spec, p.field) ? spec[p.field] : undefined;
    if (want === undefined) {
      throw VirError.of(
        VIR_ERR_ARGUMENT_UNSUPPORTED,
        VIR_FROM_NONE,
        `parameter '${p.field}' not supported`,
      );
    }
    if (p.value.tag !== want) {
      throw VirError.of(
        VIR_ERR_INVALID_ARG,
        VIR_FROM_NONE,
        wording.wrongType(p.field, p.value.tag, want),
      );
    }
    if (!wording.repeats && last === p.field) {
      throw VirError.of(
        VIR_ERR_INVALID_ARG,
        VIR_FROM_NONE,
        `parameter '${p.field}' occurs multiple times`,
      );
    }
    last = p.field;
  }
}
