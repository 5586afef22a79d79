/**
 * What several of the test driver's domain families share: the values of
 * typed parameters a caller sent, the reference an event carries for a
 * domain that has stopped, and the testnetN names it gives interfaces.
 *
 * @module
 */

import type { TypedParam } from "../../rpc/typed_params.ts";
import type { DomainDef } from "../../conf/domain_xml.ts";
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

/**
 * Names interfaces without a <target dev> 'testnetN' (lowest N not used by
 * another interface of the domain), as the test driver does when a domain is
 * defined or created. Mutates and returns the definition.
 */
export function assignTestIfnames(def: DomainDef): DomainDef {
  for (const n of def.devices.interfaces) {
    if (n.targetDev !== null) continue;
    for (let i = 0; i < 1024; i++) {
      const name = `testnet${i}`;
      if (!def.devices.interfaces.some((x) => x.targetDev === name)) {
        n.targetDev = name;
        break;
      }
    }
  }
  return def;
}
