/**
 * The QEMU driver for denovirt: `qemu:///system` and `qemu:///session`
 * (one driver state for both), managing real qemu-system processes. Loaded by
 * every Worker (BUILTIN_MODULES in src/pool/worker.ts); its event-loop side is
 * host.ts. The daemon's own client opens the driver's one shared instance at
 * start-up (INTERNAL_PROC_QEMU_INIT) and never closes it, so domains and their
 * state outlive every client.
 *
 * @module
 */

import type { CallContext, Handler } from "../../dispatch/context.ts";
import { type HandlerEntry, handlersOf } from "../../dispatch/handlers.ts";
import type { ProgramService } from "../../dispatch/dispatch.ts";
import type { Driver } from "../driver.ts";
import { acceptsQemuUri } from "../builtin.ts";
import type { WorkerExtension } from "../../pool/worker.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import {
  DENOVIRT_INTERNAL_PROGRAM,
  DENOVIRT_INTERNAL_PROGRAM_DEF,
  INTERNAL_PROC_QEMU_EVENT,
  INTERNAL_PROC_QEMU_INIT,
  INTERNAL_PROC_QEMU_RELOAD,
} from "../../protocol/internal.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_CONFIG_UNSUPPORTED,
  VIR_ERR_CPU_INCOMPATIBLE,
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_INVALID_ARG,
  VIR_ERR_NO_CONNECT,
  VIR_ERR_NO_DOMAIN,
  VIR_ERR_NO_SUPPORT,
  VIR_ERR_OPERATION_DENIED,
  VIR_ERR_OPERATION_UNSUPPORTED,
  VIR_FROM_CPU,
  VIR_FROM_DOMAIN,
  VIR_FROM_NONE,
  VIR_FROM_QEMU,
  VIR_FROM_RPC,
} from "../../rpc/error_codes.ts";
import { CF_CONN_OPEN, CF_READONLY } from "../../pool/layout.ts";
import {
  VIR_DRV_FEATURE_MIGRATE_CHANGE_PROTECTION,
  VIR_DRV_FEATURE_MIGRATION_OFFLINE,
  VIR_DRV_FEATURE_MIGRATION_P2P,
  VIR_DRV_FEATURE_MIGRATION_PARAMS,
  VIR_DRV_FEATURE_MIGRATION_V3,
  VIR_DRV_FEATURE_XML_MIGRATABLE,
} from "../../rpc/constants.ts";
import {
  QEMU_PROC_DOMAIN_AGENT_COMMAND,
  QEMU_PROC_DOMAIN_MONITOR_COMMAND,
  QEMU_PROGRAM,
  QEMU_PROGRAM_DEF,
  VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP,
} from "../../protocol/qemu.ts";
import { REMOTE_NODE_MEMORY_STATS_MAX, type RemoteDomain } from "../../protocol/remote_types.ts";
import { copyDomainDef, parseDomainXML } from "../../conf/domain_xml.ts";
import { log } from "../../log.ts";
import { domainEventHandlers, dropClientCallbacks } from "../callbacks.ts";
import * as S from "../domain_constants.ts";
import { charsFixed } from "../test/connect.ts";
import { findRedefined } from "../domain_list.ts";
import { on, QemuConn } from "./conn.ts";
import { domainHandlers } from "./domain.ts";
import { readDefinitions, readStatuses } from "./files.ts";
import { inDomainGroup } from "./cgroup.ts";
import { qemuAlive } from "./proc.ts";
import { loadPools, storageHandlers } from "./storage.ts";
import { capabilitiesXML, domainCapabilitiesXML, resolveHypervisor } from "./capabilities.ts";
import { cpuModelNames, LIBVIRT_ARCHES, x86Map } from "./cpu_map.ts";
import {
  compareCpu,
  compareWithHypervisor,
  parseCpuDefinition,
  VIR_CONNECT_COMPARE_CPU_FAIL_INCOMPATIBLE,
  VIR_CPU_COMPARE_INCOMPATIBLE,
} from "./cpu_compare.ts";
import { hostCpuid } from "./host_cpuid.ts";
import { hostCpuModel } from "./host_cpu.ts";
import {
  baselineCpu,
  VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES,
  VIR_CONNECT_BASELINE_CPU_MIGRATABLE,
} from "./cpu_baseline.ts";
import { probeEmulator } from "./probe.ts";
import { hostMemoryStats } from "./host_memory.ts";
import { abandonClientMigrations, migratingOut, migrationHandlers } from "./migration.ts";
import { migrationPerformHandlers } from "./migration_p2p.ts";
import { statsHandlers } from "./stats.ts";
import { deviceDeleted, hotplugHandlers } from "./hotplug.ts";
import { dumpHandlers, managedSaveHandlers, saveFileHandlers } from "./managed_save.ts";
import { tuneHandlers } from "./tune.ts";
import { snapshotHandlers } from "./snapshot.ts";
import { blockHandlers } from "./block.ts";
import { blockJobEvent } from "./block_jobs.ts";
import { loadSnapshotMetadata } from "./snapshot_files.ts";
import { initNetworks, loadNetworkConfigs, networkHandlers } from "../network/driver.ts";
import { loadSecretConfigs, secretHandlers } from "../secret/driver.ts";
import { interfaceHandlers, updateInterface } from "./interface_api.ts";
import { hostNodeHandlers } from "./host_node.ts";
import { perfEventHandlers } from "./perf_events.ts";
import { lifecycleActionHandlers } from "./lifecycle_action.ts";
import { pmHandlers } from "./pm.ts";
import { udevHandlers } from "../udev/mod.ts";
import { metadataHandlers } from "./metadata.ts";
import { blockInfoHandlers } from "./block_info.ts";
import { blockIoTuneHandlers } from "./block_iotune.ts";
import { balloonPeriodHandlers } from "./balloon_period.ts";
import { dirtyRateHandlers } from "./dirty_rate.ts";
import { blockThresholdEvent, blockThresholdHandlers } from "./block_threshold.ts";
import { vcpuInfoHandlers } from "./vcpu_info.ts";
import { iothreadHandlers } from "./iothread_api.ts";
import { agentUnavailable, guestAgentHandlers } from "./guest_agent.ts";
import { schedHandlers } from "./sched.ts";
import { memtuneHandlers } from "./memtune.ts";
import { blkiotuneHandlers } from "./blkiotune.ts";
import { numatuneHandlers } from "./numatune.ts";
import { cpuStatsHandlers } from "./cpu_stats.ts";
import { taintHandlers } from "./taint.ts";
import { updateDisk } from "./media.ts";
import { sendKeyHandlers } from "./send_key.ts";
import { restoreTapNames } from "./interface.ts";
import { diskNodeNumbers } from "./command_line.ts";
import type { QemuEventArg } from "./host.ts";
import {
  QEMU_DRIVER_ID,
  QEMU_INSTANCE_KEY,
  type QemuDirectory,
  type QemuDomainEntry,
  type QemuDomainObj,
  type QemuSettings,
  type StatusFile,
} from "./state.ts";
import {
  addOrUpdate,
  checkFlags,
  notRunning,
  parseQemuDef,
  startDomain,
  stopDomain,
  takeMonitorSlot,
} from "./domain_common.ts";

