/**
 * The QEMU driver's capabilities document (virConnectGetCapabilities) and
 * domain capabilities (virConnectGetDomainCapabilities), built as libvirt 9.0
 * builds them from what the emulator answers over QMP (probe.ts): machine
 * types with the default first and each alias after its machine (with
 * `canonical`), `kvm` beside `qemu` when KVM works, CPU models with their
 * usability, firmware from QEMU's descriptors (firmware.ts), and the device
 * enums libvirt offers for x86.
 *
 * @module
 */

import { XmlWriter } from "../../util/xml_writer.ts";
import { VirError } from "../../rpc/error.ts";
import { VIR_ERR_INVALID_ARG, VIR_FROM_QEMU } from "../../rpc/error_codes.ts";
import {
  findMachine,
  isI440fx,
  isQ35,
  probeEmulator,
  type QemuMachine,
  type QemuProbe,
} from "./probe.ts";
import { loaderValues } from "./firmware.ts";
import { hostCells, hugePageSizes } from "./host_topology.ts";
import { hostCpuModel } from "./host_cpu.ts";
import { hostCpuDef } from "./host_cpu_def.ts";

/**
 * The x86 CPU models libvirt 9.0's CPU map knows, with their vendors
 * (src/cpu_map/x86_*.xml); QEMU's other models are not offered.
 */
export const CPU_MODEL_VENDORS: Record<string, string> = Object.fromEntries(
  (
    "qemu64:unknown qemu32:unknown phenom:AMD pentium3:unknown pentium2:unknown pentium:unknown " +
    "n270:Intel kvm64:unknown kvm32:unknown coreduo:Intel core2duo:Intel athlon:AMD " +
    "Westmere-IBRS:Intel Westmere:Intel Snowridge:Intel Skylake-Server-noTSX-IBRS:Intel " +
    "Skylake-Server-IBRS:Intel Skylake-Server:Intel Skylake-Client-noTSX-IBRS:Intel " +
    "Skylake-Client-IBRS:Intel Skylake-Client:Intel SandyBridge-IBRS:Intel SandyBridge:Intel " +
    "Penryn:Intel Opteron_G5:AMD Opteron_G4:AMD Opteron_G3:AMD Opteron_G2:AMD Opteron_G1:AMD " +
    "Nehalem-IBRS:Intel Nehalem:Intel IvyBridge-IBRS:Intel IvyBridge:Intel " +
    "Icelake-Server-noTSX:Intel Icelake-Server:Intel Haswell-noTSX-IBRS:Intel Haswell-noTSX:Intel " +
    "Haswell-IBRS:Intel Haswell:Intel EPYC-Rome:AMD EPYC-Milan:AMD EPYC-IBPB:AMD EPYC:AMD " +
    "Dhyana:Hygon Cooperlake:Intel Conroe:Intel Cascadelake-Server-noTSX:Intel " +
    "Cascadelake-Server:Intel Broadwell-noTSX-IBRS:Intel Broadwell-noTSX:Intel " +
    "Broadwell-IBRS:Intel Broadwell:Intel 486:unknown Icelake-Client:Intel " +
    "Icelake-Client-noTSX:Intel EPYC-Genoa:AMD SapphireRapids:Intel"
  ).split(" ").map((s) => s.split(":") as [string, string]),
);

function hostTopology(): { cpus: number } {
  return { cpus: navigator.hardwareConcurrency };
}

/** The emulators a capabilities document describes: i686 (if installed) and x86_64. */
function guestEmulators(emulator: string): { arch: string; wordsize: number; path: string }[] {
  const out: { arch: string; wordsize: number; path: string }[] = [];
  const i386 = emulator.replace(/qemu-system-x86_64$/, "qemu-system-i386");
  if (i386 !== emulator) {
    try {
      Deno.statSync(i386);
      out.push({ arch: "i686", wordsize: 32, path: i386 });
    } catch {
      // Not installed.
    }
  }
  out.push({ arch: "x86_64", wordsize: 64, path: emulator });
  return out;
}

