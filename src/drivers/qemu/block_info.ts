/**
 * What a user reads of a domain's disks (virsh domblkinfo, domblkstat,
 * domblkerror): virDomainGetBlockInfo's capacity, allocation and physical
 * size (QEMU's view while running, the image file's otherwise),
 * virDomainBlockStatsFlags' eight counters from query-blockstats (summed
 * over every disk for the empty path) and virDomainGetDiskErrors from each
 * device's I/O status.
 *
 * @module
 */

import type { HandlerEntry } from "../../dispatch/handlers.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import type { RemoteDomain } from "../../protocol/remote_types.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_INVALID_ARG,
  VIR_FROM_QEMU,
  VIR_FROM_RPC,
} from "../../rpc/error_codes.ts";
import { param, type TypedParam } from "../../rpc/typed_params.ts";
import type { DiskDef } from "../../conf/domain_xml.ts";
import { on, type QemuConn } from "./conn.ts";
import { checkFlags, notRunning } from "./domain_common.ts";
import { diskNode } from "./hotplug.ts";
import { imageInfo } from "./storage.ts";
import type { QemuDomainEntry } from "./state.ts";

/** VIR_TYPED_PARAM_STRING_OKAY. */
const STRING_OKAY = 1 << 2;

/** virDomainDiskErrorCode by QEMU's io-status. */
const IO_STATUS_ERRORS: Record<string, number> = { failed: 1, nospace: 2 };

interface BlockStats {
  rd_operations?: number;
  rd_bytes?: number;
  wr_operations?: number;
  wr_bytes?: number;
  flush_operations?: number;
  rd_total_time_ns?: number;
  wr_total_time_ns?: number;
  flush_total_time_ns?: number;
  wr_highest_offset?: number;
}

/** virDomainDiskByName: the disk with this target, or (where allowed) this source. */
function diskIndex(disks: DiskDef[], path: string, allowSource: boolean): number {
  return disks.findIndex((d) =>
    d.targetDev === path || (allowSource && path !== "" && d.source?.path === path)
  );
}

/** query-blockstats of the running domain, by format node. */
function blockStats(c: QemuConn, entry: QemuDomainEntry): Map<string, BlockStats> {
  const all = c.io("qemu.qmp", { uuid: entry.uuid, cmd: "query-blockstats" }) as {
    "node-name"?: string;
    stats: BlockStats;
  }[];
  return new Map(all.map((x) => [x["node-name"] ?? "", x.stats]));
}

/** The stats of the disks `path` names (every disk for ""), or libvirt's error. */
function gather(c: QemuConn, ref: RemoteDomain, path: string): BlockStats[] {
  const entry = c.entry(ref);
  const nodes = c.withObj(entry, (o) => {
    if (o.pid === 0) throw notRunning();
    const disks = o.def.devices.disks;
    if (path === "") return disks.map((d, i) => diskNode(o, d, i));
    const i = diskIndex(disks, path, false);
    if (i < 0) throw VirError.of(VIR_ERR_INVALID_ARG, VIR_FROM_QEMU, `invalid path: ${path}`);
    return [diskNode(o, disks[i]!, i)];
  });
  const stats = blockStats(c, entry);
  return nodes.map((n) => {
    const s = stats.get(`libvirt-${n}-format`);
    if (!s && path !== "") {
      throw VirError.of(
        VIR_ERR_INTERNAL_ERROR,
        VIR_FROM_QEMU,
        `cannot find statistics for device '${path}'`,
      );
    }
    return s ?? {};
  });
}

/** A file's size and the bytes it occupies on disk. */
function fileSizes(path: string): { size: number; allocated: number } {
  try {
    const st = Deno.statSync(path);
    return { size: st.size, allocated: (st.blocks ?? 0) * 512 };
  } catch {
    return { size: 0, allocated: 0 };
  }
}

