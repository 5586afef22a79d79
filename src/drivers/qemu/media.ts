/**
 * Changing a CD-ROM's or floppy's medium (virsh change-media, update-device
 * with a <disk>; virt-manager's "Connect"/"Disconnect"): in a running guest
 * through QEMU's tray commands as libvirt 9.0 does with -blockdev (open the
 * tray, remove the medium, add the new image's nodes and insert them, close
 * the tray, drop the old nodes); in the persistent definition by replacing
 * the disk's source.
 *
 * @module
 */

import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_INVALID_ARG,
  VIR_ERR_OPERATION_UNSUPPORTED,
  VIR_FROM_QEMU,
} from "../../rpc/error_codes.ts";
import type { RemoteDomain } from "../../protocol/remote_types.ts";
import type { DiskDef, DomainDef } from "../../conf/domain_xml.ts";
import { VIR_DOMAIN_AFFECT_CONFIG, VIR_DOMAIN_AFFECT_LIVE } from "../domain_constants.ts";
import type { QemuConn } from "./conn.ts";
import { affectedDefs, checkFlags, configXML } from "./domain_common.ts";
import { configPath, writeDurable } from "./files.ts";
import { requireDiskReach } from "./command_line.ts";
import { formatNode, storageNode } from "./disk_nodes.ts";
import { diskNode, parseDisk, saveStatus, TRANSIENT_DEVICE } from "./hotplug.ts";

/** VIR_DOMAIN_DEVICE_MODIFY_FORCE: eject even a medium the guest has locked. */
const MODIFY_FORCE = 1 << 2;

const REMOVABLE = ["cdrom", "floppy"];

function diskIndex(def: DomainDef, target: string): number {
  const i = def.devices.disks.findIndex((d) => d.targetDev === target);
  if (i < 0) {
    throw VirError.of(VIR_ERR_INVALID_ARG, VIR_FROM_QEMU, `target ${target} doesn't exist.`);
  }
  return i;
}

/** The disk as updated: the new source and driver, the old one's identity and address. */
function updated(cur: DiskDef, want: DiskDef): DiskDef {
  return { ...structuredClone(want), info: structuredClone(cur.info) };
}

/** virDomainUpdateDeviceFlags for a <disk>: a removable disk's medium, live and/or persistent. */
export function updateDisk(c: QemuConn, ref: RemoteDomain, xml: string, flags: number): void {
  checkFlags(
    "qemuDomainUpdateDeviceFlags",
    flags,
    VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | MODIFY_FORCE,
  );
  const want = parseDisk(xml);
  const { configDir, stateDir } = c.dir((d) => ({ configDir: d.configDir, stateDir: d.stateDir }));
  c.job(ref, "remoteDispatchDomainUpdateDeviceFlags", (entry) => {
    const o = c.withObj(entry, (x) => x);
    const { live, config } = affectedDefs(flags, o, TRANSIENT_DEVICE);
    if (config) {
      const cur = (o.newDef ?? o.def).devices.disks[diskIndex(o.newDef ?? o.def, want.targetDev)]!;
      if (!REMOVABLE.includes(cur.device)) {
        throw VirError.of(VIR_ERR_INVALID_ARG, VIR_FROM_QEMU, "this disk doesn't support update");
      }
    }
    if (live) {
      const i = diskIndex(o.def, want.targetDev);
      const cur = o.def.devices.disks[i]!;
      if (!REMOVABLE.includes(cur.device) || cur.device !== want.device) {
        throw VirError.of(
          VIR_ERR_OPERATION_UNSUPPORTED,
          VIR_FROM_QEMU,
          `disk bus '${cur.targetBus}' cannot be updated.`,
        );
      }
      const oldPath = cur.source?.path ?? null;
      const newPath = want.source?.path ?? null;
      const id = cur.info.alias!;
      const qmp = (cmd: string, args: Record<string, unknown>) =>
        c.io("qemu.qmp", { uuid: entry.uuid, cmd, args });
      const oldNode = oldPath === null ? null : diskNode(o, cur, i);
      let newNode: number | null = null;
      if (newPath !== oldPath) {
        requireDiskReach(want);
        qmp("blockdev-open-tray", { id, force: true });
        qmp("blockdev-remove-medium", { id });
        if (newPath !== null) {
          newNode = o.nextDiskNode ?? o.def.devices.disks.length + 1;
          qmp("blockdev-add", storageNode(want, newNode));
          qmp("blockdev-add", formatNode(want, newNode, true));
          qmp("blockdev-insert-medium", { id, "node-name": `libvirt-${newNode}-format` });
        }
        qmp("blockdev-close-tray", { id });
        if (oldNode !== null) {
          for (const node of [`libvirt-${oldNode}-format`, `libvirt-${oldNode}-storage`]) {
            try {
              qmp("blockdev-del", { "node-name": node });
            } catch {
              // Already gone with the medium.
            }
          }
        }
      }
      c.withObj(entry, (x, save) => {
        const j = diskIndex(x.def, want.targetDev);
        x.def.devices.disks[j] = updated(x.def.devices.disks[j]!, want);
        if (newNode !== null) {
          x.diskNodes = { ...(x.diskNodes ?? {}), [want.targetDev]: newNode };
          x.nextDiskNode = newNode + 1;
        }
        save();
        saveStatus(stateDir, entry, x);
      });
    }
    if (config) {
      c.withObj(entry, (x, save) => {
        const def = x.newDef ?? x.def;
        const j = diskIndex(def, want.targetDev);
        def.devices.disks[j] = updated(def.devices.disks[j]!, want);
        writeDurable(configPath(configDir, def.name), configXML(def));
        save();
      });
    }
  });
}
