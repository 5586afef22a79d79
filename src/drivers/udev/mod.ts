/**
 * The host's interfaces and node devices for qemu:///system, as libvirtd's
 * udev interface backend and udev node device driver serve them to every
 * hypervisor connection: listing, lookups, XML, a device's parent and
 * capabilities. Read-only, as those drivers are for host interfaces; what
 * they can change and denovirt does not (defining host interfaces through
 * netcf, PCI detach/reattach, mediated devices, vHBAs) is left to the
 * dispatcher's "not supported".
 *
 * @module
 */

import { type HandlerEntry, handlersOf } from "../../dispatch/handlers.ts";
import { REMOTE_PROGRAM_DEF } from "../../protocol/remote.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import {
  REMOTE_INTERFACE_LIST_MAX,
  REMOTE_NODE_DEVICE_CAPS_LIST_MAX,
  REMOTE_NODE_DEVICE_LIST_MAX,
} from "../../protocol/remote_types.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_NO_NODE_DEVICE,
  VIR_FROM_INTERFACE,
  VIR_FROM_NODEDEV,
} from "../../rpc/error_codes.ts";
import { checkFlagsIn } from "../../util/flags.ts";
import { formatInterfaceXML } from "../../conf/interface_xml.ts";
import {
  capabilityNames,
  deviceHasCap,
  formatNodeDeviceXML,
  NODE_DEV_CAP_TYPES,
  type NodeDeviceDef,
} from "../../conf/nodedev_xml.ts";
import {
  type HostInterface,
  hostInterfaces,
  interfaceByMAC,
  interfaceByName,
  interfaceDef,
} from "./interfaces.ts";
import { hostDevices } from "./nodedev.ts";
import { HOST_ROOT } from "./sysfs.ts";

const VIR_CONNECT_LIST_INTERFACES_INACTIVE = 1 << 0;
const VIR_CONNECT_LIST_INTERFACES_ACTIVE = 1 << 1;
const VIR_INTERFACE_XML_INACTIVE = 1 << 0;
const VIR_NODE_DEVICE_XML_INACTIVE = 1 << 0;
/** VIR_CONNECT_LIST_NODE_DEVICES_CAP_*: bit i filters on capability NODE_DEV_CAP_TYPES[i]. */
const LIST_CAP_FILTERS = (1 << NODE_DEV_CAP_TYPES.length) - 1;
/** VIR_CONNECT_LIST_NODE_DEVICES_INACTIVE and _ACTIVE: every listed device is active. */
const LIST_INACTIVE = 1 << 30;
const LIST_ACTIVE = 2 ** 31;

const on = handlersOf(REMOTE_PROGRAM_DEF);

/** libvirtd's generated check of a list call's `maxnames` (before the driver is called). */
function checkMaxnames(maxnames: number, max: number, name: string): void {
  if (maxnames > max) throw VirError.rpc(`maxnames > ${name}`);
  if (maxnames < 0) throw VirError.rpc("maxnames must be non-negative");
}

function wire(i: HostInterface): { name: string; mac: string } {
  return { name: i.name, mac: i.mac };
}

/** Interfaces by udev's operstate match: "up" for the active, exactly "down" for the defined. */
function withState(state: "up" | "down"): HostInterface[] {
  return hostInterfaces(HOST_ROOT).filter((i) => i.operstate === state);
}

function device(name: string): NodeDeviceDef {
  const def = hostDevices(HOST_ROOT).find((d) => d.name === name);
  if (!def) {
    throw VirError.of(
      VIR_ERR_NO_NODE_DEVICE,
      VIR_FROM_NODEDEV,
      `no node device with matching name '${name}'`,
    );
  }
  return def;
}

function namesWithCap(cap: string | null): string[] {
  return hostDevices(HOST_ROOT).filter((d) => cap === null || deviceHasCap(d, cap))
    .map((d) => d.name);
}

/** virNodeDeviceMatch for virConnectListAllNodeDevices' capability filters. */
function matchesCapFlags(def: NodeDeviceDef, flags: number): boolean {
  if (!(flags & LIST_CAP_FILTERS)) return true;
  return NODE_DEV_CAP_TYPES.some((cap, i) => (flags & (1 << i)) !== 0 && deviceHasCap(def, cap));
}

