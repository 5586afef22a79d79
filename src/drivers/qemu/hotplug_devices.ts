/**
 * Devices other than disks and NICs plugged into and out of a running guest
 * (virsh attach-device / detach-device --live, virt-xml --add-device and
 * --remove-device, virt-manager's Add Hardware), as libvirt 9.0's
 * qemu_hotplug.c does it for x86 guests: virtio-serial channels (a guest
 * agent's, SPICE's vdagent), virtio RNGs, SCSI controllers, USB and virtio
 * inputs, the i6300esb watchdog, USB redirection and (where QEMU allows it)
 * serial ports. The device is read in the context of the running
 * definition, so it gets the alias, PCI slot, USB port or virtio-serial port
 * libvirt would give it; its chardev or backend object goes first
 * (chardev-add, object-add), then device_add with the properties the domain's
 * command line gives the same device (command_line.ts). A detach sends
 * device_del and waits, as libvirt does, up to five seconds for QEMU to let
 * go; QEMU's DEVICE_DELETED (or seeing the device gone) finishes the removal:
 * its chardev or object goes, it leaves the live definition and clients get
 * the device-removed event. What libvirt refuses live is refused in its words.
 *
 * @module
 */

import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_CONFIG_UNSUPPORTED,
  VIR_ERR_DEVICE_MISSING,
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_INVALID_ARG,
  VIR_ERR_OPERATION_FAILED,
  VIR_ERR_OPERATION_INVALID,
  VIR_ERR_OPERATION_UNSUPPORTED,
  VIR_FROM_DOMAIN,
  VIR_FROM_QEMU,
} from "../../rpc/error_codes.ts";
import {
  type ChrDef,
  type DeviceInfo,
  type DomainDef,
  parseDomainXML,
} from "../../conf/domain_xml.ts";
import type { RemoteDomain } from "../../protocol/remote_types.ts";
import { VIR_DOMAIN_AFFECT_CONFIG, VIR_DOMAIN_AFFECT_LIVE } from "../domain_constants.ts";
import { pause, type QemuConn } from "./conn.ts";
import {
  channelDevice,
  chardevBackend,
  controllerDevice,
  inputDevice,
  redirdevDevice,
  rngDevice,
  rngObject,
  serialDevice,
  watchdogDevice,
} from "./command_line.ts";
import { affectedDefs, checkFlags, configXML, parseQemuDef } from "./domain_common.ts";
import { attachConfigLocked, deviceElement } from "./attach_config.ts";
import {
  addressEqual,
  chrEquals,
  chrList,
  inputMatches,
  nextAlias,
  redirdevMatches,
  rngMatches,
  watchdogMatches,
} from "./device_match.ts";
import { configPath, writeDurable } from "./files.ts";
import { channelPath } from "./live_def.ts";
import { saveStatus } from "./status.ts";
import { requireReach } from "../system_error.ts";
import type { QemuDomainEntry } from "./state.ts";

/** VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED and _DEVICE_ADDED. */
const EVENT_DEVICE_REMOVED = 15;
const EVENT_DEVICE_ADDED = 19;

/** How long a detach waits for QEMU to let go (qemuDomainRemoveDeviceWaitTime). */
const REMOVE_WAIT_MS = 5000;

const TRANSIENT_DEVICE = "cannot modify device on transient domain";

/** Devices libvirt's qemuDomainAttachDeviceLive / DetachDeviceLive never change live. */
const NEVER_LIVE = new Set([
  "sound",
  "video",
  "graphics",
  "hub",
  "smartcard",
  "memballoon",
  "nvram",
  "tpm",
  "panic",
  "iommu",
  "audio",
  "crypto",
  "pstore",
]);

/** The devices this file plugs. */
const PLUGGED = new Set([
  "channel",
  "serial",
  "console",
  "rng",
  "controller",
  "input",
  "watchdog",
  "redirdev",
  "vsock",
]);

