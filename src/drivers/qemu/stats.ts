/**
 * Statistics of QEMU domains: vCPU counts, memory statistics from the
 * balloon and the process, and virConnectGetAllDomainStats (what monitoring
 * tools poll) with its state, cpu-total, balloon, vcpu, block and dirtyrate
 * groups.
 *
 * @module
 */

import { diskNode } from "./hotplug.ts";
import { writeThresholds } from "./block_threshold.ts";
import { dirtyRateStatsParams } from "./dirty_rate.ts";
import type { HandlerEntry } from "../../dispatch/handlers.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_INVALID_ARG,
  VIR_ERR_OPERATION_UNSUPPORTED,
  VIR_FROM_QEMU,
} from "../../rpc/error_codes.ts";
import { param, type TypedParam } from "../../rpc/typed_params.ts";
import * as S from "../domain_constants.ts";
import { on, QemuConn } from "./conn.ts";
import { rssKiB } from "./proc.ts";
import { cpuTotalStats } from "./cpu_stats.ts";
import { threadInfo, threadSchedInfo, vcpuThreads } from "./vcpu_info.ts";
import type { QemuDomainEntry, QemuDomainObj } from "./state.ts";
import {
  VIR_DOMAIN_AFFECT_CONFIG,
  VIR_DOMAIN_AFFECT_LIVE,
  VIR_DOMAIN_VCPU_GUEST,
  VIR_DOMAIN_VCPU_MAXIMUM,
} from "../domain_constants.ts";
import { checkFlags, notRunning } from "./domain_common.ts";
import { iothreadStatsParams } from "./iothread_api.ts";
import { agentUnavailable } from "./guest_agent.ts";
import { tapStats } from "./interface_api.ts";
import { TAP_TYPES } from "./interface.ts";

const VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON = 6;
const VIR_DOMAIN_MEMORY_STAT_RSS = 7;
const VIR_DOMAIN_MEMORY_STAT_LAST_UPDATE = 9;
/** The balloon's guest statistics (QOM guest-stats) and their tags, in libvirt's order. */
const GUEST_STATS: [string, number, boolean][] = [
  ["stat-swap-in", 0, false],
  ["stat-swap-out", 1, false],
  ["stat-major-faults", 2, false],
  ["stat-minor-faults", 3, false],
  ["stat-free-memory", 4, true],
  ["stat-total-memory", 5, true],
  ["stat-available-memory", 8, true],
  ["stat-disk-caches", 10, true],
  ["stat-htlb-pgalloc", 11, false],
  ["stat-htlb-pgfail", 12, false],
];

/**
 * What the guest's balloon driver reported (qemuMonitorJSONGetMemoryStats):
 * each statistic it has (memory ones in KiB), then when it last did.
 */
function guestStats(c: QemuConn, e: QemuDomainEntry, o: QemuDomainObj): MemStat[] {
  const alias = o.def.devices.memballoon?.info.alias;
  if (o.def.devices.memballoon?.model !== "virtio" || !alias) return [];
  let g: { stats?: Record<string, number>; "last-update"?: number };
  try {
    g = c.io("qemu.qmp", {
      uuid: e.uuid,
      cmd: "qom-get",
      args: { path: `/machine/peripheral/${alias}`, property: "guest-stats" },
    }) as typeof g;
  } catch {
    return [];
  }
  const out: MemStat[] = [];
  for (const [name, tag, bytes] of GUEST_STATS) {
    const v = g.stats?.[name];
    // QEMU says -1 (as an unsigned 64-bit number) for what the guest does not report.
    if (v === undefined || v < 0 || v >= 2 ** 63) continue;
    out.push({ tag, val: bytes ? BigInt(Math.floor(v / 1024)) : BigInt(v) });
  }
  if (g["last-update"] !== undefined) {
    out.push({ tag: VIR_DOMAIN_MEMORY_STAT_LAST_UPDATE, val: BigInt(g["last-update"]) });
  }
  return out;
}

/** The domain stats' names of the memory statistics (qemuDomainGetStatsBalloon). */
const MEMORY_STAT_NAMES: Record<number, string> = {
  0: "swap_in",
  1: "swap_out",
  2: "major_fault",
  3: "minor_fault",
  4: "unused",
  5: "available",
  7: "rss",
  8: "usable",
  9: "last-update",
  10: "disk_caches",
  11: "hugetlb_pgalloc",
  12: "hugetlb_pgfail",
};

interface MemStat {
  tag: number;
  val: bigint;
}

