/**
 * The host-level answers of libvirt 9.0's test driver on test:///default: its fixed documents
 * (capabilities, sysinfo), node figures, CPU model lists and baselines, and the errors it raises.
 *
 * @module
 */

import { VirError } from "../../rpc/error.ts";
import { checkFlags } from "./errors.ts";
import {
  VIR_ERR_CONFIG_UNSUPPORTED,
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_INVALID_ARG,
  VIR_ERR_NO_SUPPORT,
  VIR_ERR_OPERATION_FAILED,
  VIR_ERR_XML_ERROR,
  VIR_FROM_CPU,
  VIR_FROM_DOMAIN,
  VIR_FROM_TEST,
} from "../../rpc/error_codes.ts";
import { attr, children } from "../../util/xml.ts";
import { XmlWriter } from "../../util/xml_writer.ts";
import { parseXmlDocument } from "../../util/xml_error.ts";
import { xpathString } from "../../util/xml_props.ts";

// ---- Fixed figures ----------------------------------------------------------------------------

/** virConnectGetType. */
export const TEST_TYPE = "TEST";
/** virConnectGetVersion: the hypervisor version, printed by virsh as "0.0.2". */
export const TEST_HV_VERSION = 2;
/** virConnectGetLibVersion answered by libvirt 9.0.0 itself (not by the driver). */
export const TEST_LIB_VERSION = 9000000;
/** virConnectGetMaxVcpus: 32 whatever the type argument (null, "test", "kvm", "bogus" alike). */
export const TEST_MAX_VCPUS = 32;
/** virNodeGetInfo; memory in KiB. */
export const TEST_NODE_INFO: {
  model: string;
  memory: number;
  cpus: number;
  mhz: number;
  nodes: number;
  sockets: number;
  cores: number;
  threads: number;
} = Object.freeze({
  model: "i686",
  memory: 3145728,
  cpus: 16,
  mhz: 1400,
  nodes: 2,
  sockets: 2,
  cores: 2,
  threads: 2,
});
/** virNodeGetSecurityModel. */
export const TEST_SECURITY_MODEL: { model: string; doi: string } = Object.freeze({
  model: "testSecurity",
  doi: "",
});
/** virConnectIsSecure, virConnectIsEncrypted, virConnectIsAlive. */
export const TEST_IS_SECURE = 1;
export const TEST_IS_ENCRYPTED = 0;
export const TEST_IS_ALIVE = 1;

/** The two NUMA cells: memory (KiB) as capabilities report it, and the per-cell "free" figure. */
const CELL_MEMORY = [2097152n, 4194304n] as const;
const CELL_FREE = [1048576n, 2097152n] as const;

/** virConnectGetCapabilities on test:///default, byte for byte. */
export function testCapabilitiesXML(): string {
  return CAPABILITIES_XML;
}

/** virConnectGetSysinfo: a fixed SMBIOS BIOS block; no flag is accepted. */
export function testSysinfoXML(flags = 0): string {
  checkFlags("testConnectGetSysinfo", flags, 0);
  return SYSINFO_XML;
}

/**
 * virConnectGetHostname: the test driver returns the daemon host's name (virGetHostname), the
 * one host-dependent answer here. libvirt widens a dot-less name to its canonical DNS name when
 * the resolver knows one; this returns the kernel's name as is.
 */
export function testHostname(): string {
  return Deno.hostname();
}

/**
 * virConnectSupportsFeature as the test driver itself answers (libvirt's internal
 * VIR_DRV_FEATURE_* numbers): FD_PASSING 8, TYPED_PARAM_STRING 9 and
 * NETWORK_UPDATE_HAS_CORRECT_ORDER 16 are supported, everything else (any number) is not.
 */
export function testSupportsFeature(feature: number): number {
  return feature === 8 || feature === 9 || feature === 16 ? 1 : 0;
}

/**
 * REMOTE_PROC_CONNECT_SUPPORTS_FEATURE as libvirtd 9.0 answers it for test:///default: the
 * daemon adds PROGRAM_KEEPALIVE 10, REMOTE_EVENT_CALLBACK 14 and REMOTE_CLOSE_CALLBACK 15 to the
 * driver's own answer (observed on the reference daemon).
 */
export function testSupportsFeatureRemote(feature: number): number {
  return feature === 10 || feature === 14 || feature === 15 ? 1 : testSupportsFeature(feature);
}

/** virConnectGetMaxVcpus: the test driver ignores the type. */
export function testMaxVcpus(_type: string | null): number {
  return TEST_MAX_VCPUS;
}

// ---- Unsupported calls ------------------------------------------------------------------------

/**
 * virConnectGetDomainCapabilities: not implemented by the 9.0 test driver (it arrived in 9.8),
 * so every call fails with VIR_ERR_NO_SUPPORT whatever the arguments.
 */
export function testDomainCapabilitiesXML(
  _emulator: string | null,
  _arch: string | null,
  _machine: string | null,
  _virttype: string | null,
  _flags: number,
): string {
  throw noSupport("virConnectGetDomainCapabilities");
}

