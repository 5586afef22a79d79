/**
 * Peer-to-peer migration (`virsh migrate --p2p`, libvirt's
 * qemuMigrationSrcPerformPeer2Peer3): the client makes one call, Perform
 * with the destination's URI, and the source daemon drives the v3
 * protocol itself — Begin and Perform and Confirm here, Prepare and Finish
 * on the destination daemon through its own RPC client (src/rpc/client.ts).
 * Only destinations on this host's Unix sockets are reached
 * (`qemu+unix://HOST/system?socket=…`).
 *
 * @module
 */

import type { HandlerEntry } from "../../dispatch/handlers.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import { REMOTE_PROGRAM_DEF } from "../../protocol/remote.ts";
import type { RemoteDomain } from "../../protocol/remote_types.ts";
import { RpcClient } from "../../rpc/client.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_CONFIG_UNSUPPORTED,
  VIR_ERR_OPERATION_FAILED,
  VIR_FROM_QEMU,
} from "../../rpc/error_codes.ts";
import {
  VIR_DRV_FEATURE_MIGRATION_OFFLINE,
  VIR_DRV_FEATURE_MIGRATION_P2P,
  VIR_DRV_FEATURE_MIGRATION_PARAMS,
  VIR_DRV_FEATURE_MIGRATION_V3,
} from "../../rpc/constants.ts";
import { param, type TypedParam } from "../../rpc/typed_params.ts";
import type { Program } from "../../protocol/program.ts";
import * as S from "../domain_constants.ts";
import { on, type QemuConn } from "./conn.ts";
import {
  begin,
  confirm,
  PARAM_DEST_NAME,
  PARAM_DEST_XML,
  PARAM_URI,
  paramString,
  perform,
  VIR_MIGRATE_ABORT_ON_ERROR,
  VIR_MIGRATE_AUTO_CONVERGE,
  VIR_MIGRATE_OFFLINE,
  VIR_MIGRATE_PAUSED,
  VIR_MIGRATE_PEER2PEER,
} from "./migration.ts";

/** Where a destination URI's daemon listens, and the name to open there. */
export function peerSocket(dconnuri: string): { socket: string; name: string } {
  let u: URL;
  try {
    u = new URL(dconnuri);
  } catch {
    throw VirError.of(
      VIR_ERR_CONFIG_UNSUPPORTED,
      VIR_FROM_QEMU,
      `cannot parse destination URI '${dconnuri}'`,
    );
  }
  const [driver, transport = "unix"] = u.protocol.replace(/:$/, "").split("+");
  // libvirt's remote driver ignores the host of a +unix URI (and its client
  // refuses a p2p URI without one, "Attempt to migrate guest to the same host").
  if (transport !== "unix" || (u.hostname !== "" && !u.protocol.includes("+unix"))) {
    throw VirError.of(
      VIR_ERR_CONFIG_UNSUPPORTED,
      VIR_FROM_QEMU,
      `peer-to-peer migration to '${dconnuri}' is not supported by denovirt's QEMU driver: ` +
        "only a daemon's Unix socket on this host is reached",
    );
  }
  const path = u.pathname;
  const socket = u.searchParams.get("socket") ??
    (path === "/session"
      ? `${Deno.env.get("XDG_RUNTIME_DIR") ?? `/run/user/${Deno.uid()}`}/libvirt/libvirt-sock`
      : "/var/run/libvirt/libvirt-sock");
  return { socket, name: `${driver}://${path}` };
}

function withParam(params: readonly TypedParam[], name: string, value: string): TypedParam[] {
  return [...params.filter((p) => p.field !== name), param.string(name, value)];
}