const VIR_DOMAIN_STATS_STATE = 1 << 0;
const VIR_DOMAIN_STATS_CPU_TOTAL = 1 << 1;
const VIR_DOMAIN_STATS_BALLOON = 1 << 2;
const VIR_DOMAIN_STATS_VCPU = 1 << 3;
const VIR_DOMAIN_STATS_INTERFACE = 1 << 4;
const VIR_DOMAIN_STATS_BLOCK = 1 << 5;
const VIR_DOMAIN_STATS_IOTHREAD = 1 << 7;
const VIR_DOMAIN_STATS_DIRTYRATE = 1 << 9;
const SUPPORTED_STATS = VIR_DOMAIN_STATS_STATE | VIR_DOMAIN_STATS_CPU_TOTAL |
  VIR_DOMAIN_STATS_BALLOON | VIR_DOMAIN_STATS_VCPU | VIR_DOMAIN_STATS_INTERFACE |
  VIR_DOMAIN_STATS_BLOCK | VIR_DOMAIN_STATS_IOTHREAD | VIR_DOMAIN_STATS_DIRTYRATE;

const LIST_ACTIVE = 1 << 0;
const LIST_INACTIVE = 1 << 1;
const LIST_PERSISTENT = 1 << 2;
const LIST_TRANSIENT = 1 << 3;
const LIST_RUNNING = 1 << 4;
const LIST_PAUSED = 1 << 5;
const LIST_SHUTOFF = 1 << 6;
const LIST_OTHER = 1 << 7;
const STATS_NOWAIT = 1 << 29;
const STATS_BACKING = 1 << 30;
const STATS_ENFORCE = 1 << 31;

/** The balloon's present size in KiB (QMP query-balloon), or the definition's when it has none. */
function balloonKiB(c: QemuConn, e: QemuDomainEntry, o: QemuDomainObj): number {
  if (o.pid === 0 || o.def.devices.memballoon?.model !== "virtio") return o.def.currentMemory;
  try {
    const b = c.io("qemu.qmp", { uuid: e.uuid, cmd: "query-balloon" }) as { actual: number };
    return Math.floor(b.actual / 1024);
  } catch {
    return o.def.currentMemory;
  }
}

function statsFilter(e: QemuDomainEntry, o: QemuDomainObj, flags: number): boolean {
  const active = o.pid !== 0;
  const pair = (a: number, b: number, v: boolean) =>
    !(flags & (a | b)) || ((flags & a) !== 0 && v) || ((flags & b) !== 0 && !v);
  if (!pair(LIST_ACTIVE, LIST_INACTIVE, active)) return false;
  if (!pair(LIST_PERSISTENT, LIST_TRANSIENT, e.persistent)) return false;
  const states = LIST_RUNNING | LIST_PAUSED | LIST_SHUTOFF | LIST_OTHER;
  if (flags & states) {
    return ((flags & LIST_RUNNING) !== 0 && o.state === S.VIR_DOMAIN_RUNNING) ||
      ((flags & LIST_PAUSED) !== 0 && o.state === S.VIR_DOMAIN_PAUSED) ||
      ((flags & LIST_SHUTOFF) !== 0 && o.state === S.VIR_DOMAIN_SHUTOFF) ||
      ((flags & LIST_OTHER) !== 0 &&
        ![S.VIR_DOMAIN_RUNNING, S.VIR_DOMAIN_PAUSED, S.VIR_DOMAIN_SHUTOFF].includes(o.state));
  }
  return true;
}

/** One domain's record of virConnectGetAllDomainStats. */
function record(c: QemuConn, e: QemuDomainEntry, stats: number): TypedParam[] {
  const o = c.withObj(e, (x) => x);
  const out: TypedParam[] = [];
  if (stats & VIR_DOMAIN_STATS_STATE) {
    out.push(param.int("state.state", o.state), param.int("state.reason", o.reason));
  }
  if (stats & VIR_DOMAIN_STATS_CPU_TOTAL) {
    out.push(...cpuTotalStats(o));
  }
  if (stats & VIR_DOMAIN_STATS_BALLOON) {
    out.push(
      param.ullong("balloon.current", BigInt(balloonKiB(c, e, o))),
      param.ullong("balloon.maximum", BigInt(o.def.memory)),
    );
    if (o.pid !== 0) {
      // The memory statistics as virDomainMemoryStats gives them, by libvirt's names.
      const rss = { tag: VIR_DOMAIN_MEMORY_STAT_RSS, val: BigInt(rssKiB(o.pid)) };
      for (const m of [...guestStats(c, e, o), rss]) {
        const name = MEMORY_STAT_NAMES[m.tag];
        if (name) out.push(param.ullong(`balloon.${name}`, m.val));
      }
    }
  }
  if (stats & VIR_DOMAIN_STATS_VCPU) {
    out.push(
      param.uint("vcpu.current", o.def.vcpusCurrent),
      param.uint("vcpu.maximum", o.def.vcpus),
    );
    if (o.pid !== 0) {
      let threads = new Map<number, number>();
      try {
        threads = vcpuThreads(c, e.uuid);
      } catch {
        // The monitor is gone: no per-vCPU figures.
      }
      for (let i = 0; i < o.def.vcpusCurrent; i++) {
        const tid = threads.get(i);
        const t = tid === undefined ? null : threadInfo(o.pid, tid);
        const s = tid === undefined ? null : threadSchedInfo(o.pid, tid);
        out.push(
          param.int(`vcpu.${i}.state`, 1),
          param.ullong(`vcpu.${i}.time`, t?.ns ?? 0n),
          param.ullong(`vcpu.${i}.wait`, s?.wait ?? 0n),
          param.ullong(`vcpu.${i}.delay`, s?.delay ?? 0n),
        );
      }
    }
  }
  if ((stats & VIR_DOMAIN_STATS_INTERFACE) && o.pid !== 0) out.push(...netStatsParams(c, o));
  if (stats & VIR_DOMAIN_STATS_BLOCK) out.push(...blockStatsParams(c, e.uuid, o));
  if (stats & VIR_DOMAIN_STATS_IOTHREAD) out.push(...iothreadStatsParams(c, e.uuid, o));
  if (stats & VIR_DOMAIN_STATS_DIRTYRATE) out.push(...dirtyRateStatsParams(c, e.uuid, o));
  return out;
}

