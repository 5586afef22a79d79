/**
 * virDomainSetLifecycleAction's checks and change, shared by the drivers:
 * the public API's range checks, libvirt's rule that only a crash may dump
 * core (virDomainDefLifecycleActionAllowed), and the change to a definition.
 *
 * @module
 */

import { VirError } from "../rpc/error.ts";
import { VIR_ERR_CONFIG_UNSUPPORTED, VIR_FROM_DOMAIN } from "../rpc/error_codes.ts";
import type { DomainDef } from "../conf/domain_xml.ts";
import { apiInvalidArg } from "./domain_metadata.ts";

/** virDomainLifecycle, in libvirt's order. */
export const LIFECYCLE_TYPES = ["poweroff", "reboot", "crash"] as const;

/** virDomainLifecycleAction, in libvirt's order. */
export const LIFECYCLE_ACTIONS = [
  "destroy",
  "restart",
  "rename-restart",
  "preserve",
  "coredump-destroy",
  "coredump-restart",
] as const;

/** VIR_DOMAIN_LIFECYCLE_CRASH. */
const CRASH = 2;

/** The public API's checks of virDomainSetLifecycleAction (before the driver's flags). */
export function checkLifecycleArgs(type: number, action: number): void {
  const fn = "virDomainSetLifecycleAction";
  if (type >= LIFECYCLE_TYPES.length) {
    throw apiInvalidArg(fn, "type", `invalid lifecycle type '${type}'`);
  }
  if (action >= LIFECYCLE_ACTIONS.length) {
    throw apiInvalidArg(fn, "action", `invalid lifecycle action '${action}'`);
  }
}

/** virDomainDefLifecycleActionAllowed: the action's name, or the refusal of a core dump. */
export function allowedLifecycleAction(type: number, action: number): string {
  const name = LIFECYCLE_ACTIONS[action]!;
  if (type !== CRASH && name.startsWith("coredump")) {
    throw VirError.of(
      VIR_ERR_CONFIG_UNSUPPORTED,
      VIR_FROM_DOMAIN,
      `Lifecycle event '${LIFECYCLE_TYPES[type]}' doesn't support '${name}' action`,
    );
  }
  return name;
}

/** Sets one of a definition's on_poweroff, on_reboot, on_crash. */
export function setLifecycleAction(def: DomainDef, type: number, action: string): void {
  if (type === 0) def.onPoweroff = action;
  else if (type === 1) def.onReboot = action;
  else def.onCrash = action;
}
