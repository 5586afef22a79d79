/**
 * libvirt's x86 CPU map (the cpu_map directory installed with libvirt:
 * index.xml naming x86_vendors.xml, x86_features.xml and one file per
 * model) read at run time as libvirt reads it, and the decoding libvirt 9.0
 * does with it (cpu_x86.c's x86Decode): CPUID and MSR bits turned into the
 * closest named model the hypervisor offers, the vendor, and the features
 * to require or disable on top of that model.
 *
 * A CPU's data is a set of bits keyed by register: `cpuid:<eax_in>:<ecx_in>:<reg>`
 * or `msr:<index>:<reg>`. Features are kept in the map's order, which is the
 * order libvirt lists them in.
 *
 * @module
 */

import { attr, children, parseXml, type XmlElement } from "../../util/xml.ts";
import { VirError } from "../../rpc/error.ts";
import { VIR_ERR_INTERNAL_ERROR, VIR_ERR_NO_SUPPORT, VIR_FROM_CPU } from "../../rpc/error_codes.ts";

/** Where libvirt installs its CPU map. */
export const CPU_MAP_DIR = "/usr/share/libvirt/cpu_map";

/** Register bits: key → 32-bit mask. */
export type CpuBits = Map<string, number>;

export interface X86Feature {
  name: string;
  bits: CpuBits;
  migratable: boolean;
  /** Other spellings (`<alias>`), QEMU's among them. */
  aliases: string[];
}

export interface X86Signature {
  family: number;
  model: number;
  /** Inclusive stepping range, or null for any stepping. */
  stepping: [number, number] | null;
}

export interface X86Model {
  name: string;
  vendor: string | null;
  decodeHost: boolean;
  decodeGuest: boolean;
  signatures: X86Signature[];
  bits: CpuBits;
  /** The model's features by name, in the order its file lists them. */
  features: string[];
  /** Features QEMU's model dropped, listed `removed='yes'`. */
  removed: string[];
}

export interface X86Map {
  /** Vendor name → its 12-character CPUID string. */
  vendors: Map<string, string>;
  features: X86Feature[];
  featureByName: Map<string, X86Feature>;
  models: X86Model[];
  modelByName: Map<string, X86Model>;
}

function cpuMapError(msg: string): VirError {
  return VirError.of(VIR_ERR_INTERNAL_ERROR, VIR_FROM_CPU, msg);
}

function hex(s: string | undefined): number {
  return s === undefined ? 0 : Number(s) >>> 0;
}

function addBit(bits: CpuBits, key: string, mask: number): void {
  if (mask === 0) return;
  bits.set(key, ((bits.get(key) ?? 0) | mask) >>> 0);
}

function parseFeatureBits(el: XmlElement): CpuBits {
  const bits: CpuBits = new Map();
  for (const c of el.children) {
    if (c.name === "cpuid") {
      const leaf = `cpuid:${hex(attr(c, "eax_in"))}:${hex(attr(c, "ecx_in"))}`;
      for (const r of ["eax", "ebx", "ecx", "edx"]) addBit(bits, `${leaf}:${r}`, hex(attr(c, r)));
    } else if (c.name === "msr") {
      const reg = `msr:${hex(attr(c, "index"))}`;
      for (const r of ["eax", "edx"]) addBit(bits, `${reg}:${r}`, hex(attr(c, r)));
    }
  }
  return bits;
}

/** a ∪= b */
export function bitsAdd(a: CpuBits, b: CpuBits): void {
  for (const [k, v] of b) addBit(a, k, v);
}

/** a −= b */
export function bitsSubtract(a: CpuBits, b: CpuBits): void {
  for (const [k, v] of b) {
    const cur = a.get(k);
    if (cur === undefined) continue;
    const left = (cur & ~v) >>> 0;
    if (left === 0) a.delete(k);
    else a.set(k, left);
  }
}

/** Whether every bit of `sub` is in `set` (an empty `sub` is not). */
export function bitsHave(set: CpuBits, sub: CpuBits): boolean {
  if (sub.size === 0) return false;
  for (const [k, v] of sub) if (((set.get(k) ?? 0) & v) >>> 0 !== v) return false;
  return true;
}