/**
 * domstats' interface group of a running domain: every NIC counts, and
 * those with a tap give their name and the guest-side counters (libvirt's
 * qemuDomainGetStatsInterface; a NIC whose counters cannot be read is
 * passed over, as there).
 */
function netStatsParams(c: QemuConn, o: QemuDomainObj): TypedParam[] {
  const nets = o.def.devices.interfaces;
  const out: TypedParam[] = [param.uint("net.count", nets.length)];
  nets.forEach((n, i) => {
    if (!n.targetDev) return;
    out.push(param.string(`net.${i}.name`, n.targetDev));
    if (!TAP_TYPES.includes(n.type)) return;
    let s;
    try {
      s = tapStats(c, n);
    } catch {
      return;
    }
    out.push(
      param.ullong(`net.${i}.rx.bytes`, s.rx_bytes),
      param.ullong(`net.${i}.rx.pkts`, s.rx_packets),
      param.ullong(`net.${i}.rx.errs`, s.rx_errs),
      param.ullong(`net.${i}.rx.drop`, s.rx_drop),
      param.ullong(`net.${i}.tx.bytes`, s.tx_bytes),
      param.ullong(`net.${i}.tx.pkts`, s.tx_packets),
      param.ullong(`net.${i}.tx.errs`, s.tx_errs),
      param.ullong(`net.${i}.tx.drop`, s.tx_drop),
    );
  });
  return out;
}

/** One entry of QMP query-blockstats (a device's format node, its file node as parent). */
interface QmpBlockStats {
  "node-name"?: string;
  qdev?: string;
  stats: Record<string, number>;
  parent?: { stats?: Record<string, number> };
}

/**
 * domstats' block group as libvirt 9.0 fills it for a running domain: per
 * disk its counters (matched by format node, or by device for a drive with
 * no medium), the highest offset written to its file, and the image's
 * virtual and allocated size.
 */
function blockStatsParams(c: QemuConn, uuid: string, o: QemuDomainObj): TypedParam[] {
  const disks = o.def.devices.disks;
  let blockstats: QmpBlockStats[] = [];
  let images: {
    "node-name": string;
    image?: { "virtual-size"?: number; "actual-size"?: number };
    write_threshold?: number;
  }[] = [];
  if (o.pid !== 0) {
    try {
      blockstats = c.io("qemu.qmp", { uuid, cmd: "query-blockstats" }) as QmpBlockStats[];
      images = c.io("qemu.qmp", { uuid, cmd: "query-named-block-nodes" }) as typeof images;
    } catch {
      blockstats = [];
    }
  }
  const thresholds = writeThresholds(images);
  const out: TypedParam[] = [param.uint("block.count", disks.length)];
  disks.forEach((d, i) => {
    const node = `libvirt-${diskNode(o, d, i)}-format`;
    const alias = d.info.alias ?? "";
    out.push(param.string(`block.${i}.name`, d.targetDev));
    if (d.source?.path) out.push(param.string(`block.${i}.path`, d.source.path));
    const entry = blockstats.find((x) =>
      (d.source?.path && x["node-name"] === node) ||
      (alias !== "" && (x.qdev === alias || x.qdev?.startsWith(`/machine/peripheral/${alias}/`)))
    );
    if (!entry) return;
    const n = (k: string) => BigInt(Math.trunc(entry.stats[k] ?? 0));
    out.push(
      param.ullong(`block.${i}.rd.reqs`, n("rd_operations")),
      param.ullong(`block.${i}.rd.bytes`, n("rd_bytes")),
      param.ullong(`block.${i}.rd.times`, n("rd_total_time_ns")),
      param.ullong(`block.${i}.wr.reqs`, n("wr_operations")),
      param.ullong(`block.${i}.wr.bytes`, n("wr_bytes")),
      param.ullong(`block.${i}.wr.times`, n("wr_total_time_ns")),
      param.ullong(`block.${i}.fl.reqs`, n("flush_operations")),
      param.ullong(`block.${i}.fl.times`, n("flush_total_time_ns")),
    );
    const image = d.source?.path ? images.find((b) => b["node-name"] === node)?.image : undefined;
    if (!image) return;
    const highest = entry.parent?.stats?.wr_highest_offset;
    if (highest !== undefined) out.push(param.ullong(`block.${i}.allocation`, BigInt(highest)));
    out.push(param.ullong(`block.${i}.capacity`, BigInt(image["virtual-size"] ?? 0)));
    out.push(param.ullong(`block.${i}.physical`, BigInt(image["actual-size"] ?? 0)));
    const threshold = thresholds.get(`libvirt-${diskNode(o, d, i)}-storage`);
    if (threshold) out.push(param.ullong(`block.${i}.threshold`, BigInt(threshold)));
  });
  return out;
}

