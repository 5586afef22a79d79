/**
 * The host-node calls of qemu:///system that read the machine itself, as
 * libvirt 9.0's virhostcpu, virhostmem, virnuma, virnodesuspend and the QEMU
 * driver's sysinfo answer them on Linux: CPU times from /proc/stat, the CPU
 * map from sysfs, free memory and free pages per NUMA node, huge page pools,
 * the kernel's same-page merging (KSM) figures, host suspend and SMBIOS.
 *
 * @module
 */

import type { HandlerEntry } from "../../dispatch/handlers.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import {
  REMOTE_NODE_CPU_STATS_MAX,
  REMOTE_NODE_MAX_CELLS,
  REMOTE_NODE_MEMORY_PARAMETERS_MAX,
} from "../../protocol/remote_types.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_ARGUMENT_UNSUPPORTED,
  VIR_ERR_CONFIG_UNSUPPORTED,
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_INVALID_ARG,
  VIR_ERR_NO_SUPPORT,
  VIR_ERR_OPERATION_FAILED,
  VIR_ERR_OPERATION_UNSUPPORTED,
  VIR_FROM_DOMAIN,
  VIR_FROM_NONE,
  VIR_FROM_QEMU,
  VIR_FROM_RPC,
} from "../../rpc/error_codes.ts";
import { param, type TypedParam } from "../../rpc/typed_params.ts";
import { checkFlagsIn } from "../../util/flags.ts";
import { on } from "./conn.ts";
import { checkFlags } from "./domain_common.ts";

/** virNodeGetCPUStats' cpuNum for the whole host. */
export const VIR_NODE_CPU_STATS_ALL_CPUS = -1;
/** How many figures the Linux CPU statistics have (kernel, user, idle, iowait). */
const LINUX_NB_CPU_STATS = 4;
/** /proc/stat counts in ticks of 1/USER_HZ s; USER_HZ is 100 on Linux. */
const TICK_TO_NSEC = 10_000_000n;
/** The system page size in KiB (x86_64). */
const SYSTEM_PAGE_KIB = 4;
/** virNodeAllocPages: set the pool to the count rather than add to it. */
const VIR_NODE_ALLOC_PAGES_SET = 1;
/** virNodeGetMemoryParameters / Set accept VIR_TYPED_PARAM_STRING_OKAY. */
const VIR_TYPED_PARAM_STRING_OKAY = 4;

const NODES = "/sys/devices/system/node";
const CPUS = "/sys/devices/system/cpu";
const KSM = "/sys/kernel/mm/ksm";

/** A public API argument check's refusal: "ARG in FUNC RULE". */
function apiArg(fn: string, arg: string, rule: string): VirError {
  return VirError.argument(VIR_FROM_DOMAIN, fn, arg, `${arg} in ${fn} ${rule}`);
}

/** virReportInvalidArg inside libvirt's host utilities (no domain of their own). */
function utilArg(fn: string, arg: string, message: string): VirError {
  return VirError.argument(VIR_FROM_NONE, fn, arg, message);
}

function read(path: string): string | null {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return null;
  }
}

// ---- CPUs -------------------------------------------------------------------------------------

/**
 * virNodeGetCPUStats: kernel, user, idle and iowait time in ns, for one CPU
 * or all; with `nparams` 0 only how many there are (the CPU not looked for).
 */
