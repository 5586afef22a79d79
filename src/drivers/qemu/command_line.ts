// The QEMU command line for a domain definition (libvirt's qemu_command.c,
// for the devices denovirt supports): the machine, memory and vCPUs, disks as
// -blockdev (file + format node) with their front-end device, user-mode
// networking, serial ports on ptys, VNC graphics and video, the balloon, and a
// QMP monitor socket. QEMU starts paused (-S) and daemonizes, so that it
// outlives the daemon; the daemon resumes it once the monitor is connected.

import type { ChrDef, DiskDef, DomainDef } from "../../conf/domain_xml.ts";
import { nicArgs } from "./interface.ts";
import { VirError } from "../../rpc/error.ts";
import { CONSOLES_PER_SLOT } from "./files.ts";
import { requireReach } from "../system_error.ts";
import {
  VIR_ERR_CONFIG_UNSUPPORTED,
  VIR_ERR_INTERNAL_ERROR,
  VIR_FROM_QEMU,
} from "../../rpc/error_codes.ts";

export interface LaunchPaths {
  /** The QMP socket QEMU listens on. */
  monitor: string;
  /** Where QEMU writes its pid once daemonized. */
  pidfile: string;
  /** Use KVM (only when /dev/kvm exists and the domain type is kvm). */
  kvm: boolean;
  /** Where serial port `i` of type pty is served (a Unix socket the event loop connects to). */
  console: (i: number) => string;
}

function unsupported(what: string): VirError {
  return VirError.of(VIR_ERR_CONFIG_UNSUPPORTED, VIR_FROM_QEMU, what);
}

/** QEMU's -blockdev / -device JSON keeps option values free of commas; a path with one is refused. */
function noComma(s: string, what: string): string {
  if (s.includes(",")) throw unsupported(`${what} '${s}' contains a comma`);
  return s;
}

const BOOT_DEVS: Record<string, string> = { fd: "a", hd: "c", cdrom: "d", network: "n" };

const VIDEO_MODELS: Record<string, string> = {
  vga: "VGA",
  cirrus: "cirrus-vga",
  virtio: "virtio-vga",
  qxl: "qxl-vga",
  bochs: "bochs-display",
};

/**
 * A disk's file as QEMU will open it must be one the daemon may reach: QEMU is
 * not bound by Deno's permissions, so under --sandbox its limit is kept here
 * (under the default the daemon reaches every path, as libvirtd does).
 */
export function requireDiskReach(d: DiskDef): void {
  const path = d.source?.path;
  if (!path) return;
  const write = !(d.readonly || d.device === "cdrom");
  requireReach(VIR_FROM_QEMU, `Cannot access storage file '${path}'`, path, write);
}

/** Every file QEMU opens for this definition (disks, serial-port files) is within the daemon's reach. */
export function requireDeviceReach(def: DomainDef): void {
  def.devices.disks.forEach(requireDiskReach);
  for (const s of serialsOf(def)) {
    const path = s.source.type === "file" ? s.source.path : null;
    if (path) requireReach(VIR_FROM_QEMU, `Failed to open file '${path}'`, path, true);
  }
}

function diskArgs(d: DiskDef, index: number, ideUnits: Map<string, number>): string[] {
  if (d.device !== "disk" && d.device !== "cdrom") {
    throw unsupported(`disk device '${d.device}'`);
  }
  const path = d.source?.path ?? null;
  if (d.type !== "file" && d.type !== "block") {
    throw unsupported(`disk type '${d.type}' (only file and block disks are supported)`);
  }
  const out: string[] = [];
  const storage = `libvirt-${index}-storage`;
  const format = `libvirt-${index}-format`;
  const readOnly = d.readonly || d.device === "cdrom";
  const alias = d.info.alias ?? `${d.targetBus === "virtio" ? "virtio-disk" : "ide0-"}${index}`;
  if (path !== null) {
    out.push(
      "-blockdev",
      JSON.stringify({
        driver: d.type === "block" ? "host_device" : "file",
        filename: path,
        "node-name": storage,
        "auto-read-only": true,
        discard: "unmap",
      }),
      "-blockdev",
      JSON.stringify({
        "node-name": format,
        "read-only": readOnly,
        driver: d.driver?.type ?? "raw",
        file: storage,
      }),
    );
  } else if (d.device !== "cdrom") {
    throw unsupported(`disk '${d.targetDev}' has no source`);
  }
  const drive = path !== null ? `,drive=${format}` : "";
  switch (d.targetBus) {
    case "virtio":
      if (d.device === "cdrom") throw unsupported("a virtio cdrom");
      out.push("-device", `virtio-blk-pci${drive},id=${noComma(alias, "alias")}`);
      break;
    case "ide": {
      // Two IDE buses of two units each, in target order (hda = ide.0 unit 0).
      const n = ideUnits.get("ide") ?? 0;
      if (n >= 4) throw unsupported("more than four IDE disks");
      ideUnits.set("ide", n + 1);
      const dev = d.device === "cdrom" ? "ide-cd" : "ide-hd";
      out.push(
        "-device",
        `${dev},bus=ide.${Math.floor(n / 2)},unit=${n % 2}${drive},id=${noComma(alias, "alias")}`,
      );
      break;
    }
    default:
      throw unsupported(`disk bus '${d.targetBus}'`);
  }
  return out;
}

