/**
 * Event callbacks as the remote program carries them: registrations kept
 * in a driver instance's directory (so callback ids are shared by every
 * client of that instance, as in libvirtd), and events encoded as MESSAGE
 * packets (serial 1) for each registered client.
 *
 * @module
 */

import { encodePacket } from "../rpc/header.ts";
import {
  REMOTE_PROGRAM,
  REMOTE_PROTOCOL_VERSION,
  VIR_NET_MESSAGE,
  VIR_NET_OK,
} from "../rpc/constants.ts";
import type { Codec } from "../xdr/mod.ts";
import { REMOTE_PROGRAM_DEF } from "../protocol/remote.ts";
import * as P from "../protocol/remote_procedure_numbers.ts";

/** Which family of events a callback listens to. */
export type EventFamily = "domain" | "network" | "storage_pool" | "node_device" | "secret";

/** One registration. `legacy` ones use the old per-event procedures without a callback id. */
export interface EventCallback {
  id: number;
  family: EventFamily;
  eventID: number;
  client: number;
  gen: number;
  /** Only events of this object (its UUID, or a node device's name); null for all. */
  filter: string | null;
  legacy: boolean;
}

/** The part of a driver directory that holds registrations. */
export interface EventRegistry {
  callbacks: EventCallback[];
  nextCallbackId: number;
}

/** VIR_DOMAIN_EVENT_ID_* → the DOMAIN_EVENT_CALLBACK_* message procedure. */
export const DOMAIN_EVENT_CALLBACK_PROCS: readonly number[] = [
  P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE,
  P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_REBOOT,
  P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_RTC_CHANGE,
  P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_WATCHDOG,
  P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_IO_ERROR,
  P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_GRAPHICS,
  P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_IO_ERROR_REASON,
  P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_CONTROL_ERROR,
  P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_BLOCK_JOB,
  P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_DISK_CHANGE,
  P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_TRAY_CHANGE,
  P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_PMWAKEUP,
  P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_PMSUSPEND,
  P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_BALLOON_CHANGE,
  P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_PMSUSPEND_DISK,
  P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_DEVICE_REMOVED,
  P.REMOTE_PROC_DOMAIN_EVENT_BLOCK_JOB_2,
  P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_TUNABLE,
  P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_AGENT_LIFECYCLE,
  P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_DEVICE_ADDED,
  P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_MIGRATION_ITERATION,
  P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_JOB_COMPLETED,
  P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_DEVICE_REMOVAL_FAILED,
  P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_METADATA_CHANGE,
  P.REMOTE_PROC_DOMAIN_EVENT_BLOCK_THRESHOLD,
  P.REMOTE_PROC_DOMAIN_EVENT_MEMORY_FAILURE,
  P.REMOTE_PROC_DOMAIN_EVENT_MEMORY_DEVICE_SIZE_CHANGE,
];

/** VIR_DOMAIN_EVENT_ID_LAST in libvirt 9.0. */
export const VIR_DOMAIN_EVENT_ID_LAST = DOMAIN_EVENT_CALLBACK_PROCS.length;

/** The legacy (REGISTER_ANY, no callback id) message procedures, for the ids that have one. */
export const DOMAIN_EVENT_LEGACY_PROCS: ReadonlyMap<number, number> = new Map([
  [0, P.REMOTE_PROC_DOMAIN_EVENT_LIFECYCLE],
  [1, P.REMOTE_PROC_DOMAIN_EVENT_REBOOT],
  [2, P.REMOTE_PROC_DOMAIN_EVENT_RTC_CHANGE],
  [3, P.REMOTE_PROC_DOMAIN_EVENT_WATCHDOG],
  [4, P.REMOTE_PROC_DOMAIN_EVENT_IO_ERROR],
  [5, P.REMOTE_PROC_DOMAIN_EVENT_GRAPHICS],
  [6, P.REMOTE_PROC_DOMAIN_EVENT_IO_ERROR_REASON],
  [7, P.REMOTE_PROC_DOMAIN_EVENT_CONTROL_ERROR],
  [8, P.REMOTE_PROC_DOMAIN_EVENT_BLOCK_JOB],
  [9, P.REMOTE_PROC_DOMAIN_EVENT_DISK_CHANGE],
  [10, P.REMOTE_PROC_DOMAIN_EVENT_TRAY_CHANGE],
  [11, P.REMOTE_PROC_DOMAIN_EVENT_PMWAKEUP],
  [12, P.REMOTE_PROC_DOMAIN_EVENT_PMSUSPEND],
  [13, P.REMOTE_PROC_DOMAIN_EVENT_BALLOON_CHANGE],
  [14, P.REMOTE_PROC_DOMAIN_EVENT_PMSUSPEND_DISK],
  [15, P.REMOTE_PROC_DOMAIN_EVENT_DEVICE_REMOVED],
]);

/** Message procedures of the other families, by event id. */
export const FAMILY_EVENT_PROCS: Record<Exclude<EventFamily, "domain">, readonly number[]> = {
  network: [
    P.REMOTE_PROC_NETWORK_EVENT_LIFECYCLE,
    P.REMOTE_PROC_NETWORK_EVENT_CALLBACK_METADATA_CHANGE,
  ],
  storage_pool: [
    P.REMOTE_PROC_STORAGE_POOL_EVENT_LIFECYCLE,
    P.REMOTE_PROC_STORAGE_POOL_EVENT_REFRESH,
  ],
  node_device: [P.REMOTE_PROC_NODE_DEVICE_EVENT_LIFECYCLE, P.REMOTE_PROC_NODE_DEVICE_EVENT_UPDATE],
  secret: [P.REMOTE_PROC_SECRET_EVENT_LIFECYCLE, P.REMOTE_PROC_SECRET_EVENT_VALUE_CHANGED],
};

/** Encodes an event MESSAGE packet for procedure `proc` with the msg struct's value. */
export function encodeEvent(proc: number, msg: unknown): Uint8Array {
  const decl = REMOTE_PROGRAM_DEF.procedures.get(proc);
  if (!decl) throw new RangeError(`Cannot encode event ${proc}: no declaration`);
  return encodePacket(
    {
      prog: REMOTE_PROGRAM,
      vers: REMOTE_PROTOCOL_VERSION,
      proc,
      type: VIR_NET_MESSAGE,
      // libvirtd sends every event with serial 1.
      serial: 1,
      status: VIR_NET_OK,
    },
    (w) => (decl.args as Codec<unknown>).encode(w, msg),
  );
}

/** A pending event: who gets which packet. Sent after the locks are released. */
export interface Outgoing {
  client: number;
  gen: number;
  packet: Uint8Array;
}
