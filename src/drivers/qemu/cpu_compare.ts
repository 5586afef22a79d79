/**
 * virConnectCompareHypervisorCPU for x86 on the QEMU driver: a CPU
 * definition set against the CPU the hypervisor offers (the host-model CPU
 * domain capabilities report, host_cpu.ts), as libvirt 9.0's x86Compute
 * sets them: the vendor must match, no forbidden feature may be the
 * hypervisor's, every required one (the model's and those listed, less
 * those forced, optional or disabled) must be; features the hypervisor has
 * beyond those make it a superset, which `match='strict'` refuses.
 *
 * @module
 */

import { attr, children, type XmlElement } from "../../util/xml.ts";
import { parseXmlDocument } from "../../util/xml_error.ts";
import { xpathString } from "../../util/xml_props.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_CONFIG_UNSUPPORTED,
  VIR_ERR_CPU_INCOMPATIBLE,
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_XML_ERROR,
  VIR_FROM_CPU,
} from "../../rpc/error_codes.ts";
import {
  bitsAdd,
  bitsHave,
  bitsSubtract,
  type CpuBits,
  type DecodedCpu,
  featureBits,
  featuresIn,
  type X86Map,
  x86Map,
} from "./cpu_map.ts";

/** virCPUCompareResult */
export const VIR_CPU_COMPARE_INCOMPATIBLE = 0;
export const VIR_CPU_COMPARE_IDENTICAL = 1;
export const VIR_CPU_COMPARE_SUPERSET = 2;

/** virConnectCompareCPUFlags */
export const VIR_CONNECT_COMPARE_CPU_FAIL_INCOMPATIBLE = 1 << 0;
export const VIR_CONNECT_COMPARE_CPU_VALIDATE_XML = 1 << 1;

const POLICIES = ["force", "require", "optional", "disable", "forbid"];

/** A `<cpu>` as virCPUDefParseXML reads it for a comparison. */
export interface CpuDefinition {
  /** "host" when it names an architecture (a host CPU), else "guest". */
  type: "host" | "guest";
  arch: string | null;
  mode: string;
  match: string;
  model: string | null;
  vendor: string | null;
  features: { name: string; policy: string }[];
}

function cpuError(code: number, msg: string): VirError {
  return VirError.of(code, VIR_FROM_CPU, msg);
}

/**
 * Reads a CPU definition (virCPUDefParseXMLString): a host CPU when it
 * names an architecture, else a guest CPU; `host` insists on a host CPU.
 */
export function parseCpuDefinition(xml: string, opts: { host?: boolean } = {}): CpuDefinition {
  const root: XmlElement = parseXmlDocument(xml, "(CPU_definition)", VIR_FROM_CPU);
  if (root.name !== "cpu") {
    throw cpuError(VIR_ERR_XML_ERROR, "XML does not contain expected 'cpu' element");
  }
  const host = opts.host === true || xpathString(root, "arch") !== null;
  if (host && attr(root, "mode") !== undefined) {
    throw cpuError(VIR_ERR_CONFIG_UNSUPPORTED, "Attribute mode is only allowed for guest CPU");
  }
  if (host && xpathString(root, "arch") === null) {
    throw cpuError(VIR_ERR_XML_ERROR, "Missing CPU architecture");
  }
  const features: CpuDefinition["features"] = [];
  for (const f of children(root, "feature")) {
    const name = attr(f, "name");
    if (!name) throw cpuError(VIR_ERR_XML_ERROR, "Invalid CPU feature name");
    let policy = "require";
    if (!host) {
      policy = attr(f, "policy") ?? "require";
      if (!POLICIES.includes(policy)) {
        throw cpuError(VIR_ERR_XML_ERROR, `Invalid CPU feature policy '${policy}'`);
      }
    }
    if (features.some((x) => x.name === name)) {
      throw cpuError(VIR_ERR_XML_ERROR, `CPU feature '${name}' specified more than once`);
    }
    features.push({ name, policy });
  }
  return {
    type: host ? "host" : "guest",
    arch: xpathString(root, "arch"),
    mode: attr(root, "mode") ?? "custom",
    match: attr(root, "match") ?? "exact",
    model: xpathString(root, "model"),
    vendor: xpathString(root, "vendor"),
    features,
  };
}

