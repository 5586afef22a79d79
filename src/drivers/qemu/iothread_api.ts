/**
 * A running QEMU domain's I/O threads as libvirt 9.0's QEMU driver shows and
 * changes them: virsh iothreadinfo (QMP query-iothreads for the thread ids,
 * each one's affinity read from /proc), iothreadadd / iothreaddel (QMP
 * object-add / object-del of "iothreadN", and the persistent definition with
 * --config), iothreadset (qom-set of the polling values and thread-pool
 * sizes; the sizes are kept in the definitions too) and domstats' iothread
 * group. Pinning an I/O thread (virsh iothreadpin) is not offered: this
 * driver sets no thread's affinity.
 *
 * @module
 */

import type { HandlerEntry } from "../../dispatch/handlers.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import type { RemoteDomain } from "../../protocol/remote_types.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_CONFIG_UNSUPPORTED,
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_INVALID_ARG,
  VIR_ERR_OPERATION_INVALID,
  VIR_ERR_OPERATION_UNSUPPORTED,
  VIR_FROM_QEMU,
} from "../../rpc/error_codes.ts";
import {
  param,
  type TypedParam,
  VIR_TYPED_PARAM_INT,
  VIR_TYPED_PARAM_UINT,
  VIR_TYPED_PARAM_ULLONG,
} from "../../rpc/typed_params.ts";
import type { DomainDef, IOThreadId } from "../../conf/domain_xml.ts";
import { bitmapToBytes } from "../../util/bitmap.ts";
import { validateTypedParams } from "../../util/typed_params.ts";
import { VIR_DOMAIN_AFFECT_CONFIG, VIR_DOMAIN_AFFECT_LIVE } from "../domain_constants.ts";
import { exclusiveAffect } from "../flags.ts";
import { on, type QemuConn } from "./conn.ts";
import { affectedDefs, checkFlags, configXML } from "./domain_common.ts";
import { configPath, writeDurable } from "./files.ts";
import { saveStatus } from "./status.ts";
import type { QemuDomainEntry, QemuDomainObj } from "./state.ts";
import { onlineCpus, threadInfo } from "./vcpu_info.ts";
import { addCheck, addToDef, delCheck, delFromDef, iothreadAlias } from "./iothreads.ts";

const AFFECT = VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG;

/** virDomainSetIOThreadParams' parameter names (VIR_DOMAIN_IOTHREAD_*). */
const VIR_DOMAIN_IOTHREAD_POLL_MAX_NS = "poll_max_ns";
const VIR_DOMAIN_IOTHREAD_POLL_GROW = "poll_grow";
const VIR_DOMAIN_IOTHREAD_POLL_SHRINK = "poll_shrink";
const VIR_DOMAIN_IOTHREAD_THREAD_POOL_MIN = "thread_pool_min";
const VIR_DOMAIN_IOTHREAD_THREAD_POOL_MAX = "thread_pool_max";
const INT_MAX = 2147483647;

/** One entry of QMP query-iothreads. */
interface QmpIOThread {
  id: string;
  "thread-id": number;
  "poll-max-ns"?: number;
  "poll-grow"?: number;
  "poll-shrink"?: number;
}

/** The running domain's I/O threads by libvirt id, in QEMU's order (qemuMonitorGetIOThreads). */
function queryIOThreads(
  c: QemuConn,
  uuid: string,
): { id: number; tid: number; t: QmpIOThread }[] {
  const list = c.io("qemu.qmp", { uuid, cmd: "query-iothreads" }) as QmpIOThread[];
  const out = [];
  for (const t of list) {
    const m = /^iothread(\d+)$/.exec(t.id);
    if (!m) continue;
    out.push({ id: Number(m[1]), tid: t["thread-id"], t });
  }
  return out;
}

/** An affinity as a cpumap of the host's size. */
function cpumapOf(bits: number[]): Uint8Array {
  const all = onlineCpus();
  const size = Math.max(all[all.length - 1] ?? 0, bits[bits.length - 1] ?? 0) + 1;
  const bytes = (size + 7) >> 3;
  const map = new Uint8Array(bytes);
  bitmapToBytes(map, 0, bytes, bits);
  return map;
}

