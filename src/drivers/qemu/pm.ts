/**
 * Guest power management (virsh dompmsuspend / dompmwakeup): suspending
 * goes through the guest agent, which denovirt never connects to, so it is
 * refused as libvirt refuses it without an agent; waking up is QEMU's
 * system_wakeup, whose refusal comes back in QEMU's words.
 *
 * @module
 */

import type { HandlerEntry } from "../../dispatch/handlers.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_ARGUMENT_UNSUPPORTED,
  VIR_ERR_INVALID_ARG,
  VIR_FROM_QEMU,
} from "../../rpc/error_codes.ts";
import { on } from "./conn.ts";
import { checkFlags, notRunning } from "./domain_common.ts";
import { agentUnavailable } from "./guest_agent.ts";

/** VIR_NODE_SUSPEND_TARGET_MEM, _DISK, _HYBRID. */
const SUSPEND_TARGETS = 3;

export const pmHandlers: HandlerEntry[] = [
  on(P.REMOTE_PROC_DOMAIN_PM_SUSPEND_FOR_DURATION, (c, a) => {
    checkFlags("qemuDomainPMSuspendForDuration", a.flags, 0);
    if (a.duration !== 0n) {
      throw VirError.of(
        VIR_ERR_ARGUMENT_UNSUPPORTED,
        VIR_FROM_QEMU,
        "Duration not supported. Use 0 for now",
      );
    }
    if (a.target >= SUSPEND_TARGETS) {
      throw VirError.of(VIR_ERR_INVALID_ARG, VIR_FROM_QEMU, `Unknown suspend target: ${a.target}`);
    }
    throw c.withObj(c.entry(a.dom), agentUnavailable);
  }),
  on(P.REMOTE_PROC_DOMAIN_PM_WAKEUP, (c, a) => {
    checkFlags("qemuDomainPMWakeup", a.flags, 0);
    c.job(a.dom, "remoteDispatchDomainPMWakeup", (entry) => {
      if (c.withObj(entry, (o) => o.pid === 0)) throw notRunning();
      c.io("qemu.qmp", { uuid: entry.uuid, cmd: "system_wakeup" });
    });
  }),
];
