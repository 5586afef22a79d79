/**
 * What the QEMU driver's domain procedures share (libvirt's qemu_domain.c
 * and qemu_process.c): its flag and state checks, parsing and storing
 * definitions, monitor slots, and starting and stopping a domain's QEMU.
 * The API entry points are in domain.ts and the other families' files.
 *
 * @module
 */

import { updateModificationImpact } from "../flags.ts";
import { checkFlagsIn } from "../../util/flags.ts";
import { findRedefined } from "../domain_list.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_CONFIG_UNSUPPORTED,
  VIR_ERR_OPERATION_FAILED,
  VIR_ERR_OPERATION_INVALID,
  VIR_ERR_XML_ERROR,
  VIR_FROM_DOMAIN,
  VIR_FROM_QEMU,
} from "../../rpc/error_codes.ts";
import {
  type DomainDef,
  formatDomainXML,
  parseDomainXML,
  VIR_DOMAIN_XML_INACTIVE,
  VIR_DOMAIN_XML_SECURE,
} from "../../conf/domain_xml.ts";
import * as S from "../domain_constants.ts";
import { buildCommandLine, diskNodeNumbers, requireDeviceReach } from "./command_line.ts";
import { channelPath, ensureNvram, liveDefinition } from "./live_def.ts";
import { qemuPostParse } from "./domain_defaults.ts";
import { assignAddresses } from "./address.ts";
import { probeEmulator } from "./probe.ts";
import type { QemuConn } from "./conn.ts";
import { consolePath, logPath, monitorPath, pidPath, statusPath, writeStatus } from "./files.ts";
import {
  QEMU_MONITOR_SLOTS,
  type QemuDirectory,
  type QemuDomainEntry,
  type QemuDomainObj,
} from "./state.ts";
import { VIR_DOMAIN_AFFECT_CONFIG, VIR_DOMAIN_AFFECT_LIVE } from "../domain_constants.ts";
import { hasManagedSave, type Incoming, managedIncoming, managedSavePath } from "./save_image.ts";
import { applyLinkStates, nameInterfaces, plugInterfaces, unplugInterfaces } from "./interface.ts";
import { removeSnapshotMetadata } from "./snapshot_files.ts";
import { applyIoTuneAtStart } from "./block_throttle.ts";
import { applyBalloonPeriodAtStart } from "./balloon_polling.ts";
import { type DomainCgroup, groupsOf, placeDomain, removeDomainCgroup } from "./cgroup.ts";
import { applyBlkiotune, applyCputune, applyMemtune } from "./cgroup_tune.ts";

export const VIR_DOMAIN_START_PAUSED = 1 << 0;

/** How long QEMU gets to end on SIGTERM before SIGKILL (libvirt's virProcessKillPainfully). */
export const KILL_GRACE_MS = 10_000;

/** libvirt's virCheckFlags in the QEMU driver. */
export function checkFlags(fn: string, flags: number, allowed: number): void {
  checkFlagsIn(VIR_FROM_QEMU, fn, flags, allowed);
}

export const notRunning = (): VirError =>
  VirError.of(VIR_ERR_OPERATION_INVALID, VIR_FROM_QEMU, "domain is not running");

/**
 * Which definitions a call with AFFECT_ flags changes (libvirt's
 * virDomainObjUpdateModificationImpact for this driver): CURRENT is the
 * live one of a running domain, the persistent one otherwise.
 */
export function affectedDefs(
  flags: number,
  o: QemuDomainObj,
  transientMessage?: string,
): { live: boolean; config: boolean } {
  const f = updateModificationImpact(flags, {
    active: o.pid !== 0,
    persistent: o.persistent,
    notActive: notRunning,
    domain: VIR_FROM_QEMU,
    ...(transientMessage ? { transientMessage } : {}),
  });
  return {
    live: (f & VIR_DOMAIN_AFFECT_LIVE) !== 0,
    config: (f & VIR_DOMAIN_AFFECT_CONFIG) !== 0,
  };
}

export const alreadyRunning = () =>
  VirError.of(VIR_ERR_OPERATION_INVALID, VIR_FROM_QEMU, "domain is already running");

/**
 * Parses a definition for this driver: QEMU virt types only, names usable as
 * file names, then libvirt's QEMU defaults and addresses for the emulator's
 * capabilities (probed with `workDir` for its monitor files).
 */
