/**
 * libvirt's virDomainObjUpdateModificationImpact, which every driver's
 * domain calls use to resolve VIR_DOMAIN_AFFECT_*, and the public API's
 * VIR_EXCLUSIVE_FLAGS check that runs before any driver (virCheckFlags
 * itself is in src/util/flags.ts).
 *
 * @module
 */

import { VirError } from "../rpc/error.ts";
import { VIR_ERR_OPERATION_INVALID, VIR_FROM_DOMAIN } from "../rpc/error_codes.ts";
import { VIR_DOMAIN_AFFECT_CONFIG, VIR_DOMAIN_AFFECT_LIVE } from "./domain_constants.ts";

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

/** The public API's VIR_EXCLUSIVE_FLAGS check (it runs in the daemon too). */
export function exclusiveFlags(
  fn: string,
  domain: number,
  flags: number,
  a: number,
  b: number,
  names: [string, string],
): void {
  if ((flags & a) && (flags & b)) {
    throw VirError.argument(
      domain,
      fn,
      "ctl",
      `Flags '${names[0]}' and '${names[1]}' are mutually exclusive`,
    );
  }
}

export function exclusiveAffect(fn: string, flags: number): void {
  exclusiveFlags(fn, VIR_FROM_DOMAIN, flags, VIR_DOMAIN_AFFECT_LIVE, VIR_DOMAIN_AFFECT_CONFIG, [
    "VIR_DOMAIN_AFFECT_LIVE",
    "VIR_DOMAIN_AFFECT_CONFIG",
  ]);
}
