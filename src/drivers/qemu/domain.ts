/**
 * The QEMU driver's domain API entry points (libvirt's qemu_driver.c):
 * define, undefine, create, lookups and lists, start, shutdown, destroy,
 * consoles, memory. A state change holds the domain's job for its whole
 * length; destroy kills the process before it takes the job, as libvirt
 * does, so it works even when a call holding the job waits on a monitor
 * that does not answer. What other families share (persistent definitions
 * on disk, starting and stopping QEMU) is in domain_common.ts.
 *
 * @module
 */

import { removeSnapshotMetadata } from "./snapshot_files.ts";
import type { HandlerEntry } from "../../dispatch/handlers.ts";
import { setMaxMemory } from "./tune.ts";
import { diskNode } from "./hotplug.ts";
import { findRedefined } from "../domain_list.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import type { RemoteDomain } from "../../protocol/remote_types.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_INVALID_ARG,
  VIR_ERR_NO_DOMAIN,
  VIR_ERR_OPERATION_INVALID,
  VIR_ERR_OPERATION_UNSUPPORTED,
  VIR_FROM_QEMU,
} from "../../rpc/error_codes.ts";
import { uuidToString } from "../../util/uuid.ts";
import { formatDomainXML, VIR_DOMAIN_XML_INACTIVE } from "../../conf/domain_xml.ts";
import * as S from "../domain_constants.ts";
import { serialsOf } from "./command_line.ts";
import { nativeCommandLine, nvramPath, usesNvram } from "./live_def.ts";

function fileExists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
import { agentUnavailable } from "./guest_agent.ts";
import { on, QemuConn } from "./conn.ts";
import { configPath, consolePath, removeDurable, setAutostart, writeDurable } from "./files.ts";
import { cpuNs } from "./proc.ts";
import type { QemuDomainEntry, QemuDomainObj } from "./state.ts";
import {
  VIR_DOMAIN_AFFECT_CONFIG,
  VIR_DOMAIN_AFFECT_LIVE,
  VIR_DOMAIN_MEM_MAXIMUM,
} from "../domain_constants.ts";
import {
  addOrUpdate,
  alreadyRunning,
  checkFlags,
  configXML,
  KILL_GRACE_MS,
  neverRan,
  notRunning,
  parseQemuDef,
  removeDomainIf,
  startDomain,
  stopDomain,
  VIR_DOMAIN_START_PAUSED,
} from "./domain_common.ts";
import { hasManagedSave, removeManagedSave } from "./save_image.ts";
import { suspendMigrating } from "./migration.ts";

const VIR_DOMAIN_UNDEFINE_MANAGED_SAVE = 1 << 0;
const VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA = 1 << 1;
const VIR_DOMAIN_UNDEFINE_NVRAM = 1 << 2;
const VIR_DOMAIN_UNDEFINE_KEEP_NVRAM = 1 << 3;
const VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA = 1 << 4;
const VIR_DOMAIN_DESTROY_GRACEFUL = 1 << 0;
const VIR_CONNECT_LIST_DOMAINS_ACTIVE = 1 << 0;
const VIR_CONNECT_LIST_DOMAINS_INACTIVE = 1 << 1;
const VIR_CONNECT_LIST_DOMAINS_PERSISTENT = 1 << 2;
const VIR_CONNECT_LIST_DOMAINS_TRANSIENT = 1 << 3;
const VIR_CONNECT_LIST_DOMAINS_RUNNING = 1 << 4;
const VIR_CONNECT_LIST_DOMAINS_PAUSED = 1 << 5;
const VIR_CONNECT_LIST_DOMAINS_SHUTOFF = 1 << 6;
const VIR_CONNECT_LIST_DOMAINS_OTHER = 1 << 7;
const VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE = 1 << 8;
const VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE = 1 << 9;
const VIR_CONNECT_LIST_DOMAINS_AUTOSTART = 1 << 10;
const VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART = 1 << 11;
const VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT = 1 << 12;
const VIR_CONNECT_LIST_DOMAINS_NO_SNAPSHOT = 1 << 13;
const VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT = 1 << 14;
const VIR_CONNECT_LIST_DOMAINS_NO_CHECKPOINT = 1 << 15;