export const blockInfoHandlers: HandlerEntry[] = [
  on(P.REMOTE_PROC_DOMAIN_GET_BLOCK_INFO, (c, a) => {
    checkFlags("qemuDomainGetBlockInfo", a.flags, 0);
    const entry = c.entry(a.dom);
    const qemuImg = c.dir((d) => d.qemuImg);
    const { disk, node, running } = c.withObj(entry, (o) => {
      const disks = o.def.devices.disks;
      const i = diskIndex(disks, a.path, true);
      if (i < 0) {
        throw VirError.of(
          VIR_ERR_INVALID_ARG,
          VIR_FROM_QEMU,
          `invalid path ${a.path} not assigned to domain`,
        );
      }
      return { disk: disks[i]!, node: diskNode(o, disks[i]!, i), running: o.pid !== 0 };
    });
    const source = disk.source?.path ?? null;
    if (source === null) {
      throw VirError.of(
        VIR_ERR_INVALID_ARG,
        VIR_FROM_QEMU,
        `disk '${a.path}' does not currently have a source assigned`,
      );
    }
    const file = fileSizes(source);
    const qcow2 = disk.driver?.type === "qcow2";
    if (!running) {
      // qemuStorageLimitsRefresh: the image's virtual size, the file's blocks and length.
      const capacity = qcow2 ? imageInfo(qemuImg, source).capacity : file.size;
      return {
        capacity: BigInt(capacity),
        allocation: BigInt(file.allocated),
        physical: BigInt(file.size),
      };
    }
    const blocks = c.io("qemu.qmp", { uuid: entry.uuid, cmd: "query-named-block-nodes" }) as {
      "node-name": string;
      image: { "virtual-size": number; "actual-size"?: number };
    }[];
    const image = blocks.find((b) => b["node-name"] === `libvirt-${node}-format`)?.image;
    const stats = blockStats(c, entry).get(`libvirt-${node}-format`);
    const actual = image?.["actual-size"] ?? file.allocated;
    // Written extent for raw files; a qcow2 file's allocation is what it occupies.
    const allocation = stats?.wr_highest_offset === undefined || qcow2
      ? actual
      : stats.wr_highest_offset;
    const physical = actual === 0 || allocation === 0 || allocation === actual ? file.size : actual;
    return {
      capacity: BigInt(image?.["virtual-size"] ?? file.size),
      allocation: BigInt(allocation),
      physical: BigInt(physical),
    };
  }),

  on(P.REMOTE_PROC_DOMAIN_BLOCK_STATS_FLAGS, (c, a) => {
    if (a.nparams > 16) throw VirError.internal(VIR_FROM_RPC, "nparams too large");
    checkFlags("qemuDomainBlockStatsFlags", a.flags, STRING_OKAY);
    const all = gather(c, a.dom, a.path);
    const sum = (k: keyof BlockStats) =>
      all.reduce((t, s) => t + BigInt(Math.trunc(s[k] ?? 0)), 0n);
    const params: TypedParam[] = [
      param.llong("wr_bytes", sum("wr_bytes")),
      param.llong("wr_operations", sum("wr_operations")),
      param.llong("rd_bytes", sum("rd_bytes")),
      param.llong("rd_operations", sum("rd_operations")),
      param.llong("flush_operations", sum("flush_operations")),
      param.llong("wr_total_times", sum("wr_total_time_ns")),
      param.llong("rd_total_times", sum("rd_total_time_ns")),
      param.llong("flush_total_times", sum("flush_total_time_ns")),
    ];
    if (a.nparams === 0) return { params: [], nparams: params.length };
    return { params: params.slice(0, a.nparams), nparams: Math.min(a.nparams, params.length) };
  }),

  on(P.REMOTE_PROC_DOMAIN_GET_DISK_ERRORS, (c, a) => {
    if (a.maxerrors > 256) throw VirError.internal(VIR_FROM_RPC, "maxerrors too large");
    checkFlags("qemuDomainGetDiskErrors", a.flags, 0);
    const entry = c.entry(a.dom);
    const disks = c.withObj(entry, (o) => {
      if (o.pid === 0) throw notRunning();
      return o.def.devices.disks.map((d) => ({ dev: d.targetDev, alias: d.info.alias }));
    });
    if (a.maxerrors === 0) return { errors: [], nerrors: disks.length };
    const blocks = c.io("qemu.qmp", { uuid: entry.uuid, cmd: "query-block" }) as {
      qdev?: string;
      device?: string;
      "io-status"?: string;
    }[];
    const errors: { disk: string; error: number }[] = [];
    for (const d of disks) {
      const b = blocks.find((x) => x.qdev === d.alias || x.device === `drive-${d.alias}`);
      const error = IO_STATUS_ERRORS[b?.["io-status"] ?? "ok"];
      if (error !== undefined && errors.length < a.maxerrors) errors.push({ disk: d.dev, error });
    }
    return { errors, nerrors: errors.length };
  }),
];