function readDoc(dir: string, file: string): XmlElement {
  try {
    return parseXml(Deno.readTextFileSync(`${dir}/${file}`));
  } catch (e) {
    throw cpuMapError(
      `Failed to load CPU map file ${dir}/${file}: ${e instanceof Error ? e.message : e}`,
    );
  }
}

function parseModel(el: XmlElement, map: X86Map): X86Model {
  const name = attr(el, "name")!;
  const m: X86Model = {
    name,
    vendor: null,
    decodeHost: true,
    decodeGuest: true,
    signatures: [],
    bits: new Map(),
    features: [],
    removed: [],
  };
  for (const c of el.children) {
    if (c.name === "model") {
      const parent = map.modelByName.get(attr(c, "name") ?? "");
      if (!parent) throw cpuMapError(`Missing ancestor's name in CPU model ${name}`);
      m.vendor = parent.vendor;
      m.signatures = [...parent.signatures];
      bitsAdd(m.bits, parent.bits);
      m.features.push(...parent.features);
      m.removed.push(...parent.removed);
    } else if (c.name === "decode") {
      m.decodeHost = attr(c, "host") !== "off";
      m.decodeGuest = attr(c, "guest") !== "off";
    } else if (c.name === "signature") {
      const st = attr(c, "stepping");
      let stepping: [number, number] | null = null;
      if (st !== undefined) {
        const [lo, hi] = st.split("-").map(Number);
        stepping = [lo!, hi ?? lo!];
      }
      m.signatures.push({
        family: Number(attr(c, "family")),
        model: Number(attr(c, "model")),
        stepping,
      });
    } else if (c.name === "vendor") {
      const v = attr(c, "name") ?? "";
      if (!map.vendors.has(v)) {
        throw cpuMapError(`Unknown vendor ${v} referenced by CPU model ${name}`);
      }
      m.vendor = v;
    } else if (c.name === "feature") {
      const f = map.featureByName.get(attr(c, "name") ?? "");
      if (!f) {
        throw cpuMapError(`Feature ${attr(c, "name")} required by CPU model ${name} not found`);
      }
      // A feature QEMU's version of the model dropped is not the model's.
      if (attr(c, "removed") === "yes") {
        m.removed.push(f.name);
        continue;
      }
      bitsAdd(m.bits, f.bits);
      m.features.push(f.name);
    }
  }
  return m;
}

const maps = new Map<string, X86Map>();

/** The x86 part of the CPU map in `dir` (read once per directory). */
export function x86Map(dir: string = CPU_MAP_DIR): X86Map {
  const hit = maps.get(dir);
  if (hit) return hit;
  const map: X86Map = {
    vendors: new Map(),
    features: [],
    featureByName: new Map(),
    models: [],
    modelByName: new Map(),
  };
  const index = readDoc(dir, "index.xml");
  const arch = children(index, "arch").find((a) => attr(a, "name") === "x86");
  if (!arch) throw cpuMapError("CPU map has no x86 architecture");
  const visit = (el: XmlElement) => {
    for (const c of el.children) {
      if (c.name === "include") visit(readDoc(dir, attr(c, "filename") ?? ""));
      else if (c.name === "vendor") {
        map.vendors.set(attr(c, "name") ?? "", attr(c, "string") ?? "");
      } else if (c.name === "feature") {
        const f: X86Feature = {
          name: attr(c, "name") ?? "",
          bits: parseFeatureBits(c),
          migratable: attr(c, "migratable") !== "no",
          aliases: children(c, "alias").map((a) => attr(a, "name") ?? ""),
        };
        map.features.push(f);
        map.featureByName.set(f.name, f);
      } else if (c.name === "model") {
        const m = parseModel(c, map);
        map.models.push(m);
        map.modelByName.set(m.name, m);
      }
    }
  };
  visit(arch);
  maps.set(dir, map);
  return map;
}

/**
 * The feature names libvirt and QEMU spell differently, libvirt's first
 * (qemu_capabilities.c's translation table for x86).
 */