function defineXML(c: QemuConn, xml: string): { dom: RemoteDomain } {
  const { emulator, configDir, stateDir } = c.dir((d) => d);
  const def = parseQemuDef(xml, emulator, stateDir);
  // The file is written before the definition is visible, under the instance
  // lock, so an acknowledged define is always on disk and never half-seen.
  return c.dir((d, save) => {
    findRedefined(d.domains, def); // a conflicting name or UUID is refused before the file is written
    writeDurable(configPath(configDir, def.name), configXML(def));
    const { entry, updated } = addOrUpdate(c, d, def, true, false);
    save();
    c.lifecycle(
      entry,
      S.VIR_DOMAIN_EVENT_DEFINED,
      updated ? S.VIR_DOMAIN_EVENT_DEFINED_UPDATED : S.VIR_DOMAIN_EVENT_DEFINED_ADDED,
    );
    return { dom: QemuConn.wire(entry) };
  });
}

function undefine(c: QemuConn, ref: RemoteDomain, flags: number): void {
  checkFlags(
    "qemuDomainUndefineFlags",
    flags,
    VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA |
      VIR_DOMAIN_UNDEFINE_NVRAM | VIR_DOMAIN_UNDEFINE_KEEP_NVRAM |
      VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA,
  );
  c.job(ref, "remoteDispatchDomainUndefineFlags", (entry) => {
    const configDir = c.dir((d) => d.configDir);
    c.dir((d, save) => {
      const e = d.domains.find((x) => x.handle === entry.handle)!;
      let remove = false;
      c.withObj(entry, (o, saveObj) => {
        if (!o.persistent) {
          throw VirError.of(
            VIR_ERR_OPERATION_INVALID,
            VIR_FROM_QEMU,
            "cannot undefine transient domain",
          );
        }
        const nsnapshots = o.snapshots?.length ?? 0;
        if (o.pid === 0 && nsnapshots > 0) {
          if (!(flags & VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA)) {
            throw VirError.of(
              VIR_ERR_OPERATION_INVALID,
              VIR_FROM_QEMU,
              `cannot delete inactive domain with ${nsnapshots} snapshots`,
            );
          }
          removeSnapshotMetadata(configDir, o.def.name);
          o.snapshots = [];
          o.snapshotRoots = [];
          o.currentSnapshot = null;
        }
        if (hasManagedSave(configDir, o.def.name)) {
          if (!(flags & VIR_DOMAIN_UNDEFINE_MANAGED_SAVE)) {
            throw VirError.of(
              VIR_ERR_OPERATION_INVALID,
              VIR_FROM_QEMU,
              "Refusing to undefine while domain managed save image exists",
            );
          }
          removeManagedSave(configDir, o.def.name);
        }
        const config = o.newDef ?? o.def;
        const nvram = usesNvram(config)
          ? config.os.nvram?.path ?? nvramPath(configDir, config.name)
          : null;
        if (nvram && fileExists(nvram)) {
          if (flags & VIR_DOMAIN_UNDEFINE_NVRAM) {
            Deno.removeSync(nvram);
          } else if (!(flags & VIR_DOMAIN_UNDEFINE_KEEP_NVRAM)) {
            throw VirError.of(
              VIR_ERR_OPERATION_INVALID,
              VIR_FROM_QEMU,
              "cannot undefine domain with nvram",
            );
          }
        }
        removeDurable(configPath(configDir, o.def.name));
        setAutostart(configDir, o.def.name, false);
        if (o.pid !== 0) {
          // A running domain becomes transient and goes when it stops.
          o.persistent = false;
          o.newDef = null;
          o.autostart = false;
          e.persistent = false;
          saveObj();
        } else {
          remove = true;
        }
      });
      if (remove) {
        d.domains = d.domains.filter((x) => x !== e);
        save();
        c.store.destroyObject(e.handle);
      } else {
        save();
      }
      c.lifecycle(e, S.VIR_DOMAIN_EVENT_UNDEFINED, S.VIR_DOMAIN_EVENT_UNDEFINED_REMOVED);
    });
  });
}

const VIR_DOMAIN_CONSOLE_FORCE = 1 << 0;
const VIR_DOMAIN_CONSOLE_SAFE = 1 << 1;

