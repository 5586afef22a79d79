/**
 * A running QEMU domain's CPU usage (virsh cpu-stats, domstats --cpu-total),
 * as libvirt 9.0's QEMU driver reports it: from the domain's cpuacct
 * cgroup — under cgroup v2 its cpu.stat (which has no per-CPU figures:
 * libvirt's v2 backend refuses those), under v1 cpuacct.usage, .stat and
 * .usage_percpu (with each vCPU sub-group's share as vcpu_time). domstats
 * falls back to /proc for a domain without a cgroup, as libvirt does.
 *
 * @module
 */

import type { HandlerEntry } from "../../dispatch/handlers.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_INVALID_ARG,
  VIR_ERR_OPERATION_UNSUPPORTED,
  VIR_FROM_CGROUP,
  VIR_FROM_QEMU,
} from "../../rpc/error_codes.ts";
import { param, type TypedParam, VIR_TYPED_PARAM_STRING_OKAY } from "../../rpc/typed_params.ts";
import { parseBitmap } from "../../util/bitmap.ts";
import { on } from "./conn.ts";
import { checkFlags, notRunning } from "./domain_common.ts";
import type { QemuDomainObj } from "./state.ts";
import {
  type DomainCgroup,
  domainCgroup,
  hasController,
  notMounted,
  readCgroupFile,
} from "./cgroup.ts";
import {
  rpcLimit,
  TUNE_PARAMETERS_MAX,
  VIR_DOMAIN_CPU_STATS_CPUTIME,
  VIR_DOMAIN_CPU_STATS_SYSTEMTIME,
  VIR_DOMAIN_CPU_STATS_USERTIME,
  VIR_DOMAIN_CPU_STATS_VCPUTIME,
} from "./tune_params.ts";

/** REMOTE_DOMAIN_GET_CPU_STATS_NCPUS_MAX. */
const NCPUS_MAX = 128;
/** Linux's USER_HZ: cpuacct.stat and /proc count in these ticks. */
const NS_PER_TICK = 10_000_000n;

/** The domain's total, user and system CPU time in ns, from its cgroup. */
function cgroupTimes(cg: DomainCgroup): { total: bigint; user: bigint; system: bigint } {
  if (cg.mounts.v2Controllers.has("cpuacct")) {
    const stat = readCgroupFile(cg, "cpuacct", "cpu.stat");
    const get = (k: string) => BigInt(new RegExp(`^${k} (\\d+)`, "m").exec(stat)?.[1] ?? "0");
    return {
      total: get("usage_usec") * 1000n,
      user: get("user_usec") * 1000n,
      system: get("system_usec") * 1000n,
    };
  }
  const stat = readCgroupFile(cg, "cpuacct", "cpuacct.stat");
  const get = (k: string) => BigInt(new RegExp(`^${k} (\\d+)`, "m").exec(stat)?.[1] ?? "0");
  return {
    total: BigInt(readCgroupFile(cg, "cpuacct", "cpuacct.usage")),
    user: get("user") * NS_PER_TICK,
    system: get("system") * NS_PER_TICK,
  };
}

/**
 * The process's user and system time in ns from /proc (qemuDomainGetStatsCpuProc).
 * Pid 0 (a domain not running) reads /proc/self, as libvirt's virProcessGetStat
 * does: the daemon's own figures.
 */
