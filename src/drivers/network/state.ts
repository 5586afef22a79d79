/**
 * The network driver's state (libvirt's virNetworkObj list for
 * qemu:///system), kept in the QEMU driver's shared directory as storage
 * pools are: a network is small, and a domain's start reads its network in
 * the same directory. Host work is done through the connection's `io()`
 * (the event loop, host.ts); a state change holds the driver's network job
 * (one at a time), never the instance lock, across it.
 *
 * @module
 */

import type { NetworkDef } from "../../conf/network_xml.ts";
import type { EventRegistry } from "../events.ts";
import type { CallContext } from "../../dispatch/context.ts";

/** A guest's connection to a network (virNetworkPortDef). */
export interface NetworkPort {
  uuid: string;
  ownerName: string;
  ownerUUID: string;
  mac: string;
  /** The tap plugged for it (its <target dev>). */
  dev: string;
}

/** One network (virNetworkObj). */
export interface NetworkObj {
  /** The live definition while active; the persistent one otherwise. */
  def: NetworkDef;
  /** The persistent definition while a persistent network runs (libvirt's newDef). */
  newDef: NetworkDef | null;
  active: boolean;
  persistent: boolean;
  autostart: boolean;
  /** The running dnsmasq (0: none). */
  dnsmasqPid: number;
  ports: NetworkPort[];
}

/** Who holds the network job, as a domain job records its holder. */
export interface NetworkJob {
  owner: string;
  thread: number;
  deaths: number;
}

/** The part of the driver's directory the network driver uses. */
export interface NetworkDirectory extends EventRegistry {
  configDir: string;
  stateDir: string;
  jobWaitMs: number;
  networks: NetworkObj[];
  netJob: NetworkJob | null;
  /** The next vnetN number (libvirt's virNetDevGenerateName counter). */
  nextTap: number;
}

/** What the network driver needs of a connection (QemuConn provides it). */
export interface NetConn {
  readonly ctx: CallContext;
  readonly store: { readonly threadId: number; deaths(thread: number): number };
  dir<T>(fn: (d: NetworkDirectory, save: () => void) => T): T;
  io(op: string, args: Record<string, unknown>): unknown;
  /** Queues a network lifecycle event (sent once the call's locks are released). */
  emitNetwork(net: { name: string; uuid: string }, event: number): void;
}

/** virNetworkEventLifecycleType. */
export const VIR_NETWORK_EVENT_DEFINED = 0;
export const VIR_NETWORK_EVENT_UNDEFINED = 1;
export const VIR_NETWORK_EVENT_STARTED = 2;
export const VIR_NETWORK_EVENT_STOPPED = 3;

export const networksDir = (configDir: string) => `${configDir}/networks`;
export const networkConfigPath = (configDir: string, name: string) =>
  `${configDir}/networks/${name}.xml`;
export const networkAutostartPath = (configDir: string, name: string) =>
  `${configDir}/networks/autostart/${name}.xml`;
/** Status files and dnsmasq pid files (libvirt: /run/libvirt/network). */
export const networkRunDir = (stateDir: string) => `${stateDir}/network`;
export const networkStatusPath = (stateDir: string, name: string) =>
  `${stateDir}/network/${name}.status`;
/** dnsmasq's files (libvirt: /var/lib/libvirt/dnsmasq). */
export const dnsmasqDir = (stateDir: string) => `${stateDir}/dnsmasq`;
