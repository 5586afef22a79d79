/**
 * The host CPU the capabilities document describes, as libvirt 9.0's
 * virCPUx86GetHost describes it: the CPUID data (host_cpuid.ts) decoded
 * into the closest model of libvirt's CPU map the host has all of, with
 * the host's other features; the microcode version /proc/cpuinfo gives;
 * the family, model and stepping; the TSC frequency when the CPU has an
 * invariant TSC (host_tsc.ts); and the physical address width.
 *
 * @module
 */

import { type DecodedCpu, decodeGuestCpu, type X86Map, x86Map } from "./cpu_map.ts";
import { type HostCpuid, hostCpuid } from "./host_cpuid.ts";
import { hostTscInfo, type TscInfo } from "./host_tsc.ts";
import { hostFact } from "../host_facts.ts";

export interface HostCpuDef {
  model: string;
  vendor: string | null;
  microcode: number;
  signature: { family: number; model: number; stepping: number };
  tsc: TscInfo | null;
  physBits: number | null;
  features: string[];
}

/** The microcode version of the first CPU /proc/cpuinfo lists (0 when it gives none). */
function microcodeVersion(): number {
  try {
    const m = /^microcode\s*:\s*(0x[0-9a-fA-F]+|\d+)/m.exec(Deno.readTextFileSync("/proc/cpuinfo"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** The host CPU, or null when its CPUID cannot be read (libvirt then names no model either). */
export function hostCpuDef(): HostCpuDef | null {
  return hostFact("host-cpu", readHostCpu);
}

function readHostCpu(): HostCpuDef | null {
  let map: X86Map;
  let id: HostCpuid | null;
  let cpu: DecodedCpu;
  try {
    map = x86Map();
    id = hostCpuid(map);
    if (!id) return null;
    cpu = decodeGuestCpu(
      map,
      {
        bits: id.bits,
        vendor: id.vendor,
        family: id.family,
        model: id.model,
        stepping: id.stepping,
      },
      null,
      { host: true },
    );
  } catch {
    // No CPU map, or no model the host has all of: no model, as with libvirt.
    return null;
  }
  const invtsc = map.featureByName.get("invtsc");
  const hasInvtsc = invtsc !== undefined &&
    [...invtsc.bits].every(([k, v]) => ((id!.bits.get(k) ?? 0) & v) >>> 0 === v);
  return {
    model: cpu.model,
    vendor: cpu.vendor,
    microcode: microcodeVersion(),
    signature: { family: id.family, model: id.model, stepping: id.stepping },
    tsc: hasInvtsc ? hostTscInfo() : null,
    physBits: id.physBits,
    features: cpu.features.map((f) => f.name),
  };
}