export function hostCpuStats(
  cpuNum: number,
  nparams: number,
  flags: number,
): { count: number; params: { field: string; value: bigint }[] } {
  if (nparams < 0) throw apiArg("virNodeGetCPUStats", "*nparams", "must be zero or greater");
  if (cpuNum < 0 && cpuNum !== VIR_NODE_CPU_STATS_ALL_CPUS) {
    throw apiArg("virNodeGetCPUStats", "cpuNum", "only accepts -1 as a negative value");
  }
  checkFlagsIn(VIR_FROM_NONE, "virHostCPUGetStats", flags, 0);
  const stat = read("/proc/stat");
  if (stat === null) throw VirError.internal(VIR_FROM_NONE, "cannot open /proc/stat");
  const fn = "virHostCPUGetStatsLinux";
  if (nparams === 0) return { count: LINUX_NB_CPU_STATS, params: [] };
  if (nparams !== LINUX_NB_CPU_STATS) {
    throw utilArg(fn, "nparams", `nparams in ${fn} must be equal to ${LINUX_NB_CPU_STATS}`);
  }
  const header = cpuNum === VIR_NODE_CPU_STATS_ALL_CPUS ? "cpu " : `cpu${cpuNum} `;
  for (const line of stat.split("\n")) {
    if (!line.startsWith(header)) continue;
    const n = line.trim().split(/\s+/).slice(1).map((x) => BigInt(x));
    if (n.length < 4) continue;
    const [usr, ni, sys, idle, iowait = 0n, irq = 0n, softirq = 0n] = n as bigint[];
    const params = [
      { field: "kernel", value: (sys! + irq + softirq) * TICK_TO_NSEC },
      { field: "user", value: (usr! + ni!) * TICK_TO_NSEC },
      { field: "idle", value: idle! * TICK_TO_NSEC },
      { field: "iowait", value: iowait * TICK_TO_NSEC },
    ];
    return { count: params.length, params };
  }
  throw utilArg(fn, "cpuNum", `Invalid cpuNum in ${fn}`);
}

/** The CPU ids a sysfs list ("0-3,5") names. */
function parseCpuList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(",")) {
    if (part === "") continue;
    const [a, b] = part.split("-").map(Number);
    for (let i = a!; i <= (b ?? a!); i++) out.push(i);
  }
  return out;
}

/** virNodeGetCPUMap: the present CPUs' count, the online ones' map and count. */
export function hostCpuMap(flags: number): { cpumap: Uint8Array; online: number; cpus: number } {
  checkFlagsIn(VIR_FROM_NONE, "virHostCPUGetMap", flags, 0);
  const present = parseCpuList(read(`${CPUS}/present`) ?? "0");
  const cpus = Math.max(...present) + 1;
  const online = parseCpuList(read(`${CPUS}/online`) ?? "0").filter((c) => c < cpus);
  const cpumap = new Uint8Array(Math.ceil(cpus / 8));
  for (const c of online) cpumap[c >> 3]! |= 1 << (c & 7);
  return { cpumap, online: online.length, cpus };
}

// ---- Memory by NUMA node ----------------------------------------------------------------------

/** The highest NUMA node id (libnuma's numa_max_node), or -1 without NUMA in sysfs. */
function maxNode(): number {
  const online = read(`${NODES}/online`);
  if (online === null) return -1;
  return Math.max(...parseCpuList(online));
}

/** A node's total and free memory in bytes, from its sysfs meminfo (libnuma's numa_node_size64). */
function nodeMemory(node: number): { total: bigint; free: bigint } | null {
  const text = read(`${NODES}/node${node}/meminfo`);
  if (text === null) return null;
  const kib = (field: string) => BigInt(new RegExp(`${field}:\\s+(\\d+)`).exec(text)?.[1] ?? "0");
  return { total: kib("MemTotal") * 1024n, free: kib("MemFree") * 1024n };
}

/** virNodeGetFreeMemory: the free bytes of every node. */
export function hostFreeMemory(): bigint {
  let free = 0n;
  for (let n = 0; n <= maxNode(); n++) free += nodeMemory(n)?.free ?? 0n;
  return free;
}

/** virNodeGetCellsFreeMemory: the free bytes of up to `maxCells` nodes from `startCell`. */
export function hostCellsFree(startCell: number, maxCells: number): bigint[] {
  const api = "virNodeGetCellsFreeMemory";
  if (maxCells <= 0) throw apiArg(api, "maxCells", "must be greater than zero");
  if (startCell < 0) throw apiArg(api, "startCell", "must be zero or greater");
  const max = maxNode();
  if (max < 0) return [];
  if (startCell > max) {
    throw VirError.internal(VIR_FROM_NONE, `start cell ${startCell} out of range (0-${max})`);
  }
  const out: bigint[] = [];
  for (let n = startCell; n <= Math.min(max, startCell + maxCells - 1); n++) {
    out.push(nodeMemory(n)?.free ?? 0n);
  }
  return out;
}

