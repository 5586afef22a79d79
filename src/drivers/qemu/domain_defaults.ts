/**
 * The QEMU driver's post-parse of a domain definition (libvirt's
 * qemuDomainDefPostParse and its device callbacks in qemu_domain.c): the
 * canonical machine type, the default CPU model, the controllers, inputs,
 * audio backend and balloon libvirt adds for x86 `pc` and `q35` guests, and
 * the per-device defaults (disk driver, serial target, video memory). What
 * this driver cannot run is refused here, at define, with libvirt's words.
 *
 * @module
 */

import type { DomainDef, RawElement } from "../../conf/domain_xml.ts";
import { emptyInfo, insertController, newController, unsupported } from "./devices.ts";
import { DISK_DRIVER_ATTRS } from "./disk_nodes.ts";
import { validateIOThreads } from "./iothreads.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_CONFIG_UNSUPPORTED,
  VIR_ERR_XML_ERROR,
  VIR_FROM_DOMAIN,
  VIR_FROM_QEMU,
} from "../../rpc/error_codes.ts";
import { PERIOD_RANGE, QUOTA_RANGE } from "./cgroup_tune.ts";
import { canonicalMachine, findMachine, isQ35, type QemuProbe } from "./probe.ts";

const rawEl = (name: string, attrs: [string, string][]): RawElement => ({
  name,
  attrs,
  children: [],
  text: "",
});

export function hasFeature(def: DomainDef, name: string): RawElement | null {
  return def.features?.find((f) => f.name === name) ?? null;
}

/** Machine types this driver lays devices out for. */
function checkMachine(def: DomainDef, caps: QemuProbe, emulator: string): void {
  const machine = def.os.machine!;
  if (!findMachine(caps, machine)) {
    // libvirt lays out no buses for a machine it does not know, and says so.
    void emulator;
    throw VirError.of(VIR_ERR_XML_ERROR, VIR_FROM_QEMU, "No PCI buses available");
  }
  if (!isQ35(machine) && !/^pc(-i440fx-.*)?$/.test(machine)) {
    throw unsupported(
      `machine type '${machine}' (denovirt lays out devices for pc and q35 machines only)`,
    );
  }
}

