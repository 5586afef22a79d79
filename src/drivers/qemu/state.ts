/**
 * The QEMU driver's state in the shared store: one instance for the whole
 * daemon (held open by the daemon's own client, so domains outlive their
 * clients), a directory listing every domain, and one object per domain with
 * its own lock. A long operation holds the domain's *job* (libvirt's state
 * change lock), a field of the object, not the object lock itself.
 *
 * @module
 */

import type { DomainDef } from "../../conf/domain_xml.ts";
import type { EventRegistry } from "../events.ts";
import type { QemuPool } from "./storage.ts";
import type { NetworkDirectory } from "../network/state.ts";
import type { SecretDirectory } from "../secret/state.ts";
import type { SnapshotHolder } from "../moments.ts";
import type { BlockJob } from "./block_jobs.ts";

export { QEMU_DRIVER_ID } from "../builtin.ts";
/** The key of the one shared instance. */
export const QEMU_INSTANCE_KEY = "qemu";

/** Settings the daemon hands the driver at start-up (INTERNAL_PROC_QEMU_INIT). */
export interface QemuSettings {
  configDir: string;
  stateDir: string;
  /** The secret driver's directory (libvirt's /etc/libvirt/secrets for a system daemon). */
  secretsDir: string;
  emulator: string;
  qemuImg: string;
  jobWaitMs: number;
}

export interface QemuDomainEntry {
  name: string;
  uuid: string;
  handle: number;
  id: number;
  active: boolean;
  persistent: boolean;
}

/** Running domains at once: one monitor socket slot each (see files.ts monitorPath). */
export const QEMU_MONITOR_SLOTS = 128;

/** Networks (src/drivers/network/) and secrets (src/drivers/secret/) live in the same directory. */
export interface QemuDirectory
  extends EventRegistry, QemuSettings, NetworkDirectory, SecretDirectory {
  nextDomId: number;
  /** Monitor socket slots: the UUID of the domain using each, or "". */
  monitors: string[];
  /** Storage pools (dir backend, storage.ts); small, so kept in the directory itself. */
  pools: QemuPool[];
  domains: QemuDomainEntry[];
}

/** Who holds a domain's job, and since when. */
export interface DomainJob {
  /** libvirt's name for the holder, e.g. `remoteDispatchDomainCreate`. */
  owner: string;
  /** The holding thread (worker thread id) and its id's death count then: a job of a dead thread is free. */
  thread: number;
  deaths: number;
  since: number;
}

/** One domain (its snapshots: SnapshotHolder, kept in the object like libvirt's vm->snapshots). */
export interface QemuDomainObj extends SnapshotHolder {
  /** The running definition while active; the persistent one otherwise. */
  def: DomainDef;
  /** The persistent definition to take over when a running domain stops. */
  newDef: DomainDef | null;
  id: number;
  state: number;
  reason: number;
  persistent: boolean;
  autostart: boolean;
  /** The QEMU process (0: none) and its monitor socket. */
  pid: number;
  monitor: string;
  /** Set when the daemon itself asked the guest or QEMU to stop (shutdown / destroy). */
  stopping: "shutdown" | "destroy" | null;
  /** A migration of this domain under way (migration.ts), between its calls. */
  migration?: MigrationState;
  /** The migration bandwidth limit set with migrate-setspeed, in MiB/s (unset: unlimited). */
  migrationSpeed?: number;
  /** While running: each disk's -blockdev node index by target (hotplug numbers on from the boot disks). */
  diskNodes?: Record<string, number>;
  nextDiskNode?: number;
  /** While running: the block job of each disk that has one, by target (block_jobs.ts). */
  blockJobs?: Record<string, BlockJob>;
  /**
   * While running: the disks whose write threshold was set naming the image
   * by index (vda[2]), by target; their threshold event names only the image
   * (libvirt's thresholdEventWithIndex).
   */
  thresholdIndexed?: Record<string, boolean>;
  /** Set once a client sent QEMU a monitor command of its own (the custom-monitor taint). */
  customMonitor?: boolean;
  /** A reboot was asked for: the guest's next power-off resets it instead (libvirt's fake reboot). */
  fakeReboot?: boolean;
  /** While running: QEMU sits in the domain's own cgroups (cgroup.ts), placed by this daemon. */
  cgroup?: boolean;
}

/**
 * A migration's state between the calls of libvirt's v3 protocol: the
 * source holds it from Begin to Confirm, the destination from Prepare to
 * Finish. The client driving it (record index and generation) is kept so
 * its disconnect can undo what is half done.
 */
export interface MigrationState {
  dir: "out" | "in";
  /** out: begin → perform → performed; in: prepared → finishing. */
  phase: "begin" | "perform" | "performed" | "prepared" | "finishing";
  client: number;
  gen: number;
  flags: number;
  /** out: the guest ran when the migration began (it is resumed if the migration fails). */
  wasRunning?: boolean;
  /** Its client disconnected: whoever holds the domain's job next undoes it. */
  abandoned?: boolean;
  /** out: domjobabort asked Perform to stop. */
  cancelled?: boolean;
  /** When the migration began (ms since the epoch), for the job's statistics. */
  since: number;
}

/** What a status file holds (one per running domain, in the state directory). */
export interface StatusFile {
  uuid: string;
  name: string;
  id: number;
  pid: number;
  monitor: string;
  /** The running definition, as XML. */
  xml: string;
  persistent: boolean;
  diskNodes?: Record<string, number>;
  nextDiskNode?: number;
}