export function parseQemuDef(xml: string, emulator: string, workDir?: string): DomainDef {
  return parseDomainXML(xml, {
    postParse(def) {
      if (def.type !== "qemu" && def.type !== "kvm") {
        throw VirError.of(
          VIR_ERR_CONFIG_UNSUPPORTED,
          VIR_FROM_QEMU,
          `Emulator '${def.devices.emulator ?? emulator}' does not support virt type '${def.type}'`,
        );
      }
      if (def.name.includes("/")) {
        throw VirError.of(
          VIR_ERR_XML_ERROR,
          VIR_FROM_DOMAIN,
          `name ${def.name} cannot contain '/'`,
        );
      }
      def.devices.emulator ??= emulator;
      const bin = def.devices.emulator;
      qemuPostParse(def, probeEmulator(bin, workDir), bin);
    },
    assignAddresses,
  });
}

function newObj(def: DomainDef, persistent: boolean): QemuDomainObj {
  return {
    def,
    newDef: null,
    id: -1,
    state: S.VIR_DOMAIN_SHUTOFF,
    reason: S.VIR_DOMAIN_SHUTOFF_UNKNOWN,
    persistent,
    autostart: false,
    pid: 0,
    monitor: "",
    stopping: null,
  };
}

/**
 * Adds a domain from a definition, or replaces the definition of the one of
 * the same name and UUID (the pending persistent one while it runs).
 */
export function addOrUpdate(
  c: QemuConn,
  d: QemuDirectory,
  def: DomainDef,
  persistent: boolean,
  live: boolean,
): { entry: QemuDomainEntry; updated: boolean } {
  const existing = findRedefined(d.domains, def);
  if (existing) {
    c.withObj(existing, (o, save) => {
      if (live && o.pid !== 0) {
        throw VirError.of(
          VIR_ERR_OPERATION_INVALID,
          VIR_FROM_DOMAIN,
          `domain '${def.name}' is already active`,
        );
      }
      if (o.pid !== 0) o.newDef = def;
      else o.def = def;
      if (persistent) o.persistent = true;
      existing.persistent = o.persistent;
      save();
    });
    return { entry: existing, updated: true };
  }
  const entry: QemuDomainEntry = {
    name: def.name,
    uuid: def.uuid,
    handle: c.store.createObject(newObj(def, persistent)),
    id: -1,
    active: false,
    persistent,
  };
  d.domains.push(entry);
  return { entry, updated: false };
}

/** The persistent definition as it goes on disk. */
export function configXML(def: DomainDef): string {
  return formatDomainXML(def, {
    id: -1,
    active: false,
    flags: VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE,
  });
}

/** Takes a free monitor slot for `uuid` (its own if it has one). Caller holds the instance lock. */
export function takeMonitorSlot(d: QemuDirectory, uuid: string): number {
  let slot = d.monitors.indexOf(uuid);
  if (slot < 0) slot = d.monitors.indexOf("");
  if (slot < 0 && d.monitors.length < QEMU_MONITOR_SLOTS) slot = d.monitors.length;
  if (slot < 0) {
    throw VirError.of(
      VIR_ERR_OPERATION_FAILED,
      VIR_FROM_QEMU,
      `too many running domains (at most ${QEMU_MONITOR_SLOTS})`,
    );
  }
  d.monitors[slot] = uuid;
  return slot;
}

function releaseMonitorSlot(d: QemuDirectory, uuid: string): boolean {
  const slot = d.monitors.indexOf(uuid);
  if (slot < 0) return false;
  d.monitors[slot] = "";
  return true;
}

/**
 * Starts the domain's QEMU. Caller holds the domain's job. `silent`: the
 * caller raises the lifecycle events itself (a revert to a snapshot).
 */
