/**
 * The host's NUMA cells, memory pages and CPUs as libvirt's capabilities
 * describe them (virCapabilitiesHostNUMA*, virNumaGetPages): each node of
 * /sys/devices/system/node with its memory, its pages of each size (4 KiB
 * pages counting all the node's memory, huge pages their configured
 * number), its distances and its CPUs with socket, die, core and thread
 * siblings. A host without sysfs NUMA nodes is one cell holding every CPU.
 *
 * @module
 */

import { parseBitmap } from "../../util/bitmap.ts";

export interface HostCpu {
  id: number;
  socket: number;
  die: number;
  core: number;
  siblings: string;
}

export interface HostCell {
  id: number;
  memoryKiB: number;
  /** [page size KiB, count]. */
  pages: [number, number][];
  distances: [number, number][];
  cpus: HostCpu[];
}

const NODES = "/sys/devices/system/node";
const CPUS = "/sys/devices/system/cpu";

function read(path: string): string | null {
  try {
    return Deno.readTextFileSync(path).trim();
  } catch {
    return null;
  }
}

/** The huge page sizes the kernel offers, in KiB, ascending. */
export function hugePageSizes(): number[] {
  const out: number[] = [];
  try {
    for (const e of Deno.readDirSync("/sys/kernel/mm/hugepages")) {
      const m = /^hugepages-(\d+)kB$/.exec(e.name);
      if (m) out.push(Number(m[1]));
    }
  } catch {
    // No huge pages here.
  }
  return out.sort((a, b) => a - b);
}

function cpu(id: number): HostCpu {
  const t = `${CPUS}/cpu${id}/topology`;
  const n = (f: string) => Number(read(`${t}/${f}`) ?? 0);
  return {
    id,
    socket: n("physical_package_id"),
    die: n("die_id"),
    core: n("core_id"),
    siblings: read(`${t}/thread_siblings_list`) ?? String(id),
  };
}

/** The host's cells, from sysfs. */
export function hostCells(): HostCell[] {
  const ids = parseBitmap(read(`${NODES}/online`) ?? "", 1 << 16) ?? [];
  const huge = hugePageSizes();
  if (ids.length === 0) {
    const online = parseBitmap(read(`${CPUS}/online`) ?? "", 1 << 16) ??
      Array.from({ length: navigator.hardwareConcurrency }, (_, i) => i);
    const kib = Math.floor(Deno.systemMemoryInfo().total / 1024);
    return [{
      id: 0,
      memoryKiB: kib,
      pages: [[4, Math.floor(kib / 4)], ...huge.map((s): [number, number] => [s, 0])],
      distances: [],
      cpus: online.map(cpu),
    }];
  }
  return ids.map((id) => {
    const dir = `${NODES}/node${id}`;
    const memoryKiB = Number(/MemTotal:\s+(\d+)/.exec(read(`${dir}/meminfo`) ?? "")?.[1] ?? 0);
    const hugeCounts = huge.map((s): [number, number] => [
      s,
      Number(read(`${dir}/hugepages/hugepages-${s}kB/nr_hugepages`) ?? 0),
    ]);
    const hugeKiB = hugeCounts.reduce((t, [s, n]) => t + s * n, 0);
    const distances = (read(`${dir}/distance`) ?? "").split(/\s+/).filter(Boolean)
      .map((v, i): [number, number] => [ids[i] ?? i, Number(v)]);
    const cpus = parseBitmap(read(`${dir}/cpulist`) ?? "", 1 << 16) ?? [];
    return {
      id,
      memoryKiB,
      // The small pages are the memory huge pages do not hold.
      pages: [[4, Math.floor((memoryKiB - hugeKiB) / 4)], ...hugeCounts],
      distances,
      cpus: cpus.map(cpu),
    };
  });
}
