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
import type { DomainDef } from "../../conf/domain_xml.ts";
import { type DomainCgroup, hasController, readCgroupFile, writeCgroupFile } from "./cgroup.ts";
import {
  VIR_DOMAIN_MEMORY_HARD_LIMIT,
  VIR_DOMAIN_MEMORY_PARAM_UNLIMITED,
  VIR_DOMAIN_MEMORY_SOFT_LIMIT,
  VIR_DOMAIN_MEMORY_SWAP_HARD_LIMIT,
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

/**
 * Applies <cputune><shares> to a just-started domain (qemuSetupCpuCgroup):
 * a domain without any cgroup ignores it, as libvirt does; one whose group
 * lacks the CPU controller refuses it.
 */
export function applyCputune(cg: DomainCgroup | null, def: DomainDef): void {
  const shares = def.cputune?.shares ?? null;
  if (!cg || shares === null) return;
  if (!hasController(cg, "cpu")) {
    throw VirError.of(
      VIR_ERR_CONFIG_UNSUPPORTED,
      VIR_FROM_QEMU,
      "CPU tuning is not available on this host",
    );
  }
  def.cputune!.shares = Number(setLiveShares(cg, BigInt(shares)));
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