function featureData(map: X86Map, name: string): CpuBits {
  return featureBits(map, [name]);
}

function modelData(map: X86Map, name: string | null): CpuBits {
  const bits: CpuBits = new Map();
  if (name === null) return bits;
  const m = map.modelByName.get(name);
  if (!m) throw cpuError(VIR_ERR_INTERNAL_ERROR, `Unknown CPU model ${name}`);
  bitsAdd(bits, m.bits);
  return bits;
}

/** The data of `cpu`'s features of one policy (and its model's, for "require"). */
function policyData(map: X86Map, cpu: CpuDefinition, policy: string): CpuBits {
  const bits = policy === "require" ? modelData(map, cpu.model) : new Map();
  for (const f of cpu.features) if (f.policy === policy) bitsAdd(bits, featureData(map, f.name));
  return bits;
}

/**
 * How `cpu` compares with the hypervisor's CPU `hv`; an incompatible one is
 * an error (with libvirt's reason) when `failIncompatible`.
 */
export function compareWithHypervisor(
  hv: DecodedCpu,
  cpu: CpuDefinition,
  failIncompatible: boolean,
): number {
  const map = x86Map();
  const host = modelData(map, hv.model);
  for (const f of hv.features) {
    if (f.policy === "require") bitsAdd(host, featureData(map, f.name));
  }
  for (const f of hv.features) {
    if (f.policy === "disable") bitsSubtract(host, featureData(map, f.name));
  }
  return compareCpu({ bits: host, vendor: hv.vendor }, cpu, failIncompatible);
}

/**
 * How `cpu` compares with a host CPU of the features `host.bits` and the
 * vendor `host.vendor` (x86Compute).
 */
export function compareCpu(
  host: { bits: CpuBits; vendor: string | null },
  cpu: CpuDefinition,
  failIncompatible: boolean,
): number {
  const map = x86Map();
  const incompatible = (reason: string) => {
    if (!failIncompatible) return VIR_CPU_COMPARE_INCOMPATIBLE;
    let msg = reason;
    if (cpu.model === "Haswell" || cpu.model === "Broadwell") {
      const data = modelData(map, cpu.model);
      const tsx = ["hle", "rtm"].every((n) => bitsHave(data, featureData(map, n)));
      if (!tsx) msg = `${reason}; try using '${cpu.model}-noTSX' CPU model`;
    }
    throw cpuError(VIR_ERR_CPU_INCOMPATIBLE, msg);
  };
  if (cpu.vendor && cpu.vendor !== host.vendor) {
    return incompatible(`host CPU vendor does not match required CPU vendor ${cpu.vendor}`);
  }
  const hostBits = host.bits;
  const force = policyData(map, cpu, "force");
  const require = policyData(map, cpu, "require");
  const optional = policyData(map, cpu, "optional");
  const disable = policyData(map, cpu, "disable");
  const forbid = policyData(map, cpu, "forbid");

  const provided: CpuBits = new Map();
  for (const [k, v] of forbid) {
    const both = ((hostBits.get(k) ?? 0) & v) >>> 0;
    if (both !== 0) provided.set(k, both);
  }
  if (provided.size > 0) {
    return incompatible(
      `Host CPU provides forbidden features: ${featuresIn(map, provided).join(", ")}`,
    );
  }
  bitsSubtract(require, force);
  bitsSubtract(require, optional);
  bitsSubtract(require, disable);
  const missing: CpuBits = new Map(require);
  bitsSubtract(missing, hostBits);
  if (missing.size > 0) {
    return incompatible(
      `Host CPU does not provide required features: ${featuresIn(map, missing).join(", ")}`,
    );
  }
  const extra: CpuBits = new Map(hostBits);
  for (const d of [optional, require, disable, force]) bitsSubtract(extra, d);
  if (extra.size === 0) return VIR_CPU_COMPARE_IDENTICAL;
  if (cpu.type === "guest" && cpu.match === "strict") {
    return incompatible(
      `Host CPU does not strictly match guest CPU: Extra features: ${
        featuresIn(map, extra).join(", ")
      }`,
    );
  }
  return VIR_CPU_COMPARE_SUPERSET;
}
