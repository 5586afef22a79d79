/**
 * The remote program's dispatch policy and its connection-level procedures
 * (auth, features, open/close, close callbacks), which libvirtd's remote
 * dispatcher answers itself before any driver is involved.
 *
 * @module
 */

import { REMOTE_PROGRAM_DEF } from "../protocol/remote.ts";
import { handlersOf } from "./handlers.ts";
import {
  REMOTE_PROC_AUTH_LIST,
  REMOTE_PROC_AUTH_POLKIT,
  REMOTE_PROC_AUTH_SASL_INIT,
  REMOTE_PROC_AUTH_SASL_START,
  REMOTE_PROC_AUTH_SASL_STEP,
  REMOTE_PROC_CONNECT_CLOSE,
  REMOTE_PROC_CONNECT_GET_LIB_VERSION,
  REMOTE_PROC_CONNECT_OPEN,
  REMOTE_PROC_CONNECT_REGISTER_CLOSE_CALLBACK,
  REMOTE_PROC_CONNECT_SET_IDENTITY,
  REMOTE_PROC_CONNECT_SUPPORTS_FEATURE,
  REMOTE_PROC_CONNECT_UNREGISTER_CLOSE_CALLBACK,
  REMOTE_PROC_DOMAIN_GET_LAUNCH_SECURITY_INFO,
  REMOTE_PROC_DOMAIN_GET_VCPUS_FLAGS,
  REMOTE_PROC_DOMAIN_INTERFACE_ADDRESSES,
  REMOTE_PROC_DOMAIN_MIGRATE_GET_COMPRESSION_CACHE,
  REMOTE_PROC_DOMAIN_MIGRATE_GET_MAX_DOWNTIME,
  REMOTE_PROC_DOMAIN_SET_SCHEDULER_PARAMETERS,
  REMOTE_PROC_NODE_DEVICE_GET_AUTOSTART,
  REMOTE_PROC_NODE_GET_SEV_INFO,
} from "../protocol/remote_procedure_numbers.ts";
import type { ProcedureInfo } from "../protocol/program.ts";
import {
  VIR_TYPED_PARAM_LLONG,
  VIR_TYPED_PARAM_STRING,
  VIR_TYPED_PARAM_ULLONG,
} from "../rpc/typed_params.ts";
import { validateTypedParams } from "../util/typed_params.ts";
import {
  VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT,
  VIR_DOMAIN_VCPU_GUEST,
} from "../drivers/domain_constants.ts";
import { apiErrorDomain, apiName } from "../protocol/api_names.ts";
import { apiPreamble } from "./api_checks.ts";
import {
  REMOTE_AUTH_NONE,
  REMOTE_AUTH_SASL,
  VIR_CONNECT_RO,
  VIR_DRV_FEATURE_FD_PASSING,
  VIR_DRV_FEATURE_NETWORK_UPDATE_HAS_CORRECT_ORDER,
  VIR_DRV_FEATURE_PROGRAM_KEEPALIVE,
  VIR_DRV_FEATURE_REMOTE_CLOSE_CALLBACK,
  VIR_DRV_FEATURE_REMOTE_EVENT_CALLBACK,
  VIR_DRV_FEATURE_TYPED_PARAM_STRING,
} from "../rpc/constants.ts";
import { remoteErrorNotSet, VirError } from "../rpc/error.ts";
import {
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_NO_CONNECT,
  VIR_ERR_OPERATION_DENIED,
  VIR_FROM_NONE,
  VIR_FROM_RPC,
} from "../rpc/error_codes.ts";
import {
  CF_AUTH_SASL,
  CF_CLOSE_CALLBACK,
  CF_CONN_OPEN,
  CF_KEEPALIVE,
  CF_READONLY,
} from "../pool/layout.ts";
import type { DriverRegistry } from "../drivers/driver.ts";
import type { CallContext, Handler } from "./context.ts";
import { noSupport, type ProgramService } from "./dispatch.ts";

/** libvirt 9.0.0, the version denovirt answers as (major × 1,000,000 + minor × 1,000 + micro). */
export const LIBVIR_VERSION_NUMBER = 9000000;

/** Procedures served without an open connection. */
const NO_CONNECTION_NEEDED = new Set([
  REMOTE_PROC_AUTH_LIST,
  REMOTE_PROC_AUTH_SASL_INIT,
  REMOTE_PROC_AUTH_SASL_START,
  REMOTE_PROC_AUTH_SASL_STEP,
  REMOTE_PROC_AUTH_POLKIT,
  REMOTE_PROC_CONNECT_OPEN,
  REMOTE_PROC_CONNECT_CLOSE,
  REMOTE_PROC_CONNECT_SUPPORTS_FEATURE,
]);