/** domstats' iothread group of a running domain (qemuDomainGetStatsIOThread). */
export function iothreadStatsParams(c: QemuConn, uuid: string, o: QemuDomainObj): TypedParam[] {
  if (o.pid === 0) return [];
  let threads: { id: number; t: QmpIOThread }[];
  try {
    threads = queryIOThreads(c, uuid);
  } catch {
    return [];
  }
  if (threads.length === 0) return [];
  const out = [param.uint("iothread.count", threads.length)];
  for (const { id, t } of threads) {
    if (t["poll-max-ns"] === undefined) continue;
    out.push(
      param.ullong(`iothread.${id}.poll-max-ns`, BigInt(t["poll-max-ns"])),
      param.uint(`iothread.${id}.poll-grow`, t["poll-grow"] ?? 0),
      param.uint(`iothread.${id}.poll-shrink`, t["poll-shrink"] ?? 0),
    );
  }
  return out;
}

/** The definitions a change applies to, read under the object's lock. */
function targetsLocked(
  o: QemuDomainObj,
  flags: number,
): { live: DomainDef | null; config: DomainDef | null } {
  const { live, config } = affectedDefs(flags, o);
  return { live: live ? o.def : null, config: config ? o.newDef ?? o.def : null };
}

/** The refusal of I/O thread id 0. */
const zeroId = () =>
  VirError.of(VIR_ERR_INVALID_ARG, VIR_FROM_QEMU, "invalid value of 0 for iothread_id");

/** virsh iothreadadd / iothreaddel (qemuDomainChgIOThread's add and delete). */
function changeIOThread(
  c: QemuConn,
  a: { dom: RemoteDomain; iothread_id: number; flags: number },
  action: "add" | "del",
): void {
  checkFlags(
    action === "add" ? "qemuDomainAddIOThread" : "qemuDomainDelIOThread",
    a.flags,
    AFFECT,
  );
  const id = a.iothread_id;
  if (action === "add" && id === 0) throw zeroId();
  const { configDir, stateDir } = c.dir((d) => ({ configDir: d.configDir, stateDir: d.stateDir }));
  const owner = action === "add"
    ? "remoteDispatchDomainAddIothread"
    : "remoteDispatchDomainDelIothread";
  c.job(a.dom, owner, (entry) => {
    const { live, config } = c.withObj(entry, (o) => {
      const t = targetsLocked(o, a.flags);
      return { live: t.live !== null, config: t.config !== null };
    });
    if (live) {
      const def = c.withObj(entry, (o) => o.def);
      if (action === "add") addCheck(def, id);
      else delCheck(def, id);
      changeLive(c, entry, id, action);
      c.withObj(entry, (o, save) => {
        if (action === "add") addToDef(o.def, id);
        else delFromDef(o.def, id);
        save();
        saveStatus(stateDir, entry, o);
      });
    }
    if (config) {
      c.withObj(entry, (o, save) => {
        const def = o.newDef ?? o.def;
        if (action === "add") {
          addCheck(def, id);
          addToDef(def, id);
        } else {
          delCheck(def, id);
          delFromDef(def, id);
        }
        writeDurable(configPath(configDir, def.name), configXML(def));
        save();
      });
    }
  });
}

/** The running QEMU's half of an add or delete (qemuDomainHotplugAdd/DelIOThread). */
function changeLive(c: QemuConn, entry: QemuDomainEntry, id: number, action: "add" | "del"): void {
  const alias = iothreadAlias(id);
  if (action === "del") {
    c.io("qemu.qmp", { uuid: entry.uuid, cmd: "object-del", args: { id: alias } });
    return;
  }
  c.io("qemu.qmp", {
    uuid: entry.uuid,
    cmd: "object-add",
    args: { "qom-type": "iothread", id: alias },
  });
  // The new thread must be there (libvirt finds its thread id to set it up).
  if (!queryIOThreads(c, entry.uuid).some((t) => t.id === id)) {
    throw VirError.of(
      VIR_ERR_INTERNAL_ERROR,
      VIR_FROM_QEMU,
      `cannot find new IOThread '${id}' in QEMU monitor.`,
    );
  }
}

/** What an iothreadset call asks for (qemuDomainIOThreadParseParams). */
interface IOThreadChange {
  /** QEMU's polling properties to set, in libvirt's order. */
  poll: [string, number][];
  poolMin: number | null;
  poolMax: number | null;
}

