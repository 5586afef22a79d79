/**
 * The cgroup figures resource tuning writes and reads back: a group's CPU
 * shares and its memory limits (KiB, VIR_DOMAIN_MEMORY_PARAM_UNLIMITED for
 * none), in the v1 or v2 files as the group's hierarchy has them; and their
 * application to a just-started domain from <cputune> and <memtune>
 * (libvirt's qemuSetupCpuCgroup and qemuSetupMemoryCgroup).
 *
 * @module
 */

import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_CONFIG_UNSUPPORTED,
  VIR_ERR_OPERATION_INVALID,
  VIR_FROM_QEMU,
} from "../../rpc/error_codes.ts";
import type { DomainDef, RawElement } from "../../conf/domain_xml.ts";
import {
  cgroupFileExists,
  type DomainCgroup,
  hasController,
  readCgroupFile,
  writeCgroupFile,
} from "./cgroup.ts";
import {
  VIR_DOMAIN_MEMORY_HARD_LIMIT,
  VIR_DOMAIN_MEMORY_PARAM_UNLIMITED,
  VIR_DOMAIN_MEMORY_SOFT_LIMIT,
  VIR_DOMAIN_MEMORY_SWAP_HARD_LIMIT,
  VIR_DOMAIN_SCHEDULER_EMULATOR_PERIOD,
  VIR_DOMAIN_SCHEDULER_EMULATOR_QUOTA,
  VIR_DOMAIN_SCHEDULER_GLOBAL_PERIOD,
  VIR_DOMAIN_SCHEDULER_GLOBAL_QUOTA,
  VIR_DOMAIN_SCHEDULER_IOTHREAD_PERIOD,
  VIR_DOMAIN_SCHEDULER_IOTHREAD_QUOTA,
  VIR_DOMAIN_SCHEDULER_VCPU_PERIOD,
  VIR_DOMAIN_SCHEDULER_VCPU_QUOTA,
} from "./tune_params.ts";

export const UNLIMITED = VIR_DOMAIN_MEMORY_PARAM_UNLIMITED;

/** The group's shares (v1 cpu.shares; v2 cpu.weight, as libvirt 9.0 reads it). */
export function cpuShares(cg: DomainCgroup): bigint {
  const v2 = cg.mounts.v2Controllers.has("cpu");
  return BigInt(readCgroupFile(cg, "cpu", v2 ? "cpu.weight" : "cpu.shares"));
}

/** Writes the shares to a running domain's group (virCgroupSetCpuShares), read back after. */
export function setLiveShares(cg: DomainCgroup, shares: bigint): bigint {
  const v2 = cg.mounts.v2Controllers.has("cpu");
  writeCgroupFile(cg, "cpu", v2 ? "cpu.weight" : "cpu.shares", String(shares));
  return cpuShares(cg);
}

/** What a CFS bandwidth figure caps: each vCPU's group, the emulator's, the domain's, I/O threads. */
export type BandwidthScope = "vcpu" | "emulator" | "global" | "iothread";

/** Each bandwidth parameter: its <cputune> element, period or quota, and scope. */
export const BANDWIDTH: {
  param: string;
  item: string;
  kind: "period" | "quota";
  scope: BandwidthScope;
}[] = [
  { param: VIR_DOMAIN_SCHEDULER_VCPU_PERIOD, item: "period", kind: "period", scope: "vcpu" },
  { param: VIR_DOMAIN_SCHEDULER_VCPU_QUOTA, item: "quota", kind: "quota", scope: "vcpu" },
  {
    param: VIR_DOMAIN_SCHEDULER_GLOBAL_PERIOD,
    item: "global_period",
    kind: "period",
    scope: "global",
  },
  {
    param: VIR_DOMAIN_SCHEDULER_GLOBAL_QUOTA,
    item: "global_quota",
    kind: "quota",
    scope: "global",
  },
  {
    param: VIR_DOMAIN_SCHEDULER_EMULATOR_PERIOD,
    item: "emulator_period",
    kind: "period",
    scope: "emulator",
  },
  {
    param: VIR_DOMAIN_SCHEDULER_EMULATOR_QUOTA,
    item: "emulator_quota",
    kind: "quota",
    scope: "emulator",
  },
  {
    param: VIR_DOMAIN_SCHEDULER_IOTHREAD_PERIOD,
    item: "iothread_period",
    kind: "period",
    scope: "iothread",
  },
  {
    param: VIR_DOMAIN_SCHEDULER_IOTHREAD_QUOTA,
    item: "iothread_quota",
    kind: "quota",
    scope: "iothread",
  },
];

/** QEMU_SCHED_MIN/MAX_PERIOD and _QUOTA: the range libvirt accepts (0: unset, quota -1: none). */
export const PERIOD_RANGE: [bigint, bigint] = [1000n, 1000000n];
export const QUOTA_RANGE: [bigint, bigint] = [1000n, 17592186044415n];

