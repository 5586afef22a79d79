/**
 * The definition a domain runs with (libvirt's qemuProcessPrepareDomain):
 * a copy of the persistent one with its firmware chosen (`<os
 * firmware='efi'>` becomes the loader and a per-domain NVRAM copied from the
 * descriptor's template), device aliases, paths for unix channels, a SPICE
 * port, and the DAC label QEMU runs with. Also the command line of a
 * definition as `virsh domxml-to-native qemu-argv` shows it.
 *
 * @module
 */

import { copyDomainDef, type DomainDef, type RawElement } from "../../conf/domain_xml.ts";
import { VirError } from "../../rpc/error.ts";
import { VIR_ERR_OPERATION_FAILED, VIR_FROM_QEMU } from "../../rpc/error_codes.ts";
import { assignAliases, buildCommandLine, freeSpicePort, shellQuote } from "./command_line.ts";
import { selectFirmware } from "./firmware.ts";
import { hasFeature } from "./domain_defaults.ts";
import { expandHostModel } from "./host_cpu.ts";
import { probeEmulator } from "./probe.ts";

/** Where a domain's UEFI variables live (libvirt's qemuDomainNVRAMPathGenerate). */
export function nvramPath(configDir: string, name: string): string {
  return `${configDir}/nvram/${name}_VARS.fd`;
}

/** Whether the definition keeps UEFI variables in a file of its own. */
export function usesNvram(def: DomainDef): boolean {
  return def.os.firmware === "efi" || def.os.loader?.attrs["type"] === "pflash";
}

const el = (name: string, attrs: [string, string][], children: RawElement[] = [], text = "") => ({
  name,
  attrs,
  children,
  text,
});

/** `<os firmware='efi'>` resolved to a loader and NVRAM (qemuFirmwareFillDomain). */
export function resolveFirmware(def: DomainDef, configDir: string): void {
  if (def.os.firmware !== "efi") {
    if (def.os.loader?.attrs["type"] === "pflash" && def.os.loader.path && !def.os.nvram) {
      def.os.nvram = { path: nvramPath(configDir, def.name), attrs: {} };
    }
    return;
  }
  const secure = def.os.loader?.attrs["secure"];
  const smm = hasFeature(def, "smm");
  const f = selectFirmware({
    arch: def.os.arch,
    machine: def.os.machine ?? "",
    secure: secure === "yes" ? true : secure === "no" ? false : null,
    enrolledKeys: null,
    smmOff: smm?.attrs.some(([k, v]) => k === "state" && v === "off") ?? false,
    type: def.os.loader?.attrs["type"] ?? null,
  });
  if (!f) {
    throw VirError.of(
      VIR_ERR_OPERATION_FAILED,
      VIR_FROM_QEMU,
      "Unable to find any firmware to satisfy 'efi'",
    );
  }
  const isSecure = f.features.includes("secure-boot");
  def.os.firmware = null;
  def.os.loader = {
    path: f.executable,
    attrs: { readonly: "yes", ...(isSecure ? { secure: "yes" } : {}), type: "pflash" },
  };
  def.os.nvram = {
    path: def.os.nvram?.path ?? nvramPath(configDir, def.name),
    attrs: f.nvramTemplate ? { template: f.nvramTemplate } : {},
  };
  if (f.features.includes("requires-smm") && !smm) {
    def.features ??= [];
    def.features.push(el("smm", [["state", "on"]]));
  }
}

/** Makes the domain's NVRAM from its template when it has none yet. */
export function ensureNvram(def: DomainDef): void {
  const path = def.os.nvram?.path;
  if (!path) return;
  try {
    Deno.statSync(path);
    return;
  } catch {
    // Not made yet.
  }
  const template = def.os.nvram?.attrs["template"];
  if (!template) return;
  Deno.mkdirSync(path.replace(/\/[^/]*$/, ""), { recursive: true, mode: 0o755 });
  Deno.copyFileSync(template, path);
  Deno.chmodSync(path, 0o600);
}

export interface LiveContext {
  configDir: string;
  stateDir: string;
  id: number;
}

/** Where a unix channel of a running domain listens when its definition names no path. */
export function channelPath(stateDir: string, id: number, name: string, target: string): string {
  return `${stateDir}/channel/target/domain-${id}-${name}/${target}`;
}

/** `<cpu mode='host-model'>` made the host's model for the domain's virt type. */
function hostModelCpu(live: DomainDef, emulator: string | null, stateDir: string): void {
  if (live.cpu?.mode !== "host-model" || !emulator) return;
  expandHostModel(live.cpu, probeEmulator(emulator, stateDir), live.type);
}

/** The definition a start runs with; the persistent one is left as it is. */
export function liveDefinition(def: DomainDef, ctx: LiveContext): DomainDef {
  const live = copyDomainDef(def);
  resolveFirmware(live, ctx.configDir);
  hostModelCpu(live, def.devices.emulator, ctx.stateDir);
  assignAliases(live);
  live.devices.channels.forEach((ch) => {
    if (ch.source.type === "unix" && !ch.source.path) {
      ch.source.mode ??= "bind";
      ch.source.path = channelPath(ctx.stateDir, ctx.id, def.name, ch.targetName ?? ch.info.alias!);
    }
    if (ch.targetType === "virtio" && ch.source.type !== "pty") ch.targetState ??= "disconnected";
  });
  for (const g of live.devices.graphics) {
    if (g.type === "spice" && (g.autoport || g.port <= 0) && g.listens[0]?.type !== "none") {
      g.port = freeSpicePort();
      g.autoport = true;
    }
    if ((g.type === "vnc" || g.type === "spice") && g.listens[0]?.type === "address") {
      g.listens[0].address ??= "127.0.0.1";
    }
  }
  for (const disk of live.devices.disks) {
    if (disk.source?.path && !disk.backingStore) disk.backingStore = el("backingStore", []);
  }
  const label = `+${Deno.uid() ?? 0}:+${Deno.gid() ?? 0}`;
  live.seclabels = [
    el("seclabel", [["type", "dynamic"], ["model", "dac"], ["relabel", "yes"]], [
      el("label", [], [], label),
      el("imagelabel", [], [], label),
    ]),
  ];
  return live;
}

/** `virsh domxml-to-native qemu-argv`: the command line a start of `def` would run. */
export function nativeCommandLine(
  def: DomainDef,
  emulator: string,
  ctx: { configDir: string; stateDir: string },
): string {
  const live = copyDomainDef(def);
  resolveFirmware(live, ctx.configDir);
  hostModelCpu(live, emulator, ctx.stateDir);
  assignAliases(live);
  const base = `${ctx.stateDir}/domain--1-${def.name}`;
  const args = buildCommandLine(live, {
    monitor: `${base}/monitor.sock`,
    pidfile: null,
    kvm: def.type === "kvm",
    console: (i) => `${base}/console-${i}.sock`,
    channel: (target) => channelPath(ctx.stateDir, -1, def.name, target),
    spicePort: 5900,
  });
  return shellQuote([emulator, ...args]);
}