/** The sysfs file of a huge page pool, or libvirt's refusal when there is none. */
function hugePagePath(node: number, pageKiB: number, file: string): string {
  const path = node === -1
    ? `/sys/kernel/mm/hugepages/hugepages-${pageKiB}kB/${file}`
    : `${NODES}/node${node}/hugepages/hugepages-${pageKiB}kB/${file}`;
  if (read(path) !== null) return path;
  let detail = `page size ${pageKiB} is not available`;
  if (node !== -1) {
    detail = node < 0 || node > maxNode()
      ? `NUMA node ${node} is not available`
      : `page size ${pageKiB} is not available on node ${node}`;
  }
  throw VirError.of(VIR_ERR_OPERATION_FAILED, VIR_FROM_NONE, detail);
}

function readCount(path: string): bigint {
  const text = read(path) ?? "";
  if (!/^\d+\n$/.test(text)) {
    throw VirError.internal(VIR_FROM_NONE, `unable to parse: ${text}`);
  }
  return BigInt(text.trim());
}

/** The free pages of one size on one node (virNumaGetPageInfo). */
function freePages(node: number, pageKiB: number): bigint {
  if (pageKiB === SYSTEM_PAGE_KIB) {
    let free = 0n;
    if (node === -1) {
      for (let n = 0; n <= maxNode(); n++) free += nodeMemory(n)?.free ?? 0n;
    } else {
      const m = nodeMemory(node);
      if (!m) {
        throw VirError.internal(VIR_FROM_NONE, `NUMA node ${node} is not available`);
      }
      free = m.free;
    }
    return free / BigInt(SYSTEM_PAGE_KIB * 1024);
  }
  return readCount(hugePagePath(node, pageKiB, "free_hugepages"));
}

/** virNodeGetFreePages: for each node from `startCell`, the free count of each page size. */
export function hostFreePages(
  pages: readonly number[],
  startCell: number,
  cellCount: number,
  flags: number,
): bigint[] {
  const api = "virNodeGetFreePages";
  if (pages.length === 0) throw apiArg(api, "npages", "must not be zero");
  if (cellCount === 0) throw apiArg(api, "cellCount", "must not be zero");
  checkFlags("qemuNodeGetFreePages", flags, 0);
  const last = maxNode();
  if (startCell > last) {
    throw VirError.internal(VIR_FROM_NONE, `start cell ${startCell} out of range (0-${last})`);
  }
  const counts: bigint[] = [];
  for (let cell = startCell; cell <= Math.min(last, startCell + cellCount - 1); cell++) {
    for (const size of pages) counts.push(freePages(cell, size));
  }
  if (counts.length === 0) {
    throw VirError.of(VIR_ERR_OPERATION_FAILED, VIR_FROM_NONE, "no suitable info found");
  }
  return counts;
}

/** Sets (or grows) one huge page pool as virNumaSetPagePoolSize does. */
function setPagePool(node: number, pageKiB: number, count: bigint, add: boolean): void {
  if (pageKiB === SYSTEM_PAGE_KIB) {
    throw VirError.of(
      VIR_ERR_OPERATION_UNSUPPORTED,
      VIR_FROM_NONE,
      "system pages pool can't be modified",
    );
  }
  const path = hugePagePath(node, pageKiB, "nr_hugepages");
  const invalid = (text: string) =>
    VirError.of(VIR_ERR_OPERATION_FAILED, VIR_FROM_NONE, `invalid number '${text}' in '${path}'`);
  const now = read(path) ?? "";
  if (!/^\d+\n$/.test(now)) throw invalid(now);
  const current = BigInt(now.trim());
  if (add ? count === 0n : current === count) return;
  const want = add ? count + current : count;
  try {
    Deno.writeTextFileSync(path, String(want));
  } catch (e) {
    throw VirError.of(
      VIR_ERR_OPERATION_FAILED,
      VIR_FROM_NONE,
      `Unable to write to: ${path}: ${(e as Error).message}`,
    );
  }
  const after = read(path) ?? "";
  if (!/^\d+\n$/.test(after)) throw invalid(after);
  if (BigInt(after.trim()) !== want) {
    throw VirError.of(
      VIR_ERR_OPERATION_FAILED,
      VIR_FROM_NONE,
      `Unable to allocate ${want} pages. Allocated only ${after.trim()}`,
    );
  }
}