export function startDomain(
  c: QemuConn,
  entry: QemuDomainEntry,
  flags: number,
  bootReason = S.VIR_DOMAIN_RUNNING_BOOTED,
  from?: Incoming,
  opts: { silent?: boolean } = {},
): void {
  let reason = bootReason;
  const d = c.dir((x) => x);
  const config = c.withObj(entry, (o) => {
    if (o.pid !== 0) throw alreadyRunning();
    return o.def;
  });
  const { id, slot } = c.dir((x, save) => {
    const slot = takeMonitorSlot(x, config.uuid);
    const n = x.nextDomId++;
    save();
    return { id: n, slot };
  });
  const monitor = monitorPath(d.stateDir, slot);
  const pidfile = pidPath(d.stateDir, config.uuid);
  let def: DomainDef;
  try {
    def = liveDefinition(config, { configDir: d.configDir, stateDir: d.stateDir, id });
  } catch (e) {
    c.dir((x, save) => {
      if (releaseMonitorSlot(x, config.uuid)) save();
    });
    throw e;
  }
  // A managed save image brings the guest back instead of a boot.
  const restoreFrom: Incoming | null = from ??
    (hasManagedSave(d.configDir, def.name)
      ? managedIncoming(managedSavePath(d.configDir, def.name))
      : null);
  let pid: number;
  let plugged = false;
  try {
    requireDeviceReach(def);
    ensureNvram(def);
    for (const ch of def.devices.channels) {
      const dir = ch.source.type === "unix" ? ch.source.path?.replace(/\/[^/]*$/, "") : null;
      if (dir && dir.startsWith(`${d.stateDir}/`)) Deno.mkdirSync(dir, { recursive: true });
    }
    // Taps and network ports first: the command line names the taps.
    plugInterfaces(c, def, def.devices.interfaces);
    plugged = true;
    nameInterfaces(def);
    const args = buildCommandLine(def, {
      monitor,
      pidfile,
      kvm: def.type === "kvm",
      console: (i) => consolePath(d.stateDir, slot, i),
      channel: (name) => channelPath(d.stateDir, id, def.name, name),
    });
    if (restoreFrom) args.push(...restoreFrom.args);
    pid = (c.io("qemu.launch", {
      uuid: def.uuid,
      emulator: def.devices.emulator ?? d.emulator,
      args,
      monitor,
      pidfile,
      log: logPath(d.stateDir, def.uuid),
    }) as { pid: number }).pid;
  } catch (e) {
    // QEMU did not come up (or could not be described): its monitor slot is free again.
    c.dir((x, save) => {
      if (releaseMonitorSlot(x, def.uuid)) save();
    });
    if (plugged) unplugInterfaces(c, def.devices.interfaces);
    throw e;
  }
  let cg: DomainCgroup | null = null;
  try {
    // Its cgroups, as libvirt places QEMU before the guest runs, and the tuning they carry.
    const threads = c.io("qemu.qmp", { uuid: def.uuid, cmd: "query-cpus-fast" }) as {
      "cpu-index": number;
      "thread-id": number;
    }[];
    cg = placeDomain(
      id,
      def.name,
      pid,
      new Map(threads.map((t) => [t["cpu-index"], t["thread-id"]])),
    );
    applyCputune(cg, def);
    applyMemtune(cg, def);
    applyBlkiotune(cg, def);
    // The running definition names the partition its groups are in (qemuInitCgroup).
    if (cg && !def.resource) {
      def.resource = {
        name: "resource",
        attrs: [],
        children: [{ name: "partition", attrs: [], children: [], text: "/machine" }],
        text: "",
      };
    }
    // The running definition shows the VNC port QEMU took (virsh vncdisplay reads it).
    let vncPort: number | null = null;
    if (def.devices.graphics.some((g) => g.type === "vnc")) {
      const vnc = c.io("qemu.qmp", { uuid: def.uuid, cmd: "query-vnc" }) as { service?: string };
      vncPort = vnc.service ? Number(vnc.service) : null;
    }
    const o = c.withObj(entry, (o, save) => {
      if (o.persistent) o.newDef = o.def;
      o.def = def;
      o.diskNodes = diskNodeNumbers(def);
      o.nextDiskNode = o.def.devices.disks.length + 1;
      const g = o.def.devices.graphics.find((x) => x.type === "vnc");
      if (g && vncPort !== null) g.port = vncPort;
      o.pid = pid;
      o.monitor = monitor;
      o.id = id;
      if (cg) o.cgroup = true;
      o.state = S.VIR_DOMAIN_PAUSED;
      o.reason = S.VIR_DOMAIN_PAUSED_USER;
      o.stopping = null;
      save();
      return o;
    });
    writeStatus(d.stateDir, {
      uuid: def.uuid,
      name: def.name,
      id,
      pid,
      monitor,
      xml: formatDomainXML(o.def, { id, active: true, flags: VIR_DOMAIN_XML_SECURE }),
      persistent: o.persistent,
    });
    c.syncEntry(entry, o);
    applyLinkStates(c, def.uuid, def);
    applyIoTuneAtStart(c, def);
    applyBalloonPeriodAtStart(c, def);
    // <on_reboot>destroy</on_reboot>: a guest reset becomes a SHUTDOWN event, which
    // ends the domain (libvirt's qemuProcessSetupLifecycleActions).
    if (def.onReboot === "destroy") {
      c.io("qemu.qmp", { uuid: def.uuid, cmd: "set-action", args: { reboot: "shutdown" } });
    }
    const dom = { name: def.name, uuid: def.uuid, id };
    let restoredPaused = false;
    if (restoreFrom) {
      restoredPaused = restoreFrom.finish(c, def.uuid).paused;
      reason = S.VIR_DOMAIN_RUNNING_RESTORED;
      if (restoreFrom.migration) {
        // The migration's Finish resumes it (migration.ts).
        c.withObj(entry, (o, save) => {
          o.reason = S.VIR_DOMAIN_PAUSED_MIGRATION;
          save();
        });
        c.lifecycle(dom, S.VIR_DOMAIN_EVENT_STARTED, S.VIR_DOMAIN_EVENT_STARTED_MIGRATED);
        return;
      }
    }
    if (!opts.silent) {
      c.lifecycle(
        dom,
        S.VIR_DOMAIN_EVENT_STARTED,
        restoreFrom ? S.VIR_DOMAIN_EVENT_STARTED_RESTORED : S.VIR_DOMAIN_EVENT_STARTED_BOOTED,
      );
    }
    if ((flags & VIR_DOMAIN_START_PAUSED) || restoredPaused) {
      if (!opts.silent) {
        c.lifecycle(dom, S.VIR_DOMAIN_EVENT_SUSPENDED, S.VIR_DOMAIN_EVENT_SUSPENDED_PAUSED);
      }
    } else {
      c.io("qemu.qmp", { uuid: def.uuid, cmd: "cont" });
      c.withObj(entry, (o, save) => {
        o.state = S.VIR_DOMAIN_RUNNING;
        o.reason = reason;
        save();
      });
    }
  } catch (e) {
    c.io("qemu.kill", { uuid: def.uuid, pid, graceMs: 1000 });
    if (cg) removeDomainCgroup(cg, pid);
    stopDomain(c, entry, S.VIR_DOMAIN_SHUTOFF_FAILED);
    throw e;
  }
}

