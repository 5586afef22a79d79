/**
 * A disk's throttling as QEMU takes it: the <iotune> limits of a disk
 * definition, their names in QMP's block_set_io_throttle, and applying them
 * to a running domain's disk (at start, after a hotplug). The calls that
 * read and change them are in block_iotune.ts.
 *
 * @module
 */

import { type DiskDef, type DomainDef, IOTUNE_ORDER } from "../../conf/domain_xml.ts";
import type { QemuConn } from "./conn.ts";

export type Field = (typeof IOTUNE_ORDER)[number];

/** The numeric limits (every field but group_name). */
export const NUMERIC = IOTUNE_ORDER.filter((f) => f !== "group_name");

/** A disk's limits: every numeric field, and the throttle group's name (null: none). */
export interface IoTune {
  v: Record<string, bigint>;
  group: string | null;
}

/** QEMU's name of each limit in block_set_io_throttle and query-block. */
export const QMP_NAMES: Record<string, string> = {
  total_bytes_sec: "bps",
  read_bytes_sec: "bps_rd",
  write_bytes_sec: "bps_wr",
  total_iops_sec: "iops",
  read_iops_sec: "iops_rd",
  write_iops_sec: "iops_wr",
  total_bytes_sec_max: "bps_max",
  read_bytes_sec_max: "bps_rd_max",
  write_bytes_sec_max: "bps_wr_max",
  total_iops_sec_max: "iops_max",
  read_iops_sec_max: "iops_rd_max",
  write_iops_sec_max: "iops_wr_max",
  size_iops_sec: "iops_size",
  total_bytes_sec_max_length: "bps_max_length",
  read_bytes_sec_max_length: "bps_rd_max_length",
  write_bytes_sec_max_length: "bps_wr_max_length",
  total_iops_sec_max_length: "iops_max_length",
  read_iops_sec_max_length: "iops_rd_max_length",
  write_iops_sec_max_length: "iops_wr_max_length",
};

/**
 * The family a field belongs to (libvirt's QEMU_BLOCK_IOTUNE_SET_* bits):
 * setting one member of a family replaces the whole family.
 */
export function family(f: string): string {
  if (f === "group_name" || f === "size_iops_sec") return f;
  const kind = f.includes("bytes") ? "bytes" : "iops";
  if (f.endsWith("_max_length")) return `${kind}_max_length`;
  if (f.endsWith("_max")) return `${kind}_max`;
  return kind;
}

export function zero(): IoTune {
  return { v: Object.fromEntries(NUMERIC.map((f) => [f, 0n])), group: null };
}

/** A disk's <iotune> as limits. */
export function diskIoTune(d: DiskDef): IoTune {
  const t = zero();
  for (const [k, val] of d.iotune) {
    if (k === "group_name") t.group = val;
    else t.v[k] = BigInt(val);
  }
  return t;
}

/** Limits as a disk's <iotune> children (libvirt leaves out zeros and an unset group). */
export function setDiskIoTune(d: DiskDef, t: IoTune): void {
  d.iotune = IOTUNE_ORDER.flatMap((f): [string, string][] => {
    if (f === "group_name") return t.group ? [[f, t.group]] : [];
    return t.v[f] ? [[f, String(t.v[f])]] : [];
  });
}

/** qemuDiskConfigBlkdeviotuneEnabled: a limit or a group is set. */
export function throttled(t: IoTune): boolean {
  return t.group !== null || NUMERIC.some((f) => t.v[f] !== 0n);
}

/** The QOM path QEMU knows a disk's device by (libvirt's qomName). */
export function diskQomPath(d: DiskDef): string {
  const alias = d.info.alias ?? "";
  return d.targetBus === "virtio" ? `/machine/peripheral/${alias}/virtio-backend` : alias;
}

/** block_set_io_throttle's arguments for these limits (qemuMonitorJSONSetBlockIoThrottle). */
export function throttleArgs(d: DiskDef, t: IoTune): Record<string, unknown> {
  const args: Record<string, unknown> = { id: diskQomPath(d) };
  for (const f of NUMERIC) {
    if (f.endsWith("_max_length")) continue;
    args[QMP_NAMES[f]!] = Number(t.v[f]);
  }
  if (t.group !== null) args.group = t.group;
  for (const f of NUMERIC) {
    // The burst lengths go only when set (QEMU picks 1 for a set burst otherwise).
    if (f.endsWith("_max_length") && t.v[f]) args[QMP_NAMES[f]!] = Number(t.v[f]);
  }
  return args;
}

/**
 * Sets up the throttling of a starting domain's disks from their <iotune>
 * (libvirt's qemuProcessSetupDiskThrottling): drives without a medium are
 * skipped, QEMU refuses them.
 */
export function applyIoTuneAtStart(c: QemuConn, def: DomainDef): void {
  for (const d of def.devices.disks) applyDiskIoTune(c, def.uuid, d);
}

/** The throttling of one disk of a running domain from its <iotune> (a start, a hotplug). */
export function applyDiskIoTune(c: QemuConn, uuid: string, d: DiskDef): void {
  if (!d.source?.path) return;
  const t = diskIoTune(d);
  if (!throttled(t)) return;
  c.io("qemu.qmp", { uuid, cmd: "block_set_io_throttle", args: throttleArgs(d, t) });
}