function parseChange(params: TypedParam[]): IOThreadChange {
  validateTypedParams(params, {
    [VIR_DOMAIN_IOTHREAD_POLL_MAX_NS]: VIR_TYPED_PARAM_ULLONG,
    [VIR_DOMAIN_IOTHREAD_POLL_GROW]: VIR_TYPED_PARAM_UINT,
    [VIR_DOMAIN_IOTHREAD_POLL_SHRINK]: VIR_TYPED_PARAM_UINT,
    [VIR_DOMAIN_IOTHREAD_THREAD_POOL_MIN]: VIR_TYPED_PARAM_INT,
    [VIR_DOMAIN_IOTHREAD_THREAD_POOL_MAX]: VIR_TYPED_PARAM_INT,
  });
  const value = (field: string) => {
    const p = params.find((x) => x.field === field);
    return p ? Number(p.value.value as number | bigint) : null;
  };
  const bad = (msg: string) => VirError.of(VIR_ERR_CONFIG_UNSUPPORTED, VIR_FROM_QEMU, msg);
  const poll: [string, number][] = [];
  for (
    const [field, prop] of [
      [VIR_DOMAIN_IOTHREAD_POLL_MAX_NS, "poll-max-ns"],
      [VIR_DOMAIN_IOTHREAD_POLL_GROW, "poll-grow"],
      [VIR_DOMAIN_IOTHREAD_POLL_SHRINK, "poll-shrink"],
    ] as const
  ) {
    const v = value(field);
    if (v === null) continue;
    // QEMU takes each as an int.
    if (v > INT_MAX) throw bad(`${prop} (${v}) must be less than or equal to ${INT_MAX}`);
    poll.push([prop, v]);
  }
  const poolMin = value(VIR_DOMAIN_IOTHREAD_THREAD_POOL_MIN);
  if (poolMin !== null && poolMin < -1) {
    throw bad(`thread_pool_min (${poolMin}) must be equal to or greater than -1`);
  }
  const poolMax = value(VIR_DOMAIN_IOTHREAD_THREAD_POOL_MAX);
  if (poolMax !== null && (poolMax < -1 || poolMax === 0)) {
    throw bad(`thread_pool_max (${poolMax}) must be a positive number or -1`);
  }
  return { poll, poolMin, poolMax };
}

/** A change checked against the I/O thread it applies to (qemuDomainIOThreadValidate). */
function validateChange(t: IOThreadId, ch: IOThreadChange, live: boolean): void {
  const invalid = (msg: string) => VirError.of(VIR_ERR_OPERATION_INVALID, VIR_FROM_QEMU, msg);
  if (!live && ch.poll.length > 0) {
    // libvirt keeps no polling values in the definition.
    throw VirError.of(
      VIR_ERR_OPERATION_UNSUPPORTED,
      VIR_FROM_QEMU,
      "configuring persistent polling values is not supported",
    );
  }
  if (live) {
    for (const [name, v] of [["min", ch.poolMin], ["max", ch.poolMax]] as const) {
      if (v !== null && v < 0) {
        throw invalid(
          `thread_pool_${name} (${v}) must be equal to or greater than 0 for live change`,
        );
      }
    }
  }
  const min = ch.poolMin ?? t.poolMin ?? -1;
  const max = ch.poolMax ?? t.poolMax ?? -1;
  if (min > max) {
    throw invalid(`thread_pool_min (${min}) can't be greater than thread_pool_max (${max})`);
  }
}

/** The change's thread-pool values written into a definition's I/O thread. */
function applyPool(t: IOThreadId, ch: IOThreadChange): void {
  for (const [key, v] of [["poolMin", ch.poolMin], ["poolMax", ch.poolMax]] as const) {
    if (v === null) continue;
    if (v < 0) delete t[key];
    else t[key] = v;
  }
  if (ch.poolMin !== null || ch.poolMax !== null) t.autofill = false;
}

/** The I/O thread `id` of a definition, or libvirt's error. */
function findIOThread(def: DomainDef, id: number): IOThreadId {
  const t = def.iothreadIds.find((x) => x.id === id);
  if (!t) {
    throw VirError.of(
      VIR_ERR_INVALID_ARG,
      VIR_FROM_QEMU,
      `cannot find IOThread '${id}' in iothreadids`,
    );
  }
  return t;
}

