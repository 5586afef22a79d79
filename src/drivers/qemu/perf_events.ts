/**
 * Perf events and launch security of a QEMU domain (virsh perf,
 * domlaunchsecinfo). denovirt opens no perf counters on QEMU and starts no
 * SEV guests: a definition that enables an event is refused at define (see
 * domain_defaults.ts), so every event reads disabled, live and persistent,
 * and a domain has no launch security figures — as libvirt 9.0 reports a
 * domain without them.
 *
 * @module
 */

import type { HandlerEntry } from "../../dispatch/handlers.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import { param } from "../../rpc/typed_params.ts";
import {
  PERF_EVENTS,
  VIR_DOMAIN_AFFECT_CONFIG,
  VIR_DOMAIN_AFFECT_LIVE,
} from "../domain_constants.ts";
import { exclusiveAffect } from "../flags.ts";
import { on } from "./conn.ts";
import { checkFlags, notRunning } from "./domain_common.ts";
import { enabledPerfEvents } from "./domain_defaults.ts";

/** VIR_TYPED_PARAM_STRING_OKAY, which the public API adds to the flags it sends. */
const STRING_OKAY = 4;

export const perfEventHandlers: HandlerEntry[] = [
  on(P.REMOTE_PROC_DOMAIN_GET_PERF_EVENTS, (c, a) => {
    exclusiveAffect("virDomainGetPerfEvents", a.flags);
    checkFlags(
      "qemuDomainGetPerfEvents",
      a.flags,
      VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | STRING_OKAY,
    );
    const def = c.withObj(c.entry(a.dom), (o) => {
      const live = (a.flags & VIR_DOMAIN_AFFECT_LIVE) !== 0 ||
        ((a.flags & VIR_DOMAIN_AFFECT_CONFIG) === 0 && o.pid !== 0);
      if (live && o.pid === 0) throw notRunning();
      return live ? o.def : (o.newDef ?? o.def);
    });
    const enabled = new Set(enabledPerfEvents(def));
    return { params: PERF_EVENTS.map((e) => param.boolean(e, enabled.has(e))) };
  }),
  on(P.REMOTE_PROC_DOMAIN_GET_LAUNCH_SECURITY_INFO, (c, a) => {
    checkFlags("qemuDomainGetLaunchSecurityInfo", a.flags, STRING_OKAY);
    c.entry(a.dom);
    return { params: [] };
  }),
];