/** Features answered 1 once a connection is open (as libvirtd 9.0 with the test driver). */
const FEATURES_AFTER_OPEN = new Set([
  VIR_DRV_FEATURE_FD_PASSING,
  VIR_DRV_FEATURE_TYPED_PARAM_STRING,
  VIR_DRV_FEATURE_PROGRAM_KEEPALIVE,
  VIR_DRV_FEATURE_REMOTE_EVENT_CALLBACK,
  VIR_DRV_FEATURE_REMOTE_CLOSE_CALLBACK,
  VIR_DRV_FEATURE_NETWORK_UPDATE_HAS_CORRECT_ORDER,
]);

/**
 * Procedures whose public API decides read-only access otherwise than their
 * ACL annotations say (the rest are refused when an ACL permission changes
 * state): facts from libvirt 9.0's libvirt-domain.c, libvirt-host.c,
 * libvirt-nodedev.c and remote_daemon_dispatch.c, each measured against
 * libvirtd by tests/server/readonly_test.ts.
 */
// deno-lint-ignore no-explicit-any
const READ_ONLY_RULES = new Map<number, (args: any) => boolean>([
  // virCheckReadOnlyGoto only for the flag or source that asks the guest agent.
  [REMOTE_PROC_DOMAIN_GET_VCPUS_FLAGS, (a) => (a.flags & VIR_DOMAIN_VCPU_GUEST) !== 0],
  [
    REMOTE_PROC_DOMAIN_INTERFACE_ADDRESSES,
    (a) => a.source === VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT,
  ],
  // No read-only check at all, whatever the ACL says.
  [REMOTE_PROC_DOMAIN_MIGRATE_GET_COMPRESSION_CACHE, () => false],
  [REMOTE_PROC_DOMAIN_MIGRATE_GET_MAX_DOWNTIME, () => false],
  [REMOTE_PROC_CONNECT_SET_IDENTITY, () => false],
  // Read-only access refused though the ACL only reads.
  [REMOTE_PROC_DOMAIN_SET_SCHEDULER_PARAMETERS, () => true],
  [REMOTE_PROC_DOMAIN_GET_LAUNCH_SECURITY_INFO, () => true],
  [REMOTE_PROC_NODE_GET_SEV_INFO, () => true],
  [REMOTE_PROC_NODE_DEVICE_GET_AUTOSTART, () => true],
]);

function refusesReadOnly(p: ProcedureInfo, args: unknown): boolean {
  return READ_ONLY_RULES.get(p.proc)?.(args) ?? p.changesState;
}

/** virIdentitySetParameters: the VIR_CONNECT_IDENTITY_* parameters and their types. */
const IDENTITY_PARAMS: Record<string, number> = {
  "user-name": VIR_TYPED_PARAM_STRING,
  "unix-user-id": VIR_TYPED_PARAM_ULLONG,
  "group-name": VIR_TYPED_PARAM_STRING,
  "unix-group-id": VIR_TYPED_PARAM_ULLONG,
  "process-id": VIR_TYPED_PARAM_LLONG,
  "process-time": VIR_TYPED_PARAM_ULLONG,
  "sasl-user-name": VIR_TYPED_PARAM_STRING,
  "x509-distinguished-name": VIR_TYPED_PARAM_STRING,
  "selinux-context": VIR_TYPED_PARAM_STRING,
};

function notOpen(): VirError {
  return VirError.of(VIR_ERR_INTERNAL_ERROR, VIR_FROM_RPC, "hypervisor connection not open");
}