const logger = log("qemu");

/** The libvirt-qemu API of each QEMU program procedure (for "not supported" errors). */
const QEMU_API_NAMES: Record<number, string> = {
  1: "virDomainQemuMonitorCommand",
  2: "virDomainQemuAttach",
  3: "virDomainQemuAgentCommand",
  4: "virConnectDomainQemuMonitorEventRegister",
  5: "virConnectDomainQemuMonitorEventDeregister",
  7: "virDomainQemuMonitorCommandWithFiles",
};

/** The emulator's version as libvirt reports it (major × 1,000,000 + minor × 1,000 + micro). */
function emulatorVersion(emulator: string, workDir: string): number {
  try {
    return probeEmulator(emulator, workDir).version;
  } catch {
    return 0; // no emulator: version 0
  }
}

/** The host as NODE_GET_INFO reports it, from /proc. */
function hostInfo(): {
  model: number[];
  memory: bigint;
  cpus: number;
  mhz: number;
  nodes: number;
  sockets: number;
  cores: number;
  threads: number;
} {
  // /proc needs every Deno permission; under narrowed ones the runtime's own
  // figures stand in (and the clock speed is unknown: 0).
  let cpuinfo = "";
  try {
    cpuinfo = Deno.readTextFileSync("/proc/cpuinfo");
  } catch {
    // Not readable here.
  }
  const cpus = (cpuinfo.match(/^processor\s*:/gm) ?? []).length || navigator.hardwareConcurrency;
  const mhz = Math.floor(Number(/^cpu MHz\s*:\s*([\d.]+)/m.exec(cpuinfo)?.[1] ?? 0));
  const kib = BigInt(Math.floor(Deno.systemMemoryInfo().total / 1024));
  return {
    model: charsFixed(Deno.build.arch, 32),
    memory: kib,
    cpus,
    mhz,
    nodes: 1,
    sockets: 1,
    cores: cpus,
    threads: 1,
  };
}

function openInstance(ctx: CallContext, settings?: QemuSettings): number {
  return ctx.env.store.openInstance(QEMU_DRIVER_ID, QEMU_INSTANCE_KEY, true, (): QemuDirectory => {
    if (!settings) throw new Error("the QEMU driver was not initialised");
    return {
      ...settings,
      nextDomId: 1,
      monitors: [],
      pools: [],
      domains: [],
      networks: [],
      netJob: null,
      nextTap: 0,
      secrets: [],
      callbacks: [],
      nextCallbackId: 0,
    };
  }).index;
}

