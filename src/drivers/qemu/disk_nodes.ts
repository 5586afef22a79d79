/**
 * A disk's -blockdev nodes and device properties as libvirt 9.0 gives them
 * to QEMU 7.2 (qemuBlockStorageSourceGetBackendProps, the format layer and
 * qemuBuildDiskDeviceProps): the storage node (file or host_device, with
 * aio and cache), the format node (discard, detect-zeroes, cache), and the
 * device's write-cache and serial. Used for the command line, hotplug and
 * medium changes alike.
 *
 * @module
 */

import type { DiskDef } from "../../conf/domain_xml.ts";

/** libvirt's cache modes: whether guest writes are cached, O_DIRECT, and flushes dropped. */
const CACHE_MODES: Record<string, { writeback: boolean; direct: boolean; noFlush: boolean }> = {
  none: { writeback: true, direct: true, noFlush: false },
  writethrough: { writeback: false, direct: false, noFlush: false },
  writeback: { writeback: true, direct: false, noFlush: false },
  directsync: { writeback: false, direct: true, noFlush: false },
  unsafe: { writeback: true, direct: false, noFlush: true },
};

/** The <driver> attributes this driver applies (others are refused at define). */
export const DISK_DRIVER_ATTRS = [
  "name",
  "type",
  "cache",
  "io",
  "discard",
  "detect_zeroes",
  "iothread",
];

function cacheMode(d: DiskDef) {
  const c = d.driver?.["cache"];
  return c && c !== "default" ? CACHE_MODES[c] ?? null : null;
}

function cacheProps(d: DiskDef): Record<string, unknown> {
  const m = cacheMode(d);
  return m ? { cache: { direct: m.direct, "no-flush": m.noFlush } } : {};
}

/** The storage node: the image file (or block device) itself. */
export function storageNode(d: DiskDef, node: number | string): Record<string, unknown> {
  const io = d.driver?.["io"];
  return {
    driver: d.type === "block" ? "host_device" : "file",
    filename: d.source?.path,
    ...(io && io !== "default" ? { aio: io } : {}),
    "node-name": `libvirt-${node}-storage`,
    ...cacheProps(d),
    "auto-read-only": true,
    discard: "unmap",
  };
}

/** The format node QEMU's device reads through. */
export function formatNode(
  d: DiskDef,
  node: number | string,
  readOnly: boolean,
): Record<string, unknown> {
  const discard = d.driver?.["discard"] === "unmap";
  const dz = d.driver?.["detect_zeroes"];
  // detect-zeroes=unmap needs discard=unmap; without it libvirt asks for "on".
  const detect = dz && dz !== "default" && dz !== "off"
    ? (dz === "unmap" && !discard ? "on" : dz)
    : null;
  return {
    "node-name": `libvirt-${node}-format`,
    "read-only": readOnly,
    ...(discard ? { discard: "unmap" } : {}),
    ...(detect ? { "detect-zeroes": detect } : {}),
    ...cacheProps(d),
    driver: d.driver?.["type"] ?? "raw",
    file: `libvirt-${node}-storage`,
  };
}

/** The device properties after its bootindex: write-cache and serial. */
export function diskDeviceTail(d: DiskDef): Record<string, unknown> {
  const m = cacheMode(d);
  return {
    ...(m ? { "write-cache": m.writeback ? "on" : "off" } : {}),
    ...(d.serial !== null ? { serial: d.serial } : {}),
  };
}
