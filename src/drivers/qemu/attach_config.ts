/**
 * virsh attach-device --config for devices other than disks and NICs
 * (inputs, sound, watchdogs, RNGs, channels, controllers, USB redirection,
 * …): the device joins the persistent definition, which is read again as a
 * define reads it, so it gets libvirt's defaults and a free address (devices
 * already addressed keep theirs) and whatever this driver refuses is
 * refused. A running guest gets it at its next start, or at once where
 * hotplug_devices.ts plugs it live.
 *
 * @module
 */

import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_OPERATION_INVALID,
  VIR_ERR_OPERATION_UNSUPPORTED,
  VIR_FROM_QEMU,
} from "../../rpc/error_codes.ts";
import { type DomainDef, parseDeviceXML } from "../../conf/domain_xml.ts";
import type { QemuConn } from "./conn.ts";
import { configXML, parseQemuDef } from "./domain_common.ts";
import { configPath, writeDurable } from "./files.ts";
import type { QemuDomainEntry } from "./state.ts";

/** The element name of a device document. */
export function deviceElement(xml: string): string {
  return /^\s*(?:<\?xml[^>]*>\s*)?<([A-Za-z]+)/.exec(xml)?.[1] ?? "?";
}

/** Devices libvirt's qemuDomainAttachDeviceConfig does not add to a definition. */
const NOT_PERSISTENT = new Set([
  "video",
  "graphics",
  "memballoon",
  "hub",
  "smartcard",
  "panic",
  "nvram",
  "iommu",
  "crypto",
  "pstore",
  "audio",
]);

function invalid(detail: string): VirError {
  return VirError.of(VIR_ERR_OPERATION_INVALID, VIR_FROM_QEMU, detail);
}

/** qemuDomainAttachDeviceConfig's refusals of a device the definition already has. */
function refuseDuplicate(def: DomainDef, xml: string, name: string): void {
  if (NOT_PERSISTENT.has(name)) {
    throw VirError.of(
      VIR_ERR_OPERATION_UNSUPPORTED,
      VIR_FROM_QEMU,
      `persistent attach of device '${name}' is not supported`,
    );
  }
  // The device alone, as the domain parser reads it; what it cannot read
  // alone is left to the whole definition's parse.
  let dev: DomainDef["devices"];
  try {
    dev = parseDeviceXML(xml);
  } catch {
    return;
  }
  const d = def.devices;
  switch (name) {
    case "watchdog":
      if (d.watchdogs.length > 0) throw invalid("domain already has a watchdog");
      return;
    case "controller":
      for (const c of dev.controllers) {
        if (d.controllers.some((x) => x.type === c.type && x.index === c.index)) {
          throw invalid(`controller index='${c.index}' already exists`);
        }
      }
      return;
    case "channel":
      for (const ch of dev.channels) {
        if (ch.targetName !== null && d.channels.some((x) => x.targetName === ch.targetName)) {
          throw invalid("chardev already exists");
        }
      }
      return;
    case "serial":
    case "console": {
      const [mine, theirs] = name === "serial"
        ? [dev.serials, d.serials]
        : [dev.consoles, d.consoles];
      for (const c of mine) {
        if (c.targetPort !== null && theirs.some((x) => x.targetPort === c.targetPort)) {
          throw invalid("chardev already exists");
        }
      }
    }
  }
}

/**
 * The persistent definition with the device added, checked but not yet
 * kept: call the answer to keep it (caller holds the domain's job), so a
 * live attach between the two leaves the definition alone if it fails.
 */
export function attachConfigLocked(
  c: QemuConn,
  entry: QemuDomainEntry,
  xml: string,
): () => void {
  const name = deviceElement(xml);
  const { configDir, stateDir, emulator } = c.dir((d) => ({
    configDir: d.configDir,
    stateDir: d.stateDir,
    emulator: d.emulator,
  }));
  const o = c.withObj(entry, (x) => x);
  const before = o.newDef ?? o.def;
  refuseDuplicate(before, xml, name);
  const current = configXML(before);
  const at = current.lastIndexOf("</devices>");
  const device = xml.replace(/^\s*<\?xml[^>]*>\s*/, "").trim();
  const def = parseQemuDef(
    `${current.slice(0, at)}${device}\n${current.slice(at)}`,
    emulator,
    stateDir,
  );
  return () =>
    c.withObj(entry, (x, save) => {
      if (x.newDef) x.newDef = def;
      else x.def = def;
      writeDurable(configPath(configDir, def.name), configXML(def));
      save();
    });
}