/** A <cputune> bandwidth value of the definition, 0 when unset. */
export function cputuneItem(def: DomainDef, item: string): bigint {
  return BigInt(def.cputune?.items.find(([k]) => k === item)?.[1] ?? "0");
}

/** Sets (0: removes) a <cputune> bandwidth value, kept in libvirt's element order. */
export function setCputuneItem(def: DomainDef, item: string, value: bigint): void {
  def.cputune ??= { shares: null, items: [], vcpupins: [], emulatorpin: null, iothreadpins: [] };
  const items = def.cputune.items.filter(([k]) => k !== item);
  if (value !== 0n) items.push([item, String(value)]);
  const order = BANDWIDTH.map((b) => b.item);
  def.cputune.items = items.sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0]));
}

/** The groups a scope's figure is written to (no I/O threads here: none). */
function scopeGroups(cg: DomainCgroup, scope: BandwidthScope, vcpus: number): string[] {
  if (scope === "global") return [""];
  if (scope === "emulator") return ["emulator"];
  if (scope === "iothread") return [];
  return Array.from({ length: vcpus }, (_, i) => `vcpu${i}`)
    .filter((sub) => cgroupFileExists(cg, "cpu", sub));
}

/**
 * Writes a CFS period or quota to each group of `scope` (libvirt's
 * virCgroupSetCpuCfsPeriod / Quota; v2 keeps both in cpu.max).
 */
export function setLiveBandwidth(
  cg: DomainCgroup,
  scope: BandwidthScope,
  kind: "period" | "quota",
  value: bigint,
  vcpus: number,
): void {
  const v2 = cg.mounts.v2Controllers.has("cpu");
  for (const sub of scopeGroups(cg, scope, vcpus)) {
    if (v2) {
      const [q, p] = readCgroupFile(cg, "cpu", "cpu.max", sub).split(/\s+/);
      const quota = kind === "quota" ? (value < 0n ? "max" : String(value)) : q;
      const period = kind === "period" ? String(value) : p;
      writeCgroupFile(cg, "cpu", "cpu.max", `${quota} ${period}`, sub);
    } else {
      const file = kind === "period" ? "cpu.cfs_period_us" : "cpu.cfs_quota_us";
      writeCgroupFile(cg, "cpu", file, String(value), sub);
    }
  }
}

/**
 * Applies <cputune> to a just-started domain (qemuSetupCpuCgroup and the
 * vCPU, emulator and global bandwidth set-up): a domain without any cgroup
 * ignores it, as libvirt does; one whose group lacks the CPU controller
 * refuses it.
 */
export function applyCputune(cg: DomainCgroup | null, def: DomainDef): void {
  const shares = def.cputune?.shares ?? null;
  if (!cg || !def.cputune) return;
  const cpu = hasController(cg, "cpu");
  if (shares !== null) {
    if (!cpu) {
      throw VirError.of(
        VIR_ERR_CONFIG_UNSUPPORTED,
        VIR_FROM_QEMU,
        "CPU tuning is not available on this host",
      );
    }
    def.cputune.shares = Number(setLiveShares(cg, BigInt(shares)));
  }
  for (const scope of ["vcpu", "emulator", "global"] as const) {
    const figures = BANDWIDTH.filter((b) => b.scope === scope && cputuneItem(def, b.item) !== 0n);
    if (figures.length === 0) continue;
    if (!cpu) {
      throw VirError.of(
        VIR_ERR_OPERATION_INVALID,
        VIR_FROM_QEMU,
        "cgroup cpu is required for scheduler tuning",
      );
    }
    for (const b of figures) {
      setLiveBandwidth(cg, scope, b.kind, cputuneItem(def, b.item), def.vcpusCurrent);
    }
  }
}

export type Limit = "hardLimit" | "softLimit" | "swapHardLimit";
/** Each limit: its parameter, its definition field, its v1 and v2 cgroup files. */
export const LIMITS: [string, Limit, string, string][] = [
  [VIR_DOMAIN_MEMORY_HARD_LIMIT, "hardLimit", "memory.limit_in_bytes", "memory.max"],
  [VIR_DOMAIN_MEMORY_SOFT_LIMIT, "softLimit", "memory.soft_limit_in_bytes", "memory.high"],
  [
    VIR_DOMAIN_MEMORY_SWAP_HARD_LIMIT,
    "swapHardLimit",
    "memory.memsw.limit_in_bytes",
    "memory.swap.max",
  ],
];

/** The v1 hierarchy's "no limit" in KiB: its root group's limit (virCgroupV1GetMemoryUnlimitedKB). */
function v1UnlimitedKiB(cg: DomainCgroup): bigint {
  try {
    const root = cg.mounts.v1.get("memory")!;
    return BigInt(Deno.readTextFileSync(`${root}/memory.limit_in_bytes`).trim()) >> 10n;
  } catch {
    return 9223372036854771712n >> 10n;
  }
}