/** set-action's watchdog action for a <watchdog action> (dump pauses, as in libvirt). */
const WATCHDOG_ACTIONS: Record<string, string> = {
  reset: "reset",
  shutdown: "shutdown",
  poweroff: "poweroff",
  pause: "pause",
  dump: "pause",
  none: "none",
  "inject-nmi": "inject-nmi",
};

function err(code: number, msg: string): VirError {
  return VirError.of(code, VIR_FROM_QEMU, msg);
}

function notByThisDriver(name: string): VirError {
  return err(
    VIR_ERR_OPERATION_UNSUPPORTED,
    `device type '${name}' cannot be attached or detached by this driver`,
  );
}

const noVirtioSerial = () =>
  err(VIR_ERR_INTERNAL_ERROR, "no virtio-serial controllers are available");

function qmp(c: QemuConn, uuid: string, cmd: string, args: Record<string, unknown>): unknown {
  return c.io("qemu.qmp", { uuid, cmd, args });
}

/** Runs `undo` quietly (the device's half-made parts), then fails with `e`. */
function undoing(e: unknown, undo: () => void): never {
  try {
    undo();
  } catch {
    // Already gone.
  }
  throw e;
}

/** The value of `attr` on a document's root element, or null. */
function rootAttr(xml: string, attr: string): string | null {
  const root = /^\s*(?:<\?xml[^>]*>\s*)?<[A-Za-z]+([^>]*)>/.exec(xml)?.[1] ?? "";
  return new RegExp(`\\s${attr}\\s*=\\s*['"]([^'"]*)['"]`).exec(root)?.[1] ?? null;
}

/**
 * The device a detach document names, read on its own (no addresses
 * assigned): inside a definition with a USB bus and a virtio-serial
 * controller, so that devices needing them parse.
 */
function parseAlone(xml: string): DomainDef["devices"] {
  const body = xml.replace(/^\s*<\?xml[^>]*>/, "");
  return parseDomainXML(
    `<domain type='qemu'><name>d</name><memory>1024</memory><os><type>hvm</type></os>` +
      `<devices><controller type='usb' index='0'/><controller type='virtio-serial' index='0'/>` +
      `${body}</devices></domain>`,
  ).devices;
}

/**
 * The running definition with the device added, as a define reads it (its
 * defaults, validation and a free address, the others keeping theirs).
 */
function placeInLive(c: QemuConn, def: DomainDef, xml: string): DomainDef {
  const { stateDir, emulator } = c.dir((d) => ({ stateDir: d.stateDir, emulator: d.emulator }));
  const current = configXML(def);
  const at = current.lastIndexOf("</devices>");
  const device = xml.replace(/^\s*<\?xml[^>]*>\s*/, "").trim();
  let placed: DomainDef;
  try {
    placed = parseQemuDef(
      `${current.slice(0, at)}${device}\n${current.slice(at)}`,
      emulator,
      stateDir,
    );
  } catch (e) {
    throw e instanceof VirError && e.str2 === "No more available PCI slots" ? noSlots() : e;
  }
  // A running guest gets no new root port: the device needs a free one (q35).
  const ports = (x: DomainDef) => x.devices.controllers.filter((y) => y.type === "pci").length;
  if (ports(placed) > ports(def)) throw noSlots();
  return placed;
}

const noSlots = () => err(VIR_ERR_INTERNAL_ERROR, "No more available PCI slots");

const last = <T>(xs: T[]): T => xs[xs.length - 1]!;

/** virDomainAttachDeviceFlags for the devices of this file (and the rest, config only). */
export function attachDevice(c: QemuConn, ref: RemoteDomain, xml: string, flags: number): void {
  checkFlags(
    "qemuDomainAttachDeviceFlags",
    flags,
    VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG,
  );
  const name = deviceElement(xml);
  c.job(ref, "remoteDispatchDomainAttachDeviceFlags", (entry) => {
    const o = c.withObj(entry, (x) => x);
    const { live, config } = affectedDefs(flags, o, TRANSIENT_DEVICE);
    // The persistent definition is checked first and kept last, as libvirt does.
    const keep = config ? attachConfigLocked(c, entry, xml) : null;
    if (live) attachLiveLocked(c, entry, xml, name);
    keep?.();
  });
}