async function performP2P(
  c: QemuConn,
  ref: RemoteDomain,
  dconnuri: string | null,
  params: readonly TypedParam[],
  flags: number,
): Promise<{ cookie_out: Uint8Array }> {
  try {
    if (!dconnuri) {
      throw VirError.of(
        VIR_ERR_OPERATION_FAILED,
        VIR_FROM_QEMU,
        "no destination URI for peer-to-peer migration",
      );
    }
    const target = peerSocket(dconnuri);
    const peer = await RpcClient.connectUnix(target.socket, REMOTE_PROGRAM_DEF);
    try {
      await peer.call(P.REMOTE_PROC_CONNECT_OPEN, { name: target.name, flags: 0 });
      const has = async (feature: number) =>
        (await peer.call(P.REMOTE_PROC_CONNECT_SUPPORTS_FEATURE, { feature })).supported === 1;
      if (!(await has(VIR_DRV_FEATURE_MIGRATION_P2P))) {
        throw VirError.of(
          VIR_ERR_OPERATION_FAILED,
          VIR_FROM_QEMU,
          "Destination libvirt does not support peer-to-peer migration protocol",
        );
      }
      if (
        !(await has(VIR_DRV_FEATURE_MIGRATION_V3)) || !(await has(VIR_DRV_FEATURE_MIGRATION_PARAMS))
      ) {
        throw VirError.of(
          VIR_ERR_OPERATION_FAILED,
          VIR_FROM_QEMU,
          "Destination libvirt does not support migration with extensible parameters",
        );
      }
      if ((flags & VIR_MIGRATE_OFFLINE) && !(await has(VIR_DRV_FEATURE_MIGRATION_OFFLINE))) {
        throw VirError.of(
          VIR_ERR_OPERATION_FAILED,
          VIR_FROM_QEMU,
          "offline migration is not supported by the destination host",
        );
      }
      return await drive(c, peer, ref, params, flags & ~VIR_MIGRATE_PEER2PEER);
    } finally {
      try {
        await peer.call(P.REMOTE_PROC_CONNECT_CLOSE, undefined);
      } catch {
        // The peer is gone already.
      }
      peer.close();
    }
  } finally {
    // The handler's own flush ran when this call first awaited.
    c.flush();
  }
}

type RemoteProcedures = typeof REMOTE_PROGRAM_DEF extends Program<infer M> ? M : never;

/** The v3 phases, the destination's through `peer`. */
async function drive(
  c: QemuConn,
  peer: RpcClient<RemoteProcedures>,
  ref: RemoteDomain,
  params: readonly TypedParam[],
  flags: number,
): Promise<{ cookie_out: Uint8Array }> {
  const b = begin(c, ref, params, flags);
  const paused = c.withObj(c.entry(ref), (o) => o.state === S.VIR_DOMAIN_PAUSED);
  const destFlags = (flags | (paused ? VIR_MIGRATE_PAUSED : 0)) &
    ~(VIR_MIGRATE_ABORT_ON_ERROR | VIR_MIGRATE_AUTO_CONVERGE);
  let destParams = withParam(params, PARAM_DEST_XML, b.xml);
  let prepared;
  try {
    prepared = await peer.call(P.REMOTE_PROC_DOMAIN_MIGRATE_PREPARE3_PARAMS, {
      params: destParams,
      cookie_in: b.cookie_out,
      flags: destFlags,
    });
  } catch (e) {
    confirm(c, ref, flags, 1);
    throw e;
  }
  if (prepared.uri_out !== null) destParams = withParam(destParams, PARAM_URI, prepared.uri_out);
  if (paramString(destParams, PARAM_DEST_NAME) === null) {
    destParams = withParam(destParams, PARAM_DEST_NAME, ref.name);
  }
  let performError: unknown = null;
  let cookie = prepared.cookie_out;
  if (!(flags & VIR_MIGRATE_OFFLINE)) {
    try {
      cookie = perform(c, ref, null, destParams, prepared.cookie_out, flags).cookie_out;
    } catch (e) {
      performError = e; // Perform has resumed the guest here already
    }
  }
  let finished = false;
  let finishError: unknown = null;
  try {
    await peer.call(P.REMOTE_PROC_DOMAIN_MIGRATE_FINISH3_PARAMS, {
      params: destParams,
      cookie_in: cookie,
      flags: destFlags,
      cancelled: performError ? 1 : 0,
    });
    finished = true;
  } catch (e) {
    finishError = e;
  }
  if (performError) throw performError;
  confirm(c, ref, flags, finished ? 0 : 1);
  if (!finished) throw finishError;
  return { cookie_out: new Uint8Array() };
}

export const migrationPerformHandlers: HandlerEntry[] = [
  on(
    P.REMOTE_PROC_DOMAIN_MIGRATE_PERFORM3_PARAMS,
    (c, a) =>
      a.flags & VIR_MIGRATE_PEER2PEER
        ? performP2P(c, a.dom, a.dconnuri, a.params, a.flags)
        : perform(c, a.dom, a.dconnuri, a.params, a.cookie_in, a.flags),
  ),
];