/** The daemon's user and group, which QEMU runs as. */
function daemonIds(): [number, number] {
  try {
    return [Deno.uid() ?? 0, Deno.gid() ?? 0];
  } catch {
    return [0, 0];
  }
}

export function capabilitiesXML(emulator: string, workDir?: string): string {
  const { cpus } = hostTopology();
  const w = new XmlWriter();
  w.open("capabilities");
  w.open("host");
  w.open("cpu");
  w.text("arch", Deno.build.arch);
  const host = hostCpuDef();
  if (host) {
    w.text("model", host.model);
    if (host.vendor) w.text("vendor", host.vendor);
    if (host.microcode) w.empty("microcode", [["version", host.microcode]]);
    w.empty("signature", [
      ["family", host.signature.family],
      ["model", host.signature.model],
      ["stepping", host.signature.stepping],
    ]);
    if (host.tsc) {
      w.empty("counter", [
        ["name", "tsc"],
        ["frequency", host.tsc.frequency],
        ["scaling", host.tsc.scaling ? "yes" : "no"],
      ]);
    }
  }
  w.empty("topology", [["sockets", 1], ["dies", 1], ["cores", cpus], ["threads", 1]]);
  if (host) {
    if (host.physBits !== null) {
      w.empty("maxphysaddr", [["mode", "emulate"], ["bits", host.physBits]]);
    }
    for (const f of host.features) w.empty("feature", [["name", f]]);
  }
  for (const size of [4, ...hugePageSizes()]) w.empty("pages", [["unit", "KiB"], ["size", size]]);
  w.close("cpu");
  w.empty("power_management");
  w.empty("iommu", [["support", "no"]]);
  w.open("migration_features");
  w.empty("live");
  w.open("uri_transports");
  w.text("uri_transport", "tcp");
  w.text("uri_transport", "rdma");
  w.close("uri_transports");
  w.close("migration_features");
  const cells = hostCells();
  w.open("topology");
  w.open("cells", [["num", cells.length]]);
  for (const cell of cells) {
    w.open("cell", [["id", cell.id]]);
    w.text("memory", cell.memoryKiB, [["unit", "KiB"]]);
    for (const [size, n] of cell.pages) w.text("pages", n, [["unit", "KiB"], ["size", size]]);
    if (cell.distances.length > 0) {
      w.open("distances");
      for (const [id, value] of cell.distances) w.empty("sibling", [["id", id], ["value", value]]);
      w.close("distances");
    }
    w.open("cpus", [["num", cell.cpus.length]]);
    for (const c of cell.cpus) {
      w.empty("cpu", [
        ["id", c.id],
        ["socket_id", c.socket],
        ["die_id", c.die],
        ["core_id", c.core],
        ["siblings", c.siblings],
      ]);
    }
    w.close("cpus");
    w.close("cell");
  }
  w.close("cells");
  w.close("topology");
  // No security driver confines QEMU ("none"); it runs as the daemon's user (DAC).
  const [uid, gid] = daemonIds();
  w.open("secmodel").text("model", "none").text("doi", "0").close("secmodel");
  w.open("secmodel").text("model", "dac").text("doi", "0");
  w.text("baselabel", `+${uid}:+${gid}`, [["type", "kvm"]]);
  w.text("baselabel", `+${uid}:+${gid}`, [["type", "qemu"]]);
  w.close("secmodel");
  w.close("host");
  for (const g of guestEmulators(emulator)) {
    let probe: QemuProbe;
    try {
      probe = probeEmulator(g.path, workDir);
    } catch {
      continue; // an emulator that cannot be probed offers no guest
    }
    w.open("guest");
    w.text("os_type", "hvm");
    w.open("arch", [["name", g.arch]]);
    w.text("wordsize", String(g.wordsize));
    w.text("emulator", g.path);
    for (const m of probe.machines) {
      const common: [string, string | number | null][] = [["maxCpus", m.maxCpus]];
      if (m.deprecated) common.push(["deprecated", "yes"]);
      w.text("machine", m.name, common);
      if (m.alias) w.text("machine", m.alias, [["canonical", m.name], ...common]);
    }
    w.empty("domain", [["type", "qemu"]]);
    if (probe.kvm) w.empty("domain", [["type", "kvm"]]);
    w.close("arch");
    w.open("features");
    if (g.arch === "i686") {
      w.empty("pae");
      w.empty("nonpae");
    }
    w.empty("acpi", [["default", "on"], ["toggle", "yes"]]);
    w.empty("apic", [["default", "on"], ["toggle", "no"]]);
    w.empty("cpuselection");
    w.empty("deviceboot");
    w.empty("disksnapshot", [["default", "on"], ["toggle", "no"]]);
    w.close("features");
    w.close("guest");
  }
  w.close("capabilities");
  // libvirt sets the host and each guest apart with an empty line.
  return w.toString().replace("<capabilities>\n", "<capabilities>\n\n")
    .replace("  </host>\n", "  </host>\n\n").replaceAll("  </guest>\n", "  </guest>\n\n");
}