/** libvirt's qemuDomainDefPostParse and device post-parse, for x86 hvm guests. */
export function qemuPostParse(def: DomainDef, caps: QemuProbe, emulator: string): void {
  if (def.os.type !== "hvm") {
    throw unsupported(`Emulator '${emulator}' does not support os type '${def.os.type}'`);
  }
  if (def.os.arch !== "x86_64" && def.os.arch !== "i686") {
    throw unsupported(`Emulator '${emulator}' does not support arch '${def.os.arch}'`);
  }
  if (def.type === "kvm" && !caps.kvm) {
    throw unsupported(`Emulator '${emulator}' does not support virt type 'kvm'`);
  }
  def.os.machine = canonicalMachine(caps, def.os.machine ?? caps.machines[0]!.name);
  checkMachine(def, caps, emulator);
  const q35 = isQ35(def.os.machine);
  const d = def.devices;

  // The CPU: QEMU's default model when none is named (qemuDomainDefSetDefaultCPU).
  if (def.cpu === null) {
    def.cpu = {
      mode: "custom",
      match: "exact",
      check: "none",
      migratable: null,
      model: "qemu64",
      modelFallback: "forbid",
      modelVendorId: null,
      vendor: null,
      topology: null,
      cache: null,
      features: [],
      numa: null,
    };
  } else {
    const mode = def.cpu.mode ?? "custom";
    if (mode === "custom" && def.cpu.model === null && def.cpu.topology !== null) {
      // Topology alone: the default model is filled in.
      def.cpu.mode = "custom";
      def.cpu.match = "exact";
      def.cpu.model = "qemu64";
      def.cpu.modelFallback = "forbid";
    }
    if (mode === "host-passthrough" || mode === "maximum") {
      def.cpu.check ??= "none";
      def.cpu.migratable ??= "on";
    } else if (mode === "host-model") {
      def.cpu.check ??= "partial";
    } else if (def.cpu.model !== null) {
      def.cpu.check ??= "none";
    }
  }

  // Disks: QEMU opens them itself; a local image of no stated format is raw.
  for (const disk of d.disks) {
    const local = disk.type === "file" || disk.type === "block";
    const driver = disk.driver ?? {};
    driver.name ??= "qemu";
    if (local && disk.source?.path && driver.type === undefined) driver.type = "raw";
    disk.driver = driver;
  }

  // Controllers libvirt adds (qemuDomainDefAddDefaultDevices).
  const has = (type: string, index = 0) =>
    d.controllers.some((c) => c.type === type && c.index === index);
  if (!has("usb")) {
    insertController(def, newController("usb", 0, q35 ? "qemu-xhci" : "piix3-uhci"));
  }
  for (const c of d.controllers) {
    if (c.type === "usb" && c.model === null) c.model = q35 ? "qemu-xhci" : "piix3-uhci";
    if (c.type === "scsi" && c.model === null) c.model = "lsilogic";
  }
  if (q35 && !has("sata")) insertController(def, newController("sata", 0, null));
  const root = d.controllers.find((c) => c.type === "pci" && c.index === 0);
  if (!root) {
    insertController(def, newController("pci", 0, q35 ? "pcie-root" : "pci-root"));
  } else if (root.model === null) {
    root.model = q35 ? "pcie-root" : "pci-root";
  } else if (root.model !== (q35 ? "pcie-root" : "pci-root")) {
    throw unsupported(
      `The PCI controller with index='0' must be model='${
        q35 ? "pcie-root" : "pci-root"
      }' for this machine type, but model='${root.model}' was found instead`,
    );
  }
  for (const c of d.controllers) {
    if (c.type !== "pci" || c.index === 0) continue;
    if (c.model === null) {
      throw unsupported(`PCI controller model was not specified`);
    }
    if (c.model === "pcie-root-port" || c.model === "pcie-to-pci-bridge") {
      c.modelName ??= c.model;
    } else if (c.model === "pci-bridge") {
      c.modelName ??= "pci-bridge";
    } else if (c.model === "dmi-to-pci-bridge") {
      c.modelName ??= "i82801b11-bridge";
    }
  }
  if (!q35 && d.disks.some((x) => x.targetBus === "sata")) {
    // i440fx has no built-in AHCI: the sata controller is an ahci device of its own.
  }
  if (q35 && d.disks.some((x) => x.targetBus === "ide")) {
    throw unsupported("IDE controllers are unsupported for this QEMU binary or machine type");
  }

  // Serial ports on x86 are ISA serial ports unless said otherwise.
  for (const s of d.serials) {
    if (s.targetType === null || s.targetType === "isa-serial") {
      s.targetType = "isa-serial";
      s.targetModel ??= "isa-serial";
    } else if (s.targetType === "pci-serial") s.targetModel ??= "pci-serial";
    else if (s.targetType === "usb-serial") s.targetModel ??= "usb-serial";
  }

  // Video: QXL's VGA memory (qemuDomainDeviceVideoDefPostParse).
  for (const v of d.videos) {
    if (v.model === "qxl" && (v.vgamem === null || v.vgamem === 0)) v.vgamem = 16384;
  }

  // Sound on a q35 ich9 or ich6: no codec named means a duplex one (formatted as none).

  // The balloon (qemuDomainDefAddDefaultDevices) and the PS/2 inputs of a PC.
  if (d.memballoon === null) {
    d.memballoon = {
      model: "virtio",
      autodeflate: null,
      freePageReporting: null,
      statsPeriod: null,
      driver: null,
      info: emptyInfo(),
    };
  }
  for (const type of ["mouse", "keyboard"]) {
    if (!d.inputs.some((i) => i.type === type && i.bus === "ps2")) {
      d.inputs.push({
        type,
        bus: "ps2",
        model: null,
        driver: null,
        source: null,
        info: emptyInfo(),
      });
    }
  }

  // An audio backend for the sound devices and graphics (qemuDomainDefAddDefaultAudioBackend).
  if (d.audios.length === 0) {
    const g = d.graphics[0];
    const type = g?.type === "spice" ? "spice" : "none";
    d.audios.push(rawEl("audio", [["id", "1"], ["type", type]]));
  }

  validateLifecycleActions(def);
  refuseUnsupported(def);
}

/**
 * qemuValidateLifecycleAction: the on_* combinations the QEMU driver cannot
 * carry out, refused at define and by set-lifecycle-action.
 */
