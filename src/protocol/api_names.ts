/**
 * The public libvirt API behind each remote procedure (for messages such as
 * "read only access prevents virDomainDestroy") and the error domain of the
 * file that API lives in.
 *
 * @module
 */

import {
  VIR_FROM_DOMAIN,
  VIR_FROM_DOMAIN_CHECKPOINT,
  VIR_FROM_DOMAIN_SNAPSHOT,
  VIR_FROM_INTERFACE,
  VIR_FROM_NETWORK,
  VIR_FROM_NODEDEV,
  VIR_FROM_NONE,
  VIR_FROM_NWFILTER,
  VIR_FROM_SECRET,
  VIR_FROM_STORAGE,
} from "../rpc/error_codes.ts";

/** Words libvirt spells in capitals inside API names. */
const ACRONYMS = new Set([
  "XML",
  "UUID",
  "ID",
  "CPU",
  "OS",
  "URI",
  "MAC",
  "IP",
  "DHCP",
  "SEV",
  "TLS",
  "FS",
  "PM",
  "NMI",
  "QEMU",
  "LXC",
  "FD",
  "SGX",
  "SSH",
]);

/** Words libvirt spells in mixed case inside API names. */
const SPELLINGS: Record<string, string> = {
  NWFILTER: "NWFilter",
  NWFILTERS: "NWFilters",
  IOTHREAD: "IOThread",
};

/** Procedures whose API name does not follow from the procedure name word by word. */
const OVERRIDES: Record<string, string> = {
  DOMAIN_SET_BLOCK_IO_TUNE: "virDomainSetBlockIoTune",
  DOMAIN_GET_BLOCK_IO_TUNE: "virDomainGetBlockIoTune",
  DOMAIN_FSTRIM: "virDomainFSTrim",
  DOMAIN_FSFREEZE: "virDomainFSFreeze",
  DOMAIN_FSTHAW: "virDomainFSThaw",
  DOMAIN_GET_FSINFO: "virDomainGetFSInfo",
  DOMAIN_PIN_IOTHREAD: "virDomainPinIOThread",
  DOMAIN_GET_IOTHREAD_INFO: "virDomainGetIOThreadInfo",
  DOMAIN_ADD_IOTHREAD: "virDomainAddIOThread",
  DOMAIN_DEL_IOTHREAD: "virDomainDelIOThread",
  DOMAIN_SET_IOTHREAD_PARAMS: "virDomainSetIOThreadParams",
  CONNECT_LIST_ALL_NODE_DEVICES: "virConnectListAllNodeDevices",
  NODE_NUM_OF_DEVICES: "virNodeNumOfDevices",
  NODE_LIST_DEVICES: "virNodeListDevices",
  DOMAIN_SNAPSHOT_LIST_ALL_CHILDREN: "virDomainSnapshotListAllChildren",
  STORAGE_VOL_CREATE_XML_FROM: "virStorageVolCreateXMLFrom",
  NODE_DEVICE_LOOKUP_SCSI_HOST_BY_WWN: "virNodeDeviceLookupSCSIHostByWWN",
  DOMAIN_SET_NUMA_PARAMETERS: "virDomainSetNumaParameters",
  DOMAIN_GET_NUMA_PARAMETERS: "virDomainGetNumaParameters",
};

/** `DOMAIN_GET_XML_DESC` → `virDomainGetXMLDesc`. */
export function apiName(procName: string): string {
  const o = OVERRIDES[procName];
  if (o) return o;
  return "vir" +
    procName.split("_").map((w) =>
      SPELLINGS[w] ?? (ACRONYMS.has(w) ? w : w.charAt(0) + w.slice(1).toLowerCase())
    ).join("");
}

/** The error domain libvirt's public API uses for this procedure's object. */
export function apiErrorDomain(procName: string): number {
  if (procName.startsWith("DOMAIN_SNAPSHOT") || procName.includes("_SNAPSHOT")) {
    return VIR_FROM_DOMAIN_SNAPSHOT;
  }
  if (procName.startsWith("DOMAIN_CHECKPOINT") || procName.includes("_CHECKPOINT")) {
    return VIR_FROM_DOMAIN_CHECKPOINT;
  }
  if (procName.includes("DOMAIN")) return VIR_FROM_DOMAIN;
  if (procName.includes("NWFILTER")) return VIR_FROM_NWFILTER;
  if (procName.includes("NETWORK")) return VIR_FROM_NETWORK;
  if (procName.includes("STORAGE") || procName.includes("POOL")) return VIR_FROM_STORAGE;
  if (procName.startsWith("NODE_DEVICE") || procName.includes("NODE_DEVICES")) {
    return VIR_FROM_NODEDEV;
  }
  if (procName.includes("INTERFACE")) return VIR_FROM_INTERFACE;
  if (procName.includes("SECRET")) return VIR_FROM_SECRET;
  // libvirt-host.c (virNode…, virConnect… host calls) reports in VIR_FROM_DOMAIN.
  if (procName.startsWith("NODE_") || procName.startsWith("CONNECT_")) return VIR_FROM_DOMAIN;
  return VIR_FROM_NONE;
}