/** virConnectCompareCPU: not implemented by the test driver. */
export function testCompareCPU(_xml: string, _flags: number): number {
  throw noSupport("virConnectCompareCPU");
}

/** virNodeGetMemoryStats: libvirt's argument checks, then not implemented by the test driver. */
export function testNodeMemoryStats(
  cellNum: number,
  nparams = 0,
  _flags = 0,
): { field: string; value: bigint }[] {
  if (nparams < 0) {
    throw invalidArg("virNodeGetMemoryStats", "*nparams", "must be zero or greater");
  }
  if (cellNum < -1) {
    // libvirt names the argument cpuNum in str2 here.
    throw invalidArg(
      "virNodeGetMemoryStats",
      "cpuNum",
      "only accepts -1 as a negative value",
      "cellNum",
    );
  }
  throw noSupport("virNodeGetMemoryStats");
}

/** virNodeAllocPages: libvirt's argument checks, then not implemented by the test driver. */
export function testNodeAllocPages(
  pageSizes: readonly number[],
  _pageCounts: readonly bigint[],
  _startCell: number,
  cellCount: number,
  _flags = 0,
): number {
  if (pageSizes.length === 0) throw invalidArg("virNodeAllocPages", "npages", "must not be zero");
  if (cellCount === 0) throw invalidArg("virNodeAllocPages", "cellCount", "must not be zero");
  throw noSupport("virNodeAllocPages");
}

/**
 * Host-level calls the 9.0 test driver does not implement; each fails with
 * `noSupport(name)`: VIR_ERR_NO_SUPPORT in VIR_FROM_DOMAIN with the API name as detail.
 */
export const TEST_UNSUPPORTED_HOST_APIS: readonly string[] = Object.freeze([
  "virConnectGetDomainCapabilities",
  "virConnectCompareCPU",
  "virConnectCompareHypervisorCPU",
  "virConnectBaselineHypervisorCPU",
  "virConnectDomainXMLFromNative",
  "virConnectDomainXMLToNative",
  "virNodeGetMemoryStats",
  "virNodeGetMemoryParameters",
  "virNodeSetMemoryParameters",
  "virNodeAllocPages",
  "virNodeSuspendForDuration",
  "virNodeGetSEVInfo",
]);

/** "this function is not supported by the connection driver: NAME" (code 3, domain 20). */
export function noSupport(api: string, domain = VIR_FROM_DOMAIN): VirError {
  return VirError.of(VIR_ERR_NO_SUPPORT, domain, api);
}

// ---- Node statistics ----------------------------------------------------------------------------

/** How many parameters virNodeGetCPUStats reports (what a call with nparams 0 returns). */
export const TEST_NODE_CPU_STATS_NPARAMS = 4;

const CPU_STATS: readonly { field: string; value: bigint }[] = [
  { field: "user", value: 9797400000n },
  { field: "kernel", value: 34678723400000n },
  { field: "idle", value: 87264900000n },
  { field: "iowait", value: 763600000n },
];

/**
 * virNodeGetCPUStats: fixed figures for every CPU number (no clock involved). Returns the first
 * `nparams` of the four; nparams 0 returns none (the caller then reports
 * TEST_NODE_CPU_STATS_NPARAMS). Checks in libvirt's order: nparams, cpuNum, flags.
 */
export function testNodeCPUStats(
  cpuNum: number,
  nparams = TEST_NODE_CPU_STATS_NPARAMS,
  flags = 0,
): { field: string; value: bigint }[] {
  if (nparams < 0) throw invalidArg("virNodeGetCPUStats", "*nparams", "must be zero or greater");
  if (cpuNum < -1) {
    throw invalidArg("virNodeGetCPUStats", "cpuNum", "only accepts -1 as a negative value");
  }
  checkFlags("testNodeGetCPUStats", flags, 0);
  return CPU_STATS.slice(0, Math.min(nparams, CPU_STATS.length)).map((p) => ({ ...p }));
}

/**
 * virNodeGetCellsFreeMemory. The test driver returns each cell's total memory as configured, in
 * KiB although the API speaks of bytes: [2097152, 4194304].
 */
export function testCellsFreeMemory(startCell: number, maxCells: number): bigint[] {
  if (maxCells <= 0) {
    throw invalidArg("virNodeGetCellsFreeMemory", "maxCells", "must be greater than zero");
  }
  if (startCell < 0) {
    throw invalidArg("virNodeGetCellsFreeMemory", "startCell", "must be zero or greater");
  }
  if (startCell >= CELL_MEMORY.length) {
    throw VirError.of(VIR_ERR_INVALID_ARG, VIR_FROM_TEST, "Range exceeds available cells");
  }
  return CELL_MEMORY.slice(startCell, startCell + maxCells);
}

/** virNodeGetFreeMemory: the sum of the cells' free figures, 3145728 (KiB again, not bytes). */
export function testFreeMemory(): bigint {
  return CELL_FREE[0] + CELL_FREE[1];
}