/** virDomainDetachDeviceFlags for the devices of this file. */
export function detachDevice(c: QemuConn, ref: RemoteDomain, xml: string, flags: number): void {
  checkFlags(
    "qemuDomainDetachDeviceFlags",
    flags,
    VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG,
  );
  const name = deviceElement(xml);
  c.job(ref, "remoteDispatchDomainDetachDeviceFlags", (entry) => {
    const o = c.withObj(entry, (x) => x);
    const { live, config } = affectedDefs(flags, o, TRANSIENT_DEVICE);
    if (config) {
      const def = structuredClone(o.newDef ?? o.def);
      removeFromConfig(def, xml, name);
      if (live) detachLiveLocked(c, entry, xml, name);
      const configDir = c.dir((d) => d.configDir);
      c.withObj(entry, (x, save) => {
        if (x.newDef) x.newDef = def;
        else x.def = def;
        writeDurable(configPath(configDir, def.name), configXML(def));
        save();
      });
    } else if (live) {
      detachLiveLocked(c, entry, xml, name);
    }
  });
}

// ---- Attach ------------------------------------------------------------------------------------

/** Plugs the device into the running guest (caller holds the job). */
function attachLiveLocked(c: QemuConn, entry: QemuDomainEntry, xml: string, name: string): void {
  if (NEVER_LIVE.has(name)) {
    throw err(VIR_ERR_OPERATION_UNSUPPORTED, `live attach of device '${name}' is not supported`);
  }
  if (!PLUGGED.has(name)) throw notByThisDriver(name);
  const o = c.withObj(entry, (x) => x);
  const def = o.def;
  const d = def.devices;
  const hasVirtioSerial = d.controllers.some((x) => x.type === "virtio-serial");
  const uuid = entry.uuid;
  let added: (live: DomainDef) => void;
  let alias: string;
  switch (name) {
    case "vsock": {
      try {
        Deno.openSync("/dev/vhost-vsock", { read: true, write: true }).close();
      } catch {
        throw err(VIR_ERR_CONFIG_UNSUPPORTED, "unable to open vhost-vsock device");
      }
      throw notByThisDriver(name);
    }
    case "controller": {
      const type = rootAttr(xml, "type") ?? "";
      if (type !== "scsi") {
        throw err(VIR_ERR_OPERATION_UNSUPPORTED, `'${type}' controller cannot be hot plugged.`);
      }
      let index = Number(rootAttr(xml, "index") ?? -1);
      if (rootAttr(xml, "index") === null) {
        index = 0;
        while (d.controllers.some((x) => x.type === type && x.index === index)) index++;
        xml = xml.replace(/<controller\b/, `<controller index='${index}'`);
      }
      if (d.controllers.some((x) => x.type === type && x.index === index)) {
        throw err(VIR_ERR_OPERATION_FAILED, `target ${type}:${index} already exists`);
      }
      const ctl = placeInLive(c, def, xml).devices.controllers.find((x) =>
        x.type === type && x.index === index
      )!;
      alias = `${type}${index}`;
      ctl.info.alias = alias;
      qmp(c, uuid, "device_add", controllerDevice(def, ctl)!);
      added = (live) => live.devices.controllers.push(ctl);
      break;
    }
    case "input": {
      const bus = rootAttr(xml, "bus");
      if (bus === "ps2" || bus === "xen" || bus === "parallels" || bus === "none") {
        throw err(
          VIR_ERR_OPERATION_UNSUPPORTED,
          `input device on bus '${bus}' cannot be hot plugged.`,
        );
      }
      const input = last(placeInLive(c, def, xml).devices.inputs);
      alias = nextAlias(d.inputs.map((x) => x.info), "input");
      input.info.alias = alias;
      qmp(c, uuid, "device_add", inputDevice(def, input, 0)!);
      added = (live) => live.devices.inputs.push(input);
      break;
    }
    case "watchdog": {
      if (d.watchdogs.length > 0) {
        throw err(VIR_ERR_OPERATION_INVALID, "domain already has a watchdog");
      }
      const model = rootAttr(xml, "model");
      if (model !== "i6300esb") {
        throw err(
          VIR_ERR_OPERATION_UNSUPPORTED,
          `hotplug of watchdog of model ${model} is not supported`,
        );
      }
      const w = last(placeInLive(c, def, xml).devices.watchdogs);
      alias = "watchdog0";
      w.info.alias = alias;
      const props = watchdogDevice(def, w, 0);
      qmp(c, uuid, "set-action", { watchdog: WATCHDOG_ACTIONS[w.action] ?? "reset" });
      qmp(c, uuid, "device_add", props);
      added = (live) => live.devices.watchdogs.push(w);
      break;
    }
    case "rng": {
      const r = last(placeInLive(c, def, xml).devices.rngs);
      alias = nextAlias(d.rngs.map((x) => x.info), "rng");
      r.info.alias = alias;
      const object = rngObject(r, 0);
      qmp(c, uuid, "object-add", object);
      try {
        qmp(c, uuid, "device_add", rngDevice(def, r, 0));
      } catch (e) {
        undoing(e, () => qmp(c, uuid, "object-del", { id: object.id }));
      }
      added = (live) => live.devices.rngs.push(r);
      break;
    }
    case "redirdev": {
      const r = last(placeInLive(c, def, xml).devices.redirdevs);
      if (r.source.type !== "spicevmc") {
        throw err(VIR_ERR_CONFIG_UNSUPPORTED, `redirdev type '${r.source.type}'`);
      }
      alias = nextAlias(d.redirdevs.map((x) => x.info), "redir");
      r.info.alias = alias;
      plugChardev(c, uuid, alias, { ...r.source, channel: "usbredir" }, redirdevDevice(r, 0));
      added = (live) => live.devices.redirdevs.push(r);
      break;
    }
    case "console": {
      const target = /<target\b[^>]*\btype\s*=\s*['"]([^'"]*)['"]/.exec(xml)?.[1] ?? "serial";
      if (target === "serial") {
        throw err(VIR_ERR_CONFIG_UNSUPPORTED, "unsupported console target type serial");
      }
      if (target === "virtio" && !hasVirtioSerial) throw noVirtioSerial();
      // What a start refuses (a virtio console) is refused the same way.
      placeInLive(c, def, xml);
      throw notByThisDriver(name);
    }
    case "serial": {
      const placed = placeInLive(c, def, xml);
      const s = placed.devices.serials.find((x) => !d.serials.some((y) => chrEquals(x, y)));
      if (!s) throw err(VIR_ERR_OPERATION_INVALID, "chardev already exists");
      alias = nextAlias([...d.serials, ...d.consoles].map((x) => x.info), "serial");
      s.info.alias = alias;
      const reply = plugChardev(
        c,
        uuid,
        alias,
        s.source,
        serialDevice(s, 0, `char${alias}`),
      );
      if (s.source.type === "pty") s.source.path = ptyPath(reply);
      added = (live) => live.devices.serials.push(s);
      break;
    }
    default: { // channel
      const placed = placeInLive(c, def, xml);
      if (!hasVirtioSerial) throw noVirtioSerial();
      const ch = last(placed.devices.channels);
      if (ch.targetType !== "virtio") {
        throw err(
          VIR_ERR_CONFIG_UNSUPPORTED,
          `channel target type '${ch.targetType}' is not supported by denovirt's QEMU driver`,
        );
      }
      if (ch.source.type === "pty") {
        throw err(VIR_ERR_CONFIG_UNSUPPORTED, "character device type 'pty'");
      }
      alias = nextAlias(d.channels.map((x) => x.info), "channel");
      ch.info.alias = alias;
      if (ch.source.type === "unix" && !ch.source.path) {
        ch.source.mode ??= "bind";
        const stateDir = c.dir((x) => x.stateDir);
        ch.source.path = channelPath(stateDir, o.id, def.name, ch.targetName ?? alias);
        Deno.mkdirSync(ch.source.path.replace(/\/[^/]*$/, ""), { recursive: true });
      }
      if (d.channels.some((x) => chrEquals(x, ch))) {
        throw err(VIR_ERR_OPERATION_INVALID, "chardev already exists");
      }
      plugChardev(c, uuid, alias, ch.source, channelDevice(ch, 0));
      added = (live) => live.devices.channels.push(ch);
    }
  }
  const stateDir = c.dir((x) => x.stateDir);
  c.withObj(entry, (x, save) => {
    added(x.def);
    save();
    saveStatus(stateDir, entry, x);
  });
  c.emitDomain({ name: entry.name, uuid, id: o.id }, EVENT_DEVICE_ADDED, { devAlias: alias }, true);
}

