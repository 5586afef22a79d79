/**
 * Disks added to and removed from a domain (virsh attach-disk / detach-disk,
 * virDomainAttachDeviceFlags): in its persistent definition (config), and in
 * the running QEMU (live) through QMP — blockdev-add of the file and format
 * nodes, then device_add of a virtio-blk device; device_del asks the guest
 * to let go, and QEMU's DEVICE_DELETED event completes the removal. The
 * virDomainAttachDevice / DetachDevice calls for NICs go to
 * interface_api.ts, for every other device to hotplug_devices.ts, and
 * DEVICE_DELETED to whichever knows the alias.
 *
 * @module
 */

import type { HandlerEntry } from "../../dispatch/handlers.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import type { RemoteDomain } from "../../protocol/remote_types.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_DEVICE_MISSING,
  VIR_ERR_OPERATION_FAILED,
  VIR_ERR_OPERATION_UNSUPPORTED,
  VIR_FROM_QEMU,
} from "../../rpc/error_codes.ts";
import { type DiskDef, type DomainDef, parseDeviceXML } from "../../conf/domain_xml.ts";
import { on, type QemuConn } from "./conn.ts";
import { saveStatus } from "./status.ts";
import { applyDiskIoTune } from "./block_throttle.ts";
import { requireDiskReach } from "./command_line.ts";
import { configPath, writeDurable } from "./files.ts";
import { diskDeviceTail, formatNode, storageNode } from "./disk_nodes.ts";
import { iothreadProp, validateDiskIOThread } from "./iothreads.ts";
import { deviceElement } from "./attach_config.ts";
import { detachDeviceAlias } from "./detach_alias.ts";
import { attachDevice, detachDevice, otherDeviceDeleted } from "./hotplug_devices.ts";
import type { QemuDomainEntry, QemuDomainObj } from "./state.ts";

/** The refusal of a device change in the persistent definition of a transient domain. */
export const TRANSIENT_DEVICE = "cannot modify device on transient domain";
import { VIR_DOMAIN_AFFECT_CONFIG, VIR_DOMAIN_AFFECT_LIVE } from "../domain_constants.ts";
import { affectedDefs, checkFlags, configXML } from "./domain_common.ts";
import {
  attachInterface,
  detachInterface,
  interfaceDeleted,
  isInterfaceXML,
} from "./interface_api.ts";

/** VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED. */
const EVENT_DEVICE_REMOVED = 15;

/** The disk a device document describes (anything else is not supported here). */
export function parseDisk(xml: string): DiskDef {
  if (!/^\s*<disk[\s>]/.test(xml)) {
    const name = /^\s*<([A-Za-z]+)/.exec(xml)?.[1] ?? "?";
    throw VirError.of(
      VIR_ERR_OPERATION_UNSUPPORTED,
      VIR_FROM_QEMU,
      `device type '${name}' cannot be attached or detached by this driver`,
    );
  }
  // The domain parser reads the disk as libvirt would, defaults included.
  return parseDeviceXML(xml).disks[0]!;
}

/** The node index of a running domain's disk (its -blockdev names). */
export function diskNode(o: QemuDomainObj, disk: DiskDef, index: number): number {
  return o.diskNodes?.[disk.targetDev] ?? index;
}

export { saveStatus };

function attach(c: QemuConn, ref: RemoteDomain, xml: string, flags: number): void {
  if (isInterfaceXML(xml)) return attachInterface(c, ref, xml, flags);
  checkFlags(
    "qemuDomainAttachDeviceFlags",
    flags,
    VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG,
  );
  if (deviceElement(xml) !== "disk") return attachDevice(c, ref, xml, flags);
  const disk = parseDisk(xml);
  const { configDir, stateDir } = c.dir((d) => ({ configDir: d.configDir, stateDir: d.stateDir }));
  c.job(ref, "remoteDispatchDomainAttachDeviceFlags", (entry) => {
    const o = c.withObj(entry, (x) => x);
    const { live, config } = affectedDefs(flags, o, TRANSIENT_DEVICE);
    const taken = (def: DomainDef) => def.devices.disks.some((d) => d.targetDev === disk.targetDev);
    if (live) validateDiskIOThread(o.def, disk);
    if (config) validateDiskIOThread(o.newDef ?? o.def, disk);
    if ((live && taken(o.def)) || (config && taken(o.newDef ?? o.def))) {
      throw VirError.of(
        VIR_ERR_OPERATION_FAILED,
        VIR_FROM_QEMU,
        `target ${disk.targetDev} already exists`,
      );
    }
    if (live) {
      if (disk.targetBus !== "virtio" || disk.device !== "disk" || !disk.source?.path) {
        throw VirError.of(
          VIR_ERR_OPERATION_UNSUPPORTED,
          VIR_FROM_QEMU,
          `disk bus '${disk.targetBus}' cannot be hotplugged.`,
        );
      }
      requireDiskReach(disk);
      const n = o.nextDiskNode ?? o.def.devices.disks.length;
      const alias = `virtio-disk${n}`;
      const qmp = (cmd: string, args: Record<string, unknown>) =>
        c.io("qemu.qmp", { uuid: entry.uuid, cmd, args });
      qmp("blockdev-add", storageNode(disk, n));
      try {
        qmp("blockdev-add", formatNode(disk, n, disk.readonly));
        try {
          qmp("device_add", {
            driver: "virtio-blk-pci",
            ...iothreadProp(disk.driver),
            drive: `libvirt-${n}-format`,
            id: alias,
            ...diskDeviceTail(disk),
          });
        } catch (e) {
          qmp("blockdev-del", { "node-name": `libvirt-${n}-format` });
          throw e;
        }
      } catch (e) {
        qmp("blockdev-del", { "node-name": `libvirt-${n}-storage` });
        throw e;
      }
      const live = structuredClone(disk);
      live.info.alias = alias;
      c.withObj(entry, (x, save) => {
        x.def.devices.disks.push(live);
        x.diskNodes = { ...(x.diskNodes ?? {}), [disk.targetDev]: n };
        x.nextDiskNode = n + 1;
        save();
        saveStatus(stateDir, entry, x);
      });
      // The disk's <iotune>, as libvirt sets it up once the device is in (and recorded).
      applyDiskIoTune(c, entry.uuid, live);
    }
    if (config) {
      c.withObj(entry, (x, save) => {
        const target = x.newDef ?? x.def;
        target.devices.disks.push(structuredClone(disk));
        writeDurable(configPath(configDir, target.name), configXML(target));
        save();
      });
    }
  });
}

