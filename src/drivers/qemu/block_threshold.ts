/**
 * A disk's write threshold (virsh domblkthreshold): virDomainSetBlockThreshold
 * sets QEMU's write threshold on the image's storage node; domstats shows it
 * as block.N.threshold; when the guest writes past it QEMU's
 * BLOCK_WRITE_THRESHOLD event becomes libvirt's
 * VIR_DOMAIN_EVENT_ID_BLOCK_THRESHOLD, and QEMU clears the threshold.
 *
 * @module
 */

import type { HandlerEntry } from "../../dispatch/handlers.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_INVALID_ARG,
  VIR_FROM_QEMU,
} from "../../rpc/error_codes.ts";
import { on, type QemuConn } from "./conn.ts";
import { checkFlags, notRunning } from "./domain_common.ts";
import { diskNode } from "./hotplug.ts";
import type { QemuDomainEntry, QemuDomainObj } from "./state.ts";

/** VIR_DOMAIN_EVENT_ID_BLOCK_THRESHOLD. */
const VIR_DOMAIN_EVENT_ID_BLOCK_THRESHOLD = 24;

/** "vda" or "vda[2]": the target and the image index named (null: the disk itself). */
function parseDev(dev: string): { target: string; index: number | null } {
  if (!dev.includes("[")) return { target: dev, index: null };
  const m = /^([^[]+)\[(\d+)\]$/.exec(dev);
  if (!m) {
    throw VirError.of(
      VIR_ERR_INVALID_ARG,
      VIR_FROM_QEMU,
      `failed to parse block device '${dev}'`,
    );
  }
  return { target: m[1]!, index: Number(m[2]) };
}

/** The storage node name of the image `dev` names in a running domain, and its disk's target. */
function thresholdNodeLocked(
  o: QemuDomainObj,
  dev: string,
): { target: string; node: string | null; indexed: boolean } {
  const parsed = parseDev(dev);
  const i = o.def.devices.disks.findIndex((d) => d.targetDev === parsed.target);
  const disk = o.def.devices.disks[i];
  if (!disk) {
    throw VirError.of(VIR_ERR_INVALID_ARG, VIR_FROM_QEMU, `failed to find disk '${dev}'`);
  }
  const n = diskNode(o, disk, i);
  // Only the disk's top image has an index of its own here.
  if (parsed.index !== null && (parsed.index !== n || !disk.source?.path)) {
    throw VirError.of(VIR_ERR_INVALID_ARG, VIR_FROM_QEMU, `failed to find disk '${dev}'`);
  }
  return {
    target: disk.targetDev,
    node: disk.source?.path ? `libvirt-${n}-storage` : null,
    indexed: parsed.index !== null,
  };
}

/** The write thresholds QEMU has set, by node name (query-named-block-nodes). */
export function writeThresholds(
  nodes: { "node-name"?: string; write_threshold?: number }[],
): Map<string, number> {
  return new Map(
    nodes.filter((n) => n.write_threshold).map((n) => [n["node-name"] ?? "", n.write_threshold!]),
  );
}

/**
 * QEMU's BLOCK_WRITE_THRESHOLD (the domain's job held): the disk and, when
 * it was named by index, only its image (libvirt's
 * qemuProcessHandleBlockThreshold).
 */
export function blockThresholdEvent(
  c: QemuConn,
  entry: QemuDomainEntry,
  data: Record<string, unknown>,
): void {
  const node = data["node-name"];
  if (typeof node !== "string") return;
  const m = /^libvirt-(\d+)-(storage|format)$/.exec(node);
  if (!m) return;
  const found = c.withObj(entry, (o) => {
    const i = o.def.devices.disks.findIndex((d, k) => diskNode(o, d, k) === Number(m[1]));
    const disk = o.def.devices.disks[i];
    if (!disk) return null;
    return {
      dom: { name: entry.name, uuid: entry.uuid, id: o.id },
      target: disk.targetDev,
      path: disk.source?.path ?? null,
      indexed: o.thresholdIndexed?.[disk.targetDev] === true,
    };
  });
  if (!found) return;
  const msg = {
    path: found.path,
    threshold: BigInt(Math.trunc(Number(data["write-threshold"] ?? 0))),
    excess: BigInt(Math.trunc(Number(data["amount-exceeded"] ?? 0))),
  };
  const { dom, target } = found;
  if (!found.indexed) {
    c.emitDomain(dom, VIR_DOMAIN_EVENT_ID_BLOCK_THRESHOLD, { dev: target, ...msg }, true);
  }
  c.emitDomain(
    dom,
    VIR_DOMAIN_EVENT_ID_BLOCK_THRESHOLD,
    { dev: `${target}[${m[1]}]`, ...msg },
    true,
  );
}

export const blockThresholdHandlers: HandlerEntry[] = [
  on(P.REMOTE_PROC_DOMAIN_SET_BLOCK_THRESHOLD, (c, a) => {
    checkFlags("qemuDomainSetBlockThreshold", a.flags, 0);
    c.job(a.dom, "remoteDispatchDomainSetBlockThreshold", (entry) => {
      const { target, node, indexed } = c.withObj(entry, (o) => {
        if (o.pid === 0) throw notRunning();
        return thresholdNodeLocked(o, a.dev);
      });
      if (node === null) {
        // libvirt builds the command with no node name for a drive without a medium.
        throw VirError.of(
          VIR_ERR_INTERNAL_ERROR,
          VIR_FROM_QEMU,
          "argument key 'node-name' must not have null value",
        );
      }
      c.io("qemu.qmp", {
        uuid: entry.uuid,
        cmd: "block-set-write-threshold",
        args: { "node-name": node, "write-threshold": Number(a.threshold) },
      });
      c.withObj(entry, (o, save) => {
        o.thresholdIndexed = { ...o.thresholdIndexed, [target]: indexed };
        save();
      });
    });
  }),
];