/** chardev-add of `char<alias>`, then device_add (the chardev goes again if that fails). */
function plugChardev(
  c: QemuConn,
  uuid: string,
  alias: string,
  source: ChrDef["source"],
  device: Record<string, unknown>,
): unknown {
  const id = `char${alias}`;
  // QEMU opens the file, within the daemon's reach as at a start (requireDeviceReach).
  if (source.type === "file" && source.path) {
    requireReach(VIR_FROM_QEMU, `Failed to open file '${source.path}'`, source.path, true);
  }
  const reply = qmp(c, uuid, "chardev-add", { id, backend: chardevBackend(source) });
  try {
    qmp(c, uuid, "device_add", device);
  } catch (e) {
    undoing(e, () => qmp(c, uuid, "chardev-remove", { id }));
  }
  return reply;
}

function ptyPath(reply: unknown): string | null {
  const pty = (reply as { pty?: unknown } | null)?.pty;
  return typeof pty === "string" ? pty : null;
}

// ---- Detach ------------------------------------------------------------------------------------

/** The running definition's device a detach document names, with its alias. */
function findLive(def: DomainDef, xml: string, name: string): DeviceInfo {
  const d = def.devices;
  const missing = (msg: string) => err(VIR_ERR_DEVICE_MISSING, msg);
  switch (name) {
    case "controller": {
      const type = rootAttr(xml, "type") ?? "";
      if (type !== "scsi") {
        throw err(VIR_ERR_OPERATION_UNSUPPORTED, `'${type}' controller cannot be hot unplugged.`);
      }
      const index = Number(rootAttr(xml, "index") ?? -1);
      const ctl = d.controllers.find((x) => x.type === type && x.index === index);
      if (!ctl) throw missing(`controller ${type}:${index} not found`);
      const busy = d.disks.some((k) =>
        k.targetBus === "scsi" &&
        (k.info.address?.type === "drive" ? k.info.address.controller : 0) === index
      );
      if (busy) throw err(VIR_ERR_OPERATION_FAILED, "device cannot be detached: device is busy");
      return ctl.info;
    }
    case "input": {
      const want = parseAlone(xml).inputs.at(-1)!;
      if (want.bus === "ps2" || want.bus === "xen" || want.bus === "none") {
        throw err(
          VIR_ERR_OPERATION_UNSUPPORTED,
          `input device on bus '${want.bus}' cannot be detached`,
        );
      }
      const x = d.inputs.find((y) => inputMatches(want, y));
      if (!x) throw missing("matching input device not found");
      return x.info;
    }
    case "watchdog": {
      const want = parseAlone(xml).watchdogs[0]!;
      const w = d.watchdogs.find((y) => watchdogMatches(want, y));
      if (!w) {
        throw missing(`model '${want.model}' watchdog device not present in domain configuration`);
      }
      if (w.model !== "i6300esb") {
        throw err(
          VIR_ERR_OPERATION_UNSUPPORTED,
          `hot unplug of watchdog of model ${w.model} is not supported`,
        );
      }
      return w.info;
    }
    case "rng": {
      const want = parseAlone(xml).rngs[0]!;
      const r = d.rngs.find((y) => rngMatches(want, y));
      if (!r) {
        throw missing(
          `model '${want.backendModel}' RNG device not present in domain configuration`,
        );
      }
      return r.info;
    }
    case "redirdev": {
      const want = parseAlone(xml).redirdevs[0]!;
      const r = d.redirdevs.find((y) => redirdevMatches(want, y));
      // (libvirt's words, its double negative included)
      if (!r) throw err(VIR_ERR_OPERATION_INVALID, "no matching redirdev was not found");
      return r.info;
    }
    case "vsock":
      throw missing("matching vsock device not found");
    default: { // channel, serial, console
      const parsed = parseAlone(xml);
      const want = chrList({ devices: parsed } as DomainDef, name)[0]!;
      const ch = chrList(def, name).find((y) => chrEquals(want, y));
      if (!ch) {
        throw missing(`chr type '${name}' device not present in domain configuration`);
      }
      return ch.info;
    }
  }
}

