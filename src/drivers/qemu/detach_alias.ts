/**
 * virsh detach-device-alias (virDomainDetachDeviceAlias): the device a
 * definition knows by that alias is unplugged as a detach-device of it
 * would be, with the same refusals, but without waiting — the call returns
 * once QEMU was asked (device_del), and QEMU's DEVICE_DELETED finishes the
 * removal, as in libvirt. In the persistent definition only a user's `ua-`
 * aliases exist.
 *
 * @module
 */

import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_OPERATION_FAILED,
  VIR_ERR_OPERATION_UNSUPPORTED,
  VIR_FROM_QEMU,
} from "../../rpc/error_codes.ts";
import type { DeviceInfo, DomainDef } from "../../conf/domain_xml.ts";
import type { RemoteDomain } from "../../protocol/remote_types.ts";
import { VIR_DOMAIN_AFFECT_CONFIG, VIR_DOMAIN_AFFECT_LIVE } from "../domain_constants.ts";
import type { QemuConn } from "./conn.ts";
import { affectedDefs, checkFlags, configXML } from "./domain_common.ts";
import { configPath, writeDurable } from "./files.ts";

const TRANSIENT_DEVICE = "cannot modify device on transient domain";

/** A definition's device: its element name, info, and what else decides its unplug. */
interface Found {
  element: string;
  info: DeviceInfo;
  /** Why libvirt refuses to unplug it live (null: it may go). */
  refusal: () => VirError | null;
  /** Takes it out of `def`. */
  remove: (def: DomainDef) => void;
}

const unsupported = (msg: string) => VirError.of(VIR_ERR_OPERATION_UNSUPPORTED, VIR_FROM_QEMU, msg);
const notLive = (element: string) => () =>
  unsupported(`live detach of device '${element}' is not supported`);

/** virDomainDefFindDevice: the device known by `alias`, in libvirt's device order. */
function findByAlias(def: DomainDef, alias: string): Found | null {
  const d = def.devices;
  const without = <T extends { info: DeviceInfo }>(xs: T[], x: T) => xs.filter((y) => y !== x);
  const hit = (x: { info: DeviceInfo }) => x.info.alias === alias;
  const disk = d.disks.find(hit);
  if (disk) {
    return {
      element: "disk",
      info: disk.info,
      refusal: () =>
        disk.info.alias?.startsWith("virtio-disk")
          ? null
          : unsupported(`disk bus '${disk.targetBus}' cannot be hot unplugged.`),
      remove: (x) => (x.devices.disks = without(x.devices.disks, disk)),
    };
  }
  const ctl = d.controllers.find(hit);
  if (ctl) {
    return {
      element: "controller",
      info: ctl.info,
      refusal: () => {
        if (ctl.type !== "scsi") {
          return unsupported(`'${ctl.type}' controller cannot be hot unplugged.`);
        }
        const busy = d.disks.some((k) =>
          k.targetBus === "scsi" &&
          (k.info.address?.type === "drive" ? k.info.address.controller : 0) === ctl.index
        );
        return busy
          ? VirError.of(
            VIR_ERR_OPERATION_FAILED,
            VIR_FROM_QEMU,
            "device cannot be detached: device is busy",
          )
          : null;
      },
      remove: (x) => (x.devices.controllers = without(x.devices.controllers, ctl)),
    };
  }
  const net = d.interfaces.find(hit);
  if (net) {
    return {
      element: "interface",
      info: net.info,
      refusal: () => null,
      remove: (x) => (x.devices.interfaces = without(x.devices.interfaces, net)),
    };
  }
  for (
    const [element, list] of [["serial", d.serials], ["console", d.consoles], [
      "channel",
      d.channels,
    ]] as const
  ) {
    const chr = list.find(hit);
    if (chr) {
      return {
        element,
        info: chr.info,
        refusal: () => null,
        remove: (x) => {
          x.devices.serials = without(x.devices.serials, chr);
          x.devices.consoles = without(x.devices.consoles, chr);
          x.devices.channels = without(x.devices.channels, chr);
        },
      };
    }
  }
  const input = d.inputs.find(hit);
  if (input) {
    return {
      element: "input",
      info: input.info,
      refusal: () =>
        input.bus === "usb" || input.bus === "virtio"
          ? null
          : unsupported(`input device on bus '${input.bus}' cannot be detached`),
      remove: (x) => (x.devices.inputs = without(x.devices.inputs, input)),
    };
  }
  for (const [element, list] of [["sound", d.sounds], ["video", d.videos]] as const) {
    const dev = list.find(hit);
    if (dev) {
      return {
        element,
        info: dev.info,
        refusal: notLive(element),
        remove: (x) => {
          x.devices.sounds = x.devices.sounds.filter((y) => y !== dev);
          x.devices.videos = x.devices.videos.filter((y) => y !== dev);
        },
      };
    }
  }
  const redir = d.redirdevs.find(hit);
  if (redir) {
    return {
      element: "redirdev",
      info: redir.info,
      refusal: () => null,
      remove: (x) => (x.devices.redirdevs = without(x.devices.redirdevs, redir)),
    };
  }
  const wd = d.watchdogs.find(hit);
  if (wd) {
    return {
      element: "watchdog",
      info: wd.info,
      refusal: () =>
        wd.model === "i6300esb"
          ? null
          : unsupported(`hot unplug of watchdog of model ${wd.model} is not supported`),
      remove: (x) => (x.devices.watchdogs = without(x.devices.watchdogs, wd)),
    };
  }
  const rng = d.rngs.find(hit);
  if (rng) {
    return {
      element: "rng",
      info: rng.info,
      refusal: () => null,
      remove: (x) => (x.devices.rngs = without(x.devices.rngs, rng)),
    };
  }
  const balloon = d.memballoon;
  if (balloon && hit(balloon)) {
    return {
      element: "memballoon",
      info: balloon.info,
      refusal: notLive("memballoon"),
      remove: (x) => (x.devices.memballoon = null),
    };
  }
  return null;
}

const noDevice = (alias: string) =>
  VirError.of(VIR_ERR_INTERNAL_ERROR, VIR_FROM_QEMU, `no device found with alias ${alias}`);

export function detachDeviceAlias(
  c: QemuConn,
  ref: RemoteDomain,
  alias: string,
  flags: number,
): void {
  checkFlags(
    "qemuDomainDetachDeviceAlias",
    flags,
    VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG,
  );
  c.job(ref, "remoteDispatchDomainDetachDeviceAlias", (entry) => {
    const o = c.withObj(entry, (x) => x);
    const { live, config } = affectedDefs(flags, o, TRANSIENT_DEVICE);
    let persistent: DomainDef | null = null;
    if (config) {
      persistent = structuredClone(o.newDef ?? o.def);
      const found = findByAlias(persistent, alias);
      if (!found) throw noDevice(alias);
      found.remove(persistent);
    }
    if (live) {
      const found = findByAlias(o.def, alias);
      if (!found) throw noDevice(alias);
      const refusal = found.refusal();
      if (refusal) throw refusal;
      // Asked, not awaited: QEMU's DEVICE_DELETED completes the removal.
      c.io("qemu.qmp", { uuid: entry.uuid, cmd: "device_del", args: { id: alias } });
    }
    if (persistent) {
      const def = persistent;
      const configDir = c.dir((d) => d.configDir);
      c.withObj(entry, (x, save) => {
        if (x.newDef) x.newDef = def;
        else x.def = def;
        writeDurable(configPath(configDir, def.name), configXML(def));
        save();
      });
    }
  });
}
