// The QEMU driver's capabilities document (virConnectGetCapabilities): the
// host's architecture and topology, and one guest — hvm on x86_64 — with the
// emulator, the machine types it lists (aliases with their canonical name, as
// libvirt prints them) and the domain types it can run (qemu; kvm when
// /dev/kvm exists). Machine types are asked of the emulator once per Worker.

import { XmlWriter } from "../../util/xml_writer.ts";
import { VirError } from "../../rpc/error.ts";
import { VIR_ERR_INVALID_ARG, VIR_FROM_QEMU } from "../../rpc/error_codes.ts";

interface Machine {
  name: string;
  canonical: string | null;
}

const machinesCache = new Map<string, Machine[]>();

/** `EMULATOR -machine help`, parsed: every machine, and aliases with what they stand for. */
export function machineTypes(emulator: string): Machine[] {
  const hit = machinesCache.get(emulator);
  if (hit) return hit;
  const out: Machine[] = [];
  try {
    const r = new Deno.Command(emulator, {
      args: ["-machine", "help"],
      stdout: "piped",
      stderr: "null",
    }).outputSync();
    for (const line of new TextDecoder().decode(r.stdout).split("\n").slice(1)) {
      const m = /^(\S+)\s+(.*)$/.exec(line.trim());
      if (!m || m[1] === "none") continue;
      const alias = /\(alias of ([^)]+)\)/.exec(m[2]!);
      out.push({ name: m[1]!, canonical: alias ? alias[1]! : null });
    }
  } catch {
    // No emulator: no machines.
  }
  machinesCache.set(emulator, out);
  return out;
}

function kvmAvailable(): boolean {
  try {
    return Deno.statSync("/dev/kvm") !== null;
  } catch {
    return false;
  }
}

export function capabilitiesXML(emulator: string): string {
  const cpus = navigator.hardwareConcurrency;
  const w = new XmlWriter();
  w.open("capabilities");
  w.open("host");
  w.open("cpu");
  w.text("arch", Deno.build.arch);
  w.empty("topology", [["sockets", 1], ["dies", 1], ["cores", cpus], ["threads", 1]]);
  w.close("cpu");
  w.empty("power_management");
  w.empty("iommu", [["support", "no"]]);
  w.close("host");
  w.open("guest");
  w.text("os_type", "hvm");
  w.open("arch", [["name", "x86_64"]]);
  w.text("wordsize", "64");
  w.text("emulator", emulator);
  for (const m of machineTypes(emulator)) {
    w.text("machine", m.name, [["canonical", m.canonical], ["maxCpus", 255]]);
  }
  w.empty("domain", [["type", "qemu"]]);
  if (kvmAvailable()) w.empty("domain", [["type", "kvm"]]);
  w.close("arch");
  w.open("features");
  w.empty("acpi", [["default", "on"], ["toggle", "yes"]]);
  w.empty("apic", [["default", "on"], ["toggle", "no"]]);
  w.empty("cpuselection");
  w.empty("deviceboot");
  w.empty("disksnapshot", [["default", "on"], ["toggle", "no"]]);
  w.close("features");
  w.close("guest");
  w.close("capabilities");
  return w.toString();
}

/**
 * The domain capabilities document (virConnectGetDomainCapabilities) for the
 * emulator, architecture, machine and virt type asked: what this driver can
 * put on a QEMU command line, so tools like virt-install choose within it.
 */
export function domainCapabilitiesXML(
  emulator: string,
  a: { arch: string | null; machine: string | null; virttype: string | null },
): string {
  const arch = a.arch ?? "x86_64";
  if (arch !== "x86_64") {
    throw VirError.of(
      VIR_ERR_INVALID_ARG,
      VIR_FROM_QEMU,
      `invalid argument: emulator '${emulator}' does not support arch '${arch}'`,
    );
  }
  const virttype = a.virttype ?? "qemu";
  if (virttype !== "qemu" && !(virttype === "kvm" && kvmAvailable())) {
    throw VirError.of(
      VIR_ERR_INVALID_ARG,
      VIR_FROM_QEMU,
      `invalid argument: KVM is not supported by '${emulator}' on this host`,
    );
  }
  const machines = machineTypes(emulator);
  const want = a.machine ?? "pc";
  const m = machines.find((x) => x.name === want);
  if (!m) {
    throw VirError.of(
      VIR_ERR_INVALID_ARG,
      VIR_FROM_QEMU,
      `invalid argument: the machine '${want}' is not supported by emulator '${emulator}'`,
    );
  }
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
  w.text("machine", m.canonical ?? m.name);
  w.text("arch", arch);
  w.empty("vcpu", [["max", 255]]);
  w.empty("iothreads", [["supported", "no"]]);
  w.open("os", [["supported", "yes"]]);
  en("firmware", []);
  w.empty("loader", [["supported", "no"]]);
  w.close("os");
  w.open("cpu");
  w.empty("mode", [["name", "host-passthrough"], ["supported", "no"]]);
  w.empty("mode", [["name", "maximum"], ["supported", "no"]]);
  w.empty("mode", [["name", "host-model"], ["supported", "no"]]);
  w.empty("mode", [["name", "custom"], ["supported", "no"]]);
  w.close("cpu");
  w.empty("memoryBacking", [["supported", "no"]]);
  w.open("devices");
  w.open("disk", [["supported", "yes"]]);
  en("diskDevice", ["disk", "cdrom"]);
  en("bus", ["ide", "virtio"]);
  en("model", []);
  w.close("disk");
  w.open("graphics", [["supported", "yes"]]);
  en("type", ["vnc"]);
  w.close("graphics");
  w.open("video", [["supported", "yes"]]);
  en("modelType", ["vga", "cirrus", "virtio", "qxl", "bochs", "none"]);
  w.close("video");
  for (const d of ["hostdev", "rng", "filesystem", "tpm", "redirdev", "channel", "crypto"]) {
    w.empty(d, [["supported", "no"]]);
  }
  w.close("devices");
  w.open("features");
  for (const f of ["gic", "vmcoreinfo", "genid", "backingStoreInput", "backup", "sev", "sgx"]) {
    w.empty(f, [["supported", "no"]]);
  }
  w.close("features");
  w.close("domainCapabilities");
  return w.toString();
}