const QEMU_NAMES: [string, string][] = [
  ["cmp_legacy", "cmp-legacy"],
  ["ds_cpl", "ds-cpl"],
  ["fxsr_opt", "fxsr-opt"],
  ["kvm_pv_eoi", "kvm-pv-eoi"],
  ["kvm_pv_unhalt", "kvm-pv-unhalt"],
  ["lahf_lm", "lahf-lm"],
  ["nodeid_msr", "nodeid-msr"],
  ["pclmuldq", "pclmulqdq"],
  ["perfctr_core", "perfctr-core"],
  ["perfctr_nb", "perfctr-nb"],
  ["tsc_adjust", "tsc-adjust"],
];
const TO_QEMU = new Map(QEMU_NAMES);
const FROM_QEMU = new Map(QEMU_NAMES.map(([l, q]) => [q, l]));

/** The name QEMU's -cpu takes for a libvirt feature name. */
export function featureToQemu(name: string): string {
  return TO_QEMU.get(name) ?? name;
}

/** The map's feature a QEMU property names, if any (unknown ones are ignored, as libvirt does). */
export function featureFromQemu(map: X86Map, prop: string): X86Feature | null {
  const name = FROM_QEMU.get(prop) ?? prop;
  const f = map.featureByName.get(name);
  if (f) return f;
  return map.features.find((x) => x.aliases.includes(prop)) ?? null;
}

/** A CPU as QEMU describes it: the features it has, its vendor string and signature. */
export interface X86CpuData {
  bits: CpuBits;
  vendor: string | null;
  family: number;
  model: number;
  stepping: number;
}

/** A decoded CPU: libvirt's `<model>`, `<vendor>` and `<feature>` list. */
export interface DecodedCpu {
  model: string;
  vendor: string | null;
  features: { name: string; policy: "require" | "disable" }[];
}

/** The CPU models the hypervisor has, each with the features it cannot give (QEMU's blockers). */
export type HvModels = Map<string, string[]>;

function hasSignature(m: X86Model, d: X86CpuData): boolean {
  return m.signatures.some((s) =>
    s.family === d.family && s.model === d.model &&
    (s.stepping === null || (d.stepping >= s.stepping[0] && d.stepping <= s.stepping[1]))
  );
}

/**
 * Names of the map's features wholly inside `bits`, in map order, each
 * taken out before the next is looked for (x86DataToCPUFeatures).
 */
export function featuresIn(map: X86Map, bits: CpuBits): string[] {
  const left: CpuBits = new Map(bits);
  const out: string[] = [];
  for (const f of map.features) {
    if (bitsHave(left, f.bits)) {
      bitsSubtract(left, f.bits);
      out.push(f.name);
    }
  }
  return out;
}

/** The bits of the named features ("Unknown CPU feature" for a name the map lacks). */
export function featureBits(map: X86Map, names: string[]): CpuBits {
  const bits: CpuBits = new Map();
  for (const n of names) {
    const f = map.featureByName.get(n);
    if (!f) throw cpuMapError(`Unknown CPU feature ${n}`);
    bitsAdd(bits, f.bits);
  }
  return bits;
}

function candidateFor(
  map: X86Map,
  data: CpuBits,
  model: X86Model,
  blockers: string[] | undefined,
): DecodedCpu["features"] {
  const extra: CpuBits = new Map(data);
  bitsSubtract(extra, model.bits);
  const missing: CpuBits = new Map(model.bits);
  bitsSubtract(missing, data);
  // Features QEMU's own version of the model has but cannot give are
  // disabled explicitly, unless the data has them anyway.
  for (const b of blockers ?? []) {
    const f = featureFromQemu(map, b);
    if (f && !bitsHave(extra, f.bits)) bitsAdd(missing, f.bits);
  }
  const features: DecodedCpu["features"] = [
    ...featuresIn(map, extra).map((name) => ({ name, policy: "require" as const })),
    ...featuresIn(map, missing).map((name) => ({ name, policy: "disable" as const })),
  ];
  // A feature the map lists as removed from the model is disabled after
  // the others when the data lacks it.
  for (const n of model.removed) {
    if (bitsHave(data, map.featureByName.get(n)!.bits)) continue;
    const same = features.find((x) => x.name === n);
    if (same) same.policy = "disable";
    else features.push({ name: n, policy: "disable" });
  }
  return features;
}

/**
 * The closest model for a guest CPU with `cpu`'s features (x86Decode for a
 * guest CPU definition): newest models first, only those the hypervisor
 * has (any, when `hv` is null) and of the CPU's vendor; a model of the CPU's family and model
 * number wins once one is found, otherwise the shortest feature list does;
 * a preferred model the hypervisor has wins outright. `migratable` drops
 * the features the map marks unmigratable from the result; `host` decodes
 * a host CPU (models marked for host decoding whose every feature it has).
 */