export const statsHandlers: HandlerEntry[] = [
  on(P.REMOTE_PROC_DOMAIN_GET_VCPUS_FLAGS, (c, a) => {
    checkFlags(
      "qemuDomainGetVcpusFlags",
      a.flags,
      VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | VIR_DOMAIN_VCPU_MAXIMUM |
        VIR_DOMAIN_VCPU_GUEST,
    );
    const o = c.withObj(c.entry(a.dom), (x) => x);
    // denovirt never connects to a guest agent (see guest_agent.ts).
    if (a.flags & VIR_DOMAIN_VCPU_GUEST) throw agentUnavailable(o);
    const live = (a.flags & VIR_DOMAIN_AFFECT_LIVE) !== 0 ||
      (!(a.flags & VIR_DOMAIN_AFFECT_CONFIG) && o.pid !== 0);
    if (live && o.pid === 0) throw notRunning();
    const def = live ? o.def : (o.newDef ?? o.def);
    return { num: a.flags & VIR_DOMAIN_VCPU_MAXIMUM ? def.vcpus : def.vcpusCurrent };
  }),
  on(P.REMOTE_PROC_DOMAIN_MEMORY_STATS, (c, a) => {
    checkFlags("qemuDomainMemoryStats", a.flags, 0);
    const e = c.entry(a.dom);
    const o = c.withObj(e, (x) => x);
    if (o.pid === 0) throw notRunning();
    const stats: MemStat[] = [
      { tag: VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON, val: BigInt(balloonKiB(c, e, o)) },
      ...guestStats(c, e, o),
      { tag: VIR_DOMAIN_MEMORY_STAT_RSS, val: BigInt(rssKiB(o.pid)) },
    ];
    return { stats: stats.slice(0, a.maxStats) };
  }),
  on(P.REMOTE_PROC_CONNECT_GET_ALL_DOMAIN_STATS, (c, a) => {
    const known = SUPPORTED_STATS;
    if ((a.flags & STATS_ENFORCE) && (a.stats & ~known)) {
      throw VirError.of(
        VIR_ERR_OPERATION_UNSUPPORTED,
        VIR_FROM_QEMU,
        `Stats types bits 0x${(a.stats & ~known).toString(16)} are not supported by this daemon`,
      );
    }
    const stats = a.stats === 0 ? known : a.stats & known;
    const listFlags = a.flags & ~(STATS_NOWAIT | STATS_BACKING | STATS_ENFORCE);
    let entries: QemuDomainEntry[];
    if (a.doms.length > 0) {
      if (listFlags) {
        throw VirError.of(
          VIR_ERR_INVALID_ARG,
          VIR_FROM_QEMU,
          "filtering is not supported by this API",
        );
      }
      entries = a.doms.map((d) => c.entry(d));
    } else {
      entries = c.dir((d) => d.domains.map((x) => ({ ...x })));
      entries = entries.filter((e) => {
        try {
          return c.withObj(e, (o) => statsFilter(e, o, listFlags));
        } catch {
          return false;
        }
      });
    }
    const retStats = [];
    for (const e of entries) {
      try {
        retStats.push({
          dom: QemuConn.wire({ ...e, id: c.withObj(e, (o) => o.id) }),
          params: record(c, e, stats),
        });
      } catch {
        // Gone meanwhile.
      }
    }
    return { retStats };
  }),
];