/**
 * Start-up (the daemon's own client): loads the persistent definitions,
 * adopts the QEMU processes of running domains from their status files
 * (reconnecting their monitors), then starts the autostart domains.
 */
function init(ctx: CallContext, settings: QemuSettings): void {
  const inst = openInstance(ctx, settings);
  ctx.client.update(CF_CONN_OPEN, 0, QEMU_DRIVER_ID, inst);
  const c = new QemuConn(ctx, inst);
  try {
    // Networks first: running domains' taps are on their bridges.
    try {
      initNetworks(c);
    } catch (e) {
      logger.error("cannot load the networks: {error}", { error: e });
    }
    // Secrets before domains: a domain's disks may name them.
    loadSecretConfigs(c);
    for (const { xml, autostart } of readDefinitions(settings.configDir)) {
      let def;
      try {
        def = parseQemuDef(xml, settings.emulator, settings.stateDir);
      } catch (e) {
        logger.error("cannot load a domain definition: {error}", { error: e });
        continue;
      }
      c.dir((d, save) => {
        if (d.domains.some((e) => e.name === def.name || e.uuid === def.uuid)) return;
        const o: QemuDomainObj = {
          def,
          newDef: null,
          id: -1,
          state: S.VIR_DOMAIN_SHUTOFF,
          reason: S.VIR_DOMAIN_SHUTOFF_UNKNOWN,
          persistent: true,
          autostart,
          pid: 0,
          monitor: "",
          stopping: null,
        };
        d.domains.push({
          name: def.name,
          uuid: def.uuid,
          handle: c.store.createObject(o),
          id: -1,
          active: false,
          persistent: true,
        });
        save();
      });
    }
    for (const st of readStatuses(settings.stateDir)) adopt(c, settings, st);
    for (const e of c.dir((d) => d.domains.map((x) => ({ ...x })))) {
      c.withObj(e, (o, saveObj) => {
        loadSnapshotMetadata(settings.configDir, e.name, o);
        saveObj();
      });
    }
    c.dir((d, save) => {
      loadPools(d);
      save();
    });
    // Autostart: every persistent domain marked so that is not running.
    const auto = c.dir((d) => d.domains.map((e) => ({ ...e })));
    for (const e of auto) {
      const want = c.withObj(e, (o) => o.autostart && o.pid === 0);
      if (!want) continue;
      c.beginJob(e, "qemuAutostartDomain");
      try {
        startDomain(c, e, 0);
      } catch (err) {
        logger.error("autostart of {name} failed: {error}", { name: e.name, error: err });
      } finally {
        c.endJob(e);
      }
    }
  } finally {
    c.flush();
  }
}

/**
 * SIGHUP (the daemon's own client), as libvirt's qemuStateReload: every
 * definition file is read again. A new one is defined (event DEFINED/ADDED);
 * one of a known domain replaces its definition, or becomes its pending one
 * while it runs, and its autostart flag follows the link. A domain whose file
 * is gone stays, and nothing is started. New pool definitions are added too.
 */
function reload(ctx: CallContext): void {
  const c = new QemuConn(ctx);
  try {
    const { configDir, emulator, stateDir } = c.dir((d) => ({
      configDir: d.configDir,
      emulator: d.emulator,
      stateDir: d.stateDir,
    }));
    let defs: { xml: string; autostart: boolean }[] = [];
    try {
      defs = readDefinitions(configDir);
    } catch (e) {
      logger.error("cannot reload the domain definitions: {error}", { error: e });
    }
    for (const { xml, autostart } of defs) {
      try {
        const def = parseQemuDef(xml, emulator, stateDir);
        c.dir((d, save) => {
          findRedefined(d.domains, def); // a name or UUID taken by another domain: not loaded
          const { entry, updated } = addOrUpdate(c, d, def, true, false);
          c.withObj(entry, (o, saveObj) => {
            o.autostart = autostart;
            saveObj();
          });
          save();
          if (!updated) {
            c.lifecycle(entry, S.VIR_DOMAIN_EVENT_DEFINED, S.VIR_DOMAIN_EVENT_DEFINED_ADDED);
          }
        });
      } catch (e) {
        logger.error("cannot reload a domain definition: {error}", { error: e });
      }
    }
    c.dir((d, save) => {
      loadPools(d);
      save();
    });
    loadNetworkConfigs(c);
    loadSecretConfigs(c);
    logger.info("reloaded the definitions in {dir}", { dir: configDir });
  } finally {
    c.flush();
  }
}