/** virNodeGetCPUMap: 8 CPUs, 3 online (0, 2 and 4: map byte 0x15). */
export function testNodeGetCPUMap(
  flags = 0,
): { cpumap: Uint8Array; online: number; cpus: number } {
  checkFlags("testNodeGetCPUMap", flags, 0);
  return { cpumap: new Uint8Array([0x15]), online: 3, cpus: 8 };
}

/**
 * virNodeGetFreePages as the test driver computes it: made-up counts (x = 6, then x = 2x + 7 per
 * entry, as a C int, across all cells; startCell is ignored) and a return value of 0. Through
 * libvirtd that 0 means the call fails: REMOTE_PROC_NODE_GET_FREE_PAGES answers every valid
 * request with `remoteErrorNotSet()` (after the daemon's own REMOTE_NODE_MAX_CELLS check).
 */
export function testNodeFreePages(
  pages: readonly number[],
  _startCell: number,
  cellCount: number,
  flags = 0,
): { ret: number; counts: bigint[] } {
  if (pages.length === 0) throw invalidArg("virNodeGetFreePages", "npages", "must not be zero");
  if (cellCount === 0) throw invalidArg("virNodeGetFreePages", "cellCount", "must not be zero");
  checkFlags("testNodeGetFreePages", flags, 0);
  const counts: bigint[] = [];
  let x = 6;
  for (let i = 0; i < cellCount * pages.length; i++) {
    x = (x * 2 + 7) | 0;
    counts.push(BigInt.asUintN(64, BigInt(x)));
  }
  return { ret: 0, counts };
}

// Moved to rpc/error.ts so the dispatcher needs no driver module (issue 16); kept here for callers.
export { remoteErrorNotSet } from "../../rpc/error.ts";

// ---- Errors -------------------------------------------------------------------------------------

/** libvirt's public-API argument checks: code 8, domain 20, "ARG in FUNC RULE". */
function invalidArg(fn: string, arg: string, rule: string, shownArg = arg): VirError {
  return VirError.argument(VIR_FROM_DOMAIN, fn, arg, `${shownArg} in ${fn} ${rule}`);
}

function cpuError(code: number, detail: string): VirError {
  return VirError.of(code, VIR_FROM_CPU, detail);
}

// ---- Architectures and CPU models --------------------------------------------------------------

/** The architecture names libvirt 9.0 knows (virArchFromString); "none" is not accepted. */
const ARCHES = new Set(
  ("alpha armv6l armv7l armv7b aarch64 cris i686 ia64 lm32 m68k microblaze microblazeel mips " +
    "mipsel mips64 mips64el openrisc parisc parisc64 ppc ppcle ppc64 ppc64le ppcemb riscv32 " +
    "riscv64 s390 s390x sh4 sh4eb sparc sparc64 unicore32 x86_64 xtensa xtensaeb").split(" "),
);

type CpuDriver = "x86" | "ppc64" | "arm" | "s390";

function cpuDriverOf(arch: string): CpuDriver {
  switch (arch) {
    case "i686":
    case "x86_64":
      return "x86";
    case "ppc64":
    case "ppc64le":
      return "ppc64";
    case "armv6l":
    case "armv7l":
    case "armv7b":
    case "aarch64":
      return "arm";
    case "s390":
    case "s390x":
      return "s390";
  }
  throw cpuError(VIR_ERR_NO_SUPPORT, `'${arch}' architecture is not supported by CPU driver`);
}

const PPC64_MODELS: readonly [string, string][] = [
  ["POWER6", "IBM"],
  ["POWER7", "IBM"],
  ["POWER8", "IBM"],
  ["POWER9", "IBM"],
  ["POWER10", "IBM"],
  ["POWERPC_e5500", "Freescale"],
  ["POWERPC_e6500", "Freescale"],
];
const PPC64_VENDORS = ["IBM", "Freescale"];

/**
 * virConnectGetCPUModelNames: the models of libvirt 9.0's CPU map for the architecture's CPU
 * driver (x86: 58, ppc64: 7; the arm and s390 drivers list none).
 */
export function testCpuModelNames(arch: string, flags = 0): string[] {
  checkFlags("testConnectGetCPUModelNames", flags, 0);
  if (!ARCHES.has(arch)) {
    throw VirError.of(VIR_ERR_INVALID_ARG, VIR_FROM_TEST, `cannot find architecture ${arch}`);
  }
  switch (cpuDriverOf(arch)) {
    case "x86":
      return x86Map().models.map((m) => m.name);
    case "ppc64":
      return PPC64_MODELS.map(([name]) => name);
    default:
      return [];
  }
}

// ---- Host CPU definitions (virCPUDefParseXML with VIR_CPU_TYPE_HOST) -----------------------------

interface HostCpu {
  arch: string;
  model: string;
  vendor: string | null;
  features: string[];
}

