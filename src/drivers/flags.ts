// Flag checks every driver makes: libvirt's virCheckFlags (a flag outside
// those a driver function accepts is refused with code 8, the driver's error
// domain, the function's name in str1 and "flags" in str2) and
// virDomainObjUpdateModificationImpact.

import { VirError } from "../rpc/error.ts";
import { VIR_ERR_INVALID_ARG, VIR_ERR_OPERATION_INVALID } from "../rpc/error_codes.ts";
import { VIR_DOMAIN_AFFECT_CONFIG, VIR_DOMAIN_AFFECT_LIVE } from "./domain_constants.ts";

export function checkFlagsIn(domain: number, fn: string, flags: number, allowed: number): void {
  const bad = (flags & ~allowed) >>> 0;
  if (bad === 0) return;
  const e = new VirError({
    code: VIR_ERR_INVALID_ARG,
    domain,
    str1: fn,
    str2: "flags",
    int1: 0,
    int2: 0,
  });
  e.message = `unsupported flags (0x${bad.toString(16)}) in function ${fn}`;
  throw e;
}

/**
 * libvirt's virDomainObjUpdateModificationImpact: AFFECT_CURRENT (neither
 * LIVE nor CONFIG) becomes LIVE for a running domain and CONFIG otherwise;
 * LIVE for a domain that is not running is refused with `notActive()`, and
 * CONFIG for a transient one with code 55 in the driver's error `domain`.
 * Returns the resolved flags.
 */
export function updateModificationImpact(
  flags: number,
  o: {
    active: boolean;
    persistent: boolean;
    notActive: () => VirError;
    domain: number;
    /** The driver's words for the transient refusal, when not libvirt's usual ones. */
    transientMessage?: string;
  },
): number {
  if ((flags & (VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG)) === 0) {
    flags |= o.active ? VIR_DOMAIN_AFFECT_LIVE : VIR_DOMAIN_AFFECT_CONFIG;
  }
  if (!o.active && (flags & VIR_DOMAIN_AFFECT_LIVE)) throw o.notActive();
  if (!o.persistent && (flags & VIR_DOMAIN_AFFECT_CONFIG)) {
    throw VirError.of(
      VIR_ERR_OPERATION_INVALID,
      o.domain,
      o.transientMessage ?? "transient domains do not have any persistent config",
    );
  }
  return flags;
}
