/**
 * A running QEMU domain's I/O threads as libvirt 9.0's QEMU driver shows and
 * changes them: virsh iothreadinfo (QMP query-iothreads for the thread ids,
 * each one's affinity read from /proc), iothreadadd / iothreaddel (QMP
 * object-add / object-del of "iothreadN", and the persistent definition with
 * --config), iothreadset (qom-set of the polling properties) and domstats'
 * iothread group. Pinning an I/O thread (virsh iothreadpin) is not offered:
 * this driver sets no thread's affinity.
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
import type { DomainDef } from "../../conf/domain_xml.ts";
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
  if (action === "add" && id === 0) {
    throw VirError.of(VIR_ERR_INVALID_ARG, VIR_FROM_QEMU, "invalid newiothreadid of 0");
  }
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

/** virsh iothreadset (qemuDomainSetIOThreadParams). */
function setParams(
  c: QemuConn,
  a: { dom: RemoteDomain; iothread_id: number; params: TypedParam[]; flags: number },
): void {
  checkFlags("qemuDomainSetIOThreadParams", a.flags, AFFECT);
  validateTypedParams(a.params, {
    [VIR_DOMAIN_IOTHREAD_POLL_MAX_NS]: VIR_TYPED_PARAM_ULLONG,
    [VIR_DOMAIN_IOTHREAD_POLL_GROW]: VIR_TYPED_PARAM_UINT,
    [VIR_DOMAIN_IOTHREAD_POLL_SHRINK]: VIR_TYPED_PARAM_UINT,
    [VIR_DOMAIN_IOTHREAD_THREAD_POOL_MIN]: VIR_TYPED_PARAM_INT,
    [VIR_DOMAIN_IOTHREAD_THREAD_POOL_MAX]: VIR_TYPED_PARAM_INT,
  });
  // qemuDomainIOThreadParseParams: QEMU takes each as an int.
  const props: [string, number][] = [];
  const take = (field: string, prop: string) => {
    const p = a.params.find((x) => x.field === field);
    if (!p) return;
    const v = Number(p.value.value as number | bigint);
    if (v > INT_MAX) {
      throw VirError.of(
        VIR_ERR_CONFIG_UNSUPPORTED,
        VIR_FROM_QEMU,
        `${prop} (${v}) must be less than or equal to ${INT_MAX}`,
      );
    }
    props.push([prop, v]);
  };
  take(VIR_DOMAIN_IOTHREAD_POLL_MAX_NS, "poll-max-ns");
  take(VIR_DOMAIN_IOTHREAD_POLL_GROW, "poll-grow");
  take(VIR_DOMAIN_IOTHREAD_POLL_SHRINK, "poll-shrink");
  for (const f of [VIR_DOMAIN_IOTHREAD_THREAD_POOL_MIN, VIR_DOMAIN_IOTHREAD_THREAD_POOL_MAX]) {
    const p = a.params.find((x) => x.field === f);
    if (p) {
      throw VirError.of(
        VIR_ERR_CONFIG_UNSUPPORTED,
        VIR_FROM_QEMU,
        `${f.replaceAll("_", "-")} is not supported by denovirt's QEMU driver`,
      );
    }
  }
  c.job(a.dom, "remoteDispatchDomainSetIothreadParams", (entry) => {
    const { live, config } = c.withObj(entry, (o) => {
      const t = targetsLocked(o, a.flags);
      for (const def of [t.live, t.config]) {
        if (def && !def.iothreadIds.some((x) => x.id === a.iothread_id)) {
          throw VirError.of(
            VIR_ERR_INVALID_ARG,
            VIR_FROM_QEMU,
            `cannot find IOThread '${a.iothread_id}' in iothreadids`,
          );
        }
      }
      return { live: t.live !== null, config: t.config !== null };
    });
    if (config) {
      // libvirt keeps no polling values in the definition.
      throw VirError.of(
        VIR_ERR_OPERATION_UNSUPPORTED,
        VIR_FROM_QEMU,
        "configuring persistent polling values is not supported",
      );
    }
    if (!live) return;
    for (const [property, value] of props) {
      c.io("qemu.qmp", {
        uuid: entry.uuid,
        cmd: "qom-set",
        args: { path: `/objects/${iothreadAlias(a.iothread_id)}`, property, value },
      });
    }
  });
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