function parseHostCpu(text: string): HostCpu {
  const root = parseXmlDocument(text, "(CPU_definition)", VIR_FROM_CPU);
  if (root.name !== "cpu") {
    throw cpuError(VIR_ERR_XML_ERROR, "XML does not contain expected 'cpu' element");
  }
  if (attr(root, "mode") !== undefined) {
    throw cpuError(VIR_ERR_CONFIG_UNSUPPORTED, "Attribute mode is only allowed for guest CPU");
  }
  const arch = xpathString(root, "arch");
  if (arch === null) throw cpuError(VIR_ERR_XML_ERROR, "Missing CPU architecture");
  if (!ARCHES.has(arch)) throw cpuError(VIR_ERR_CONFIG_UNSUPPORTED, `Unknown architecture ${arch}`);
  const model = xpathString(root, "model");
  if (model === null) throw cpuError(VIR_ERR_XML_ERROR, "Missing CPU model name");
  const vendor = xpathString(root, "vendor");
  const features: string[] = [];
  for (const f of children(root, "feature")) {
    const name = attr(f, "name");
    if (name === undefined || name === "") {
      throw cpuError(VIR_ERR_XML_ERROR, "Invalid CPU feature name");
    }
    if (features.includes(name)) {
      throw cpuError(VIR_ERR_XML_ERROR, `CPU feature '${name}' specified more than once`);
    }
    features.push(name);
  }
  return { arch, model, vendor, features };
}

// ---- Baseline -------------------------------------------------------------------------------------

/** VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES, the only flag the test driver accepts. */
export const VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES = 1;

interface GuestCpu {
  model: string;
  fallback: "allow" | "forbid";
  vendor: string | null;
  features: { name: string; policy: "require" | "disable" }[];
}

/**
 * virConnectBaselineCPU on the test driver: libvirt's generic baseline over host CPU
 * definitions, with the x86, ppc64 and arm CPU drivers of libvirt 9.0 and its CPU map.
 *
 * x86 follows libvirt's algorithm (intersect the CPUs' feature sets, then pick the CPU map model
 * that needs the fewest extra/disabled features, preferring the input models) on the map's
 * feature bits. Not modelled: host CPU elements beyond arch/model/vendor/feature (topology,
 * signature, microcode, counter, cache are accepted without validation), feature aliases, and the
 * exact libxml2 wording of malformed-XML messages (code and domain are right).
 */