/** Opens the console of a running domain as a two-way stream served by the event loop. */
function openConsole(
  c: QemuConn,
  a: { dom: RemoteDomain; dev_name: string | null; flags: number },
): void {
  checkFlags(
    "qemuDomainOpenConsole",
    a.flags,
    VIR_DOMAIN_CONSOLE_FORCE | VIR_DOMAIN_CONSOLE_SAFE,
  );
  const entry = c.entry(a.dom);
  const index = c.withObj(entry, (o) => {
    if (o.pid === 0) throw notRunning();
    const serials = serialsOf(o.def);
    let i = 0;
    if (a.dev_name !== null) {
      const m = /^(?:serial|console)(\d+)$/.exec(a.dev_name);
      i = m ? Number(m[1]) : -1;
    }
    const chr = serials[i];
    if (!chr) {
      throw VirError.of(
        VIR_ERR_INTERNAL_ERROR,
        VIR_FROM_QEMU,
        `cannot find character device ${a.dev_name ?? "<null>"}`,
      );
    }
    if (chr.source.type !== "pty") {
      throw VirError.of(
        VIR_ERR_OPERATION_UNSUPPORTED,
        VIR_FROM_QEMU,
        `character device ${a.dev_name ?? "serial0"} is not using a PTY`,
      );
    }
    return i;
  });
  const { stateDir, slot } = c.dir((d) => ({
    stateDir: d.stateDir,
    slot: d.monitors.indexOf(entry.uuid),
  }));
  c.ioStream("qemu.console", {
    path: consolePath(stateDir, slot, index),
  });
}

function destroy(c: QemuConn, ref: RemoteDomain, flags: number): void {
  checkFlags("qemuDomainDestroyFlags", flags, VIR_DOMAIN_DESTROY_GRACEFUL);
  const entry = c.entry(ref);
  // Kill first, without the job: a call holding it on a silent monitor then returns.
  const { pid, id } = c.withObj(entry, (o, save) => {
    if (o.pid === 0) throw notRunning();
    o.stopping = "destroy";
    save();
    return { pid: o.pid, id: o.id };
  });
  c.io("qemu.kill", {
    uuid: entry.uuid,
    pid,
    graceMs: flags & VIR_DOMAIN_DESTROY_GRACEFUL ? 60_000 : KILL_GRACE_MS,
  });
  c.beginJob(entry, "remoteDispatchDomainDestroy");
  try {
    const still = c.withObj(entry, (o) => o.pid === pid);
    if (!still) return; // stopped meanwhile (reported by whoever stopped it)
    stopDomain(c, entry, S.VIR_DOMAIN_SHUTOFF_DESTROYED);
    c.lifecycle(
      { name: entry.name, uuid: entry.uuid, id },
      S.VIR_DOMAIN_EVENT_STOPPED,
      S.VIR_DOMAIN_EVENT_STOPPED_DESTROYED,
    );
  } finally {
    c.endJob(entry);
  }
}

/** Runs a QMP command on a running domain, holding its job. */
function monitorJob(
  c: QemuConn,
  ref: RemoteDomain,
  owner: string,
  check: (o: QemuDomainObj) => void,
  cmd: string,
  after: (o: QemuDomainObj, e: QemuDomainEntry) => void,
  args?: Record<string, unknown>,
): void {
  c.job(ref, owner, (entry) => {
    c.withObj(entry, (o) => {
      if (o.pid === 0) throw notRunning();
      check(o);
    });
    c.io("qemu.qmp", args ? { uuid: entry.uuid, cmd, args } : { uuid: entry.uuid, cmd });
    c.withObj(entry, (o, save) => {
      after(o, entry);
      save();
    });
  });
}