/** Takes back a domain whose QEMU ran on while the daemon was down. */
function adopt(
  c: QemuConn,
  settings: QemuSettings,
  st: StatusFile,
): void {
  const statusFile = `${settings.stateDir}/${st.uuid}.status`;
  if (!qemuAlive(st.pid, st.uuid)) {
    logger.info("domain {name} stopped while the daemon was down", { name: st.name });
    try {
      Deno.removeSync(statusFile);
    } catch {
      // Gone already.
    }
    return;
  }
  let status: { status?: string } = {};
  try {
    status = (c.io("qemu.attach", { uuid: st.uuid, pid: st.pid, monitor: st.monitor }) as {
      status: { status?: string };
    }).status;
  } catch (e) {
    logger.error("cannot reconnect to the monitor of {name}: {error}", {
      name: st.name,
      error: e,
    });
    return;
  }
  const live = parseDomainXML(st.xml, { status: true });
  live.devices.emulator ??= settings.emulator;
  restoreTapNames(live, st.xml);
  const running = status.status === "running";
  c.dir((d, save) => {
    let entry: QemuDomainEntry | undefined = d.domains.find((e) => e.uuid === st.uuid);
    if (!entry) {
      entry = {
        name: st.name,
        uuid: st.uuid,
        handle: c.store.createObject(
          {
            def: live,
            newDef: null,
            id: -1,
            state: S.VIR_DOMAIN_SHUTOFF,
            reason: 0,
            persistent: false,
            autostart: false,
            pid: 0,
            monitor: "",
            stopping: null,
          } satisfies QemuDomainObj,
        ),
        id: -1,
        active: false,
        persistent: false,
      };
      d.domains.push(entry);
    }
    const e = entry;
    c.withObj(e, (o, saveObj) => {
      if (o.persistent) o.newDef = copyDomainDef(o.def);
      o.def = live;
      o.pid = st.pid;
      o.monitor = st.monitor;
      o.id = st.id;
      o.state = running ? S.VIR_DOMAIN_RUNNING : S.VIR_DOMAIN_PAUSED;
      o.reason = running ? S.VIR_DOMAIN_RUNNING_UNKNOWN : S.VIR_DOMAIN_PAUSED_UNKNOWN;
      // Without hotplug the status file has no node numbers: the command line's.
      o.diskNodes = st.diskNodes ?? diskNodeNumbers(live);
      o.nextDiskNode = st.nextDiskNode ?? live.devices.disks.length + 1;
      if (inDomainGroup(st.pid, st.id, live.name)) o.cgroup = true;
      saveObj();
    });
    e.id = st.id;
    e.active = true;
    const slot = /monitor-(\d+)\.sock$/.exec(st.monitor);
    if (slot) d.monitors[Number(slot[1])] = st.uuid;
    else takeMonitorSlot(d, st.uuid);
    d.nextDomId = Math.max(d.nextDomId, st.id + 1);
    save();
  });
  logger.info("adopted running domain {name} (pid {pid})", { name: st.name, pid: st.pid });
}

/** A QEMU process event (daemon's own client): QMP events and the process's end. */
function processEvent(ctx: CallContext, ev: QemuEventArg): void {
  const c = new QemuConn(ctx);
  try {
    const entry = c.dir((d) => {
      const e = d.domains.find((x) => x.uuid === ev.uuid);
      return e ? { ...e } : null;
    });
    if (!entry) return;
    // A migration's Perform holds the job for as long as QEMU migrates and accounts for
    // the pauses and resumes itself: waiting for it would hold up every later event.
    if ((ev.event === "STOP" || ev.event === "RESUME") && migratingOut(c, entry)) return;
    try {
      c.beginJob(entry, "qemuProcessEventHandler");
    } catch (e) {
      // Gone meanwhile (a transient domain whose end a call has seen to): no news left.
      if (e instanceof VirError && e.code === VIR_ERR_NO_DOMAIN) return;
      throw e;
    }
    try {
      handleEvent(c, entry, ev);
    } finally {
      c.endJob(entry);
    }
  } finally {
    c.flush();
  }
}