export function decodeGuestCpu(
  map: X86Map,
  cpu: X86CpuData,
  hv: HvModels | null,
  opts: { preferred?: string | null; migratable?: boolean; host?: boolean } = {},
): DecodedCpu {
  const vendor = cpu.vendor === null
    ? null
    : [...map.vendors].find(([, s]) => s === cpu.vendor)?.[0] ?? null;
  const data: CpuBits = new Map(cpu.bits);
  // Broken TSX on some Intel family 6 models is dropped first.
  if (
    vendor === "Intel" && cpu.family === 6 &&
    ((cpu.model === 63 && cpu.stepping < 4) || [60, 69, 70].includes(cpu.model))
  ) {
    for (const n of ["hle", "rtm"]) {
      const f = map.featureByName.get(n);
      if (f) bitsSubtract(data, f.bits);
    }
  }
  const sig = cpu.family !== 0 || cpu.model !== 0 || cpu.stepping !== 0;
  let best: { model: X86Model; features: DecodedCpu["features"] } | null = null;
  for (let i = map.models.length - 1; i >= 0; i--) {
    const m = map.models[i]!;
    if (hv && !hv.has(m.name)) continue;
    if (vendor && m.vendor && vendor !== m.vendor) continue;
    const features = candidateFor(map, data, m, hv?.get(m.name));
    if (!(opts.host ? m.decodeHost : m.decodeGuest)) continue;
    // A host CPU is described by a model it has all of.
    if (opts.host && features.some((f) => f.policy === "disable")) continue;
    if (m.name === opts.preferred) {
      best = { model: m, features };
      break;
    }
    if (best === null) {
      best = { model: m, features };
      continue;
    }
    if (sig && hasSignature(best.model, cpu) && !hasSignature(m, cpu)) continue;
    if (
      best.features.length > features.length ||
      (sig && hasSignature(m, cpu) && !hasSignature(best.model, cpu))
    ) {
      best = { model: m, features };
    }
  }
  if (!best) throw cpuMapError("Cannot find suitable CPU model for given data");
  const features = opts.migratable
    ? best.features.filter((f) => map.featureByName.get(f.name)?.migratable !== false)
    : best.features;
  return { model: best.model.name, vendor, features };
}

/** The architecture names libvirt 9.0 knows (virArchFromString). */
export const LIBVIRT_ARCHES: ReadonlySet<string> = new Set(
  ("alpha armv6l armv7l armv7b aarch64 cris i686 ia64 lm32 m68k microblaze microblazeel mips " +
    "mipsel mips64 mips64el openrisc parisc parisc64 ppc ppcle ppc64 ppc64le ppcemb riscv32 " +
    "riscv64 s390 s390x sh4 sh4eb sparc sparc64 unicore32 x86_64 xtensa xtensaeb").split(" "),
);

/**
 * The CPU models libvirt's CPU driver for `arch` names (virCPUGetModels):
 * the map's models for x86 and ppc64, none for the arm and s390 drivers,
 * which accept any model.
 */
export function cpuModelNames(arch: string, dir: string = CPU_MAP_DIR): string[] {
  switch (arch) {
    case "i686":
    case "x86_64":
      return x86Map(dir).models.map((m) => m.name);
    case "ppc64":
    case "ppc64le": {
      const index = readDoc(dir, "index.xml");
      const ppc = children(index, "arch").find((a) => attr(a, "name") === "ppc64");
      const names: string[] = [];
      for (const inc of ppc ? children(ppc, "include") : []) {
        const doc = readDoc(dir, attr(inc, "filename") ?? "");
        for (const m of children(doc, "model")) names.push(attr(m, "name") ?? "");
      }
      return names;
    }
    case "armv6l":
    case "armv7l":
    case "armv7b":
    case "aarch64":
    case "s390":
    case "s390x":
      return [];
  }
  throw VirError.of(
    VIR_ERR_NO_SUPPORT,
    VIR_FROM_CPU,
    `'${arch}' architecture is not supported by CPU driver`,
  );
}
