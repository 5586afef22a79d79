// The QEMU driver's capabilities document (virConnectGetCapabilities): the
// host's architecture and topology, and one guest — hvm on x86_64 — with the
// emulator, the machine types it lists (aliases with their canonical name, as
// libvirt prints them) and the domain types it can run (qemu; kvm when
// /dev/kvm exists). Machine types are asked of the emulator once per Worker.

import { XmlWriter } from "../../conf/xml.ts";

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