/** Asks QEMU to unplug the device and waits for it (caller holds the job). */
function detachLiveLocked(c: QemuConn, entry: QemuDomainEntry, xml: string, name: string): void {
  if (NEVER_LIVE.has(name)) {
    throw err(VIR_ERR_OPERATION_UNSUPPORTED, `live detach of device '${name}' is not supported`);
  }
  if (!PLUGGED.has(name)) throw notByThisDriver(name);
  const info = findLive(c.withObj(entry, (x) => x.def), xml, name);
  const alias = info.alias;
  if (!alias) throw notByThisDriver(name);
  qmp(c, entry.uuid, "device_del", { id: alias });
  // QEMU's DEVICE_DELETED cannot reach this job's holder; the device's
  // disappearance from QEMU's peripherals is watched for instead.
  const deadline = Date.now() + REMOVE_WAIT_MS;
  while (Date.now() < deadline) {
    if (!inQemu(c, entry.uuid, alias)) {
      otherDeviceDeleted(c, entry, alias);
      return;
    }
    pause(50);
  }
}

/** Whether QEMU still has a device of that id among its peripherals. */
function inQemu(c: QemuConn, uuid: string, alias: string): boolean {
  try {
    const kids = qmp(c, uuid, "qom-list", { path: "/machine/peripheral" }) as { name: string }[];
    return kids.some((k) => k.name === alias);
  } catch {
    return false; // no QEMU to ask
  }
}

