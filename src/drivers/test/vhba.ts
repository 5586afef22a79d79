/**
 * The test driver's vHBA mock: the parent a new vHBA goes on
 * (virNodeDeviceObjListGetParentHost), the scsi_host12 that
 * virNodeDeviceCreateXML adds (testNodeDeviceMockCreateVport) and what
 * virNodeDeviceDestroy and destroying an fc_host pool remove.
 *
 * @module
 */

import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_NO_NODE_DEVICE,
  VIR_FROM_NODEDEV,
  VIR_FROM_NONE,
  VIR_FROM_TEST,
} from "../../rpc/error_codes.ts";
import {
  formatNodeDeviceXML,
  type NodeDevCap,
  type NodeDeviceDef,
  parseNodeDeviceXML,
} from "../../conf/nodedev_xml.ts";

function internal(detail: string): VirError {
  return VirError.of(VIR_ERR_INTERNAL_ERROR, VIR_FROM_NODEDEV, detail);
}

/** virNodeDeviceGetWWNs: the WWNs of a device's fc_host capability. */
export function nodeDeviceGetWWNs(def: NodeDeviceDef): { wwnn: string; wwpn: string } {
  for (const c of def.caps) {
    if (c.type === "scsi_host" && c.fcHost) return { wwnn: c.fcHost.wwnn, wwpn: c.fcHost.wwpn };
  }
  throw internal("Device is not a fibre channel HBA");
}

function scsiHostCap(def: NodeDeviceDef) {
  return def.caps.find((c): c is Extract<NodeDevCap, { type: "scsi_host" }> =>
    c.type === "scsi_host"
  );
}

function isVportCapable(def: NodeDeviceDef): boolean {
  return def.caps.some((c) => c.type === "scsi_host" && c.vportOps !== null);
}

function checkVportParent(parent: NodeDeviceDef): NodeDeviceDef {
  if (!isVportCapable(parent)) {
    throw internal(`Parent device ${parent.name} is not capable of vport operations`);
  }
  return parent;
}

/**
 * virNodeDeviceObjListGetParentHost: the parent a new vHBA would be created
 * on: by `<parent>` name, by parent WWNN/WWPN, by parent fabric WWN, or the
 * first vport-capable HBA; with libvirt's errors.
 */
export function findVHBAParent(def: NodeDeviceDef, devs: readonly NodeDeviceDef[]): NodeDeviceDef {
  const notFound = () => internal(`Could not find parent device for '${def.name}'`);
  if (def.parent !== null) {
    const p = devs.find((d) => d.name === def.parent);
    if (!p) throw notFound();
    return checkVportParent(p);
  }
  const fc = (d: NodeDeviceDef) => scsiHostCap(d)?.fcHost ?? null;
  if (def.parentWwnn !== null && def.parentWwpn !== null) {
    const p = devs.find((d) =>
      fc(d)?.wwnn === def.parentWwnn && fc(d)?.wwpn === def.parentWwpn && isVportCapable(d)
    );
    if (!p) throw notFound();
    return checkVportParent(p);
  }
  if (def.parentFabricWwn !== null) {
    const p = devs.find((d) => fc(d)?.fabricWwn === def.parentFabricWwn && isVportCapable(d));
    if (!p) throw notFound();
    return checkVportParent(p);
  }
  const p = devs.find(isVportCapable);
  if (!p) throw internal("Could not find any vport capable device");
  return p;
}

/** Name of the device the test driver's vHBA mock always creates. */
export const MOCK_VHBA_NAME = "scsi_host12";

/**
 * testNodeDeviceMockCreateVport: a copy of scsi_host11 named scsi_host12
 * with the given WWNs (host and unique_id unchanged, its parent scsi_host1
 * whatever parent was asked for). It replaces an existing scsi_host12.
 * Without scsi_host11 libvirt fails without saying why.
 */
export function mockCreateVport(
  devs: readonly NodeDeviceDef[],
  wwnn: string,
  wwpn: string,
): NodeDeviceDef {
  const src = devs.find((d) => d.name === "scsi_host11");
  if (!src) {
    throw new VirError({
      code: VIR_ERR_INTERNAL_ERROR,
      domain: VIR_FROM_NONE,
      str1: "An error occurred, but the cause is unknown",
    });
  }
  // libvirt formats scsi_host11 and parses the text back as an existing device.
  const copy = parseNodeDeviceXML(formatNodeDeviceXML(src), "existing");
  copy.name = MOCK_VHBA_NAME;
  for (const c of copy.caps) {
    if (c.type !== "scsi_host") continue;
    if (c.fcHost) c.fcHost = { ...c.fcHost, wwnn, wwpn };
    else {
      c.host++;
      c.uniqueId++;
    }
  }
  return copy;
}

/**
 * testNodeDeviceCreateXML: the device virNodeDeviceCreateXML adds for the
 * parsed `xmlDef` (parseNodeDeviceXML in "create" mode), given the current
 * devices. `parentDef` is the parent as the caller resolved it, or null to
 * resolve it here as libvirt does (its errors included). The result goes into
 * the device list in place of any existing device of the same name. The
 * handle libvirt returns carries xmlDef.parent as its parent name.
 */
export function createVHBA(
  parentDef: NodeDeviceDef | null,
  xmlDef: NodeDeviceDef,
  existing: readonly NodeDeviceDef[],
): NodeDeviceDef {
  const { wwnn, wwpn } = nodeDeviceGetWWNs(xmlDef);
  if (parentDef) checkVportParent(parentDef);
  else findVHBAParent(xmlDef, existing);
  return mockCreateVport(existing, wwnn, wwpn);
}

/** The test driver's "no such device" error (VIR_FROM_TEST). */
function noDevice(name: string): VirError {
  return VirError.of(
    VIR_ERR_NO_NODE_DEVICE,
    VIR_FROM_TEST,
    `no node device with matching name '${name}'`,
  );
}

/**
 * testNodeDeviceDestroy: the device list after virNodeDeviceDestroy(name).
 * Only a fibre channel HBA whose parent exists is removed; for any other
 * device libvirt 9.0 reports success and changes nothing.
 */
export function destroyNodeDevice(
  name: string,
  existing: readonly NodeDeviceDef[],
): NodeDeviceDef[] {
  const def = existing.find((d) => d.name === name);
  if (!def) throw noDevice(name);
  const fc = def.caps.some((c) => c.type === "scsi_host" && c.fcHost);
  if (!fc || !existing.some((d) => d.name === def.parent)) return [...existing];
  return existing.filter((d) => d !== def);
}

/** testDestroyVport (destroying a pool with an fc_host adapter): removes scsi_host12. */
export function destroyVport(existing: readonly NodeDeviceDef[]): NodeDeviceDef[] {
  if (!existing.some((d) => d.name === MOCK_VHBA_NAME)) throw noDevice(MOCK_VHBA_NAME);
  return existing.filter((d) => d.name !== MOCK_VHBA_NAME);
}