/**
 * Marks a domain shut off once its process is gone (libvirt's
 * qemuProcessStop): the status file goes, the pending persistent definition
 * takes over, a transient domain leaves the list. Caller holds the job.
 */
export function stopDomain(c: QemuConn, entry: QemuDomainEntry, reason: number): boolean {
  const stateDir = c.dir((d) => d.stateDir);
  let transient = false;
  const { nics, cgroup, pid } = c.withObj(entry, (o) => ({
    nics: o.def.devices.interfaces,
    cgroup: o.cgroup && o.pid !== 0 ? groupsOf(o.id, o.def.name) : null,
    pid: o.pid,
  }));
  const o = c.withObj(entry, (o, save) => {
    o.state = S.VIR_DOMAIN_SHUTOFF;
    o.reason = reason;
    o.pid = 0;
    o.id = -1;
    o.monitor = "";
    o.stopping = null;
    delete o.diskNodes;
    delete o.nextDiskNode;
    delete o.blockJobs;
    delete o.thresholdIndexed;
    delete o.customMonitor;
    delete o.fakeReboot;
    delete o.cgroup;
    if (o.newDef) {
      o.def = o.newDef;
      o.newDef = null;
    }
    transient = !o.persistent;
    save();
    return o;
  });
  for (const f of [statusPath(stateDir, entry.uuid), pidPath(stateDir, entry.uuid)]) {
    try {
      Deno.removeSync(f);
    } catch {
      // Already gone.
    }
  }
  c.dir((d, save) => {
    if (releaseMonitorSlot(d, entry.uuid)) save();
  });
  if (cgroup) removeDomainCgroup(cgroup, pid);
  try {
    unplugInterfaces(c, nics);
  } catch {
    // The taps went with QEMU or were removed by hand: nothing is left to undo.
  }
  if (transient) {
    // libvirt's qemuDomainRemoveInactive: a transient domain's snapshots go with it.
    removeSnapshotMetadata(c.dir((d) => d.configDir), entry.name);
    removeDomainIf(c, entry, () => true);
  } else c.syncEntry(entry, o);
  return transient;
}

/**
 * Takes a domain out of the list and frees it, if `pred` holds for its entry
 * (under the instance lock, so nobody can find it meanwhile).
 */
export function removeDomainIf(
  c: QemuConn,
  entry: QemuDomainEntry,
  pred: (e: QemuDomainEntry) => boolean,
): void {
  c.dir((d, save) => {
    const e = d.domains.find((x) => x.handle === entry.handle);
    if (!e || !pred(e)) return;
    d.domains = d.domains.filter((x) => x !== e);
    save();
    c.store.destroyObject(e.handle);
  });
}

/** A transient domain that never ran does not stay behind when its start fails. */
export const neverRan = (e: QemuDomainEntry): boolean => !e.persistent && !e.active;

/**
 * Ends the QEMU of a domain whose state this call has just written out (save,
 * managed save, dump --crash): its exit is this call's doing, not news.
 */
export function endAfterSave(
  c: QemuConn,
  entry: QemuDomainEntry,
  o: QemuDomainObj,
  reason: number,
  detail: number,
): void {
  c.withObj(entry, (x, save) => {
    x.stopping = "destroy";
    save();
  });
  c.io("qemu.kill", { uuid: entry.uuid, pid: o.pid, graceMs: KILL_GRACE_MS });
  stopDomain(c, entry, reason);
  c.lifecycle(
    { name: entry.name, uuid: entry.uuid, id: o.id },
    S.VIR_DOMAIN_EVENT_STOPPED,
    detail,
  );
}