/** virsh iothreadset (qemuDomainSetIOThreadParams). */
function setParams(
  c: QemuConn,
  a: { dom: RemoteDomain; iothread_id: number; params: TypedParam[]; flags: number },
): void {
  checkFlags("qemuDomainSetIOThreadParams", a.flags, AFFECT);
  if (a.iothread_id === 0) throw zeroId();
  const ch = parseChange(a.params);
  const { configDir, stateDir } = c.dir((d) => ({ configDir: d.configDir, stateDir: d.stateDir }));
  c.job(a.dom, "remoteDispatchDomainSetIothreadParams", (entry) => {
    const { live, config } = c.withObj(entry, (o) => {
      const t = targetsLocked(o, a.flags);
      return { live: t.live !== null, config: t.config !== null };
    });
    if (live) {
      const t = c.withObj(entry, (o) => findIOThread(o.def, a.iothread_id));
      validateChange(t, ch, true);
      setLive(c, entry.uuid, a.iothread_id, ch);
      c.withObj(entry, (o, save) => {
        applyPool(findIOThread(o.def, a.iothread_id), ch);
        save();
        saveStatus(stateDir, entry, o);
      });
    }
    if (config) {
      c.withObj(entry, (o, save) => {
        const def = o.newDef ?? o.def;
        const t = findIOThread(def, a.iothread_id);
        validateChange(t, ch, false);
        applyPool(t, ch);
        writeDurable(configPath(configDir, def.name), configXML(def));
        save();
      });
    }
  });
}

/** The running QEMU's half of iothreadset: qom-set of each property (qemuMonitorSetIOThread). */
function setLive(c: QemuConn, uuid: string, id: number, ch: IOThreadChange): void {
  const path = `/objects/${iothreadAlias(id)}`;
  const set = (property: string, value: number) =>
    c.io("qemu.qmp", { uuid, cmd: "qom-set", args: { path, property, value } });
  for (const [property, value] of ch.poll) set(property, value);
  // QEMU refuses a minimum above the maximum it has: a larger pool's maximum goes first.
  let maxFirst = false;
  if (ch.poolMin !== null && ch.poolMax !== null) {
    const cur = c.io("qemu.qmp", {
      uuid,
      cmd: "qom-get",
      args: { path, property: "thread-pool-max" },
    }) as number;
    maxFirst = ch.poolMin > cur;
  }
  if (maxFirst) set("thread-pool-max", ch.poolMax!);
  if (ch.poolMin !== null) set("thread-pool-min", ch.poolMin);
  if (ch.poolMax !== null && !maxFirst) set("thread-pool-max", ch.poolMax);
}

export const iothreadHandlers: HandlerEntry[] = [
  on(P.REMOTE_PROC_DOMAIN_GET_IOTHREAD_INFO, (c, a) => {
    exclusiveAffect("virDomainGetIOThreadInfo", a.flags);
    checkFlags("qemuDomainGetIOThreadInfo", a.flags, AFFECT);
    const entry = c.entry(a.dom);
    const got = c.withObj(entry, (o) => {
      const { live } = affectedDefs(a.flags, o);
      return { live, pid: o.pid, def: live ? o.def : o.newDef ?? o.def };
    });
    if (got.live) {
      // qemuDomainGetIOThreadsLive: QEMU's threads, each where it may run.
      const info = queryIOThreads(c, entry.uuid).map((t) => ({
        iothread_id: t.id,
        cpumap: cpumapOf(threadInfo(got.pid, t.tid).allowed),
      }));
      return { info, ret: info.length };
    }
    // qemuDomainGetIOThreadsConfig: no pinning here, so every host CPU.
    const info = got.def.iothreadIds.map((t) => ({
      iothread_id: t.id,
      cpumap: cpumapOf(onlineCpus()),
    }));
    return { info, ret: info.length };
  }),
  on(P.REMOTE_PROC_DOMAIN_ADD_IOTHREAD, (c, a) => changeIOThread(c, a, "add")),
  on(P.REMOTE_PROC_DOMAIN_DEL_IOTHREAD, (c, a) => changeIOThread(c, a, "del")),
  on(P.REMOTE_PROC_DOMAIN_SET_IOTHREAD_PARAMS, setParams),
];
