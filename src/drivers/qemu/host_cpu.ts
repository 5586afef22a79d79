/**
 * The host-model CPU of the QEMU driver, computed as libvirt 9.0 computes
 * it (virQEMUCapsInitHostCPUModel): QEMU's expansion of its host-like CPU
 * (`host` under KVM, `max` under TCG, probe.ts) turned into CPU data and
 * decoded against libvirt's CPU map into the closest model QEMU has, with
 * features to require and disable (cpu_map.ts). Domain capabilities show
 * the CPU with every feature QEMU gives; a domain started with
 * `<cpu mode='host-model'>` gets the migratable one (the features QEMU only
 * gives unmigratable left out), with the domain's own features applied on
 * top, and runs as `mode='custom' match='exact'` with that model.
 *
 * @module
 */

import type { CpuDef } from "../../conf/domain_xml.ts";
import { log } from "../../log.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_CONFIG_UNSUPPORTED,
  VIR_ERR_CPU_INCOMPATIBLE,
  VIR_FROM_CPU,
  VIR_FROM_QEMU,
} from "../../rpc/error_codes.ts";
import {
  bitsAdd,
  bitsHave,
  bitsSubtract,
  type CpuBits,
  type DecodedCpu,
  decodeGuestCpu,
  featureBits,
  featureFromQemu,
  featuresIn,
  type HvModels,
  x86Map,
} from "./cpu_map.ts";
import { hostCpuidBits } from "./host_cpuid.ts";
import { hostFact } from "../host_facts.ts";
import type { QemuHostCpu, QemuProbe } from "./probe.ts";

export interface HostCpuModel {
  /** What domain capabilities report: every feature QEMU gives. */
  reported: DecodedCpu;
  /** What a host-model domain runs with: only the migratable ones. */
  migratable: DecodedCpu;
}

function decode(host: QemuHostCpu, hv: HvModels, migratable: boolean): DecodedCpu {
  const map = x86Map();
  const bits: CpuBits = new Map();
  // A feature is the host's when either expansion has it on.
  const on = Object.keys(host.migratable).filter((k) => host.migratable[k] === true);
  if (!migratable) on.push(...Object.keys(host.all).filter((k) => host.all[k] === true));
  for (const name of on) {
    const f = featureFromQemu(map, name);
    if (f) bitsAdd(bits, f.bits);
  }
  const num = (k: string) => typeof host.migratable[k] === "number" ? host.migratable[k] : 0;
  const vendor = host.migratable["vendor"];
  const cpu = decodeGuestCpu(map, {
    bits,
    vendor: typeof vendor === "string" ? vendor : null,
    family: num("family"),
    model: num("model"),
    stepping: num("stepping"),
  }, hv);
  if (migratable) {
    cpu.features = cpu.features.filter((f) =>
      f.policy !== "require" || map.featureByName.get(f.name)?.migratable !== false
    );
  }
  return cpu;
}

/** The host-model CPU for `virttype` ("kvm" or "qemu"), or null when QEMU gave none. */
export function hostCpuModel(probe: QemuProbe, virttype: string): HostCpuModel | null {
  return hostFact(
    `qemu-host-model ${probe.id} ${virttype}`,
    () => decodeHostModel(probe, virttype),
  );
}

function decodeHostModel(probe: QemuProbe, virttype: string): HostCpuModel | null {
  const kvm = virttype === "kvm";
  const host = kvm ? probe.hostCpuKvm : probe.hostCpuTcg;
  const models = kvm ? probe.cpuKvm : probe.cpuTcg;
  let out: HostCpuModel | null = null;
  if (host && models) {
    const hv: HvModels = new Map(models.map((m) => [m.name, m.blockers]));
    try {
      out = { reported: decode(host, hv, false), migratable: decode(host, hv, true) };
    } catch (e) {
      // As libvirt: no host model (no CPU map, no model fits), host-model unsupported.
      log("qemu").warn("no host-model CPU for {virttype}: {reason}", {
        virttype,
        reason: e instanceof Error ? e.message : String(e),
      });
    }
  }
  return out;
}

