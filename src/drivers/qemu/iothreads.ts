/**
 * A QEMU domain's I/O threads in its definition, as libvirt 9.0's QEMU
 * driver keeps them: the references disks and controllers make to them
 * (checked at define: only virtio disks and virtio-scsi controllers may name
 * one, and only one that exists), one `-object iothread` per id (its thread
 * pool sized as <iothread thread_pool_min/max> says, the main loop's as
 * <defaultiothread> says) and the devices' `iothread` property at start, and
 * the checks and edits of virsh iothreadadd / iothreaddel on a definition.
 * Running domains' threads are iothread_api.ts'.
 *
 * @module
 */

import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_CONFIG_UNSUPPORTED,
  VIR_ERR_INVALID_ARG,
  VIR_ERR_XML_ERROR,
  VIR_FROM_DOMAIN,
  VIR_FROM_QEMU,
} from "../../rpc/error_codes.ts";
import type { DiskDef, DomainDef, IOThreadPool } from "../../conf/domain_xml.ts";

/** The QEMU object id of I/O thread `id`. */
export const iothreadAlias = (id: number): string => `iothread${id}`;

/** The I/O thread a disk's or controller's <driver iothread> names, or null. */
export function deviceIOThread(driver: Record<string, string> | null | undefined): number | null {
  const v = driver?.["iothread"];
  return v === undefined ? null : Number(v);
}

/** The `iothread` -device property of a disk or controller, if it names one. */
export function iothreadProp(driver: Record<string, string> | null | undefined): {
  iothread?: string;
} {
  const id = deviceIOThread(driver);
  return id === null ? {} : { iothread: iothreadAlias(id) };
}

/** QEMU's thread-pool properties of a pool, where set. */
export function poolProps(p: Partial<IOThreadPool>): Record<string, number> {
  return {
    ...((p.poolMin ?? -1) >= 0 ? { "thread-pool-min": p.poolMin! } : {}),
    ...((p.poolMax ?? -1) >= 0 ? { "thread-pool-max": p.poolMax! } : {}),
  };
}

/**
 * The -object arguments of a definition's I/O threads, in <iothreadids>
 * order, then the main loop's when <defaultiothread> sizes its pool.
 */
export function iothreadObjectArgs(def: DomainDef): string[] {
  const out = def.iothreadIds.flatMap((t) => [
    "-object",
    JSON.stringify({ "qom-type": "iothread", id: iothreadAlias(t.id), ...poolProps(t) }),
  ]);
  if (def.defaultIOThread) {
    out.push(
      "-object",
      JSON.stringify({
        "qom-type": "main-loop",
        id: "main-loop",
        ...poolProps(def.defaultIOThread),
      }),
    );
  }
  return out;
}

/** A disk's <driver iothread> against the definition (qemuValidateDomainDeviceDefDiskIOThreads). */
export function validateDiskIOThread(def: DomainDef, disk: DiskDef): void {
  const id = deviceIOThread(disk.driver);
  if (id === null) return;
  if (disk.targetBus !== "virtio") {
    throw VirError.of(
      VIR_ERR_CONFIG_UNSUPPORTED,
      VIR_FROM_QEMU,
      `IOThreads not available for bus ${disk.targetBus} target ${disk.targetDev}`,
    );
  }
  if (!def.iothreadIds.some((t) => t.id === id)) {
    throw VirError.of(
      VIR_ERR_CONFIG_UNSUPPORTED,
      VIR_FROM_QEMU,
      `Disk iothread '${id}' not defined in iothreadid`,
    );
  }
}

/**
 * The definition's I/O thread references, as libvirt checks them when a
 * domain is defined: a controller's only on virtio-scsi (domain_conf), and
 * every reference to an id the definition has (qemu_validate).
 */
export function validateIOThreads(def: DomainDef): void {
  for (const c of def.devices.controllers) {
    const id = deviceIOThread(c.driver);
    if (id === null) continue;
    if (c.type !== "scsi" || c.model !== "virtio-scsi") {
      throw VirError.of(
        VIR_ERR_XML_ERROR,
        VIR_FROM_DOMAIN,
        "'iothread' attribute only supported for virtio scsi controllers",
      );
    }
  }
  for (const d of def.devices.disks) validateDiskIOThread(def, d);
  for (const c of def.devices.controllers) {
    const id = deviceIOThread(c.driver);
    if (id !== null && !def.iothreadIds.some((t) => t.id === id)) {
      throw VirError.of(
        VIR_ERR_CONFIG_UNSUPPORTED,
        VIR_FROM_QEMU,
        `controller iothread '${id}' not defined in iothreadid`,
      );
    }
  }
}

/** virDomainDriverAddIOThreadCheck. */
export function addCheck(def: DomainDef, id: number): void {
  if (def.iothreadIds.some((t) => t.id === id)) {
    throw VirError.of(
      VIR_ERR_INVALID_ARG,
      VIR_FROM_DOMAIN,
      `an IOThread is already using iothread_id '${id}'`,
    );
  }
}

/** virDomainDriverDelIOThreadCheck. */
export function delCheck(def: DomainDef, id: number): void {
  if (!def.iothreadIds.some((t) => t.id === id)) {
    throw VirError.of(
      VIR_ERR_INVALID_ARG,
      VIR_FROM_DOMAIN,
      `cannot find IOThread '${id}' in iothreadids list`,
    );
  }
  for (const d of def.devices.disks) {
    if (deviceIOThread(d.driver) === id) {
      throw VirError.of(
        VIR_ERR_INVALID_ARG,
        VIR_FROM_DOMAIN,
        `cannot remove IOThread ${id} since it is being used by disk '${d.targetDev}'`,
      );
    }
  }
  for (const ctl of def.devices.controllers) {
    if (deviceIOThread(ctl.driver) === id) {
      throw VirError.of(
        VIR_ERR_INVALID_ARG,
        VIR_FROM_DOMAIN,
        `cannot remove IOThread '${id}' since it is being used by controller`,
      );
    }
  }
}

/** virDomainIOThreadIDAdd: a new id at the end, written out from now on. */
export function addToDef(def: DomainDef, id: number): void {
  def.iothreadIds.push({ id, autofill: false });
  def.iothreads = def.iothreadIds.length;
}

/** virDomainIOThreadIDDel: the ids after a removed one keep their place in the XML. */
export function delFromDef(def: DomainDef, id: number): void {
  const i = def.iothreadIds.findIndex((t) => t.id === id);
  if (i < 0) return;
  for (let j = i + 1; j < def.iothreadIds.length; j++) def.iothreadIds[j]!.autofill = false;
  def.iothreadIds.splice(i, 1);
  def.iothreads = def.iothreadIds.length;
  if (def.cputune) {
    def.cputune.iothreadpins = def.cputune.iothreadpins.filter((p) => p.iothread !== id);
  }
}