export function testBaselineCPU(xmlCPUs: string[], flags: number): string {
  if (xmlCPUs.length === 0) {
    // An empty XDR array reaches libvirt as a NULL list.
    throw invalidArg("virConnectBaselineCPU", "xmlCPUs", "must not be NULL");
  }
  checkFlags("testConnectBaselineCPU", flags, VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES);
  const cpus = xmlCPUs.map(parseHostCpu);
  const first = cpus[0]!;
  let cpu: GuestCpu;
  switch (cpuDriverOf(first.arch)) {
    case "x86":
      cpu = x86Baseline(cpus);
      if (flags & VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES) cpu = x86ExpandFeatures(cpu);
      break;
    case "ppc64":
      cpu = ppc64Baseline(cpus);
      break;
    case "arm":
      cpu = { model: first.model, fallback: "allow", vendor: null, features: [] };
      break;
    case "s390":
      throw cpuError(
        VIR_ERR_NO_SUPPORT,
        `cannot compute baseline CPU of ${first.arch} architecture`,
      );
  }
  if (flags & VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES) {
    cpu.features.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
  return formatGuestCpu(cpu);
}

function formatGuestCpu(cpu: GuestCpu): string {
  const w = new XmlWriter();
  w.open("cpu", [["mode", "custom"], ["match", "exact"]]);
  w.text("model", cpu.model, [["fallback", cpu.fallback]]);
  if (cpu.vendor !== null) w.text("vendor", cpu.vendor);
  for (const f of cpu.features) w.empty("feature", [["policy", f.policy], ["name", f.name]]);
  w.close("cpu");
  return w.toString();
}

function ppc64Baseline(cpus: HostCpu[]): GuestCpu {
  const first = cpus[0]!;
  const model = PPC64_MODELS.find(([name]) => name === first.model);
  if (model === undefined) {
    throw cpuError(VIR_ERR_INTERNAL_ERROR, `Unknown CPU model ${first.model}`);
  }
  for (const c of cpus) {
    if (c.model !== model[0]) throw cpuError(VIR_ERR_OPERATION_FAILED, "CPUs are incompatible");
    if (c.vendor === null) continue;
    if (!PPC64_VENDORS.includes(c.vendor)) {
      throw cpuError(VIR_ERR_OPERATION_FAILED, `Unknown CPU vendor ${c.vendor}`);
    }
    if (model[1] !== c.vendor) {
      throw cpuError(
        VIR_ERR_OPERATION_FAILED,
        `CPU vendor ${model[1]} of model ${model[0]} differs from vendor ${c.vendor}`,
      );
    }
  }
  // Every ppc64 model has a vendor, so libvirt never reports one here.
  return { model: model[0], fallback: "forbid", vendor: null, features: [] };
}

// ---- x86 ------------------------------------------------------------------------------------------

interface X86Model {
  name: string;
  vendor: string | null;
  decodeGuest: boolean;
  /** Feature bits: bit i is X86_FEATURES[i]. */
  data: bigint;
  removed: string[];
}

interface X86Map {
  featureBit: Map<string, bigint>;
  models: X86Model[];
  byName: Map<string, X86Model>;
}

let x86MapCache: X86Map | null = null;

function x86Map(): X86Map {
  if (x86MapCache) return x86MapCache;
  const featureBit = new Map<string, bigint>();
  X86_FEATURES.forEach((name, i) => featureBit.set(name, 1n << BigInt(i)));
  const models = X86_MODELS.map(([name, vendor, decodeGuest, mask, removed]): X86Model => ({
    name,
    vendor,
    decodeGuest,
    data: BigInt(`0x${mask}`),
    removed: removed === "" ? [] : removed.split(" "),
  }));
  x86MapCache = { featureBit, models, byName: new Map(models.map((m) => [m.name, m])) };
  return x86MapCache;
}

/** The model's feature set plus the CPU's listed features (host CPUs list only required ones). */
function x86DataOfHostCpu(cpu: HostCpu, map: X86Map): X86Model {
  const model = map.byName.get(cpu.model);
  if (model === undefined) throw cpuError(VIR_ERR_INTERNAL_ERROR, `Unknown CPU model ${cpu.model}`);
  let data = model.data;
  for (const name of cpu.features) {
    const bit = map.featureBit.get(name);
    if (bit === undefined) throw cpuError(VIR_ERR_INTERNAL_ERROR, `Unknown CPU feature ${name}`);
    data |= bit;
  }
  return { ...model, data };
}

function x86FeatureList(data: bigint): string[] {
  const out: string[] = [];
  for (let i = 0; data !== 0n; i++, data >>= 1n) {
    if (data & 1n) out.push(X86_FEATURES[i]!);
  }
  return out;
}

/** Appends a feature unless it is listed already (virCPUDefAddFeatureIfMissing). */
function addFeatureIfMissing(cpu: GuestCpu, name: string, policy: "require" | "disable"): void {
  if (!cpu.features.some((x) => x.name === name)) cpu.features.push({ name, policy });
}

/** Sets a feature's policy where it is listed, or appends it (virCPUDefUpdateFeature). */
function updateFeature(cpu: GuestCpu, name: string, policy: "require" | "disable"): void {
  const f = cpu.features.find((x) => x.name === name);
  if (f) f.policy = policy;
  else cpu.features.push({ name, policy });
}

/** The CPU definition that describes `data` in terms of `model` (x86DataToCPU, guest type). */
function x86DataToCpu(data: bigint, model: X86Model): GuestCpu {
  const cpu: GuestCpu = { model: model.name, fallback: "allow", vendor: null, features: [] };
  for (const name of x86FeatureList(data & ~model.data)) {
    cpu.features.push({ name, policy: "require" });
  }
  for (const name of x86FeatureList(model.data & ~data)) {
    cpu.features.push({ name, policy: "disable" });
  }
  for (const name of model.removed) addFeatureIfMissing(cpu, name, "disable");
  return cpu;
}

/** The "size" of a candidate: enabled features count 1, the k-th disabled one k+1. */
function candidateCost(cpu: GuestCpu): { total: number; disabled: number } {
  let enabled = cpu.features.length;
  let disabled = 0;
  let penalty = 2;
  // Mirrors libvirt's loop, whose bound shrinks as disabled features are found.
  for (let i = 0; i < enabled; i++) {
    if (cpu.features[i]!.policy === "disable") {
      enabled--;
      disabled += penalty;
      penalty++;
    }
  }
  return { total: enabled + disabled, disabled };
}

/** 0: keep the current model, 1: take the candidate, 2: take it and stop (x86DecodeUseCandidate). */
function x86UseCandidate(
  current: GuestCpu | null,
  model: X86Model,
  candidate: GuestCpu,
  preferred: string[],
): number {
  if (!model.decodeGuest) return 0;
  const isPreferred = preferred.includes(model.name);
  if (isPreferred && preferred.length === 1) return 2;
  if (current === null) return 1;
  const cur = candidateCost(current);
  const cand = candidateCost(candidate);
  if (cand.total < cur.total || (cand.total === cur.total && cand.disabled < cur.disabled)) {
    return 1;
  }
  if (isPreferred && cand.disabled < cur.disabled) return 1;
  return 0;
}

function x86Decode(data: bigint, vendor: string | null, preferred: string[]): GuestCpu {
  const map = x86Map();
  let best: GuestCpu | null = null;
  for (let i = map.models.length - 1; i >= 0; i--) {
    const model = map.models[i]!;
    if (vendor !== null && model.vendor !== null && vendor !== model.vendor) continue;
    const candidate = x86DataToCpu(data, model);
    const rc = x86UseCandidate(best, model, candidate, preferred);
    if (rc !== 0) best = candidate;
    if (rc === 2) break;
  }
  if (best === null) {
    throw cpuError(VIR_ERR_INTERNAL_ERROR, "Cannot find suitable CPU model for given data");
  }
  best.vendor = vendor;
  return best;
}

function x86FindVendor(name: string): string {
  if (!X86_VENDORS.includes(name)) {
    throw cpuError(VIR_ERR_OPERATION_FAILED, `Unknown CPU vendor ${name}`);
  }
  return name;
}

function x86Baseline(cpus: HostCpu[]): GuestCpu {
  const map = x86Map();
  const first = cpus[0]!;
  const base = x86DataOfHostCpu(first, map);
  let outputVendor = first.vendor !== null;
  let vendor = first.vendor === null ? null : x86FindVendor(first.vendor);
  const names = [first.model];
  let data = base.data;
  for (const c of cpus.slice(1)) {
    if (!names.includes(c.model)) names.push(c.model);
    const model = x86DataOfHostCpu(c, map);
    if (c.vendor !== null && model.vendor !== null && c.vendor !== model.vendor) {
      throw cpuError(
        VIR_ERR_OPERATION_FAILED,
        `CPU vendor ${model.vendor} of model ${model.name} differs from vendor ${c.vendor}`,
      );
    }
    let vn: string | null = c.vendor;
    if (vn === null) {
      outputVendor = false;
      vn = model.vendor;
    }
    if (vn !== null) {
      if (vendor === null) vendor = x86FindVendor(vn);
      else if (vendor !== vn) throw cpuError(VIR_ERR_OPERATION_FAILED, "CPU vendors do not match");
    }
    data &= model.data;
  }
  if (data === 0n) throw cpuError(VIR_ERR_OPERATION_FAILED, "CPUs are incompatible");
  const cpu = x86Decode(data, vendor, names);
  if (names.length === 1 && cpu.model === names[0]) cpu.fallback = "forbid";
  if (!outputVendor) cpu.vendor = null;
  return cpu;
}

/** All of the model's features spelled out, then the CPU's own policies (virCPUx86ExpandFeatures). */
function x86ExpandFeatures(cpu: GuestCpu): GuestCpu {
  const model = x86Map().byName.get(cpu.model)!;
  const expanded: GuestCpu = { ...cpu, features: [] };
  for (const name of x86FeatureList(model.data)) {
    expanded.features.push({ name, policy: "require" });
  }
  for (const f of cpu.features) updateFeature(expanded, f.name, f.policy);
  for (const name of model.removed) addFeatureIfMissing(expanded, name, "disable");
  return expanded;
}

// ---- libvirt 9.0's data ---------------------------------------------------------------------------

const CAPABILITIES_XML = `<capabilities>

  <host>
    <cpu>
      <arch>i686</arch>
      <features>
        <pae/>
        <nonpae/>
      </features>
      <pages unit='KiB' size='4'/>
      <pages unit='KiB' size='8'/>
      <pages unit='KiB' size='2048'/>
      <pages unit='KiB' size='1048576'/>
    </cpu>
    <power_management/>
    <iommu support='no'/>
    <topology>
      <cells num='2'>
        <cell id='0'>
          <memory unit='KiB'>2097152</memory>
          <pages unit='KiB' size='4'>524288</pages>
          <pages unit='KiB' size='2048'>0</pages>
          <pages unit='KiB' size='1048576'>0</pages>
          <cpus num='8'>
            <cpu id='0' socket_id='0' die_id='0' core_id='0' siblings='0'/>
            <cpu id='1' socket_id='0' die_id='0' core_id='1' siblings='1'/>
            <cpu id='2' socket_id='0' die_id='0' core_id='2' siblings='2'/>
            <cpu id='3' socket_id='0' die_id='0' core_id='3' siblings='3'/>
            <cpu id='4' socket_id='0' die_id='0' core_id='4' siblings='4'/>
            <cpu id='5' socket_id='0' die_id='0' core_id='5' siblings='5'/>
            <cpu id='6' socket_id='0' die_id='0' core_id='6' siblings='6'/>
            <cpu id='7' socket_id='0' die_id='0' core_id='7' siblings='7'/>
          </cpus>
        </cell>
        <cell id='1'>
          <memory unit='KiB'>4194304</memory>
          <pages unit='KiB' size='8'>524288</pages>
          <pages unit='KiB' size='2048'>0</pages>
          <pages unit='KiB' size='1048576'>0</pages>
          <cpus num='8'>
            <cpu id='8' socket_id='1' die_id='0' core_id='0' siblings='8'/>
            <cpu id='9' socket_id='1' die_id='0' core_id='1' siblings='9'/>
            <cpu id='10' socket_id='1' die_id='0' core_id='2' siblings='10'/>
            <cpu id='11' socket_id='1' die_id='0' core_id='3' siblings='11'/>
            <cpu id='12' socket_id='1' die_id='0' core_id='4' siblings='12'/>
            <cpu id='13' socket_id='1' die_id='0' core_id='5' siblings='13'/>
            <cpu id='14' socket_id='1' die_id='0' core_id='6' siblings='14'/>
            <cpu id='15' socket_id='1' die_id='0' core_id='7' siblings='15'/>
          </cpus>
        </cell>
      </cells>
    </topology>
    <secmodel>
      <model>testSecurity</model>
      <doi></doi>
    </secmodel>
  </host>

  <guest>
    <os_type>hvm</os_type>
    <arch name='i686'>
      <wordsize>32</wordsize>
      <emulator>/usr/bin/test-hv</emulator>
      <domain type='test'/>
    </arch>
    <features>
      <pae/>
      <nonpae/>
    </features>
  </guest>

  <guest>
    <os_type>xen</os_type>
    <arch name='i686'>
      <wordsize>32</wordsize>
      <emulator>/usr/bin/test-hv</emulator>
      <domain type='test'/>
    </arch>
    <features>
      <pae/>
      <nonpae/>
    </features>
  </guest>

</capabilities>
`;

const SYSINFO_XML = `<sysinfo type='smbios'>
  <bios>
    <entry name='vendor'>LENOVO</entry>
    <entry name='version'>G4ETA1WW (2.61 )</entry>
    <entry name='date'>05/07/2014</entry>
    <entry name='release'>2.61</entry>
  </bios>
</sysinfo>
`;

// The x86 part of libvirt 9.0's CPU map (/usr/share/libvirt/cpu_map), in the map's order; each
// feature there is one CPUID/MSR bit. Generated by tests/testdata/test_driver/regenerate.py.
const X86_FEATURES = (
  "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 pn clflush ds " +
  "acpi mmx fxsr sse sse2 ss ht tm ia64 pbe pni pclmuldq dtes64 monitor ds_cpl vmx smx est " +
  "tm2 ssse3 cid fma cx16 xtpr pdcm pcid dca sse4.1 sse4.2 x2apic movbe popcnt tsc-deadline " +
  "aes xsave osxsave avx f16c rdrand hypervisor arat fsgsbase tsc_adjust sgx bmi1 hle avx2 " +
  "smep bmi2 erms invpcid rtm cmt mpx avx512f avx512dq rdseed adx smap avx512ifma pcommit " +
  "clflushopt clwb intel-pt avx512pf avx512er avx512cd sha-ni avx512bw avx512vl avx512vbmi " +
  "umip pku ospke waitpkg avx512vbmi2 gfni vaes vpclmulqdq avx512vnni avx512bitalg " +
  "avx512-vpopcntdq la57 rdpid bus-lock-detect cldemote movdiri movdir64b sgxlc pks " +
  "avx512-4vnniw avx512-4fmaps fsrm avx512-vp2intersect md-clear serialize tsx-ldtrk pconfig " +
  "arch-lbr amx-bf16 avx512-fp16 amx-tile amx-int8 spec-ctrl stibp arch-capabilities " +
  "core-capability ssbd avx-vnni avx512-bf16 xsaveopt xsavec xgetbv1 xsaves xfd mbm_total " +
  "mbm_local sgx1 sgx2 sgx-exinfo sgx-debug sgx-mode64 sgx-provisionkey sgx-tokenkey sgx-kss " +
  "intel-pt-lip syscall nx mmxext fxsr_opt pdpe1gb rdtscp lm 3dnowext 3dnow lahf_lm " +
  "cmp_legacy svm extapic cr8legacy abm sse4a misalignsse 3dnowprefetch osvw ibs xop skinit " +
  "wdt lwp fma4 tce cvt16 nodeid_msr tbm topoext perfctr_core perfctr_nb invtsc clzero " +
  "xsaveerptr wbnoinvd ibpb ibrs amd-stibp amd-ssbd virt-ssbd amd-no-ssb npt lbrv svm-lock " +
  "nrip-save tsc-scale vmcb-clean flushbyasid decodeassists pause-filter pfthreshold avic " +
  "v-vmsave-vmload vgif svme-addr-chk rdctl-no ibrs-all rsba skip-l1dfl-vmentry ssb-no " +
  "mds-no pschange-mc-no tsx-ctrl taa-no split-lock-detect "
).trim().split(" ");
const X86_VENDORS = ["Intel", "AMD", "Hygon"];
// [name, vendor, decode guest, feature bit mask (bit i = X86_FEATURES[i]), removed features]
const X86_MODELS: [string, string | null, boolean, string, string][] = [
  ["486", null, true, "b", ""],
  ["pentium", null, true, "2001bf", ""],
  ["pentium2", null, true, "61fdff", ""],
  ["pentium3", null, true, "e1fdff", ""],
  ["pentiumpro", null, true, "1e0d7fd", ""],
  ["coreduo", "Intel", true, "8000000000000000000000000000241e4ffff", ""],
  ["n270", "Intel", true, "8000000000000000000000000008241e4ffff", ""],
  ["core2duo", "Intel", true, "10c000000000000000000000000008241e5ffff", ""],
  ["qemu32", null, true, "41e0d7fd", ""],
  ["kvm32", null, true, "41e5fffd", ""],
  ["cpu64-rhel5", null, false, "10c000000000000000000000000000041e5fffd", ""],
  ["cpu64-rhel6", null, false, "90c000000000000000000000000040041e5fffd", ""],
  ["qemu64", null, true, "210c000000000000000000000000040041e5fffd", ""],
  ["kvm64", null, true, "10c000000000000000000000000040041e5fffd", ""],
  ["Conroe", "Intel", true, "90c000000000000000000000000008041e5fffd", ""],
  ["Penryn", "Intel", true, "90c000000000000000000000000848041e5fffd", ""],
  ["Nehalem", "Intel", true, "90c000000000000000000000009848041e5fffd", ""],
  ["Nehalem-IBRS", "Intel", true, "90c000008000000000000000009848041e5fffd", ""],
  ["Westmere", "Intel", true, "90c000000000000000000000029848041e5fffd", ""],
  ["Westmere-IBRS", "Intel", true, "90c000008000000000000000029848041e5fffd", ""],
  ["SandyBridge", "Intel", true, "98c00000000000000000000017b8480c1e5fffd", ""],
  ["SandyBridge-IBRS", "Intel", true, "98c00000800000000000000017b8480c1e5fffd", ""],
  ["IvyBridge", "Intel", true, "98c00000000000000000028277b8480c1e5ffff", ""],
  ["IvyBridge-IBRS", "Intel", true, "98c00000800000000000028277b8480c1e5ffff", ""],
  ["Haswell-noTSX", "Intel", true, "98c0000000000000000007d217fa680c1e5fffd", ""],
  ["Haswell-noTSX-IBRS", "Intel", true, "98c0000080000000000007d217fa680c1e5fffd", ""],
  ["Haswell", "Intel", true, "98c000000000000000000ff217fa680c1e5fffd", ""],
  ["Haswell-IBRS", "Intel", true, "98c000008000000000000ff217fa680c1e5fffd", ""],
  ["Broadwell-noTSX", "Intel", true, "8098c0000000000000000707d217fa680c1e5fffd", ""],
  ["Broadwell-noTSX-IBRS", "Intel", true, "8098c0000080000000000707d217fa680c1e5fffd", ""],
  ["Broadwell", "Intel", true, "8098c000000000000000070ff217fa680c1e5fffd", ""],
  ["Broadwell-IBRS", "Intel", true, "8098c000008000000000070ff217fa680c1e5fffd", ""],
  ["Skylake-Client", "Intel", true, "9098c001c00000000000072ff377fa680c1e5ffff", ""],
  ["Skylake-Client-IBRS", "Intel", true, "9098c001c08000000000072ff377fa680c1e5ffff", ""],
  ["Skylake-Client-noTSX-IBRS", "Intel", false, "9098c001c080000000000727d377fa680c1e5ffff", ""],
  ["Skylake-Server", "Intel", true, "909cc001c0000000003447eff377fa680c1e5ffff", ""],
  ["Skylake-Server-IBRS", "Intel", true, "909cc001c0800000003447eff377fa680c1e5ffff", ""],
  ["Skylake-Server-noTSX-IBRS", "Intel", false, "909cc001c0800000003447e7d377fa680c1e5ffff", ""],
  ["Cascadelake-Server", "Intel", true, "909cc001c8800000803467eff377fa680c1e5ffff", ""],
  ["Cascadelake-Server-noTSX", "Intel", false, "909cc001c8800000803467e7d377fa680c1e5ffff", ""],
  ["Icelake-Client", "Intel", true, "200009098c001c8800003f9c0072ff377fa680c1e5ffff", "intel-pt"],
  [
    "Icelake-Client-noTSX",
    "Intel",
    false,
    "200009098c001c8800003f9c00727d377fa680c1e5ffff",
    "intel-pt",
  ],
  ["Icelake-Server", "Intel", true, "20000909cc001c8800007f9f467eff377fa680c1e5ffff", "intel-pt"],
  [
    "Icelake-Server-noTSX",
    "Intel",
    false,
    "20000909cc001c8800007f9f467e7d377fa680c1e5ffff",
    "intel-pt",
  ],
  ["Cooperlake", "Intel", true, "5ac000000000909cc001eb800000813467cff377fa680c1e5ffff", ""],
  ["Snowridge", "Intel", true, "800000000000809cc001ce8000e0108865028347f8480c1e5ffff", ""],
  ["athlon", "AMD", true, "610000000000000000000000000000001e1dfff", ""],
  ["phenom", "AMD", true, "273c000000000000000000000000000241e5fffd", ""],
  ["Opteron_G1", "AMD", true, "10c000000000000000000000000000041e5fffd", ""],
  ["Opteron_G2", "AMD", true, "298c000000000000000000000000040041e5fffd", ""],
  ["Opteron_G3", "AMD", true, "7298c000000000000000000000008040041e5fffd", "monitor"],
  ["Opteron_G4", "AMD", true, "44f29cc0000000000000000000001698480c1e5fffd", ""],
  ["Opteron_G5", "AMD", true, "444f29cc0000000000000000000003698680c1e5fffd", ""],
  ["EPYC", "AMD", true, "1fa9fc001c000000000082701d376d8680c1e5ffff", "monitor"],
  ["EPYC-IBPB", "AMD", true, "40001fa9fc001c000000000082701d376d8680c1e5ffff", "monitor"],
  ["EPYC-Rome", "AMD", true, "9179001fa9fc001c000000800886701d376d8680c1e5ffff", ""],
  ["EPYC-Milan", "AMD", true, "20093f9001fa9fc003c000100801886707d376da680c1e5ffff", ""],
  ["Dhyana", "Hygon", true, "40001fa9fc001c000000000002701d374d868041e5ffff", "monitor"],
];