function handleEvent(c: QemuConn, entry: QemuDomainEntry, ev: QemuEventArg): void {
  const o = c.withObj(entry, (o) => o);
  // Events of an earlier process of this domain, or of one being destroyed, are not news.
  if (o.pid !== ev.pid || o.stopping === "destroy") return;
  const dom = { name: entry.name, uuid: entry.uuid, id: o.id };
  switch (ev.event) {
    case "STOP":
    case "RESUME": {
      // The event may be old news: this daemon's own suspend or resume (which
      // held the job meanwhile) already accounted for it. QEMU's present state decides.
      let running: boolean;
      try {
        running = (c.io("qemu.qmp", { uuid: entry.uuid, cmd: "query-status" }) as {
          running: boolean;
        }).running;
      } catch {
        return; // the process is going; its EOF will tell
      }
      c.withObj(entry, (x, save) => {
        // Looked at again now: a destroy may have begun while QEMU was asked.
        if (x.pid !== ev.pid || x.stopping === "destroy") return;
        if (!running && x.state === S.VIR_DOMAIN_RUNNING) {
          x.state = S.VIR_DOMAIN_PAUSED;
          x.reason = S.VIR_DOMAIN_PAUSED_UNKNOWN;
          save();
          c.lifecycle(dom, S.VIR_DOMAIN_EVENT_SUSPENDED, S.VIR_DOMAIN_EVENT_SUSPENDED_PAUSED);
        } else if (running && x.state === S.VIR_DOMAIN_PAUSED) {
          x.state = S.VIR_DOMAIN_RUNNING;
          x.reason = S.VIR_DOMAIN_RUNNING_UNPAUSED;
          save();
          c.lifecycle(dom, S.VIR_DOMAIN_EVENT_RESUMED, S.VIR_DOMAIN_EVENT_RESUMED_UNPAUSED);
        }
      });
      break;
    }
    case "BLOCK_JOB_READY":
    case "BLOCK_JOB_COMPLETED":
    case "BLOCK_JOB_CANCELLED": {
      const { stateDir, configDir } = c.dir((d) => ({
        stateDir: d.stateDir,
        configDir: d.configDir,
      }));
      blockJobEvent(c, entry, ev.event, ev.data, stateDir, configDir);
      break;
    }
    case "BLOCK_WRITE_THRESHOLD":
      blockThresholdEvent(c, entry, ev.data);
      break;
    case "DEVICE_DELETED":
      if (typeof ev.data.device === "string") deviceDeleted(c, entry, ev.data.device);
      break;
    case "BALLOON_CHANGE":
      // VIR_DOMAIN_EVENT_ID_BALLOON_CHANGE (13), the guest's memory in KiB.
      c.emitDomain(dom, 13, {
        actual: BigInt(Math.floor(Number(ev.data.actual ?? 0) / 1024)),
      });
      break;
    case "RTC_CHANGE":
      // VIR_DOMAIN_EVENT_ID_RTC_CHANGE (2), the guest clock's offset in seconds.
      c.emitDomain(dom, 2, { offset: BigInt(Math.trunc(Number(ev.data.offset ?? 0))) });
      break;
    case "RESET":
      c.emitDomain(dom, S.VIR_DOMAIN_EVENT_ID_REBOOT, {});
      break;
    case "SHUTDOWN": {
      // The guest powered off (or QEMU was told to quit): QEMU waits (-no-shutdown)
      // until the daemon ends it, as libvirt does.
      const guest = ev.data.guest === true;
      const reboot = c.withObj(entry, (x, save) => {
        x.state = S.VIR_DOMAIN_SHUTDOWN;
        x.reason = 0;
        const restart = x.fakeReboot === true || x.def.onPoweroff === "restart";
        if (!restart) x.stopping = "shutdown";
        save();
        return restart;
      });
      c.lifecycle(
        dom,
        S.VIR_DOMAIN_EVENT_SHUTDOWN,
        guest ? S.VIR_DOMAIN_EVENT_SHUTDOWN_GUEST : S.VIR_DOMAIN_EVENT_SHUTDOWN_HOST,
      );
      if (reboot) {
        // qemuProcessFakeReboot: reset the stopped guest and let it run again.
        c.io("qemu.qmp", { uuid: entry.uuid, cmd: "system_reset" });
        c.io("qemu.qmp", { uuid: entry.uuid, cmd: "cont" });
        c.withObj(entry, (x, save) => {
          x.fakeReboot = false;
          // QEMU stopped at the power-off and runs again: "unpaused", as libvirt says.
          x.state = S.VIR_DOMAIN_RUNNING;
          x.reason = S.VIR_DOMAIN_RUNNING_UNPAUSED;
          save();
        });
        c.lifecycle(dom, S.VIR_DOMAIN_EVENT_RESUMED, S.VIR_DOMAIN_EVENT_RESUMED_UNPAUSED);
        break;
      }
      c.io("qemu.kill", { uuid: entry.uuid, pid: ev.pid, graceMs: 10_000 });
      stopDomain(c, entry, S.VIR_DOMAIN_SHUTOFF_SHUTDOWN);
      c.lifecycle(dom, S.VIR_DOMAIN_EVENT_STOPPED, S.VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN);
      break;
    }
    case "EOF": {
      // QEMU is gone without being asked: it crashed (or shut down unseen).
      const shutdown = o.stopping === "shutdown";
      stopDomain(c, entry, shutdown ? S.VIR_DOMAIN_SHUTOFF_SHUTDOWN : S.VIR_DOMAIN_SHUTOFF_CRASHED);
      c.lifecycle(
        dom,
        S.VIR_DOMAIN_EVENT_STOPPED,
        shutdown ? S.VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN : S.VIR_DOMAIN_EVENT_STOPPED_FAILED,
      );
      break;
    }
  }
}

