/**
 * virConnectBaselineHypervisorCPU for x86 on the QEMU driver, as libvirt
 * 9.0 computes it (x86Baseline): the features every given CPU has (each
 * CPU's model and required or forced features, less those it disables or
 * forbids),
 * kept to those QEMU knows, decoded into the closest model QEMU has, the
 * CPUs' common model preferred; with `--features` the model's own features
 * listed too, sorted by name.
 *
 * @module
 */

import { XmlWriter } from "../../util/xml_writer.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_INVALID_ARG,
  VIR_ERR_OPERATION_FAILED,
  VIR_FROM_CPU,
} from "../../rpc/error_codes.ts";
import {
  bitsAdd,
  bitsSubtract,
  type CpuBits,
  type DecodedCpu,
  decodeGuestCpu,
  featureBits,
  featureFromQemu,
  featuresIn,
  type HvModels,
  type X86Map,
  x86Map,
} from "./cpu_map.ts";
import type { CpuDefinition } from "./cpu_compare.ts";

/** virConnectBaselineCPUFlags */
export const VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES = 1 << 0;
export const VIR_CONNECT_BASELINE_CPU_MIGRATABLE = 1 << 1;

const PLAIN_BASELINE_DROPS = ["cmt", "mbm_total", "mbm_local", "osxsave", "ospke"];

function cpuError(code: number, msg: string): VirError {
  return VirError.of(code, VIR_FROM_CPU, msg);
}

/** A CPU's data as x86ModelFromCPU gives it for a baseline, with the model's vendor. */
function cpuData(map: X86Map, cpu: CpuDefinition): { bits: CpuBits; vendor: string | null } {
  const model = map.modelByName.get(cpu.model!);
  if (!model) throw cpuError(VIR_ERR_INTERNAL_ERROR, `Unknown CPU model ${cpu.model}`);
  const bits: CpuBits = new Map(model.bits);
  const feature = (name: string) => featureBits(map, [name]);
  // Forced and required features count, disabled and forbidden ones are
  // taken out, optional ones leave the model as it is.
  for (const f of cpu.features) {
    if (f.policy === "require" || f.policy === "force") bitsAdd(bits, feature(f.name));
  }
  for (const f of cpu.features) {
    if (f.policy === "disable" || f.policy === "forbid") bitsSubtract(bits, feature(f.name));
  }
  return { bits, vendor: model.vendor };
}

function intersect(a: CpuBits, b: CpuBits): void {
  for (const [k, v] of a) {
    const both = (v & (b.get(k) ?? 0)) >>> 0;
    if (both === 0) a.delete(k);
    else a.set(k, both);
  }
}

/**
 * The baseline of `cpus` on a hypervisor with the models `hv` (or, null,
 * on any model of the map: virConnectBaselineCPU); `qemuFeatures` names the
 * CPU properties QEMU has (null: no filter).
 */
export function baselineCpu(
  cpus: CpuDefinition[],
  hv: HvModels | null,
  qemuFeatures: string[] | null,
  flags: number,
): string {
  const map = x86Map();
  if (cpus.length === 0) throw cpuError(VIR_ERR_INVALID_ARG, "no CPUs given");
  cpus.forEach((c, i) => {
    if (!c.model) throw cpuError(VIR_ERR_INVALID_ARG, `no CPU model specified at index ${i}`);
  });
  let vendor: string | null = null;
  let outputVendor = false;
  let preferred: string | null = cpus[0]!.model;
  let bits: CpuBits | null = null;
  for (const cpu of cpus) {
    if (preferred !== cpu.model) preferred = null;
    const d = cpuData(map, cpu);
    if (cpu.vendor && d.vendor && cpu.vendor !== d.vendor) {
      throw cpuError(
        VIR_ERR_OPERATION_FAILED,
        `CPU vendor ${d.vendor} of model ${cpu.model} differs from vendor ${cpu.vendor}`,
      );
    }
    let vn: string | null = null;
    if (cpu.vendor) {
      vn = cpu.vendor;
      outputVendor = true;
    } else if (d.vendor) {
      vn = d.vendor;
    }
    if (vn !== null) {
      if (vendor === null) {
        if (!map.vendors.has(vn)) {
          throw cpuError(VIR_ERR_OPERATION_FAILED, `Unknown CPU vendor ${vn}`);
        }
        vendor = vn;
      } else if (vendor !== vn) {
        throw cpuError(VIR_ERR_OPERATION_FAILED, "CPU vendors do not match");
      }
    }
    if (bits === null) bits = d.bits;
    else intersect(bits, d.bits);
  }
  if (qemuFeatures) {
    const known: CpuBits = new Map();
    for (const name of qemuFeatures) {
      const f = featureFromQemu(map, name);
      if (f) bitsAdd(known, f.bits);
    }
    intersect(bits!, known);
  }
  if (bits!.size === 0) throw cpuError(VIR_ERR_OPERATION_FAILED, "CPUs are incompatible");
  const cpu: DecodedCpu = decodeGuestCpu(
    map,
    {
      bits: bits!,
      vendor: vendor === null ? null : map.vendors.get(vendor)!,
      family: 0,
      model: 0,
      stepping: 0,
    },
    hv,
    {
      preferred,
      migratable: qemuFeatures === null && (flags & VIR_CONNECT_BASELINE_CPU_MIGRATABLE) !== 0,
    },
  );
  // The plain baseline leaves out features QEMU cannot give a guest
  // (virQEMUCapsCPUFilterFeatures and the OS-state bits).
  let features = hv === null
    ? cpu.features.filter((f) => !PLAIN_BASELINE_DROPS.includes(f.name))
    : cpu.features;
  if (flags & VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES) {
    // The model's own features first, then those the decoding listed over them; by name.
    const expanded: DecodedCpu["features"] = featuresIn(map, map.modelByName.get(cpu.model)!.bits)
      .map((name) => ({ name, policy: "require" as const }));
    for (const f of features) {
      const same = expanded.find((x) => x.name === f.name);
      if (same) same.policy = f.policy;
      else expanded.push({ ...f });
    }
    features = expanded.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
  const w = new XmlWriter();
  w.open("cpu", [["mode", "custom"], ["match", "exact"]]);
  // The hypervisor's baseline is the model or nothing; the plain one may fall
  // back to another unless the CPUs named that model.
  const fallback = hv === null && cpu.model !== preferred ? "allow" : "forbid";
  w.text("model", cpu.model, [["fallback", fallback]]);
  if (outputVendor && cpu.vendor) w.text("vendor", cpu.vendor);
  for (const f of features) w.empty("feature", [["policy", f.policy], ["name", f.name]]);
  w.close("cpu");
  return w.toString();
}
