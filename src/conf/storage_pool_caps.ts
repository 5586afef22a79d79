/**
 * The storage pool capabilities document (virsh pool-capabilities,
 * virConnectGetStoragePoolCapabilities) as libvirt 9.0 writes it: every
 * pool type it knows, in its order, whether this daemon's storage driver
 * has a backend for it, and the source and volume formats each type takes
 * (listed whether or not the backend is there, as libvirt lists them).
 *
 * @module
 */

import { XmlWriter } from "../util/xml_writer.ts";

/** The formats a file-backed volume may have (virStorageFileFormat, for dir/fs/netfs). */
const FILE_FORMATS = [
  "none",
  "raw",
  "dir",
  "bochs",
  "cloop",
  "dmg",
  "iso",
  "vpc",
  "vdi",
  "fat",
  "vhd",
  "ploop",
  "cow",
  "qcow",
  "qcow2",
  "qed",
  "vmdk",
];

interface Options {
  defaultFormat: string;
  formats: readonly string[];
}

/** Each pool type libvirt 9.0 knows, with the pool and volume options it formats. */
const POOL_TYPES: readonly { type: string; pool?: Options; vol?: Options }[] = [
  { type: "dir", vol: { defaultFormat: "raw", formats: FILE_FORMATS } },
  {
    type: "fs",
    pool: {
      defaultFormat: "auto",
      formats: [
        "auto",
        "ext2",
        "ext3",
        "ext4",
        "ufs",
        "iso9660",
        "udf",
        "gfs",
        "gfs2",
        "vfat",
        "hfs+",
        "xfs",
        "ocfs2",
        "vmfs",
      ],
    },
    vol: { defaultFormat: "raw", formats: FILE_FORMATS },
  },
  {
    type: "netfs",
    pool: { defaultFormat: "auto", formats: ["auto", "nfs", "glusterfs", "cifs"] },
    vol: { defaultFormat: "raw", formats: FILE_FORMATS },
  },
  { type: "logical", pool: { defaultFormat: "lvm2", formats: ["unknown", "lvm2"] } },
  {
    type: "disk",
    pool: {
      defaultFormat: "unknown",
      formats: ["unknown", "dos", "dvh", "gpt", "mac", "bsd", "pc98", "sun", "lvm2"],
    },
    vol: {
      defaultFormat: "none",
      formats: [
        "none",
        "linux",
        "fat16",
        "fat32",
        "linux-swap",
        "linux-lvm",
        "linux-raid",
        "extended",
      ],
    },
  },
  { type: "iscsi" },
  { type: "iscsi-direct" },
  { type: "scsi" },
  { type: "mpath" },
  { type: "rbd", vol: { defaultFormat: "raw", formats: [] } },
  { type: "sheepdog" },
  { type: "gluster", vol: { defaultFormat: "raw", formats: FILE_FORMATS } },
  { type: "zfs" },
  { type: "vstorage", vol: { defaultFormat: "raw", formats: FILE_FORMATS } },
];

function writeOptions(
  w: XmlWriter,
  element: string,
  enumName: string,
  o: Options,
): void {
  w.open(element);
  w.empty("defaultFormat", [["type", o.defaultFormat]]);
  w.open("enum", [["name", enumName]]);
  for (const f of o.formats) w.text("value", f);
  w.close("enum");
  w.close(element);
}

/** The document, marking supported the pool types in `backends`. */
export function storagePoolCapabilitiesXML(backends: ReadonlySet<string>): string {
  const w = new XmlWriter();
  w.open("storagepoolCapabilities");
  for (const p of POOL_TYPES) {
    w.open("pool", [["type", p.type], ["supported", backends.has(p.type) ? "yes" : "no"]]);
    if (p.pool) writeOptions(w, "poolOptions", "sourceFormatType", p.pool);
    if (p.vol) writeOptions(w, "volOptions", "targetFormatType", p.vol);
    w.close("pool");
  }
  w.close("storagepoolCapabilities");
  return w.toString();
}