/** virNodeAllocPages: the pools changed (one per node and size). */
export function hostAllocPages(
  sizes: readonly number[],
  counts: readonly bigint[],
  startCell: number,
  cellCount: number,
  flags: number,
): number {
  const api = "virNodeAllocPages";
  if (sizes.length === 0) throw apiArg(api, "npages", "must not be zero");
  if (cellCount === 0) throw apiArg(api, "cellCount", "must not be zero");
  checkFlags("qemuNodeAllocPages", flags, VIR_NODE_ALLOC_PAGES_SET);
  let last = maxNode();
  if (startCell !== -1 && startCell > last) {
    throw VirError.internal(VIR_FROM_NONE, `start cell ${startCell} out of range (0-${last})`);
  }
  last = Math.min(last, startCell + cellCount - 1);
  let changed = 0;
  for (let cell = startCell; cell <= last; cell++) {
    sizes.forEach((size, i) => {
      setPagePool(cell, size, counts[i] ?? 0n, (flags & VIR_NODE_ALLOC_PAGES_SET) === 0);
      changed++;
    });
  }
  return changed;
}

// ---- Kernel same-page merging -----------------------------------------------------------------

/** The KSM figures virNodeGetMemoryParameters reports, in libvirt's order, and their types. */
const KSM_FIELDS: readonly [string, "uint" | "ullong"][] = [
  ["pages_to_scan", "uint"],
  ["sleep_millisecs", "uint"],
  ["pages_shared", "ullong"],
  ["pages_sharing", "ullong"],
  ["pages_unshared", "ullong"],
  ["pages_volatile", "ullong"],
  ["full_scans", "ullong"],
  ["merge_across_nodes", "uint"],
];

/** virNodeGetMemoryParameters: the shm_* figures of the files KSM has here. */
export function hostMemoryParameters(nparams: number, flags: number): TypedParam[] {
  checkFlagsIn(VIR_FROM_NONE, "virHostMemGetParameters", flags, VIR_TYPED_PARAM_STRING_OKAY);
  const out: TypedParam[] = [];
  for (const [field, type] of KSM_FIELDS.slice(0, nparams)) {
    const text = read(`${KSM}/${field}`);
    if (text === null) continue;
    const value = text.split("\n")[0]!;
    if (!/^\d+$/.test(value)) {
      throw VirError.internal(VIR_FROM_NONE, `failed to parse ${field}`);
    }
    out.push(
      type === "uint"
        ? param.uint(`shm_${field}`, Number(value))
        : param.ullong(`shm_${field}`, BigInt(value)),
    );
  }
  return out;
}

// ---- Host suspend and SMBIOS ------------------------------------------------------------------

/** VIR_NODE_SUSPEND_TARGET_*: what each is called in libvirt's refusal, and pm-is-supported's option. */
const SUSPEND_TARGETS: readonly [string, string][] = [
  ["Suspend-to-RAM", "--suspend"],
  ["Suspend-to-Disk", "--hibernate"],
  ["Hybrid-Suspend", "--suspend-hybrid"],
];