function procTimes(pid: number): { total: bigint; user: bigint; system: bigint } {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid === 0 ? "self" : pid}/stat`);
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const user = BigInt(f[11] ?? "0") * NS_PER_TICK;
    const system = BigInt(f[12] ?? "0") * NS_PER_TICK;
    return { total: user + system, user, system };
  } catch {
    return { total: 0n, user: 0n, system: 0n };
  }
}

/** KVM's halt-polling times of the process from debugfs; 0 where there are none (TCG). */
function haltPoll(pid: number): { success: bigint; fail: bigint } {
  let success = 0n, fail = 0n;
  try {
    for (const e of Deno.readDirSync("/sys/kernel/debug/kvm")) {
      if (!e.name.startsWith(`${pid}-`)) continue;
      const dir = `/sys/kernel/debug/kvm/${e.name}`;
      success += BigInt(Deno.readTextFileSync(`${dir}/halt_poll_success_ns`).trim());
      fail += BigInt(Deno.readTextFileSync(`${dir}/halt_poll_fail_ns`).trim());
    }
  } catch {
    // No debugfs, or no KVM: nothing polled.
  }
  return { success, fail };
}

/**
 * The cpu.* records of virConnectGetAllDomainStats: a running domain's from
 * its cgroup (or /proc without one), with the cache monitors and halt-poll
 * times; a shut off one's only the three times, libvirt's /proc/self figures.
 */
export function cpuTotalStats(o: QemuDomainObj): TypedParam[] {
  const cg = o.pid === 0 ? null : domainCgroup(o);
  const t = cg && hasController(cg, "cpuacct") ? cgroupTimes(cg) : procTimes(o.pid);
  const times = [
    param.ullong("cpu.time", t.total),
    param.ullong("cpu.user", t.user),
    param.ullong("cpu.system", t.system),
  ];
  if (o.pid === 0) return times;
  const hp = haltPoll(o.pid);
  return [
    ...times,
    // No <cputune><cachetune> monitors.
    param.uint("cpu.cache.monitor.count", 0),
    param.ullong("cpu.haltpoll.success.time", hp.success),
    param.ullong("cpu.haltpoll.fail.time", hp.fail),
  ];
}

/** The host's present CPUs' count as a bitmap size (virHostCPUGetPresentBitmap). */
function presentCpus(): number {
  try {
    const bits = parseBitmap(
      Deno.readTextFileSync("/sys/devices/system/cpu/present").trim(),
      1 << 16,
    );
    if (bits && bits.length > 0) return Math.max(...bits) + 1;
  } catch {
    // Unreadable: the runtime's count.
  }
  return navigator.hardwareConcurrency;
}

function percpuUsage(cg: DomainCgroup, sub = ""): bigint[] {
  return readCgroupFile(cg, "cpuacct", "cpuacct.usage_percpu", sub).split(/\s+/).filter((s) => s)
    .map((s) => BigInt(s));
}

export const cpuStatsHandlers: HandlerEntry[] = [
  on(P.REMOTE_PROC_DOMAIN_GET_CPU_STATS, (c, a) => {
    if (a.nparams > TUNE_PARAMETERS_MAX) throw rpcLimit("nparams too large");
    if (a.ncpus > NCPUS_MAX) throw rpcLimit("ncpus too large");
    checkFlags("qemuDomainGetCPUStats", a.flags, VIR_TYPED_PARAM_STRING_OKAY);
    const o = c.withObj(c.entry(a.dom), (x) => x);
    if (o.pid === 0) throw notRunning();
    const cg = domainCgroup(o);
    if (!cg || !hasController(cg, "cpuacct")) {
      throw notMounted("cgroup CPUACCT controller is not mounted");
    }
    if (a.start_cpu === -1) {
      if (a.nparams === 0) return { params: [], nparams: 3 };
      const t = cgroupTimes(cg);
      const all = [
        param.ullong(VIR_DOMAIN_CPU_STATS_CPUTIME, t.total),
        param.ullong(VIR_DOMAIN_CPU_STATS_USERTIME, t.user),
        param.ullong(VIR_DOMAIN_CPU_STATS_SYSTEMTIME, t.system),
      ].slice(0, a.nparams);
      return { params: all, nparams: all.length };
    }
    // Per CPU: the host CPU time and the vCPUs' share of it.
    const per = 2;
    if (a.nparams === 0 && a.ncpus !== 0) return { params: [], nparams: per };
    const total = presentCpus();
    if (a.ncpus === 0) return { params: [], nparams: total };
    if (a.start_cpu >= total) {
      throw VirError.of(
        VIR_ERR_INVALID_ARG,
        VIR_FROM_QEMU,
        `start_cpu ${a.start_cpu} larger than maximum of ${total - 1}`,
      );
    }
    if (cg.mounts.v2Controllers.has("cpuacct")) {
      throw VirError.of(
        VIR_ERR_OPERATION_UNSUPPORTED,
        VIR_FROM_CGROUP,
        "operation 'getCpuacctPercpuUsage' not supported for backend 'cgroup V2'",
      );
    }
    const usage = percpuUsage(cg);
    const vcpu = new Array<bigint>(total).fill(0n);
    for (let i = 0; i < o.def.vcpusCurrent; i++) {
      percpuUsage(cg, `vcpu${i}`).forEach((v, j) => {
        if (j < total) vcpu[j] = vcpu[j]! + v;
      });
    }
    const n = Math.min(a.nparams, per);
    const out: TypedParam[] = [];
    for (let i = a.start_cpu; i < Math.min(total, a.start_cpu + a.ncpus); i++) {
      out.push(param.ullong(VIR_DOMAIN_CPU_STATS_CPUTIME, usage[i] ?? 0n));
      if (n > 1) out.push(param.ullong(VIR_DOMAIN_CPU_STATS_VCPUTIME, vcpu[i] ?? 0n));
    }
    return { params: out, nparams: n };
  }),
];
