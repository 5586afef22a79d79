/**
 * virNodeGetMemoryStats for the QEMU driver, as libvirt's virHostMemGetStats
 * reads it on Linux: total, free, buffers and cached memory in KiB, from
 * /proc/meminfo for all cells or a NUMA node's meminfo under sysfs.
 *
 * @module
 */

import { VirError } from "../../rpc/error.ts";
import { VIR_FROM_DOMAIN, VIR_FROM_NONE } from "../../rpc/error_codes.ts";
import { checkFlagsIn } from "../../util/flags.ts";

/** How many parameters the host reports (libvirt's NODE_MEMORY_STATS_NUM). */
export const NODE_MEMORY_STATS_NUM = 4;
/** virNodeGetMemoryStats' cellNum for the whole host. */
export const VIR_NODE_MEMORY_STATS_ALL_CELLS = -1;

const FIELDS: Record<string, string> = {
  MemTotal: "total",
  MemFree: "free",
  Buffers: "buffers",
  Cached: "cached",
};

const SYSFS_NODES = "/sys/devices/system/node";

/** libvirt's virReportInvalidArg in function `fn`: the bare message. */
function invalidArg(fn: string, arg: string, rule: string): VirError {
  return VirError.argument(VIR_FROM_NONE, fn, arg, `${arg} in ${fn} ${rule}`);
}

/** The highest NUMA node number (0 where sysfs does not say). */
function maxNode(): number {
  let max = 0;
  try {
    for (const e of Deno.readDirSync(SYSFS_NODES)) {
      const m = /^node(\d+)$/.exec(e.name);
      if (m) max = Math.max(max, Number(m[1]));
    }
  } catch {
    // No sysfs here: one node.
  }
  return max;
}

/**
 * The lines of a meminfo file libvirt reports, in the file's order: "MemTotal:
 * 123 kB" or, in a node's file, "Node 0 MemTotal: 123 kB".
 */
export function parseMeminfo(text: string): { field: string; value: bigint }[] {
  const out: { field: string; value: bigint }[] = [];
  for (const line of text.split("\n")) {
    const m = /^(?:Node \d+ )?(\w+):\s+(\d+)/.exec(line);
    const field = m ? FIELDS[m[1]!] : undefined;
    if (m && field && !out.some((p) => p.field === field)) {
      out.push({ field, value: BigInt(m[2]!) });
    }
  }
  return out;
}

/**
 * virNodeGetMemoryStats: with `nparams` 0 the count the host reports, else
 * the parameters themselves.
 */
export function hostMemoryStats(
  cellNum: number,
  nparams: number,
  flags: number,
): { count: number; params: { field: string; value: bigint }[] } {
  // The public API's checks (which libvirtd runs too), as the test driver makes them.
  const api = "virNodeGetMemoryStats";
  if (nparams < 0) {
    throw VirError.argument(
      VIR_FROM_DOMAIN,
      api,
      "*nparams",
      `*nparams in ${api} must be zero or greater`,
    );
  }
  if (cellNum < VIR_NODE_MEMORY_STATS_ALL_CELLS) {
    throw VirError.argument(
      VIR_FROM_DOMAIN,
      api,
      "cpuNum",
      `cellNum in ${api} only accepts -1 as a negative value`,
    );
  }
  checkFlagsIn(VIR_FROM_NONE, "virHostMemGetStats", flags, 0);
  let text: string;
  if (cellNum === VIR_NODE_MEMORY_STATS_ALL_CELLS) {
    try {
      text = Deno.readTextFileSync("/proc/meminfo");
    } catch {
      // /proc needs every Deno permission; the runtime reads the same file.
      const m = Deno.systemMemoryInfo();
      const kib = (n: number) => Math.floor(n / 1024);
      text = `MemTotal: ${kib(m.total)} kB\nMemFree: ${kib(m.free)} kB\n` +
        `Buffers: ${kib(m.buffers)} kB\nCached: ${kib(m.cached)} kB\n`;
    }
  } else {
    const max = maxNode();
    if (cellNum > max) {
      throw invalidArg("virHostMemGetStats", "cellNum", `must be less than or equal to ${max}`);
    }
    try {
      text = Deno.readTextFileSync(`${SYSFS_NODES}/node${cellNum}/meminfo`);
    } catch (e) {
      throw VirError.internal(
        VIR_FROM_NONE,
        `cannot open ${SYSFS_NODES}/node${cellNum}/meminfo: ${(e as Error).message}`,
      );
    }
  }
  // virHostMemGetStatsLinux: the count is asked once the cell is known good.
  if (nparams === 0) return { count: NODE_MEMORY_STATS_NUM, params: [] };
  if (nparams !== NODE_MEMORY_STATS_NUM) {
    throw invalidArg("virHostMemGetStatsLinux", "nparams", `must be ${NODE_MEMORY_STATS_NUM}`);
  }
  const params = parseMeminfo(text);
  if (params.length === 0) {
    throw VirError.internal(VIR_FROM_NONE, "no available memory line found");
  }
  return { count: params.length, params };
}