function invalidArg(msg: string): VirError {
  return VirError.of(VIR_ERR_INVALID_ARG, VIR_FROM_QEMU, `${msg}`);
}

/** The emulator's answers and the virt type and machine a request resolves to. */
export interface HypervisorChoice {
  probe: QemuProbe;
  arch: string;
  virttype: string;
  machine: QemuMachine;
}

/**
 * The architecture, machine and virt type a domain capabilities (or
 * hypervisor CPU) request names, each defaulting as libvirt defaults it
 * (virQEMUCapsCacheLookupDefault: x86_64, the default machine, kvm when
 * KVM works), with libvirt's errors for those the emulator lacks.
 */
export function resolveHypervisor(
  emulator: string,
  a: { arch: string | null; machine: string | null; virttype: string | null },
  workDir?: string,
): HypervisorChoice {
  const arch = a.arch ?? "x86_64";
  if (arch !== "x86_64") {
    throw invalidArg(`emulator '${emulator}' does not support arch '${arch}'`);
  }
  const probe = probeEmulator(emulator, workDir);
  const virttype = a.virttype ?? (probe.kvm ? "kvm" : "qemu");
  if (virttype !== "qemu" && virttype !== "kvm") {
    throw invalidArg(`unknown virttype: ${virttype}`);
  }
  if (virttype === "kvm" && !probe.kvm) {
    throw invalidArg(`KVM is not supported by '${emulator}' on this host`);
  }
  const m = a.machine === null ? probe.machines[0] : findMachine(probe, a.machine);
  if (!m) {
    throw invalidArg(`the machine '${a.machine}' is not supported by emulator '${emulator}'`);
  }
  return { probe, arch, virttype, machine: m };
}

/**
 * The domain capabilities document for the emulator, architecture, machine
 * and virt type asked (resolveHypervisor).
 */
