/**
 * The host CPU's features as the CPUID instruction gives them (libvirt's
 * virCPUx86GetHost): the instruction run in this process where FFI allows
 * (cpuid_instruction.ts), as libvirt runs it, else the kernel's cpuid device
 * (/dev/cpu/0/cpuid: a read of 16 bytes at offset leaf | subleaf << 32
 * returns EAX, EBX, ECX, EDX). Only the leaves the CPU map's features name
 * are read, within the basic and extended ranges libvirt reads. A CPU
 * whose CPUID announces IA32_ARCH_CAPABILITIES also has features in that
 * MSR, which libvirt reads; they come from /dev/cpu/0/msr, and without it
 * the host's features are not known (null), never guessed.
 *
 * @module
 */

import { log } from "../../log.ts";
import { bitsHave, type CpuBits, type X86Map } from "./cpu_map.ts";
import { cpuidInstruction } from "./cpuid_instruction.ts";

const CPUID_DEV = "/dev/cpu/0/cpuid";
const MSR_DEV = "/dev/cpu/0/msr";
const IA32_ARCH_CAPABILITIES = 0x10a;

/** The host CPU as CPUID tells: its features and its vendor string. */
export interface HostCpuid {
  bits: CpuBits;
  vendor: string;
  /** From leaf 1's EAX, extended family and model added as libvirt adds them. */
  family: number;
  model: number;
  stepping: number;
  /** Physical address bits (leaf 0x80000008), or null when the CPU does not say. */
  physBits: number | null;
}

let cached: HostCpuid | null | undefined;

function readAt(file: Deno.FsFile, offset: bigint, len: number): DataView {
  file.seekSync(offset, Deno.SeekMode.Start);
  const buf = new Uint8Array(len);
  let got = 0;
  while (got < len) {
    const n = file.readSync(buf.subarray(got));
    if (n === null || n === 0) throw new Error(`short read at ${offset}`);
    got += n;
  }
  return new DataView(buf.buffer);
}

/** The map's features the host CPU has, as CPUID (and the MSR it names) tell; null when unreadable. */
export function hostCpuidBits(map: X86Map): CpuBits | null {
  return hostCpuid(map)?.bits ?? null;
}

/** The host CPU's features and vendor string; null when they cannot be read. */
export function hostCpuid(map: X86Map): HostCpuid | null {
  if (cached !== undefined) return cached;
  cached = null;
  const insn = cpuidInstruction();
  let dev: Deno.FsFile | null = null;
  try {
    if (!insn) dev = Deno.openSync(CPUID_DEV, { read: true });
  } catch (e) {
    log("qemu").warn("cannot read the host's CPUID from {dev}: {reason}", {
      dev: CPUID_DEV,
      reason: e instanceof Error ? e.message : String(e),
    });
    return null;
  }
  try {
    const leaf = (eax: number, ecx = 0) =>
      insn ? insn(eax, ecx) : readAt(dev!, BigInt(eax) | (BigInt(ecx) << 32n), 16);
    const l0 = leaf(0);
    const maxBasic = l0.getUint32(0, true);
    const vendor = [4, 12, 8].map((o) => String.fromCharCode(...new Uint8Array(l0.buffer, o, 4)))
      .join("");
    const maxExtended = leaf(0x80000000).getUint32(0, true);
    const bits: CpuBits = new Map();
    const read = new Set<string>();
    for (const f of map.features) {
      for (const key of f.bits.keys()) {
        const [kind, a, b] = key.split(":");
        if (kind !== "cpuid" || read.has(`${a}:${b}`)) continue;
        read.add(`${a}:${b}`);
        const eax = Number(a);
        // The hypervisor's leaves are not the CPU's; libvirt reads the basic and extended ones.
        if (eax >= 0x40000000 && eax < 0x80000000) continue;
        if (eax > (eax >= 0x80000000 ? maxExtended : maxBasic)) continue;
        const v = leaf(eax, Number(b));
        ["eax", "ebx", "ecx", "edx"].forEach((r, i) => {
          const x = v.getUint32(i * 4, true);
          if (x !== 0) bits.set(`cpuid:${eax}:${Number(b)}:${r}`, x);
        });
      }
    }
    const archCaps = map.featureByName.get("arch-capabilities");
    if (archCaps && bitsHave(bits, archCaps.bits)) {
      let msr: Deno.FsFile;
      try {
        msr = Deno.openSync(MSR_DEV, { read: true });
      } catch {
        return null;
      }
      try {
        const v = readAt(msr, BigInt(IA32_ARCH_CAPABILITIES), 8);
        const lo = v.getUint32(0, true);
        const hi = v.getUint32(4, true);
        if (lo !== 0) bits.set(`msr:${IA32_ARCH_CAPABILITIES}:eax`, lo);
        if (hi !== 0) bits.set(`msr:${IA32_ARCH_CAPABILITIES}:edx`, hi);
      } catch {
        return null;
      } finally {
        msr.close();
      }
    }
    // Only the map's features count.
    const known: CpuBits = new Map();
    for (const f of map.features) {
      if (!bitsHave(bits, f.bits)) continue;
      for (const [k, v] of f.bits) known.set(k, ((known.get(k) ?? 0) | v) >>> 0);
    }
    const sig = leaf(1).getUint32(0, true);
    cached = {
      bits: known,
      vendor,
      family: ((sig >> 20) & 0xff) + ((sig >> 8) & 0xf),
      model: ((sig >> 12) & 0xf0) + ((sig >> 4) & 0xf),
      stepping: sig & 0xf,
      physBits: maxExtended >= 0x80000008 ? leaf(0x80000008).getUint32(0, true) & 0xff : null,
    };
    return cached;
  } catch (e) {
    log("qemu").warn("cannot read the host's CPUID from {dev}: {reason}", {
      dev: insn ? "the CPUID instruction" : CPUID_DEV,
      reason: e instanceof Error ? e.message : String(e),
    });
    return null;
  } finally {
    dev?.close();
  }
}
