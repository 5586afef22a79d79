/**
 * Typed parameters (virTypedParameter) on the wire: a field name and a
 * value whose XDR type is chosen by the VIR_TYPED_PARAM_* discriminant.
 *
 * @module
 */

import { double, hyper, int, string, struct, uhyper, uint, union } from "../xdr/mod.ts";
import { VIR_NET_MESSAGE_STRING_MAX } from "./constants.ts";

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