export function validateLifecycleActions(def: DomainDef): void {
  const refuse = (detail: string) => {
    throw VirError.of(VIR_ERR_CONFIG_UNSUPPORTED, VIR_FROM_QEMU, detail);
  };
  const { onPoweroff, onReboot, onCrash } = def;
  if ([onPoweroff, onReboot, onCrash].includes("rename-restart")) {
    refuse(
      "qemu driver doesn't support the 'rename-restart' action for 'on_reboot'/'on_poweroff'/'on_crash'",
    );
  }
  if (onPoweroff === "preserve" || onReboot === "preserve") {
    refuse("qemu driver doesn't support the 'preserve' action for 'on_reboot'/'on_poweroff'");
  }
  if (onPoweroff === "restart" && onReboot === "destroy") {
    refuse(
      "qemu driver doesn't support 'onReboot' set to 'destroy and 'onPoweroff' set to 'reboot'",
    );
  }
}

/** The events a definition's <perf> enables. */
export function enabledPerfEvents(def: DomainDef): string[] {
  return (def.perf?.children ?? []).filter((e) =>
    e.attrs.some(([k, v]) => k === "enabled" && v === "yes")
  ).map((e) => e.attrs.find(([k]) => k === "name")?.[1] ?? "?");
}

/** Devices and settings this driver cannot start, refused at define with libvirt's code. */
function refuseUnsupported(def: DomainDef): void {
  const d = def.devices;
  const refuse = (what: string) => {
    throw unsupported(`${what} is not supported by denovirt's QEMU driver`);
  };
  if (d.hostdevs.length > 0) refuse("host device assignment (<hostdev>)");
  if (d.filesystems.length > 0) refuse("<filesystem>");
  if (d.smartcards.length > 0) refuse("<smartcard>");
  if (d.tpms.length > 0) refuse("<tpm>");
  if (d.hubs.length > 0) refuse("<hub>");
  if (d.parallels.length > 0) refuse("<parallel>");
  if (def.cpu?.numa) refuse("guest NUMA topology");
  // denovirt opens no perf counters on QEMU's threads.
  const perf = enabledPerfEvents(def);
  if (perf.length > 0) refuse(`perf event '${perf[0]}'`);
  // Pinning and the other tuning need affinity and more cgroup settings,
  // which this driver does not apply: refused, not dropped. <cputune> shares
  // and bandwidth and the <memtune> limits go to the domain's cgroup
  // (cgroup_tune.ts).
  const ct = def.cputune;
  if (ct && (ct.vcpupins.length || ct.emulatorpin !== null || ct.iothreadpins.length)) {
    refuse("<cputune> pinning");
  }
  for (const [k, v] of ct?.items ?? []) {
    // libvirt's virDomainDefCputuneValidate: 0 is unset, a quota may be -1 (none).
    const [min, max] = k.endsWith("period") ? PERIOD_RANGE : QUOTA_RANGE;
    const n = /^-?\d+$/.test(v) ? BigInt(v) : 0n;
    if (n > 0n && (n < min || n > max)) {
      throw VirError.of(
        VIR_ERR_CONFIG_UNSUPPORTED,
        VIR_FROM_DOMAIN,
        `Value of cputune '${k}' must be in range [${min}, ${max}]`,
      );
    }
  }
  if (def.cpuset !== null) refuse("<vcpu cpuset>");
  if (def.memtune?.minGuarantee) refuse("<memtune><min_guarantee>");
  if (def.blkiotune?.children.some((x) => x.name !== "weight")) refuse("<blkiotune><device>");
  if (def.numatune) refuse("<numatune>");
  validateIOThreads(def);
  for (const disk of d.disks) {
    if (!["file", "block"].includes(disk.type)) {
      refuse(`disk type '${disk.type}'`);
    }
    if (!["disk", "cdrom"].includes(disk.device)) refuse(`disk device '${disk.device}'`);
    if (!["virtio", "ide", "sata", "scsi"].includes(disk.targetBus)) {
      refuse(`disk bus '${disk.targetBus}'`);
    }
    for (const a of Object.keys(disk.driver ?? {})) {
      if (!DISK_DRIVER_ATTRS.includes(a)) refuse(`disk driver attribute '${a}'`);
    }
    const extras: [unknown, string][] = [
      [disk.wwn, "<wwn>"],
      [disk.vendor, "<vendor>"],
      [disk.product, "<product>"],
      [disk.geometry, "<geometry>"],
      [disk.blockio, "<blockio>"],
      [disk.encryption, "<encryption>"],
      [disk.auth, "<auth>"],
    ];
    for (const [v, what] of extras) if (v !== null) refuse(`disk ${what}`);
    if (disk.transient) refuse("a <transient> disk");
  }
  for (const c of d.controllers) {
    const ok: Record<string, (string | null)[]> = {
      usb: [
        "piix3-uhci",
        "ich9-ehci1",
        "ich9-uhci1",
        "ich9-uhci2",
        "ich9-uhci3",
        "qemu-xhci",
        "nec-xhci",
        "none",
      ],
      pci: ["pci-root", "pcie-root", "pcie-root-port", "pcie-to-pci-bridge", "pci-bridge"],
      ide: [null],
      sata: [null],
      scsi: ["virtio-scsi", "lsilogic"],
      "virtio-serial": [null, "virtio"],
    };
    const models = ok[c.type];
    if (!models) refuse(`controller type '${c.type}'`);
    if (!models!.includes(c.model)) refuse(`${c.type} controller model '${c.model}'`);
  }
  for (const s of [...d.serials, ...d.channels]) {
    if (!["pty", "file", "unix", "tcp", "null", "spicevmc"].includes(s.source.type)) {
      refuse(`character device type '${s.source.type}'`);
    }
  }
  for (const s of d.serials) {
    if (s.targetType !== "isa-serial") refuse(`serial target type '${s.targetType}'`);
  }
  for (const ch of d.channels) {
    if (ch.targetType !== "virtio") refuse(`channel target type '${ch.targetType}'`);
  }
  for (const c of d.consoles) {
    if (c.targetType !== "serial") refuse(`console target type '${c.targetType}'`);
  }
  for (const i of d.inputs) {
    const ok = (i.bus === "ps2" && (i.type === "mouse" || i.type === "keyboard")) ||
      (i.bus === "usb" && ["tablet", "mouse", "keyboard"].includes(i.type)) ||
      (i.bus === "virtio" && ["tablet", "mouse", "keyboard"].includes(i.type));
    if (!ok) refuse(`input type '${i.type}' on bus '${i.bus}'`);
  }
  for (const g of d.graphics) {
    if (g.type !== "vnc" && g.type !== "spice") refuse(`graphics type '${g.type}'`);
  }
  for (const v of d.videos) {
    if (!["vga", "cirrus", "qxl", "virtio", "bochs", "none"].includes(v.model)) {
      refuse(`video model '${v.model}'`);
    }
  }
  for (const s of d.sounds) {
    if (!["ich9", "ich6", "ac97"].includes(s.model)) refuse(`sound model '${s.model}'`);
  }
  for (const w of d.watchdogs) {
    if (w.model !== "i6300esb" && w.model !== "itco") refuse(`watchdog model '${w.model}'`);
  }
  for (const r of d.rngs) {
    if (r.model !== "virtio" || (r.backendModel !== "random" && r.backendModel !== "builtin")) {
      refuse(`rng model '${r.model}' with backend '${r.backendModel}'`);
    }
  }
  // libvirt's own validation: a spicevmc channel needs SPICE graphics to carry it.
  const spicevmc = [...d.redirdevs, ...d.channels].some((x) => x.source.type === "spicevmc");
  if (spicevmc && !d.graphics.some((g) => g.type === "spice")) {
    throw unsupported("chardev 'spicevmc' not supported without spice graphics");
  }
  for (const r of d.redirdevs) {
    if (r.source.type !== "spicevmc") refuse(`redirdev type '${r.source.type}'`);
  }
  if (d.memballoon && !["virtio", "none"].includes(d.memballoon.model)) {
    refuse(`memballoon model '${d.memballoon.model}'`);
  }
  if (d.panics.length > 0) refuse("<panic>");
  if (def.memoryBacking?.hugepages) refuse("hugepages memory backing");
  if (def.os.firmware === "efi" && def.os.loader?.attrs["type"] === "rom") {
    refuse("a ROM EFI loader");
  }
}