const connectHandlers: HandlerEntry[] = [
  on(P.REMOTE_PROC_CONNECT_GET_TYPE, () => ({ type: "QEMU" })),
  on(
    P.REMOTE_PROC_CONNECT_GET_VERSION,
    (c) => ({
      hv_ver: BigInt(emulatorVersion(...c.dir((d) => [d.emulator, d.stateDir] as const))),
    }),
  ),
  on(P.REMOTE_PROC_CONNECT_GET_HOSTNAME, () => ({ hostname: Deno.hostname() })),
  on(
    P.REMOTE_PROC_CONNECT_GET_URI,
    () => ({ uri: Deno.uid() === 0 ? "qemu:///system" : "qemu:///session" }),
  ),
  on(P.REMOTE_PROC_CONNECT_IS_SECURE, () => ({ secure: 1 })),
  on(P.REMOTE_PROC_CONNECT_GET_MAX_VCPUS, () => ({ max_vcpus: 255 })),
  on(P.REMOTE_PROC_NODE_GET_INFO, () => hostInfo()),
  on(P.REMOTE_PROC_NODE_GET_MEMORY_STATS, (_c, a) => {
    // libvirtd's own check, then the two-phase typed-parameter pattern.
    if (a.nparams > REMOTE_NODE_MEMORY_STATS_MAX) {
      throw VirError.internal(VIR_FROM_RPC, "nparams too large");
    }
    const { count, params } = hostMemoryStats(a.cellNum, a.nparams, a.flags);
    return a.nparams === 0 ? { params: [], nparams: count } : { params, nparams: 0 };
  }),
  on(
    P.REMOTE_PROC_CONNECT_GET_CAPABILITIES,
    (c) => ({ capabilities: capabilitiesXML(...c.dir((d) => [d.emulator, d.stateDir] as const)) }),
  ),
  on(P.REMOTE_PROC_CONNECT_GET_DOMAIN_CAPABILITIES, (
    c,
    a,
  ) => {
    checkFlags("qemuConnectGetDomainCapabilities", a.flags, 0);
    // Only the configured emulator is probed (a client names no program to run).
    const [emulator, stateDir] = c.dir((d) => [d.emulator, d.stateDir] as const);
    if (a.emulatorbin !== null && a.emulatorbin !== emulator) {
      throw VirError.of(
        VIR_ERR_INVALID_ARG,
        VIR_FROM_QEMU,
        `emulator '${a.emulatorbin}' is not the one this daemon runs (${emulator})`,
      );
    }
    return { capabilities: domainCapabilitiesXML(emulator, a, stateDir) };
  }),
  on(P.REMOTE_PROC_CONNECT_GET_CPU_MODEL_NAMES, (_c, a) => {
    checkFlags("qemuConnectGetCPUModelNames", a.flags, 0);
    if (!LIBVIRT_ARCHES.has(a.arch)) {
      throw VirError.of(VIR_ERR_INVALID_ARG, VIR_FROM_QEMU, `cannot find architecture ${a.arch}`);
    }
    const models = cpuModelNames(a.arch);
    return { models: a.need_results ? models : [], ret: models.length };
  }),
  on(P.REMOTE_PROC_CONNECT_COMPARE_HYPERVISOR_CPU, (c, a) => {
    checkFlags(
      "qemuConnectCompareHypervisorCPU",
      a.flags,
      VIR_CONNECT_COMPARE_CPU_FAIL_INCOMPATIBLE,
    );
    const [emulator, stateDir] = c.dir((d) => [d.emulator, d.stateDir] as const);
    const bin = a.emulator ?? emulator;
    if (bin !== emulator) {
      throw VirError.of(
        VIR_ERR_INVALID_ARG,
        VIR_FROM_QEMU,
        `emulator '${bin}' is not the one this daemon runs (${emulator})`,
      );
    }
    const hv = resolveHypervisor(emulator, a, stateDir);
    const cpu = hostCpuModel(hv.probe, hv.virttype)?.reported;
    if (!cpu) {
      throw VirError.of(
        VIR_ERR_OPERATION_UNSUPPORTED,
        VIR_FROM_QEMU,
        `QEMU '${emulator}' does not support reporting CPU model for virttype '${hv.virttype}'`,
      );
    }
    const failIncompatible = (a.flags & VIR_CONNECT_COMPARE_CPU_FAIL_INCOMPATIBLE) !== 0;
    return { result: compareWithHypervisor(cpu, parseCpuDefinition(a.xmlCPU), failIncompatible) };
  }),
  on(P.REMOTE_PROC_CONNECT_BASELINE_CPU, (_c, a) => {
    checkFlags(
      "qemuConnectBaselineCPU",
      a.flags,
      VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES | VIR_CONNECT_BASELINE_CPU_MIGRATABLE,
    );
    const cpus = a.xmlCPUs.map((x) => parseCpuDefinition(x, { host: true }));
    const arch = cpus[0]?.arch ?? "x86_64";
    if (arch !== "x86_64" && arch !== "i686") {
      throw VirError.of(
        VIR_ERR_CONFIG_UNSUPPORTED,
        VIR_FROM_QEMU,
        `CPU baseline for architecture '${arch}' (denovirt has x86's CPU map only)`,
      );
    }
    return { cpu: baselineCpu(cpus, null, null, a.flags) };
  }),
  on(P.REMOTE_PROC_CONNECT_COMPARE_CPU, (_c, a) => {
    checkFlags("qemuConnectCompareCPU", a.flags, VIR_CONNECT_COMPARE_CPU_FAIL_INCOMPATIBLE);
    const failIncompatible = (a.flags & VIR_CONNECT_COMPARE_CPU_FAIL_INCOMPATIBLE) !== 0;
    const map = x86Map();
    const host = hostCpuid(map);
    const vendor = host ? [...map.vendors].find(([, s]) => s === host.vendor)?.[0] ?? null : null;
    if (!host) {
      // libvirt's answer when it does not know the host CPU.
      if (failIncompatible) {
        throw VirError.of(VIR_ERR_CPU_INCOMPATIBLE, VIR_FROM_CPU, "unknown host CPU");
      }
      return { result: VIR_CPU_COMPARE_INCOMPATIBLE };
    }
    const cpu = parseCpuDefinition(a.xml);
    return { result: compareCpu({ bits: host.bits, vendor }, cpu, failIncompatible) };
  }),
  on(P.REMOTE_PROC_CONNECT_BASELINE_HYPERVISOR_CPU, (c, a) => {
    checkFlags(
      "qemuConnectBaselineHypervisorCPU",
      a.flags,
      VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES | VIR_CONNECT_BASELINE_CPU_MIGRATABLE,
    );
    const [emulator, stateDir] = c.dir((d) => [d.emulator, d.stateDir] as const);
    const bin = a.emulator ?? emulator;
    if (bin !== emulator) {
      throw VirError.of(
        VIR_ERR_INVALID_ARG,
        VIR_FROM_QEMU,
        `emulator '${bin}' is not the one this daemon runs (${emulator})`,
      );
    }
    const cpus = a.xmlCPUs.map((x) => parseCpuDefinition(x));
    const { probe, virttype } = resolveHypervisor(emulator, a, stateDir);
    const kvm = virttype === "kvm";
    const models = (kvm ? probe.cpuKvm : probe.cpuTcg) ?? [];
    const host = kvm ? probe.hostCpuKvm : probe.hostCpuTcg;
    // The CPU properties QEMU has, less those it gives only unmigratable when asked for migratable.
    const migratable = (a.flags & VIR_CONNECT_BASELINE_CPU_MIGRATABLE) !== 0;
    const features = host
      ? Object.keys(host.migratable).filter((k) =>
        !(migratable && host.migratable[k] !== true && host.all[k] === true)
      )
      : null;
    const hv = new Map(models.map((m) => [m.name, m.blockers]));
    return { cpu: baselineCpu(cpus, hv, features, a.flags) };
  }),
];