/** A limit of the running domain's group in KiB, UNLIMITED for none. */
export function liveLimit(cg: DomainCgroup, v1File: string, v2File: string): bigint {
  if (cg.mounts.v2Controllers.has("memory")) {
    const s = readCgroupFile(cg, "memory", v2File);
    if (s === "max") return UNLIMITED;
    const kib = BigInt(s) >> 10n;
    return kib >= UNLIMITED ? UNLIMITED : kib;
  }
  const kib = BigInt(readCgroupFile(cg, "memory", v1File)) >> 10n;
  return kib >= v1UnlimitedKiB(cg) ? UNLIMITED : kib;
}

export function writeLimit(cg: DomainCgroup, v1File: string, v2File: string, kib: bigint): void {
  const v2 = cg.mounts.v2Controllers.has("memory");
  const value = kib >= UNLIMITED ? (v2 ? "max" : "-1") : String(kib << 10n);
  writeCgroupFile(cg, "memory", v2 ? v2File : v1File, value);
}

/** A definition's limit as the API gives it (unset: unlimited). */
export function defLimit(def: DomainDef, key: Limit): bigint {
  const v = def.memtune?.[key] ?? null;
  return v === null ? UNLIMITED : BigInt(v);
}

/**
 * Applies <memtune> to a just-started domain (qemuSetupMemoryCgroup): a
 * domain without any cgroup ignores it, as libvirt does; one whose group
 * lacks the memory controller refuses it.
 */
export function applyMemtune(cg: DomainCgroup | null, def: DomainDef): void {
  if (!cg || !def.memtune) return;
  const set = LIMITS.filter(([, key]) => defLimit(def, key) !== UNLIMITED);
  if (set.length === 0) return;
  if (!hasController(cg, "memory")) {
    throw VirError.of(
      VIR_ERR_OPERATION_INVALID,
      VIR_FROM_QEMU,
      "Memory cgroup is not available on this host",
    );
  }
  // The swap limit first: v1 keeps memory+swap at or above the memory limit.
  for (const [, key, v1, v2] of [...set].reverse()) writeLimit(cg, v1, v2, defLimit(def, key));
}

/** The group's weight file (BFQ's first, then CFQ's); libvirt's refusal when neither exists. */
function weightFile(cg: DomainCgroup): string {
  const v2 = cg.mounts.v2Controllers.has("blkio");
  const files = v2 ? ["io.bfq.weight", "io.weight"] : ["blkio.bfq.weight", "blkio.weight"];
  const file = files.find((f) => cgroupFileExists(cg, "blkio", f));
  if (!file) {
    throw VirError.of(
      VIR_ERR_OPERATION_INVALID,
      VIR_FROM_QEMU,
      "blkio device weight is valid only for bfq or cfq scheduler",
    );
  }
  return file;
}

/** The group's I/O weight (virCgroupGetBlkioWeight): BFQ's file first, then CFQ's. */
export function liveWeight(cg: DomainCgroup): number {
  const file = weightFile(cg);
  // v2's files start with "default N".
  const text = readCgroupFile(cg, "blkio", file);
  return Number(/(\d+)\s*$/m.exec(text.split("\n")[0] ?? "")?.[1] ?? "0");
}

/** Writes the group's I/O weight (virCgroupSetBlkioWeight), read back after. */
export function setLiveWeight(cg: DomainCgroup, weight: number): number {
  const file = weightFile(cg);
  const v2 = cg.mounts.v2Controllers.has("blkio");
  writeCgroupFile(cg, "blkio", file, v2 ? `default ${weight}` : String(weight));
  return liveWeight(cg);
}

/** The <blkiotune><weight> of a definition, 0 when unset. */
export function configWeight(def: DomainDef): number {
  const w = def.blkiotune?.children.find((x) => x.name === "weight");
  return w ? Number(w.text) : 0;
}

/** Sets (0: removes) <blkiotune><weight>; an empty <blkiotune> goes. */
export function setConfigWeight(def: DomainDef, weight: number): void {
  const others = def.blkiotune?.children.filter((x) => x.name !== "weight") ?? [];
  const children: RawElement[] = weight
    ? [{ name: "weight", attrs: [], children: [], text: String(weight) }]
    : [];
  children.push(...others);
  def.blkiotune = children.length ? { name: "blkiotune", attrs: [], children, text: "" } : null;
}

/**
 * Applies <blkiotune><weight> to a just-started domain (libvirt's blkio
 * cgroup set-up): ignored without cgroups, refused without the controller.
 */
export function applyBlkiotune(cg: DomainCgroup | null, def: DomainDef): void {
  const weight = configWeight(def);
  if (!cg || !weight) return;
  if (!hasController(cg, "blkio")) {
    throw VirError.of(
      VIR_ERR_OPERATION_INVALID,
      VIR_FROM_QEMU,
      "Block I/O tuning is not available on this host",
    );
  }
  setLiveWeight(cg, weight);
}