/** The serial ports QEMU gets (a serial <console> stands for serial 0 when there is none). */
export function serialsOf(def: DomainDef): ChrDef[] {
  return def.devices.serials.length > 0
    ? def.devices.serials
    : def.devices.consoles.filter((c) => (c.targetType ?? "serial") === "serial").slice(0, 1);
}

/** The arguments after the emulator's path. */
export function buildCommandLine(def: DomainDef, p: LaunchPaths): string[] {
  if (!/^[^,]+$/.test(def.name)) throw unsupported(`domain name '${def.name}' with a comma`);
  const args: string[] = [];
  const machine = def.os.machine ?? "pc";
  const graphicsOff = def.os.bios?.useserial === "yes" ? ",graphics=off" : "";
  args.push(
    "-name",
    `guest=${def.name},debug-threads=on`,
    "-S",
    "-machine",
    `${noComma(machine, "machine")},accel=${p.kvm ? "kvm" : "tcg"},usb=off${graphicsOff}`,
    "-m",
    `size=${def.memory}k`,
    "-smp",
    `${def.vcpusCurrent},maxcpus=${def.vcpus}`,
    "-uuid",
    def.uuid,
    "-no-user-config",
    "-nodefaults",
    "-chardev",
    `socket,id=charmonitor,path=${noComma(p.monitor, "monitor path")},server=on,wait=off`,
    "-mon",
    "chardev=charmonitor,id=monitor,mode=control",
    "-rtc",
    def.clock.offset === "localtime" ? "base=localtime" : "base=utc",
    "-no-shutdown",
  );
  // <on_reboot>destroy</on_reboot>: a guest reboot ends QEMU (libvirt's -no-reboot).
  if (def.onReboot === "destroy") args.push("-no-reboot");
  const order = def.os.bootDevs.map((b) => BOOT_DEVS[b] ?? "").join("");
  if (order) args.push("-boot", `order=${order}`);
  // Direct kernel boot (<kernel>, <initrd>, <cmdline>).
  if (def.os.kernel) args.push("-kernel", def.os.kernel);
  if (def.os.initrd) args.push("-initrd", def.os.initrd);
  if (def.os.cmdline) args.push("-append", def.os.cmdline);
  const ideUnits = new Map<string, number>();
  def.devices.disks.forEach((d, i) => args.push(...diskArgs(d, i, ideUnits)));
  def.devices.interfaces.forEach((n, i) => args.push(...nicArgs(n, i)));
  // Serial ports (a <console> of target type serial is serial 0, as in libvirt).
  serialsOf(def).forEach((s, i) => {
    switch (s.source.type) {
      case "pty":
        // The console reaches the serial port through a socket the daemon owns.
        if (i >= CONSOLES_PER_SLOT) throw unsupported(`pty serial port ${i} (at most 4)`);
        args.push(
          "-chardev",
          `socket,id=charserial${i},path=${
            noComma(p.console(i), "console path")
          },server=on,wait=off`,
        );
        break;
      case "file":
        args.push(
          "-chardev",
          `file,id=charserial${i},path=${noComma(s.source.path ?? "", "serial path")}`,
        );
        break;
      case "null":
        args.push("-chardev", `null,id=charserial${i}`);
        break;
      default:
        throw unsupported(`serial type '${s.source.type}'`);
    }
    args.push("-device", `isa-serial,chardev=charserial${i},id=serial${i}`);
  });
  for (const g of def.devices.graphics) {
    if (g.type !== "vnc") throw unsupported(`graphics type '${g.type}'`);
    const listen = g.listens[0]?.address ?? g.attrs["listen"] ?? "127.0.0.1";
    // autoport: QEMU takes the first free display from :0 (port 5900) on.
    const display = g.autoport || g.port < 5900 ? "0,to=99" : String(g.port - 5900);
    args.push("-vnc", `${noComma(listen, "listen address")}:${display}`);
  }
  if (def.devices.graphics.length === 0) args.push("-display", "none");
  for (const v of def.devices.videos) {
    if (v.model === "none") continue;
    const dev = VIDEO_MODELS[v.model];
    if (!dev) throw unsupported(`video model '${v.model}'`);
    args.push("-device", `${dev},id=video0`);
  }
  const balloon = def.devices.memballoon;
  if (balloon && balloon.model === "virtio") {
    args.push("-device", "virtio-balloon-pci,id=balloon0");
  } else if (balloon && balloon.model !== "none") {
    throw unsupported(`memballoon model '${balloon.model}'`);
  }
  args.push("-daemonize", "-pidfile", p.pidfile);
  return args;
}

/** A launch that QEMU refused: its exit status and the end of what it printed. */
export function launchFailure(code: number, stderr: string): VirError {
  const tail = stderr.trim().split("\n").slice(-5).join("\n");
  return VirError.of(
    VIR_ERR_INTERNAL_ERROR,
    VIR_FROM_QEMU,
    `process exited while connecting to monitor: ${tail || `exit status ${code}`}`,
  );
}