function detach(c: QemuConn, ref: RemoteDomain, xml: string, flags: number): void {
  if (isInterfaceXML(xml)) return detachInterface(c, ref, xml, flags);
  if (deviceElement(xml) !== "disk") return detachDevice(c, ref, xml, flags);
  checkFlags(
    "qemuDomainDetachDeviceFlags",
    flags,
    VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG,
  );
  const disk = parseDisk(xml);
  const configDir = c.dir((d) => d.configDir);
  const matches = (d: DiskDef) =>
    d.targetDev === disk.targetDev ||
    (disk.source?.path != null && d.source?.path === disk.source.path);
  c.job(ref, "remoteDispatchDomainDetachDeviceFlags", (entry) => {
    const o = c.withObj(entry, (x) => x);
    const { live, config } = affectedDefs(flags, o, TRANSIENT_DEVICE);
    const missing = () =>
      VirError.of(VIR_ERR_DEVICE_MISSING, VIR_FROM_QEMU, `disk ${disk.targetDev} not found`);
    if (config && !(o.newDef ?? o.def).devices.disks.some(matches)) throw missing();
    if (live) {
      const d = o.def.devices.disks.find(matches);
      if (!d) throw missing();
      if (!d.info.alias?.startsWith("virtio-disk")) {
        throw VirError.of(
          VIR_ERR_OPERATION_UNSUPPORTED,
          VIR_FROM_QEMU,
          `disk bus '${d.targetBus}' cannot be hot unplugged.`,
        );
      }
      // The guest is asked to let go; QEMU's DEVICE_DELETED event finishes the removal.
      c.io("qemu.qmp", { uuid: entry.uuid, cmd: "device_del", args: { id: d.info.alias } });
    }
    if (config) {
      c.withObj(entry, (x, save) => {
        const target = x.newDef ?? x.def;
        target.devices.disks = target.devices.disks.filter((d) => !matches(d));
        writeDurable(configPath(configDir, target.name), configXML(target));
        save();
      });
    }
  });
}

/**
 * QEMU's DEVICE_DELETED for a disk: its nodes are dropped, it leaves the live
 * definition, and clients get the device-removed event. Caller holds the job.
 */
export function deviceDeleted(c: QemuConn, entry: QemuDomainEntry, alias: string): void {
  const stateDir = c.dir((d) => d.stateDir);
  const o = c.withObj(entry, (x) => x);
  const i = o.def.devices.disks.findIndex((d) => d.info.alias === alias);
  if (i < 0) {
    if (interfaceDeleted(c, entry, alias)) {
      c.emitDomain({ name: entry.name, uuid: entry.uuid, id: o.id }, EVENT_DEVICE_REMOVED, {
        devAlias: alias,
      });
    } else {
      otherDeviceDeleted(c, entry, alias);
    }
    return;
  }
  const n = diskNode(o, o.def.devices.disks[i]!, i);
  for (const node of [`libvirt-${n}-format`, `libvirt-${n}-storage`]) {
    try {
      c.io("qemu.qmp", { uuid: entry.uuid, cmd: "blockdev-del", args: { "node-name": node } });
    } catch {
      // Already gone with the device.
    }
  }
  c.withObj(entry, (x, save) => {
    const d = x.def.devices.disks.find((y) => y.info.alias === alias);
    if (!d) return;
    x.def.devices.disks = x.def.devices.disks.filter((y) => y !== d);
    save();
    saveStatus(stateDir, entry, x);
  });
  c.emitDomain({ name: entry.name, uuid: entry.uuid, id: o.id }, EVENT_DEVICE_REMOVED, {
    devAlias: alias,
  });
}

export const hotplugHandlers: HandlerEntry[] = [
  on(P.REMOTE_PROC_DOMAIN_ATTACH_DEVICE, (c, a) => attach(c, a.dom, a.xml, 0)),
  on(P.REMOTE_PROC_DOMAIN_ATTACH_DEVICE_FLAGS, (c, a) => attach(c, a.dom, a.xml, a.flags ?? 0)),
  on(P.REMOTE_PROC_DOMAIN_DETACH_DEVICE, (c, a) => detach(c, a.dom, a.xml, 0)),
  on(P.REMOTE_PROC_DOMAIN_DETACH_DEVICE_FLAGS, (c, a) => detach(c, a.dom, a.xml, a.flags ?? 0)),
  on(
    P.REMOTE_PROC_DOMAIN_DETACH_DEVICE_ALIAS,
    (c, a) => detachDeviceAlias(c, a.dom, a.alias, a.flags ?? 0),
  ),
];
