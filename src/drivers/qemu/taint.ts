/**
 * What libvirt tells of a QEMU domain's confinement and tainting (virsh
 * dominfo): the security model (denovirt has no security driver, which
 * libvirt calls "none", DOI "0"), the empty process label that model gives,
 * and virDomainGetMessages' taint messages — "running with undesirable
 * elevated privileges" when QEMU runs as root, as under a root daemon it
 * does here; host-CPU passthrough; monitor commands a client issued.
 *
 * @module
 */

import type { HandlerEntry } from "../../dispatch/handlers.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import { on } from "./conn.ts";
import { checkFlags } from "./domain_common.ts";
import type { QemuDomainObj } from "./state.ts";

/** VIR_DOMAIN_MESSAGE_DEPRECATION | VIR_DOMAIN_MESSAGE_TAINTING. */
const VIR_DOMAIN_MESSAGE_DEPRECATION = 1 << 0;
const VIR_DOMAIN_MESSAGE_TAINTING = 1 << 1;

/** A C string as the wire's char arrays carry it, NUL included. */
function cString(s: string): number[] {
  return [...new TextEncoder().encode(s), 0];
}

/** Whether QEMU runs as root: it runs as the daemon's user. */
function qemuAsRoot(): boolean {
  try {
    return Deno.uid() === 0;
  } catch {
    return false;
  }
}

/** The taint messages of a running domain, in libvirt's enum order. */
export function taintMessages(o: QemuDomainObj): string[] {
  if (o.pid === 0) return [];
  const out: string[] = [];
  if (o.customMonitor) out.push("custom monitor control commands issued");
  if (qemuAsRoot()) out.push("running with undesirable elevated privileges");
  if (o.def.cpu?.mode === "host-passthrough") {
    out.push("potentially unsafe use of host CPU passthrough");
  }
  return out.map((m) => `tainted: ${m}`);
}

export const taintHandlers: HandlerEntry[] = [
  on(P.REMOTE_PROC_NODE_GET_SECURITY_MODEL, () => ({ model: cString("none"), doi: cString("0") })),
  on(P.REMOTE_PROC_DOMAIN_GET_SECURITY_LABEL, (c, a) => {
    c.withObj(c.entry(a.dom), () => undefined);
    return { label: cString(""), enforcing: 0 };
  }),
  on(P.REMOTE_PROC_DOMAIN_GET_MESSAGES, (c, a) => {
    checkFlags(
      "qemuDomainGetMessages",
      a.flags,
      VIR_DOMAIN_MESSAGE_DEPRECATION | VIR_DOMAIN_MESSAGE_TAINTING,
    );
    return c.withObj(c.entry(a.dom), (o) => ({
      msgs: !a.flags || (a.flags & VIR_DOMAIN_MESSAGE_TAINTING) ? taintMessages(o) : [],
    }));
  }),
];