function listFilter(
  e: QemuDomainEntry,
  o: QemuDomainObj,
  flags: number,
  managedSave: boolean,
): boolean {
  const active = o.pid !== 0;
  const pair = (a: number, b: number, va: boolean) =>
    !(flags & (a | b)) || ((flags & a) !== 0 && va) || ((flags & b) !== 0 && !va);
  if (!pair(VIR_CONNECT_LIST_DOMAINS_ACTIVE, VIR_CONNECT_LIST_DOMAINS_INACTIVE, active)) {
    return false;
  }
  if (
    !pair(VIR_CONNECT_LIST_DOMAINS_PERSISTENT, VIR_CONNECT_LIST_DOMAINS_TRANSIENT, e.persistent)
  ) return false;
  const states = VIR_CONNECT_LIST_DOMAINS_RUNNING | VIR_CONNECT_LIST_DOMAINS_PAUSED |
    VIR_CONNECT_LIST_DOMAINS_SHUTOFF | VIR_CONNECT_LIST_DOMAINS_OTHER;
  if (flags & states) {
    const ok = ((flags & VIR_CONNECT_LIST_DOMAINS_RUNNING) && o.state === S.VIR_DOMAIN_RUNNING) ||
      ((flags & VIR_CONNECT_LIST_DOMAINS_PAUSED) && o.state === S.VIR_DOMAIN_PAUSED) ||
      ((flags & VIR_CONNECT_LIST_DOMAINS_SHUTOFF) && o.state === S.VIR_DOMAIN_SHUTOFF) ||
      ((flags & VIR_CONNECT_LIST_DOMAINS_OTHER) &&
        ![S.VIR_DOMAIN_RUNNING, S.VIR_DOMAIN_PAUSED, S.VIR_DOMAIN_SHUTOFF].includes(o.state));
    if (!ok) return false;
  }
  if (
    !pair(
      VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE,
      VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE,
      managedSave,
    )
  ) return false;
  if (
    !pair(
      VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT,
      VIR_CONNECT_LIST_DOMAINS_NO_SNAPSHOT,
      (o.snapshots?.length ?? 0) > 0,
    )
  ) return false;
  // denovirt's QEMU driver keeps no checkpoints.
  if (
    !pair(VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT, VIR_CONNECT_LIST_DOMAINS_NO_CHECKPOINT, false)
  ) return false;
  return pair(
    VIR_CONNECT_LIST_DOMAINS_AUTOSTART,
    VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART,
    o.autostart,
  );
}

function lookup(c: QemuConn, pred: (e: QemuDomainEntry) => boolean, what: string): RemoteDomain {
  return c.dir((d) => {
    const e = d.domains.find(pred);
    if (!e) throw VirError.of(VIR_ERR_NO_DOMAIN, VIR_FROM_QEMU, what);
    return QemuConn.wire(e);
  });
}

function readObj<T>(c: QemuConn, ref: RemoteDomain, fn: (o: QemuDomainObj) => T): T {
  return c.withObj(c.entry(ref), fn);
}

function create(c: QemuConn, ref: RemoteDomain, flags: number): RemoteDomain {
  checkFlags("qemuDomainCreateWithFlags", flags, VIR_DOMAIN_START_PAUSED | 0x1e);
  return c.job(ref, "remoteDispatchDomainCreateWithFlags", (entry) => {
    startDomain(c, entry, flags);
    return QemuConn.wire(c.entry(ref));
  });
}

/** DOMAIN_SHUTDOWN and DOMAIN_SHUTDOWN_FLAGS: the ACPI power button. */
/** VIR_DOMAIN_SHUTDOWN_ / VIR_DOMAIN_REBOOT_ ACPI_POWER_BTN and GUEST_AGENT. */
const MODE_ACPI = 1;
const MODE_AGENT = 2;

/**
 * The guest agent asked for alone must be usable (it never is: denovirt does
 * not talk to it); asked for beside ACPI, libvirt falls back to ACPI.
 */
function agentModeCheck(flags: number): (o: QemuDomainObj) => void {
  return (o) => {
    if ((flags & MODE_AGENT) && !(flags & MODE_ACPI)) throw agentUnavailable(o);
  };
}

function shutdown(c: QemuConn, a: { dom: RemoteDomain; flags?: number }): void {
  const flags = a.flags ?? 0;
  checkFlags("qemuDomainShutdownFlags", flags, MODE_ACPI | MODE_AGENT);
  monitorJob(
    c,
    a.dom,
    "remoteDispatchDomainShutdown",
    agentModeCheck(flags),
    "system_powerdown",
    (o) => {
      o.stopping = "shutdown";
    },
  );
}