export function domainCapabilitiesXML(
  emulator: string,
  a: { arch: string | null; machine: string | null; virttype: string | null },
  workDir?: string,
): string {
  const { probe, arch, virttype, machine: m } = resolveHypervisor(emulator, a, workDir);
  const machine = m.name;
  const kvm = virttype === "kvm";
  const w = new XmlWriter();
  const en = (name: string, values: string[]) => {
    if (values.length === 0) return w.empty("enum", [["name", name]]);
    w.open("enum", [["name", name]]);
    for (const v of values) w.text("value", v);
    return w.close("enum");
  };
  w.open("domainCapabilities");
  w.text("path", emulator);
  w.text("domain", virttype);
  w.text("machine", machine);
  w.text("arch", arch);
  w.empty("vcpu", [["max", m.maxCpus]]);
  w.empty("iothreads", [["supported", "yes"]]);
  w.open("os", [["supported", "yes"]]);
  const loaders = loaderValues(arch, machine);
  en("firmware", loaders.length > 0 ? ["efi"] : []);
  w.open("loader", [["supported", "yes"]]);
  for (const f of loaders) w.text("value", f.executable);
  en("type", ["rom", "pflash"]);
  en("readonly", ["yes", "no"]);
  en("secure", isQ35(machine) ? ["yes", "no"] : ["no"]);
  w.close("loader");
  w.close("os");
  w.open("cpu");
  if (kvm) {
    w.open("mode", [["name", "host-passthrough"], ["supported", "yes"]]);
    en("hostPassthroughMigratable", ["on", "off"]);
    w.close("mode");
  } else {
    w.empty("mode", [["name", "host-passthrough"], ["supported", "no"]]);
  }
  w.open("mode", [["name", "maximum"], ["supported", "yes"]]);
  en("maximumMigratable", ["on", "off"]);
  w.close("mode");
  const hostModel = hostCpuModel(probe, virttype)?.reported;
  if (hostModel) {
    w.open("mode", [["name", "host-model"], ["supported", "yes"]]);
    w.text("model", hostModel.model, [["fallback", "forbid"]]);
    if (hostModel.vendor) w.text("vendor", hostModel.vendor);
    for (const f of hostModel.features) {
      w.empty("feature", [["policy", f.policy], ["name", f.name]]);
    }
    w.close("mode");
  } else {
    w.empty("mode", [["name", "host-model"], ["supported", "no"]]);
  }
  w.open("mode", [["name", "custom"], ["supported", "yes"]]);
  for (const c of (kvm ? probe.cpuKvm : probe.cpuTcg) ?? []) {
    const vendor = CPU_MODEL_VENDORS[c.name];
    if (!vendor) continue;
    w.text("model", c.name, [["usable", c.usable ? "yes" : "no"], ["vendor", vendor]]);
  }
  w.close("mode");
  w.close("cpu");
  w.open("memoryBacking", [["supported", "yes"]]);
  en("sourceType", ["file", "anonymous", "memfd"]);
  w.close("memoryBacking");
  w.open("devices");
  w.open("disk", [["supported", "yes"]]);
  en("diskDevice", ["disk", "cdrom", "floppy", "lun"]);
  en(
    "bus",
    isI440fx(machine) && !isQ35(machine)
      ? ["ide", "fdc", "scsi", "virtio", "usb", "sata"]
      : ["fdc", "scsi", "virtio", "usb", "sata"],
  );
  en("model", ["virtio", "virtio-transitional", "virtio-non-transitional"]);
  w.close("disk");
  w.open("graphics", [["supported", "yes"]]);
  en("type", ["sdl", "vnc", "spice", "egl-headless", "dbus"]);
  w.close("graphics");
  w.open("video", [["supported", "yes"]]);
  en("modelType", ["vga", "cirrus", "vmvga", "qxl", "virtio", "none", "bochs", "ramfb"]);
  w.close("video");
  w.open("hostdev", [["supported", "yes"]]);
  en("mode", ["subsystem"]);
  en("startupPolicy", ["default", "mandatory", "requisite", "optional"]);
  en("subsysType", ["usb", "pci", "scsi"]);
  en("capsType", []);
  en("pciBackend", []);
  w.close("hostdev");
  w.open("rng", [["supported", "yes"]]);
  en("model", ["virtio", "virtio-transitional", "virtio-non-transitional"]);
  en("backendModel", ["random", "egd", "builtin"]);
  w.close("rng");
  w.open("filesystem", [["supported", "yes"]]);
  en("driverType", ["path", "handle", "virtiofs"]);
  w.close("filesystem");
  w.open("tpm", [["supported", "yes"]]);
  en("model", ["tpm-tis", "tpm-crb"]);
  en("backendModel", ["passthrough"]);
  w.close("tpm");
  w.open("redirdev", [["supported", "yes"]]);
  en("bus", ["usb"]);
  w.close("redirdev");
  w.open("channel", [["supported", "yes"]]);
  en("type", ["pty", "unix", "spicevmc"]);
  w.close("channel");
  w.close("devices");
  w.open("features");
  w.empty("gic", [["supported", "no"]]);
  for (const f of ["vmcoreinfo", "genid", "backingStoreInput", "backup"]) {
    w.empty(f, [["supported", "yes"]]);
  }
  w.empty("sev", [["supported", "no"]]);
  w.empty("sgx", [["supported", "no"]]);
  w.open("hyperv", [["supported", "yes"]]);
  en("features", ["spinlocks", "vendor_id"]);
  w.close("hyperv");
  w.close("features");
  w.close("domainCapabilities");
  return w.toString();
}