/**
 * The end of a device's removal (QEMU's DEVICE_DELETED, or a detach seeing
 * it gone): its chardev or backend object goes, it leaves the live
 * definition, and clients get the device-removed event. Answers whether it
 * was one of this file's devices and gone from QEMU. Caller holds the job.
 */
export function otherDeviceDeleted(c: QemuConn, entry: QemuDomainEntry, alias: string): boolean {
  const o = c.withObj(entry, (x) => x);
  const d = o.def.devices;
  const is = (i: DeviceInfo) => i.alias === alias;
  const chr = [...d.channels, ...d.serials, ...d.redirdevs].some((x) => is(x.info));
  const rng = d.rngs.some((x) => is(x.info));
  const other = [...d.controllers, ...d.inputs, ...d.watchdogs].some((x) => is(x.info));
  if (!chr && !rng && !other) return false;
  // A late DEVICE_DELETED of a device already removed, whose alias a newer one took.
  if (inQemu(c, entry.uuid, alias)) return false;
  try {
    if (chr) qmp(c, entry.uuid, "chardev-remove", { id: `char${alias}` });
    if (rng) qmp(c, entry.uuid, "object-del", { id: `obj${alias}` });
  } catch {
    // Gone with the device (a usb-redir takes its chardev along).
  }
  const stateDir = c.dir((x) => x.stateDir);
  c.withObj(entry, (x, save) => {
    const v = x.def.devices;
    const keep = <T extends { info: DeviceInfo }>(xs: T[]) => xs.filter((y) => !is(y.info));
    v.channels = keep(v.channels);
    v.serials = keep(v.serials);
    v.redirdevs = keep(v.redirdevs);
    v.rngs = keep(v.rngs);
    v.controllers = keep(v.controllers);
    v.inputs = keep(v.inputs);
    v.watchdogs = keep(v.watchdogs);
    save();
    saveStatus(stateDir, entry, x);
  });
  c.emitDomain({ name: entry.name, uuid: entry.uuid, id: o.id }, EVENT_DEVICE_REMOVED, {
    devAlias: alias,
  });
  return true;
}