/** Builds the remote program's service over the given drivers. */
export function remoteService(drivers: DriverRegistry): ProgramService {
  const closeConnection = async (ctx: CallContext): Promise<void> => {
    const d = drivers.get(ctx.client.driver);
    if (d) await d.close(ctx);
    ctx.client.update(0, CF_CONN_OPEN | CF_CLOSE_CALLBACK, 0, 0);
  };

  const on = handlersOf(REMOTE_PROGRAM_DEF);
  const connectionHandlers = new Map<number, Handler>([
    // The scheme the client has yet to pass: SASL on a `sasl` service until the
    // event loop has seen it authenticate (src/server/client.ts), then none.
    on(REMOTE_PROC_AUTH_LIST, (ctx) => ({
      types: [ctx.client.flags & CF_AUTH_SASL ? REMOTE_AUTH_SASL : REMOTE_AUTH_NONE],
    })),
    // Not a polkit service (denovirt has none): libvirtd fails it without setting an error.
    on(REMOTE_PROC_AUTH_POLKIT, () => {
      throw remoteErrorNotSet();
    }),
    on(REMOTE_PROC_CONNECT_SUPPORTS_FEATURE, (ctx, args) => {
      if (args.feature === VIR_DRV_FEATURE_PROGRAM_KEEPALIVE) {
        // The event loop starts pinging the client when it sees this flag.
        ctx.client.update(CF_KEEPALIVE, 0);
        return { supported: 1 };
      }
      if (!(ctx.client.flags & CF_CONN_OPEN)) throw notOpen();
      const driverHas = drivers.get(ctx.client.driver)?.features?.has(args.feature) ?? false;
      return { supported: FEATURES_AFTER_OPEN.has(args.feature) || driverHas ? 1 : 0 };
    }),
    on(REMOTE_PROC_CONNECT_OPEN, async (ctx, args) => {
      if (ctx.client.flags & CF_CONN_OPEN) {
        // libvirtd 9.0 refuses and also drops the connection it had.
        await closeConnection(ctx);
        throw VirError.of(VIR_ERR_INTERNAL_ERROR, VIR_FROM_RPC, "connection already open");
      }
      if (args.name === null) {
        throw VirError.of(VIR_ERR_INTERNAL_ERROR, VIR_FROM_RPC, "connection not open");
      }
      const d = await drivers.find(args.name);
      if (!d) throw VirError.of(VIR_ERR_NO_CONNECT, VIR_FROM_NONE, args.name);
      // The read-only socket forces a read-only connection whatever was asked.
      const readonly = (ctx.client.flags & CF_READONLY) !== 0 ||
        (args.flags & VIR_CONNECT_RO) !== 0;
      const instance = await d.open(
        ctx,
        args.name,
        readonly ? args.flags | VIR_CONNECT_RO : args.flags,
      );
      ctx.client.update(CF_CONN_OPEN | (readonly ? CF_READONLY : 0), 0, d.id, instance);
    }),
    on(REMOTE_PROC_CONNECT_CLOSE, async (ctx) => {
      if (ctx.client.flags & CF_CONN_OPEN) await closeConnection(ctx);
      ctx.closeAfterReply();
    }),
    on(REMOTE_PROC_CONNECT_REGISTER_CLOSE_CALLBACK, (ctx) => {
      ctx.client.update(CF_CLOSE_CALLBACK, 0);
    }),
    on(REMOTE_PROC_CONNECT_UNREGISTER_CLOSE_CALLBACK, (ctx) => {
      ctx.client.update(0, CF_CLOSE_CALLBACK);
    }),
    on(REMOTE_PROC_CONNECT_GET_LIB_VERSION, () => ({ lib_ver: BigInt(LIBVIR_VERSION_NUMBER) })),
    // libvirtd checks and records the identity a privileged client asserts;
    // denovirt has no identity-based access control, so it only checks.
    on(REMOTE_PROC_CONNECT_SET_IDENTITY, (_ctx, args) => {
      validateTypedParams(args.params, IDENTITY_PARAMS);
    }),
  ]);

  return {
    program: REMOTE_PROGRAM_DEF,
    admit(ctx) {
      const flags = ctx.client.flags;
      if (!(flags & CF_CONN_OPEN) && !NO_CONNECTION_NEEDED.has(ctx.header.proc)) throw notOpen();
    },
    // The client's driver, whose handlers serve the call, may not be loaded in this Worker yet.
    ready: (client) => {
      const id = client.driver;
      return id !== 0 && !drivers.get(id) ? drivers.need(id) : undefined;
    },
    // The API's checks: read-only access and its arguments, in the API's own order.
    checkArgs: (ctx, args) =>
      apiPreamble(ctx.header.proc, args, () => {
        if ((ctx.client.flags & CF_READONLY) && refusesReadOnly(ctx.procedure, args)) {
          const name = ctx.procedure.name;
          throw VirError.of(
            VIR_ERR_OPERATION_DENIED,
            apiErrorDomain(name),
            `read only access prevents ${apiName(name)}`,
          );
        }
      }),
    handler(ctx) {
      return connectionHandlers.get(ctx.header.proc) ??
        drivers.get(ctx.client.driver)?.handlers.get(ctx.header.proc);
    },
    // libvirt reports a missing driver method in the error domain of the API's own file.
    unsupported: (info) => noSupport(apiName(info.name), apiErrorDomain(info.name)),
  };
}