/** Whether `pm-is-supported OPTION` says yes (a missing program says no, as in libvirt). */
function pmSupports(option: string): boolean {
  try {
    return new Deno.Command("pm-is-supported", { args: [option], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

/**
 * virNodeSuspendForDuration: refused with libvirt's words when the host
 * cannot enter the target state; denovirt does not suspend a host that can.
 */
export function hostSuspend(target: number, flags: number): never {
  checkFlagsIn(VIR_FROM_NONE, "virNodeSuspend", flags, 0);
  const t = SUSPEND_TARGETS[target];
  if (!t) throw VirError.of(VIR_ERR_INVALID_ARG, VIR_FROM_NONE, "Invalid suspend target");
  if (!pmSupports(t[1])) throw VirError.of(VIR_ERR_ARGUMENT_UNSUPPORTED, VIR_FROM_NONE, t[0]);
  throw VirError.of(VIR_ERR_NO_SUPPORT, VIR_FROM_QEMU, "virNodeSuspendForDuration");
}

/** Whether dmidecode reads the host's SMBIOS tables, asked once (libvirt reads them at start). */
let smbiosReadable: boolean | undefined;

function readsSmbios(): boolean {
  if (smbiosReadable === undefined) {
    try {
      smbiosReadable = new Deno.Command("dmidecode", {
        args: ["-q", "-t", "0,1,2,3,4,11,17"],
        stdout: "null",
        stderr: "null",
      }).outputSync().success;
    } catch {
      smbiosReadable = false;
    }
  }
  return smbiosReadable;
}

/**
 * virConnectGetSysinfo: libvirt reads the host's SMBIOS tables with
 * dmidecode; where that fails (no DMI in a VM, no dmidecode) the driver has
 * none to give. denovirt does not format the tables of a host that has them.
 */
export function hostSysinfo(flags: number): never {
  checkFlags("qemuConnectGetSysinfo", flags, 0);
  if (!readsSmbios()) {
    throw VirError.of(
      VIR_ERR_CONFIG_UNSUPPORTED,
      VIR_FROM_QEMU,
      "Host SMBIOS information is not available",
    );
  }
  throw VirError.of(VIR_ERR_NO_SUPPORT, VIR_FROM_QEMU, "virConnectGetSysinfo");
}

// ---- Handlers ---------------------------------------------------------------------------------

export const hostNodeHandlers: HandlerEntry[] = [
  on(P.REMOTE_PROC_NODE_GET_CPU_STATS, (_c, a) => {
    if (a.nparams > REMOTE_NODE_CPU_STATS_MAX) {
      throw VirError.internal(VIR_FROM_RPC, "nparams too large");
    }
    const { count, params } = hostCpuStats(a.cpuNum, a.nparams, a.flags);
    return a.nparams === 0 ? { params: [], nparams: count } : { params, nparams: 0 };
  }),
  on(P.REMOTE_PROC_NODE_GET_CPU_MAP, (_c, a) => {
    const m = hostCpuMap(a.flags);
    return {
      cpumap: a.need_map ? m.cpumap : new Uint8Array(),
      online: a.need_online ? m.online : 0,
      ret: m.cpus,
    };
  }),
  on(P.REMOTE_PROC_NODE_GET_FREE_MEMORY, () => ({ freeMem: hostFreeMemory() })),
  on(P.REMOTE_PROC_NODE_GET_CELLS_FREE_MEMORY, (_c, a) => {
    if (a.maxcells > REMOTE_NODE_MAX_CELLS) throw VirError.rpc("maxcells > REMOTE_NODE_MAX_CELLS");
    return { cells: hostCellsFree(a.startCell, a.maxcells) };
  }),
  on(P.REMOTE_PROC_NODE_GET_FREE_PAGES, (_c, a) => {
    if (a.pages.length * a.cellCount > REMOTE_NODE_MAX_CELLS) {
      throw VirError.of(
        VIR_ERR_INTERNAL_ERROR,
        VIR_FROM_RPC,
        "the result won't fit into REMOTE_NODE_MAX_CELLS",
      );
    }
    return { counts: hostFreePages(a.pages, a.startCell, a.cellCount, a.flags) };
  }),
  on(P.REMOTE_PROC_NODE_ALLOC_PAGES, (_c, a) => ({
    ret: hostAllocPages(a.pageSizes, a.pageCounts, a.startCell, a.cellCount, a.flags),
  })),
  on(P.REMOTE_PROC_NODE_GET_MEMORY_PARAMETERS, (_c, a) => {
    if (a.nparams > REMOTE_NODE_MEMORY_PARAMETERS_MAX) {
      throw VirError.internal(VIR_FROM_RPC, "nparams too large");
    }
    if (a.nparams === 0) {
      checkFlagsIn(
        VIR_FROM_NONE,
        "virHostMemGetParameters",
        a.flags,
        VIR_TYPED_PARAM_STRING_OKAY,
      );
      return { params: [], nparams: KSM_FIELDS.length };
    }
    const params = hostMemoryParameters(a.nparams, a.flags);
    return { params, nparams: params.length };
  }),
  on(P.REMOTE_PROC_NODE_SUSPEND_FOR_DURATION, (_c, a) => hostSuspend(a.target, a.flags)),
  on(P.REMOTE_PROC_CONNECT_GET_SYSINFO, (_c, a) => hostSysinfo(a.flags)),
];