export const udevHandlers: HandlerEntry[] = [
  // ---- Host interfaces (interface_backend_udev.c) ----------------------------------------------
  on(P.REMOTE_PROC_CONNECT_NUM_OF_INTERFACES, () => ({ num: withState("up").length })),
  on(P.REMOTE_PROC_CONNECT_NUM_OF_DEFINED_INTERFACES, () => ({ num: withState("down").length })),
  on(P.REMOTE_PROC_CONNECT_LIST_INTERFACES, (_c, a) => {
    checkMaxnames(a.maxnames, REMOTE_INTERFACE_LIST_MAX, "REMOTE_INTERFACE_LIST_MAX");
    return { names: withState("up").map((i) => i.name).slice(0, a.maxnames) };
  }),
  on(P.REMOTE_PROC_CONNECT_LIST_DEFINED_INTERFACES, (_c, a) => {
    checkMaxnames(a.maxnames, REMOTE_INTERFACE_LIST_MAX, "REMOTE_INTERFACE_LIST_MAX");
    return { names: withState("down").map((i) => i.name).slice(0, a.maxnames) };
  }),
  on(P.REMOTE_PROC_CONNECT_LIST_ALL_INTERFACES, (_c, a) => {
    const both = VIR_CONNECT_LIST_INTERFACES_ACTIVE | VIR_CONNECT_LIST_INTERFACES_INACTIVE;
    checkFlagsIn(VIR_FROM_INTERFACE, "udevConnectListAllInterfaces", a.flags, both);
    const all = hostInterfaces(HOST_ROOT).filter((i) =>
      !(a.flags & both) ||
      ((a.flags & VIR_CONNECT_LIST_INTERFACES_ACTIVE) !== 0 && i.operstate === "up") ||
      ((a.flags & VIR_CONNECT_LIST_INTERFACES_INACTIVE) !== 0 && i.operstate !== "up")
    );
    return { ifaces: a.need_results ? all.map(wire) : [], ret: all.length };
  }),
  on(
    P.REMOTE_PROC_INTERFACE_LOOKUP_BY_NAME,
    (_c, a) => ({ iface: wire(interfaceByName(HOST_ROOT, a.name)) }),
  ),
  on(
    P.REMOTE_PROC_INTERFACE_LOOKUP_BY_MAC_STRING,
    (_c, a) => ({ iface: wire(interfaceByMAC(HOST_ROOT, a.mac)) }),
  ),
  on(P.REMOTE_PROC_INTERFACE_GET_XML_DESC, (_c, a) => {
    checkFlagsIn(
      VIR_FROM_INTERFACE,
      "udevInterfaceGetXMLDesc",
      a.flags,
      VIR_INTERFACE_XML_INACTIVE,
    );
    return { xml: formatInterfaceXML(interfaceDef(HOST_ROOT, a.iface.name), { inactive: false }) };
  }),
  on(P.REMOTE_PROC_INTERFACE_IS_ACTIVE, (_c, a) => ({
    active: interfaceByName(HOST_ROOT, a.iface.name).operstate === "up" ? 1 : 0,
  })),

  // ---- Node devices (node_device_udev.c, node_device_driver.c) ---------------------------------
  on(P.REMOTE_PROC_NODE_NUM_OF_DEVICES, (_c, a) => {
    checkFlagsIn(VIR_FROM_NODEDEV, "nodeNumOfDevices", a.flags, 0);
    return { num: namesWithCap(a.cap).length };
  }),
  on(P.REMOTE_PROC_NODE_LIST_DEVICES, (_c, a) => {
    checkMaxnames(a.maxnames, REMOTE_NODE_DEVICE_LIST_MAX, "REMOTE_NODE_DEVICE_LIST_MAX");
    checkFlagsIn(VIR_FROM_NODEDEV, "nodeListDevices", a.flags, 0);
    return { names: namesWithCap(a.cap).slice(0, a.maxnames) };
  }),
  on(P.REMOTE_PROC_CONNECT_LIST_ALL_NODE_DEVICES, (_c, a) => {
    const flags = a.flags >>> 0;
    checkFlagsIn(
      VIR_FROM_NODEDEV,
      "nodeConnectListAllNodeDevices",
      flags,
      LIST_CAP_FILTERS | LIST_INACTIVE | LIST_ACTIVE,
    );
    // Devices defined but not present (mdevctl's) are the inactive ones; there are none here.
    const stateFilter = (flags & (LIST_INACTIVE | LIST_ACTIVE)) !== 0;
    const devices = hostDevices(HOST_ROOT)
      .filter((d) => matchesCapFlags(d, flags) && (!stateFilter || (flags & LIST_ACTIVE) !== 0))
      .map((d) => ({ name: d.name }));
    return { devices: a.need_results ? devices : [], ret: devices.length };
  }),
  on(P.REMOTE_PROC_NODE_DEVICE_LOOKUP_BY_NAME, (_c, a) => ({ dev: { name: device(a.name).name } })),
  on(P.REMOTE_PROC_NODE_DEVICE_GET_XML_DESC, (_c, a) => {
    checkFlagsIn(VIR_FROM_NODEDEV, "nodeDeviceGetXMLDesc", a.flags, VIR_NODE_DEVICE_XML_INACTIVE);
    return { xml: formatNodeDeviceXML(device(a.name)) };
  }),
  on(P.REMOTE_PROC_NODE_DEVICE_GET_PARENT, (_c, a) => {
    const def = device(a.name);
    if (def.parent === null) {
      throw VirError.of(VIR_ERR_INTERNAL_ERROR, VIR_FROM_NODEDEV, "no parent for this device");
    }
    return { parentName: def.parent };
  }),
  on(P.REMOTE_PROC_NODE_DEVICE_NUM_OF_CAPS, (_c, a) => ({
    num: capabilityNames(device(a.name)).length,
  })),
  on(P.REMOTE_PROC_NODE_DEVICE_LIST_CAPS, (_c, a) => {
    checkMaxnames(a.maxnames, REMOTE_NODE_DEVICE_CAPS_LIST_MAX, "REMOTE_NODE_DEVICE_CAPS_LIST_MAX");
    return { names: capabilityNames(device(a.name)).slice(0, a.maxnames) };
  }),
];