/**
 * The check libvirt makes of a host-model CPU's own features against the
 * host's before it starts the domain (virCPUCompare, x86Compute): a feature
 * it forbids may not be the host's, one it requires must be. Under TCG the
 * host is the host-model CPU with every feature; under KVM it is the CPU
 * the CPUID instruction describes with the host-model CPU's required
 * features added (host_cpuid.ts), and when that cannot be read the
 * definition is refused rather than checked against something else.
 */
function checkOwnFeatures(cpu: CpuDef, host: DecodedCpu, virttype: string): void {
  const by = (...p: string[]) =>
    cpu.features.filter((f) => p.includes(f.policy ?? "")).map((f) => f.name);
  const required = by("require");
  const forbidden = by("forbid");
  if (required.length === 0 && forbidden.length === 0) return;
  const map = x86Map();
  const requires = featureBits(
    map,
    host.features.filter((f) => f.policy === "require").map((f) => f.name),
  );
  let hostBits: CpuBits;
  if (virttype === "kvm") {
    const cpuid = hostCpuidBits(map);
    if (!cpuid) {
      throw VirError.of(
        VIR_ERR_CONFIG_UNSUPPORTED,
        VIR_FROM_QEMU,
        "CPU features required or forbidden on top of host-model for a kvm domain " +
          "(the host's CPUID cannot be read)",
      );
    }
    hostBits = new Map(cpuid);
    bitsAdd(hostBits, requires);
  } else {
    hostBits = new Map(map.modelByName.get(host.model)?.bits ?? []);
    bitsAdd(hostBits, requires);
    bitsSubtract(
      hostBits,
      featureBits(map, host.features.filter((f) => f.policy === "disable").map((f) => f.name)),
    );
  }
  const incompatible = (msg: string) => VirError.of(VIR_ERR_CPU_INCOMPATIBLE, VIR_FROM_CPU, msg);
  if (virttype === "kvm") {
    const provided = forbidden.filter((n) => bitsHave(hostBits, featureBits(map, [n])));
    if (provided.length > 0) {
      throw incompatible(
        `Host CPU provides forbidden features: ${
          featuresIn(map, featureBits(map, provided)).join(", ")
        }`,
      );
    }
  } else {
    for (const name of forbidden) {
      if (bitsHave(hostBits, featureBits(map, [name]))) {
        throw incompatible(`Host CPU provides forbidden feature '${name}'`);
      }
    }
  }
  const need = featureBits(map, required);
  bitsSubtract(need, featureBits(map, by("force", "optional", "disable")));
  bitsSubtract(need, hostBits);
  if (need.size > 0) {
    throw incompatible(
      `Host CPU does not provide required features: ${featuresIn(map, need).join(", ")}`,
    );
  }
}

/**
 * Turns a `<cpu mode='host-model'>` into the CPU the domain runs with
 * (virCPUUpdate for a host-model CPU): the host model's model, vendor and
 * features, each of the definition's own features replacing the policy of
 * the same feature or added after them.
 */
export function expandHostModel(cpu: CpuDef, probe: QemuProbe, virttype: string): void {
  if (cpu.mode !== "host-model") return;
  const host = hostCpuModel(probe, virttype);
  if (!host) {
    throw VirError.of(
      VIR_ERR_CONFIG_UNSUPPORTED,
      VIR_FROM_QEMU,
      `CPU mode 'host-model' for x86_64 ${virttype} domain on x86_64 host is not supported by hypervisor`,
    );
  }
  checkOwnFeatures(cpu, host.reported, virttype);
  const features: CpuDef["features"] = host.migratable.features.map((f) => ({ ...f }));
  for (const own of cpu.features) {
    const same = features.find((f) => f.name === own.name);
    if (same) same.policy = own.policy;
    else features.push({ ...own });
  }
  cpu.mode = "custom";
  cpu.match = "exact";
  cpu.check = "full";
  cpu.model = host.migratable.model;
  cpu.modelFallback = "forbid";
  cpu.vendor = host.migratable.vendor;
  cpu.features = features;
}
