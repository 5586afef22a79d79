/**
 * The typed-parameter names and reply shapes shared by the QEMU driver's
 * resource tuning calls (scheduler, memory, blkio, NUMA, CPU statistics),
 * by libvirt's constant names.
 *
 * @module
 */

import { VirError } from "../../rpc/error.ts";
import { VIR_FROM_RPC } from "../../rpc/error_codes.ts";
import {
  type TypedParam,
  VIR_TYPED_PARAM_STRING,
  VIR_TYPED_PARAM_STRING_OKAY,
} from "../../rpc/typed_params.ts";

export const VIR_DOMAIN_SCHEDULER_CPU_SHARES = "cpu_shares";
export const VIR_DOMAIN_SCHEDULER_VCPU_PERIOD = "vcpu_period";
export const VIR_DOMAIN_SCHEDULER_VCPU_QUOTA = "vcpu_quota";
export const VIR_DOMAIN_SCHEDULER_EMULATOR_PERIOD = "emulator_period";
export const VIR_DOMAIN_SCHEDULER_EMULATOR_QUOTA = "emulator_quota";
export const VIR_DOMAIN_SCHEDULER_GLOBAL_PERIOD = "global_period";
export const VIR_DOMAIN_SCHEDULER_GLOBAL_QUOTA = "global_quota";
export const VIR_DOMAIN_SCHEDULER_IOTHREAD_PERIOD = "iothread_period";
export const VIR_DOMAIN_SCHEDULER_IOTHREAD_QUOTA = "iothread_quota";

export const VIR_DOMAIN_MEMORY_HARD_LIMIT = "hard_limit";
export const VIR_DOMAIN_MEMORY_SOFT_LIMIT = "soft_limit";
export const VIR_DOMAIN_MEMORY_SWAP_HARD_LIMIT = "swap_hard_limit";
/** VIR_DOMAIN_MEMORY_PARAM_UNLIMITED (KiB): no limit. */
export const VIR_DOMAIN_MEMORY_PARAM_UNLIMITED = 9007199254740991n;

export const VIR_DOMAIN_BLKIO_WEIGHT = "weight";
export const VIR_DOMAIN_BLKIO_DEVICE_WEIGHT = "device_weight";
export const VIR_DOMAIN_BLKIO_DEVICE_READ_IOPS = "device_read_iops_sec";
export const VIR_DOMAIN_BLKIO_DEVICE_WRITE_IOPS = "device_write_iops_sec";
export const VIR_DOMAIN_BLKIO_DEVICE_READ_BPS = "device_read_bytes_sec";
export const VIR_DOMAIN_BLKIO_DEVICE_WRITE_BPS = "device_write_bytes_sec";

export const VIR_DOMAIN_NUMA_MODE = "numa_mode";
export const VIR_DOMAIN_NUMA_NODESET = "numa_nodeset";
/** VIR_DOMAIN_NUMATUNE_MEM_STRICT: the mode of a domain without <numatune>. */
export const VIR_DOMAIN_NUMATUNE_MEM_STRICT = 0;

export const VIR_DOMAIN_CPU_STATS_CPUTIME = "cpu_time";
export const VIR_DOMAIN_CPU_STATS_USERTIME = "user_time";
export const VIR_DOMAIN_CPU_STATS_SYSTEMTIME = "system_time";
export const VIR_DOMAIN_CPU_STATS_VCPUTIME = "vcpu_time";

/** REMOTE_DOMAIN_*_PARAMETERS_MAX: the most parameters one of these replies carries. */
export const TUNE_PARAMETERS_MAX = 16;

/** The remote layer's refusal of a count beyond its limit (before any driver runs). */
export function rpcLimit(detail: string): VirError {
  return VirError.internal(VIR_FROM_RPC, detail);
}

/**
 * A getter's reply over the wire: with nparams 0 the count only; otherwise
 * the first `nparams` values, strings left out unless the caller accepts
 * them (virTypedParamsSerialize with the caller's flags).
 */
export function paramsReply(
  all: TypedParam[],
  nparams: number,
  flags: number,
): { params: TypedParam[]; nparams: number } {
  if (nparams === 0) return { params: [], nparams: all.length };
  const some = all.slice(0, nparams);
  return {
    params: (flags & VIR_TYPED_PARAM_STRING_OKAY)
      ? some
      : some.filter((p) => p.value.tag !== VIR_TYPED_PARAM_STRING),
    nparams: 0,
  };
}

/** A parameter's value as a bigint. */
export function paramBig(p: TypedParam): bigint {
  return BigInt(p.value.value as number | bigint);
}