// ---- Config ------------------------------------------------------------------------------------

/**
 * Takes the device a detach document names out of a persistent definition
 * (qemuDomainDetachDeviceConfig, its refusals in its words).
 */
function removeFromConfig(def: DomainDef, xml: string, name: string): void {
  const d = def.devices;
  const drop = <T>(xs: T[], match: (x: T) => boolean, missing: () => VirError): T[] => {
    const i = xs.findIndex(match);
    if (i < 0) throw missing();
    return xs.filter((_, j) => j !== i);
  };
  const notFound = (msg: string) => () => err(VIR_ERR_DEVICE_MISSING, msg);
  switch (name) {
    case "controller": {
      const type = rootAttr(xml, "type") ?? "";
      const index = Number(rootAttr(xml, "index") ?? -1);
      d.controllers = drop(
        d.controllers,
        (x) => x.type === type && x.index === index,
        notFound("device not present in domain configuration"),
      );
      return;
    }
    case "input": {
      const want = parseAlone(xml).inputs.at(-1)!;
      d.inputs = drop(
        d.inputs,
        (x) => inputMatches(want, x),
        notFound("matching input device not found"),
      );
      return;
    }
    case "watchdog": {
      if (d.watchdogs.length === 0) throw notFound("domain has no watchdog")();
      const want = parseAlone(xml).watchdogs[0]!;
      d.watchdogs = drop(
        d.watchdogs,
        (x) =>
          x.model === want.model && x.action === want.action &&
          (want.info.address === null || addressEqual(want.info.address, x.info.address)),
        notFound("no matching watchdog was found"),
      );
      return;
    }
    case "rng": {
      const want = parseAlone(xml).rngs[0]!;
      d.rngs = drop(
        d.rngs,
        (x) => rngMatches(want, x),
        notFound("no matching RNG device was found"),
      );
      return;
    }
    case "redirdev": {
      const want = parseAlone(xml).redirdevs[0]!;
      d.redirdevs = drop(
        d.redirdevs,
        (x) => redirdevMatches(want, x),
        notFound("no matching redirdev was not found"),
      );
      return;
    }
    case "channel":
    case "serial":
    case "console": {
      const parsed = parseAlone(xml);
      const want = chrList({ devices: parsed } as DomainDef, name)[0]!;
      const list = drop(
        chrList(def, name),
        (x) => chrEquals(want, x),
        () =>
          VirError.of(
            VIR_ERR_INVALID_ARG,
            VIR_FROM_DOMAIN,
            "device not present in domain configuration",
          ),
      );
      if (name === "channel") d.channels = list;
      else if (name === "serial") d.serials = list;
      else d.consoles = list;
      return;
    }
    default:
      throw notByThisDriver(name);
  }
}
