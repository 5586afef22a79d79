/**
 * What several of the test driver's domain families share: the values of
 * typed parameters a caller sent, and the reference an event carries for a
 * domain that has stopped.
 *
 * @module
 */

import type { TypedParam } from "../../rpc/typed_params.ts";
import type { DomainEntry } from "./state.ts";

/** Entry fields for an event on a stopped domain (its id is gone). */
export function stoppedRef(e: DomainEntry): { name: string; uuid: string; id: number } {
  return { name: e.name, uuid: e.uuid, id: -1 };
}

export function paramNum(p: TypedParam): number {
  return Number(p.value.value as number | bigint);
}

export function paramBig(p: TypedParam): bigint {
  return BigInt(p.value.value as number | bigint);
}

/** The first parameter named `field` (virTypedParamsGet*). */
export function findParam(params: TypedParam[], field: string): TypedParam | undefined {
  return params.find((p) => p.field === field);
}
