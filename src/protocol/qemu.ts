/**
 * libvirt's QEMU program (src/remote/qemu_protocol.x in libvirt 9.0): the
 * QEMU-specific calls of libvirt-qemu.so — monitor and guest-agent
 * pass-through, monitor event callbacks. Served on the rw and ro sockets
 * beside the remote program.
 *
 * @module
 */

import { declare, defineProgram, parseProcedureTable } from "./program.ts";
import { hyper, int, struct, uint, xdrVoid } from "../xdr/mod.ts";
import {
  remote_domain,
  remote_nonnull_domain,
  remote_nonnull_string,
  remote_string,
} from "./remote_types.ts";

export const QEMU_PROGRAM = 0x20008087;
export const QEMU_PROTOCOL_VERSION = 1;

export const QEMU_PROC_DOMAIN_MONITOR_COMMAND = 1;
export const QEMU_PROC_DOMAIN_ATTACH = 2;
export const QEMU_PROC_DOMAIN_AGENT_COMMAND = 3;
export const QEMU_PROC_CONNECT_DOMAIN_MONITOR_EVENT_REGISTER = 4;
export const QEMU_PROC_CONNECT_DOMAIN_MONITOR_EVENT_DEREGISTER = 5;
export const QEMU_PROC_DOMAIN_MONITOR_EVENT = 6;
export const QEMU_PROC_DOMAIN_MONITOR_COMMAND_WITH_FILES = 7;

/** VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP: the command is in the human monitor's language. */
export const VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP = 1;

const monitorCommandArgs = struct("qemu_domain_monitor_command_args", {
  dom: remote_nonnull_domain,
  cmd: remote_nonnull_string,
  flags: uint,
});
const monitorCommandRet = struct("qemu_domain_monitor_command_ret", {
  result: remote_nonnull_string,
});

export const QEMU_PROGRAM_DEF = defineProgram(
  "qemu",
  QEMU_PROGRAM,
  QEMU_PROTOCOL_VERSION,
  parseProcedureTable(`
1	DOMAIN_MONITOR_COMMAND	low	domain:write	-
2	DOMAIN_ATTACH	low	domain:write,domain:start	-
3	DOMAIN_AGENT_COMMAND	low	domain:write	-
4	CONNECT_DOMAIN_MONITOR_EVENT_REGISTER	high	connect:search_domains,connect:read,domain:read	-
5	CONNECT_DOMAIN_MONITOR_EVENT_DEREGISTER	high	connect:read	-
6	DOMAIN_MONITOR_EVENT	low	-	-
7	DOMAIN_MONITOR_COMMAND_WITH_FILES	low	domain:write	-
`),
  [
    declare(QEMU_PROC_DOMAIN_MONITOR_COMMAND, monitorCommandArgs, monitorCommandRet),
    declare(
      QEMU_PROC_DOMAIN_ATTACH,
      struct("qemu_domain_attach_args", { pid_value: uint, flags: uint }),
      struct("qemu_domain_attach_ret", { dom: remote_nonnull_domain }),
    ),
    declare(
      QEMU_PROC_DOMAIN_AGENT_COMMAND,
      struct("qemu_domain_agent_command_args", {
        dom: remote_nonnull_domain,
        cmd: remote_nonnull_string,
        timeout: int,
        flags: uint,
      }),
      struct("qemu_domain_agent_command_ret", { result: remote_string }),
    ),
    declare(
      QEMU_PROC_CONNECT_DOMAIN_MONITOR_EVENT_REGISTER,
      struct("qemu_connect_domain_monitor_event_register_args", {
        dom: remote_domain,
        event: remote_string,
        flags: uint,
      }),
      struct("qemu_connect_domain_monitor_event_register_ret", { callbackID: int }),
    ),
    declare(
      QEMU_PROC_CONNECT_DOMAIN_MONITOR_EVENT_DEREGISTER,
      struct("qemu_connect_domain_monitor_event_deregister_args", { callbackID: int }),
      xdrVoid,
    ),
    declare(
      QEMU_PROC_DOMAIN_MONITOR_EVENT,
      struct("qemu_domain_monitor_event_msg", {
        callbackID: int,
        dom: remote_nonnull_domain,
        event: remote_nonnull_string,
        seconds: hyper,
        micros: uint,
        details: remote_string,
      }),
      xdrVoid,
    ),
    declare(QEMU_PROC_DOMAIN_MONITOR_COMMAND_WITH_FILES, monitorCommandArgs, monitorCommandRet),
  ],
);