export const qemuDriver: Driver = {
  id: QEMU_DRIVER_ID,
  name: "QEMU",
  accepts: acceptsQemuUri,
  open(ctx: CallContext, uri: string): number {
    const path = uri.replace(/^qemu:\/\//, "").replace(/\?.*$/, "");
    if (path !== "/system" && path !== "/session") {
      throw VirError.of(
        VIR_ERR_NO_CONNECT,
        VIR_FROM_NONE,
        `unexpected QEMU URI path '${path}', try qemu:///system or qemu:///session`,
      );
    }
    return openInstance(ctx);
  },
  close(ctx: CallContext): void {
    const c = new QemuConn(ctx);
    dropClientCallbacks(c);
    try {
      abandonClientMigrations(c);
    } finally {
      c.flush();
    }
    // The daemon's own client keeps a reference: this is never the last one.
    c.store.closeInstance(c.inst);
  },
  // libvirt's qemuConnectSupportsFeature, but for the v2 migration protocol (not built).
  features: new Set([
    VIR_DRV_FEATURE_MIGRATION_V3,
    VIR_DRV_FEATURE_MIGRATION_P2P,
    VIR_DRV_FEATURE_MIGRATE_CHANGE_PROTECTION,
    VIR_DRV_FEATURE_XML_MIGRATABLE,
    VIR_DRV_FEATURE_MIGRATION_OFFLINE,
    VIR_DRV_FEATURE_MIGRATION_PARAMS,
  ]),
  handlers: new Map<number, Handler>([
    ...connectHandlers,
    ...domainHandlers,
    ...storageHandlers,
    ...statsHandlers,
    ...hotplugHandlers,
    ...migrationHandlers,
    ...migrationPerformHandlers,
    ...managedSaveHandlers,
    ...saveFileHandlers,
    ...dumpHandlers,
    ...tuneHandlers,
    ...snapshotHandlers,
    ...blockHandlers,
    ...blockIoTuneHandlers,
    ...balloonPeriodHandlers,
    ...dirtyRateHandlers,
    ...blockThresholdHandlers,
    ...networkHandlers((ctx) => new QemuConn(ctx)),
    ...secretHandlers((ctx) => new QemuConn(ctx)),
    ...interfaceHandlers,
    ...udevHandlers,
    ...metadataHandlers,
    ...blockInfoHandlers,
    ...vcpuInfoHandlers,
    ...iothreadHandlers,
    ...schedHandlers,
    ...memtuneHandlers,
    ...blkiotuneHandlers,
    ...numatuneHandlers,
    ...cpuStatsHandlers,
    ...guestAgentHandlers,
    ...taintHandlers,
    ...hostNodeHandlers,
    ...perfEventHandlers,
    ...lifecycleActionHandlers,
    ...pmHandlers,
    ...sendKeyHandlers,
    on(
      P.REMOTE_PROC_DOMAIN_UPDATE_DEVICE_FLAGS,
      (c, a) =>
        /^\s*<disk[\s>]/.test(a.xml)
          ? updateDisk(c, a.dom, a.xml, a.flags)
          : updateInterface(c, a.dom, a.xml, a.flags),
    ),
    ...domainEventHandlers((ctx) => new QemuConn(ctx)),
  ]),
};

const onInternal = handlersOf(DENOVIRT_INTERNAL_PROGRAM_DEF);
const internalHandlers = new Map<number, Handler>([
  onInternal(INTERNAL_PROC_QEMU_INIT, (ctx, a) => init(ctx, JSON.parse(a.json))),
  onInternal(INTERNAL_PROC_QEMU_EVENT, (ctx, a) => processEvent(ctx, JSON.parse(a.json))),
  onInternal(INTERNAL_PROC_QEMU_RELOAD, (ctx) => reload(ctx)),
]);

/** libvirt-qemu's monitor pass-through (`virsh qemu-monitor-command`), holding the domain's job. */
function monitorCommand(
  ctx: CallContext,
  a: { dom: RemoteDomain; cmd: string; flags: number },
): { result: string } {
  checkFlags("qemuDomainQemuMonitorCommand", a.flags, VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP);
  const c = new QemuConn(ctx);
  return c.job(a.dom, "remoteDispatchDomainQemuMonitorCommand", (entry) => {
    if (!c.withObj(entry, (o) => o.pid !== 0)) {
      throw notRunning();
    }
    const hmp = (a.flags & VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP) !== 0;
    // libvirt taints a domain its clients drive behind its back.
    c.withObj(entry, (o, save) => {
      o.customMonitor = true;
      save();
    });
    return { result: String(c.io("qemu.monitor", { uuid: entry.uuid, cmd: a.cmd, hmp })) };
  });
}

/**
 * libvirt-qemu's agent pass-through (`virsh qemu-agent-command`): denovirt
 * connects to no guest agent, so it is refused as libvirt refuses it
 * without one.
 */
function agentCommand(ctx: CallContext, a: { dom: RemoteDomain; flags: number }): never {
  checkFlags("qemuDomainQemuAgentCommand", a.flags, 0);
  const c = new QemuConn(ctx);
  throw c.withObj(c.entry(a.dom), agentUnavailable);
}

const qemuProgramHandlers = new Map<number, Handler>([
  handlersOf(QEMU_PROGRAM_DEF)(QEMU_PROC_DOMAIN_MONITOR_COMMAND, monitorCommand),
  handlersOf(QEMU_PROGRAM_DEF)(QEMU_PROC_DOMAIN_AGENT_COMMAND, agentCommand),
]);

/** Worker extension hook: registers the driver and the internal program's handlers. */
export function setup(ext: WorkerExtension): void {
  ext.drivers.add(qemuDriver);
  ext.services.set(QEMU_PROGRAM, {
    program: QEMU_PROGRAM_DEF,
    admit(ctx) {
      const flags = ctx.client.flags;
      if (!(flags & CF_CONN_OPEN)) {
        throw VirError.of(VIR_ERR_INTERNAL_ERROR, VIR_FROM_RPC, "hypervisor connection not open");
      }
      if ((flags & CF_READONLY) && ctx.procedure.changesState) {
        throw VirError.of(
          VIR_ERR_OPERATION_DENIED,
          VIR_FROM_DOMAIN,
          "read only access prevents virDomainQemuMonitorCommand",
        );
      }
    },
    handler: (ctx) =>
      ctx.client.driver === QEMU_DRIVER_ID ? qemuProgramHandlers.get(ctx.header.proc) : undefined,
    unsupported: (info) =>
      // libvirtd reports these in no error domain (measured against the test driver).
      VirError.of(
        VIR_ERR_NO_SUPPORT,
        VIR_FROM_NONE,
        QEMU_API_NAMES[info.proc] ?? `qemu procedure ${info.proc}`,
      ),
  });
  const service: ProgramService = {
    program: DENOVIRT_INTERNAL_PROGRAM_DEF,
    handler: (ctx) => internalHandlers.get(ctx.header.proc),
  };
  ext.services.set(DENOVIRT_INTERNAL_PROGRAM, service);
}