export const domainHandlers: HandlerEntry[] = [
  on(P.REMOTE_PROC_DOMAIN_INJECT_NMI, (c, a) => {
    checkFlags("qemuDomainInjectNMI", a.flags, 0);
    monitorJob(c, a.dom, "remoteDispatchDomainInjectNMI", () => {}, "inject-nmi", () => {});
  }),
  // ---- Lookups and lists ---------------------------------------------------------------------
  on(P.REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, (c, a) => ({
    dom: lookup(c, (e) => e.name === a.name, `no domain with matching name '${a.name}'`),
  })),
  on(P.REMOTE_PROC_DOMAIN_LOOKUP_BY_UUID, (c, a) => {
    const u = uuidToString(a.uuid);
    return { dom: lookup(c, (e) => e.uuid === u, `no domain with matching uuid '${u}'`) };
  }),
  on(P.REMOTE_PROC_DOMAIN_LOOKUP_BY_ID, (c, a) => ({
    dom: lookup(c, (e) => e.active && e.id === a.id, `no domain with matching id ${a.id}`),
  })),
  on(P.REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS, (c, a) => {
    const configDir = c.dir((d) => d.configDir);
    const entries = c.dir((d) => d.domains.map((e) => ({ ...e })));
    const doms = entries.filter((e) => {
      try {
        return c.withObj(e, (o) => listFilter(e, o, a.flags, hasManagedSave(configDir, e.name)));
      } catch {
        return false; // gone meanwhile
      }
    }).map((e) => QemuConn.wire(e));
    return { domains: a.need_results ? doms : [], ret: doms.length };
  }),
  on(
    P.REMOTE_PROC_CONNECT_NUM_OF_DOMAINS,
    (c) => ({ num: c.dir((d) => d.domains.filter((e) => e.active).length) }),
  ),
  on(P.REMOTE_PROC_CONNECT_LIST_DOMAINS, (c, a) => ({
    ids: c.dir((d) => d.domains.filter((e) => e.active).map((e) => e.id).slice(0, a.maxids)),
  })),
  on(
    P.REMOTE_PROC_CONNECT_NUM_OF_DEFINED_DOMAINS,
    (c) => ({ num: c.dir((d) => d.domains.filter((e) => !e.active).length) }),
  ),
  on(P.REMOTE_PROC_CONNECT_LIST_DEFINED_DOMAINS, (c, a) => ({
    names: c.dir((d) => d.domains.filter((e) => !e.active).map((e) => e.name).slice(0, a.maxnames)),
  })),

  // ---- Info --------------------------------------------------------------------------------------
  on(P.REMOTE_PROC_DOMAIN_GET_INFO, (c, a) =>
    readObj(c, a.dom, (o) => ({
      state: o.state,
      maxMem: BigInt(o.def.memory),
      memory: BigInt(o.def.currentMemory),
      nrVirtCpu: o.def.vcpusCurrent,
      cpuTime: o.pid ? cpuNs(o.pid) : 0n,
    }))),
  on(P.REMOTE_PROC_DOMAIN_GET_STATE, (c, a) => {
    checkFlags("qemuDomainGetState", a.flags, 0);
    return readObj(c, a.dom, (o) => ({ state: o.state, reason: o.reason }));
  }),
  on(P.REMOTE_PROC_DOMAIN_GET_XML_DESC, (c, a) =>
    readObj(c, a.dom, (o) => {
      const inactive = (a.flags & VIR_DOMAIN_XML_INACTIVE) !== 0;
      const def = inactive && o.newDef ? o.newDef : o.def;
      return { xml: formatDomainXML(def, { id: o.id, active: o.pid !== 0, flags: a.flags }) };
    })),
  on(
    P.REMOTE_PROC_DOMAIN_IS_ACTIVE,
    (c, a) => ({ active: readObj(c, a.dom, (o) => (o.pid !== 0 ? 1 : 0)) }),
  ),
  on(
    P.REMOTE_PROC_DOMAIN_IS_PERSISTENT,
    (c, a) => ({ persistent: readObj(c, a.dom, (o) => (o.persistent ? 1 : 0)) }),
  ),
  on(P.REMOTE_PROC_DOMAIN_IS_UPDATED, (c, a) => ({ updated: readObj(c, a.dom, () => 0) })),
  on(
    P.REMOTE_PROC_DOMAIN_GET_OS_TYPE,
    (c, a) => ({ type: readObj(c, a.dom, (o) => o.def.os.type) }),
  ),
  on(
    P.REMOTE_PROC_DOMAIN_GET_MAX_MEMORY,
    (c, a) => ({ memory: BigInt(readObj(c, a.dom, (o) => o.def.memory)) }),
  ),
  on(
    P.REMOTE_PROC_DOMAIN_GET_AUTOSTART,
    (c, a) => ({ autostart: readObj(c, a.dom, (o) => (o.autostart ? 1 : 0)) }),
  ),
  on(P.REMOTE_PROC_DOMAIN_SET_AUTOSTART, (c, a) => {
    const configDir = c.dir((d) => d.configDir);
    c.job(a.dom, "remoteDispatchDomainSetAutostart", (entry) => {
      c.withObj(entry, (o, save) => {
        if (!o.persistent) {
          throw VirError.of(
            VIR_ERR_OPERATION_INVALID,
            VIR_FROM_QEMU,
            "cannot set autostart for transient domain",
          );
        }
        setAutostart(configDir, o.def.name, a.autostart !== 0);
        o.autostart = a.autostart !== 0;
        save();
      });
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_GET_CONTROL_INFO, (c, a) => {
    const entry = c.entry(a.dom);
    return c.withObj(entry, (o) => {
      if (o.pid === 0) throw notRunning();
      // VIR_DOMAIN_CONTROL_OK, or _JOB while a job is held.
      const job = c.jobLocked(entry);
      return {
        state: job ? 1 : 0,
        details: 0,
        stateTime: job ? BigInt(Date.now() - job.since) : 0n,
      };
    });
  }),

  // ---- Definitions ---------------------------------------------------------------------------------
  on(P.REMOTE_PROC_DOMAIN_DEFINE_XML, (c, a) => defineXML(c, a.xml)),
  on(P.REMOTE_PROC_DOMAIN_DEFINE_XML_FLAGS, (c, a) => {
    checkFlags("qemuDomainDefineXMLFlags", a.flags, 1 /* VALIDATE */);
    return defineXML(c, a.xml);
  }),
  on(P.REMOTE_PROC_DOMAIN_UNDEFINE, (c, a) => undefine(c, a.dom, 0)),
  on(P.REMOTE_PROC_DOMAIN_UNDEFINE_FLAGS, (c, a) => undefine(c, a.dom, a.flags)),

  // ---- Lifecycle ------------------------------------------------------------------------------------
  on(P.REMOTE_PROC_DOMAIN_CREATE, (c, a) => void create(c, a.dom, 0)),
  on(P.REMOTE_PROC_DOMAIN_CREATE_WITH_FLAGS, (c, a) => ({ dom: create(c, a.dom, a.flags) })),
  on(P.REMOTE_PROC_DOMAIN_CREATE_XML, (c, a) => {
    checkFlags("qemuDomainCreateXML", a.flags, VIR_DOMAIN_START_PAUSED | 0x1e);
    const [emulator, stateDir] = c.dir((d) => [d.emulator, d.stateDir] as const);
    const def = parseQemuDef(a.xml_desc, emulator, stateDir);
    const entry = c.dir((d, save) => {
      const r = addOrUpdate(c, d, def, false, true);
      save();
      return r.entry;
    });
    const ref = QemuConn.wire(entry);
    return c.job(ref, "remoteDispatchDomainCreateXML", (e) => {
      try {
        startDomain(c, e, a.flags);
      } catch (err) {
        removeDomainIf(c, e, neverRan);
        throw err;
      }
      return { dom: QemuConn.wire(c.entry(ref)) };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_DESTROY, (c, a) => destroy(c, a.dom, 0)),
  on(P.REMOTE_PROC_DOMAIN_DESTROY_FLAGS, (c, a) => destroy(c, a.dom, a.flags)),
  on(
    P.REMOTE_PROC_DOMAIN_SUSPEND,
    (c, a) => {
      if (suspendMigrating(c, a.dom)) return;
      monitorJob(c, a.dom, "remoteDispatchDomainSuspend", () => {}, "stop", (o, e) => {
        if (o.state === S.VIR_DOMAIN_PAUSED) return;
        o.state = S.VIR_DOMAIN_PAUSED;
        o.reason = S.VIR_DOMAIN_PAUSED_USER;
        c.lifecycle(
          { name: e.name, uuid: e.uuid, id: o.id },
          S.VIR_DOMAIN_EVENT_SUSPENDED,
          S.VIR_DOMAIN_EVENT_SUSPENDED_PAUSED,
        );
      });
    },
  ),
  on(P.REMOTE_PROC_DOMAIN_RESUME, (c, a) =>
    monitorJob(
      c,
      a.dom,
      "remoteDispatchDomainResume",
      (o) => {
        if (o.state === S.VIR_DOMAIN_RUNNING) throw alreadyRunning();
      },
      "cont",
      (o, e) => {
        o.state = S.VIR_DOMAIN_RUNNING;
        o.reason = S.VIR_DOMAIN_RUNNING_UNPAUSED;
        c.lifecycle(
          { name: e.name, uuid: e.uuid, id: o.id },
          S.VIR_DOMAIN_EVENT_RESUMED,
          S.VIR_DOMAIN_EVENT_RESUMED_UNPAUSED,
        );
      },
    )),
  on(P.REMOTE_PROC_DOMAIN_SHUTDOWN, shutdown),
  on(P.REMOTE_PROC_DOMAIN_SHUTDOWN_FLAGS, shutdown),
  on(P.REMOTE_PROC_DOMAIN_REBOOT, (c, a) => {
    checkFlags("qemuDomainReboot", a.flags, MODE_ACPI | MODE_AGENT);
    // libvirt's reboot: the ACPI power button, and the guest's power-off
    // then becomes a reset (the SHUTDOWN event's handler in mod.ts).
    monitorJob(
      c,
      a.dom,
      "remoteDispatchDomainReboot",
      agentModeCheck(a.flags),
      "system_powerdown",
      (o) => {
        o.fakeReboot = true;
      },
    );
  }),
  on(P.REMOTE_PROC_DOMAIN_RESET, (c, a) => {
    checkFlags("qemuDomainReset", a.flags, 0);
    monitorJob(c, a.dom, "remoteDispatchDomainReset", () => {}, "system_reset", () => {});
  }),
  on(P.REMOTE_PROC_DOMAIN_SET_MEMORY, (c, a) => setMemory(c, a.dom, a.memory, 0)),
  on(P.REMOTE_PROC_DOMAIN_SET_MEMORY_FLAGS, (c, a) => setMemory(c, a.dom, a.memory, a.flags)),

  on(P.REMOTE_PROC_DOMAIN_OPEN_CONSOLE, (c, a) => openConsole(c, a)),

  // ---- domxml-to-native: the command line a start would run ------------------------------------
  on(P.REMOTE_PROC_CONNECT_DOMAIN_XML_TO_NATIVE, (c, a) => {
    checkFlags("qemuConnectDomainXMLToNative", a.flags, 0);
    if (a.nativeFormat !== "qemu-argv") {
      throw VirError.of(
        VIR_ERR_INVALID_ARG,
        VIR_FROM_QEMU,
        `unsupported config type ${a.nativeFormat}`,
      );
    }
    const { emulator, configDir, stateDir } = c.dir((d) => d);
    const def = parseQemuDef(a.domainXml, emulator, stateDir);
    return {
      nativeConfig: nativeCommandLine(def, def.devices.emulator ?? emulator, {
        configDir,
        stateDir,
      }),
    };
  }),

  // ---- Statistics ------------------------------------------------------------------------------
  on(P.REMOTE_PROC_DOMAIN_BLOCK_STATS, (c, a) => {
    const entry = c.entry(a.dom);
    const index = c.withObj(entry, (o) => {
      if (o.pid === 0) throw notRunning();
      const i = o.def.devices.disks.findIndex((d) =>
        d.targetDev === a.path || (a.path !== "" && d.source?.path === a.path)
      );
      if (i < 0) {
        throw VirError.of(
          VIR_ERR_INVALID_ARG,
          VIR_FROM_QEMU,
          `invalid path: ${a.path}`,
        );
      }
      return i;
    });
    const all = c.io("qemu.qmp", { uuid: entry.uuid, cmd: "query-blockstats" }) as {
      "node-name"?: string;
      stats: Record<string, number>;
    }[];
    const node = c.withObj(entry, (o) => diskNode(o, o.def.devices.disks[index]!, index));
    const s = all.find((x) => x["node-name"] === `libvirt-${node}-format`)?.stats;
    if (!s) {
      throw VirError.of(
        VIR_ERR_INTERNAL_ERROR,
        VIR_FROM_QEMU,
        `cannot find statistics for device '${a.path}'`,
      );
    }
    return {
      rd_req: BigInt(s.rd_operations ?? 0),
      rd_bytes: BigInt(s.rd_bytes ?? 0),
      wr_req: BigInt(s.wr_operations ?? 0),
      wr_bytes: BigInt(s.wr_bytes ?? 0),
      errs: -1n, // QEMU does not count errors
    };
  }),
  // ---- Screenshot: QEMU's screendump, as a stream --------------------------------------------------
  on(P.REMOTE_PROC_DOMAIN_SCREENSHOT, (c, a) => {
    checkFlags("qemuDomainScreenshot", a.flags, 0);
    const stateDir = c.dir((d) => d.stateDir);
    return c.job(a.dom, "remoteDispatchDomainScreenshot", (entry) => {
      const video = c.withObj(entry, (o) => {
        if (o.pid === 0) throw notRunning();
        return o.def.devices.videos.filter((v) => v.model !== "none").length;
      });
      if (video === 0) {
        throw VirError.of(
          VIR_ERR_OPERATION_INVALID,
          VIR_FROM_QEMU,
          "no screens to take screenshot from",
        );
      }
      if (a.screen !== 0) {
        throw VirError.of(VIR_ERR_OPERATION_INVALID, VIR_FROM_QEMU, "no such screen ID");
      }
      const file = `${stateDir}/${entry.uuid}.screendump`;
      // QEMU 7.1 and later write PNG, which libvirt 9.0 asks for where it can.
      c.io("qemu.qmp", {
        uuid: entry.uuid,
        cmd: "screendump",
        args: { filename: file, format: "png" },
      });
      const png = Deno.readFileSync(file);
      Deno.removeSync(file);
      c.ctx.streamOut(png);
      return { mime: "image/png" };
    });
  }),
];

function setMemory(c: QemuConn, ref: RemoteDomain, kib: bigint, flags: number): void {
  checkFlags(
    "qemuDomainSetMemoryFlags",
    flags,
    VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | VIR_DOMAIN_MEM_MAXIMUM,
  );
  if (flags & VIR_DOMAIN_MEM_MAXIMUM) {
    return setMaxMemory(c, ref, kib, flags & ~VIR_DOMAIN_MEM_MAXIMUM);
  }
  const configDir = c.dir((d) => d.configDir);
  c.job(ref, "remoteDispatchDomainSetMemoryFlags", (entry) => {
    const { active, max, balloon } = c.withObj(entry, (o) => ({
      active: o.pid !== 0,
      max: o.def.memory,
      balloon: o.def.devices.memballoon?.model === "virtio",
    }));
    if (kib > BigInt(max)) {
      throw VirError.of(
        VIR_ERR_INVALID_ARG,
        VIR_FROM_QEMU,
        "cannot set memory higher than max memory",
      );
    }
    const live = (flags & VIR_DOMAIN_AFFECT_LIVE) !== 0 || (flags === 0 && active);
    const config = (flags & VIR_DOMAIN_AFFECT_CONFIG) !== 0 || (flags === 0 && !active);
    if (live) {
      if (!active) throw notRunning();
      if (!balloon) {
        throw VirError.of(
          VIR_ERR_OPERATION_INVALID,
          VIR_FROM_QEMU,
          "Unable to change memory of active domain without the balloon device and guest OS balloon driver",
        );
      }
      c.io("qemu.qmp", { uuid: entry.uuid, cmd: "balloon", args: { value: Number(kib) * 1024 } });
    }
    c.withObj(entry, (o, save) => {
      if (live) o.def.currentMemory = Number(kib);
      if (config) {
        const target = o.newDef ?? o.def;
        target.currentMemory = Number(kib);
        if (o.persistent) writeDurable(configPath(configDir, target.name), configXML(target));
      }
      save();
    });
  });
}
