// Typed parameters (virTypedParameter) on the wire: a field name and a
// value whose XDR type is chosen by the VIR_TYPED_PARAM_* discriminant.

import { type Codec, double, hyper, int, string, struct, uhyper, uint, union } from "../xdr/mod.ts";
import { VIR_NET_MESSAGE_STRING_MAX } from "./constants.ts";
import { VirError } from "./error.ts";
import { VIR_ERR_ARGUMENT_UNSUPPORTED, VIR_ERR_INVALID_ARG, VIR_FROM_NONE } from "./error_codes.ts";

export const VIR_TYPED_PARAM_INT = 1;
export const VIR_TYPED_PARAM_UINT = 2;
export const VIR_TYPED_PARAM_LLONG = 3;
export const VIR_TYPED_PARAM_ULLONG = 4;
export const VIR_TYPED_PARAM_DOUBLE = 5;
export const VIR_TYPED_PARAM_BOOLEAN = 6;
export const VIR_TYPED_PARAM_STRING = 7;
/** Flag clients OR into getters to say they accept string parameters. */
export const VIR_TYPED_PARAM_STRING_OKAY = 4;
/** libvirt's VIR_TYPED_PARAM_FIELD_LENGTH: a field name's size including NUL. */
export const VIR_TYPED_PARAM_FIELD_LENGTH = 80;

/** remote_typed_param_value: the union over VIR_TYPED_PARAM_*. */
export const typed_param_value = union("remote_typed_param_value", int, {
  [VIR_TYPED_PARAM_INT]: int,
  [VIR_TYPED_PARAM_UINT]: uint,
  [VIR_TYPED_PARAM_LLONG]: hyper,
  [VIR_TYPED_PARAM_ULLONG]: uhyper,
  [VIR_TYPED_PARAM_DOUBLE]: double,
  [VIR_TYPED_PARAM_BOOLEAN]: int,
  [VIR_TYPED_PARAM_STRING]: string(VIR_NET_MESSAGE_STRING_MAX),
});

/** remote_typed_param (also admin_typed_param: the same layout). */
export const typed_param = struct("remote_typed_param", {
  field: string(VIR_NET_MESSAGE_STRING_MAX),
  value: typed_param_value,
});

export type TypedParam = ReturnType<typeof typed_param.decode>;
export type TypedParamValue = TypedParam["value"];

/** Helpers that build one parameter of each type. */
export const param = {
  int: (field: string, v: number): TypedParam => ({
    field,
    value: { tag: VIR_TYPED_PARAM_INT, value: v },
  }),
  uint: (field: string, v: number): TypedParam => ({
    field,
    value: { tag: VIR_TYPED_PARAM_UINT, value: v },
  }),
  llong: (field: string, v: bigint): TypedParam => ({
    field,
    value: { tag: VIR_TYPED_PARAM_LLONG, value: v },
  }),
  ullong: (field: string, v: bigint): TypedParam => ({
    field,
    value: { tag: VIR_TYPED_PARAM_ULLONG, value: v },
  }),
  double: (field: string, v: number): TypedParam => ({
    field,
    value: { tag: VIR_TYPED_PARAM_DOUBLE, value: v },
  }),
  boolean: (field: string, v: boolean): TypedParam => ({
    field,
    value: { tag: VIR_TYPED_PARAM_BOOLEAN, value: v ? 1 : 0 },
  }),
  string: (field: string, v: string): TypedParam => ({
    field,
    value: { tag: VIR_TYPED_PARAM_STRING, value: v },
  }),
};

/** The plain JS value of a parameter (bigint for the 64-bit types). */
export function paramValue(p: TypedParam): number | bigint | string | boolean {
  const v = p.value;
  return v.tag === VIR_TYPED_PARAM_BOOLEAN ? v.value !== 0 : v.value;
}

/** A `Codec` alias so schema files can say `array(typedParam, MAX)`. */
export const typedParamCodec: Codec<TypedParam> = typed_param;

const TYPE_NAMES = ["", "int", "uint", "llong", "ullong", "double", "boolean", "string"];

/** virTypedParamsValidate: every parameter known and of its type, none repeated. */
export function validateTypedParams(params: TypedParam[], spec: Record<string, number>): void {
  const sorted = [...params].sort((a, b) => (a.field < b.field ? -1 : a.field > b.field ? 1 : 0));
  let last: string | null = null;
  for (const p of sorted) {
    const want = spec[p.field];
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
        `invalid type '${TYPE_NAMES[p.value.tag] ?? ""}' for parameter '${p.field}', expected '${
          TYPE_NAMES[want]
        }'`,
      );
    }
    if (last === p.field) {
      throw VirError.of(
        VIR_ERR_INVALID_ARG,
        VIR_FROM_NONE,
        `parameter '${p.field}' occurs multiple times`,
      );
    }
    last = p.field;
  }
}
