/**
 * The calls libvirt answers through the QEMU guest agent (virsh domtime,
 * domfsinfo, domfsfreeze/thaw, domfstrim, guestinfo, set-user-password,
 * guestvcpus, get-/set-user-sshkeys). denovirt does not talk to the agent,
 * so each gets libvirt's answer for an agent it cannot use:
 * qemuDomainAgentAvailable's "domain is not running" for a guest not
 * running, "QEMU guest agent is not configured" without the
 * org.qemu.guest_agent.0 channel, and "QEMU guest agent is not connected"
 * with it.
 *
 * @module
 */

import type { HandlerEntry } from "../../dispatch/handlers.ts";
import type { Handler } from "../../dispatch/context.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import type { RemoteDomain } from "../../protocol/remote_types.ts";
import type { QemuDomainObj } from "./state.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_AGENT_UNRESPONSIVE,
  VIR_ERR_ARGUMENT_UNSUPPORTED,
  VIR_FROM_QEMU,
} from "../../rpc/error_codes.ts";
import * as S from "../domain_constants.ts";
import { on, type QemuConn } from "./conn.ts";
import { checkFlags, notRunning } from "./domain_common.ts";

/** The agent's channel name. */
export const GUEST_AGENT_CHANNEL = "org.qemu.guest_agent.0";

/**
 * qemuDomainAgentAvailable's refusal for a daemon that never connects to the
 * agent: the domain is not running, or its agent is not connected, or it
 * has none configured.
 */
export function agentUnavailable(o: QemuDomainObj): VirError {
  if (o.pid === 0 || o.state !== S.VIR_DOMAIN_RUNNING) return notRunning();
  const configured = o.def.devices.channels.some((ch) =>
    ch.targetType === "virtio" && ch.targetName === GUEST_AGENT_CHANNEL
  );
  return configured
    ? VirError.of(VIR_ERR_AGENT_UNRESPONSIVE, VIR_FROM_QEMU, "QEMU guest agent is not connected")
    : VirError.of(
      VIR_ERR_ARGUMENT_UNSUPPORTED,
      VIR_FROM_QEMU,
      "QEMU guest agent is not configured",
    );
}

/** Each agent call: its procedure, libvirt's function name and the flags it accepts. */
const AGENT_CALLS: [number, string, number][] = [
  [P.REMOTE_PROC_DOMAIN_GET_TIME, "qemuDomainGetTime", 0],
  [P.REMOTE_PROC_DOMAIN_SET_TIME, "qemuDomainSetTime", 1], // VIR_DOMAIN_TIME_SYNC
  [P.REMOTE_PROC_DOMAIN_GET_FSINFO, "qemuDomainGetFSInfo", 0],
  [P.REMOTE_PROC_DOMAIN_FSFREEZE, "qemuDomainFSFreeze", 0],
  [P.REMOTE_PROC_DOMAIN_FSTHAW, "qemuDomainFSThaw", 0],
  [P.REMOTE_PROC_DOMAIN_FSTRIM, "qemuDomainFSTrim", 0],
  [P.REMOTE_PROC_DOMAIN_GET_GUEST_INFO, "qemuDomainGetGuestInfo", 0],
  [P.REMOTE_PROC_DOMAIN_SET_USER_PASSWORD, "qemuDomainSetUserPassword", 1], // _ENCRYPTED
  [P.REMOTE_PROC_DOMAIN_GET_GUEST_VCPUS, "qemuDomainGetGuestVcpus", 0],
  [P.REMOTE_PROC_DOMAIN_SET_GUEST_VCPUS, "qemuDomainSetGuestVcpus", 0],
  [P.REMOTE_PROC_DOMAIN_AUTHORIZED_SSH_KEYS_GET, "qemuDomainAuthorizedSSHKeysGet", 0],
  [P.REMOTE_PROC_DOMAIN_AUTHORIZED_SSH_KEYS_SET, "qemuDomainAuthorizedSSHKeysSet", 3],
];

/** What every agent call's arguments carry. */
type AgentArgs = { dom: RemoteDomain; flags: number };

export const guestAgentHandlers: HandlerEntry[] = AGENT_CALLS.map(([proc, fn, allowed]) =>
  (on as unknown as (
    p: number,
    f: (c: QemuConn, a: AgentArgs) => never,
  ) => readonly [number, Handler])(proc, (c, a) => {
    checkFlags(fn, a.flags, allowed);
    throw c.withObj(c.entry(a.dom), agentUnavailable);
  })
);
