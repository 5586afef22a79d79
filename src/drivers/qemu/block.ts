/**
 * Block devices of a running QEMU domain beyond their statistics (libvirt's
 * qemuDomainBlockResize and the block-job entry points): `virsh blockresize`
 * through QMP's block_resize on the disk's format node; blockpull,
 * blockcommit, blockjob --info, --bandwidth and --abort, and blockcopy of a path (a
 * rebase with the copy flag: blockdev-mirror), whose jobs block_jobs.ts
 * runs. The typed virDomainBlockCopy (blockcopy --xml) is not built.
 *
 * @module
 */

import type { HandlerEntry } from "../../dispatch/handlers.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_INVALID_ARG,
  VIR_ERR_OPERATION_FAILED,
  VIR_ERR_OPERATION_INVALID,
  VIR_ERR_OPERATION_UNSUPPORTED,
  VIR_ERR_OVERFLOW,
  VIR_FROM_QEMU,
} from "../../rpc/error_codes.ts";
import { noSupport } from "../../dispatch/dispatch.ts";
import { apiErrorDomain, apiName } from "../../protocol/api_names.ts";
import { diskIndexByName, diskIsEmpty } from "../../conf/snapshot_xml.ts";
import { on } from "./conn.ts";
import { checkFlags, notRunning } from "./domain_common.ts";
import { diskNode } from "./hotplug.ts";
import {
  abortBlockJob,
  BLOCK_JOB_TYPE_ACTIVE_COMMIT,
  BLOCK_JOB_TYPE_COMMIT,
  BLOCK_JOB_TYPE_COPY,
  BLOCK_JOB_TYPE_PULL,
  blockJobInfo,
  jobDisk,
  nodeOf,
  setBlockJobSpeed,
  startBlockJob,
} from "./block_jobs.ts";

const VIR_DOMAIN_BLOCK_RESIZE_BYTES = 1;
const VIR_DOMAIN_BLOCK_JOB_INFO_BANDWIDTH_BYTES = 1;
const VIR_DOMAIN_BLOCK_PULL_BANDWIDTH_BYTES = 1 << 6;
const COMMIT_SHALLOW = 1 << 0;
const COMMIT_ACTIVE = 1 << 2;
const COMMIT_BANDWIDTH_BYTES = 1 << 4;
const REBASE_REUSE_EXT = 1 << 1;
const REBASE_COPY_RAW = 1 << 2;
const REBASE_COPY = 1 << 3;
const REBASE_BANDWIDTH_BYTES = 1 << 6;
const SET_SPEED_BANDWIDTH_BYTES = 1 << 0;
const ABORT_ASYNC = 1 << 0;
const ABORT_PIVOT = 1 << 1;

export const blockHandlers: HandlerEntry[] = [
  on(P.REMOTE_PROC_DOMAIN_BLOCK_RESIZE, (c, a) => {
    checkFlags("qemuDomainBlockResize", a.flags, VIR_DOMAIN_BLOCK_RESIZE_BYTES);
    let size = a.size;
    if (!(a.flags & VIR_DOMAIN_BLOCK_RESIZE_BYTES)) {
      if (size > 0xffffffffffffffffn / 1024n) {
        throw VirError.of(
          VIR_ERR_OVERFLOW,
          VIR_FROM_QEMU,
          `size must be less than ${0xffffffffffffffffn / 1024n}`,
        );
      }
      size *= 1024n;
    }
    c.job(a.dom, "remoteDispatchDomainBlockResize", (entry) => {
      const node = c.withObj(entry, (o) => {
        if (o.pid === 0) throw notRunning();
        const i = diskIndexByName(o.def, a.disk, false);
        if (i < 0) {
          throw VirError.of(
            VIR_ERR_INVALID_ARG,
            VIR_FROM_QEMU,
            `disk '${a.disk}' was not found in the domain config`,
          );
        }
        const d = o.def.devices.disks[i]!;
        if (diskIsEmpty(d) || d.readonly || d.device === "cdrom") {
          throw VirError.of(
            VIR_ERR_OPERATION_UNSUPPORTED,
            VIR_FROM_QEMU,
            `can't resize empty or readonly disk '${d.targetDev}'`,
          );
        }
        // qcow2 and qed are sized in 512-byte sectors.
        const fmt = d.driver?.type;
        if (fmt === "qcow2" || fmt === "qed") size = (size + 511n) / 512n * 512n;
        return `libvirt-${diskNode(o, d, i)}-format`;
      });
      c.io("qemu.qmp", {
        uuid: entry.uuid,
        cmd: "block_resize",
        args: { "node-name": node, size: Number(size) },
      });
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_GET_BLOCK_JOB_INFO, (c, a) => {
    checkFlags("qemuDomainGetBlockJobInfo", a.flags, VIR_DOMAIN_BLOCK_JOB_INFO_BANDWIDTH_BYTES);
    return c.job(
      a.dom,
      "remoteDispatchDomainGetBlockJobInfo",
      (entry) =>
        blockJobInfo(c, entry, a.path, (a.flags & VIR_DOMAIN_BLOCK_JOB_INFO_BANDWIDTH_BYTES) !== 0),
    );
  }),
  on(P.REMOTE_PROC_DOMAIN_BLOCK_PULL, (c, a) => {
    checkFlags("qemuDomainBlockPull", a.flags, VIR_DOMAIN_BLOCK_PULL_BANDWIDTH_BYTES);
    const speed = speedOf(a.bandwidth, (a.flags & VIR_DOMAIN_BLOCK_PULL_BANDWIDTH_BYTES) !== 0);
    c.job(
      a.dom,
      "remoteDispatchDomainBlockPull",
      (entry) =>
        startBlockJob(c, entry, a.path, (d, layers, nodes) => ({
          job: { type: BLOCK_JOB_TYPE_PULL, ready: false, top: 0, base: layers.length },
          cmd: "block-stream",
          args: { device: nodeOf(nodes, layers[0]!, d.targetDev), ...speed },
        })),
    );
  }),
  on(P.REMOTE_PROC_DOMAIN_BLOCK_COMMIT, (c, a) => {
    checkFlags(
      "qemuDomainBlockCommit",
      a.flags,
      COMMIT_SHALLOW | COMMIT_ACTIVE | COMMIT_BANDWIDTH_BYTES,
    );
    const speed = speedOf(a.bandwidth, (a.flags & COMMIT_BANDWIDTH_BYTES) !== 0);
    const active = (a.flags & COMMIT_ACTIVE) !== 0;
    c.job(
      a.dom,
      "remoteDispatchDomainBlockCommit",
      (entry) =>
        startBlockJob(c, entry, a.disk, (d, layers, nodes) => {
          const top = a.top === null || a.top === d.targetDev
            ? 0
            : layers.findIndex((l) => l.path === a.top);
          if (top < 0) throw invalidArg(`could not find image '${a.top}' in chain for '${a.disk}'`);
          // libvirt looks for the base before it looks at the flags.
          if (top + 1 >= layers.length && a.base === null && !(a.flags & COMMIT_SHALLOW)) {
            throw invalidArg(`could not find base image in chain for '${a.disk}'`);
          }
          if (top === 0 && !active) {
            throw invalidArg(`commit of '${d.targetDev}' active layer requires active flag`);
          }
          if (top > 0 && active) {
            throw invalidArg(`active commit requested but '${layers[top]!.path}' is not active`);
          }
          if (top + 1 >= layers.length) {
            throw invalidArg(
              `top '${layers[top]!.path}' in chain for '${a.disk}' has no backing file`,
            );
          }
          const base = a.flags & COMMIT_SHALLOW
            ? top + 1
            : a.base === null
            ? layers.length - 1
            : layers.findIndex((l, i) => i > top && l.path === a.base);
          if (base < 0) {
            throw invalidArg(
              `could not find base image '${a.base}' below '${
                layers[top]!.path
              }' in chain for '${a.disk}'`,
            );
          }
          const baseNode = nodeOf(nodes, layers[base]!, d.targetDev);
          const n = /^libvirt-(\d+)-format$/.exec(baseNode);
          if (active && !n) {
            throw VirError.of(
              VIR_ERR_OPERATION_UNSUPPORTED,
              VIR_FROM_QEMU,
              `active commit into '${
                layers[base]!.path
              }', an image QEMU opened itself, is not supported by denovirt's QEMU driver`,
            );
          }
          return {
            job: {
              type: active ? BLOCK_JOB_TYPE_ACTIVE_COMMIT : BLOCK_JOB_TYPE_COMMIT,
              ready: false,
              top,
              base,
              ...(active && n ? { baseNode: Number(n[1]) } : {}),
            },
            cmd: "block-commit",
            args: {
              device: nodeOf(nodes, layers[0]!, d.targetDev),
              "top-node": nodeOf(nodes, layers[top]!, d.targetDev),
              "base-node": baseNode,
              ...speed,
            },
          };
        }),
    );
  }),
  on(P.REMOTE_PROC_DOMAIN_BLOCK_REBASE, (c, a) => {
    // Only a copy is built (virsh blockcopy without --xml); a rebase is not.
    if (!(a.flags & REBASE_COPY)) {
      throw noSupport(apiName("DOMAIN_BLOCK_REBASE"), apiErrorDomain("DOMAIN_BLOCK_REBASE"));
    }
    checkFlags(
      "qemuDomainBlockRebase",
      a.flags,
      REBASE_COPY | REBASE_REUSE_EXT | REBASE_COPY_RAW | REBASE_BANDWIDTH_BYTES,
    );
    if (a.base === null) throw invalidArg("destination must be specified");
    const speed = speedOf(a.bandwidth, (a.flags & REBASE_BANDWIDTH_BYTES) !== 0);
    const dest = a.base;
    const qemuImgPath = c.dir((d) => d.qemuImg);
    c.job(a.dom, "remoteDispatchDomainBlockRebase", (entry) => {
      const { source, format, node } = c.withObj(entry, (o, save) => {
        if (o.pid === 0) throw notRunning();
        const d = jobDisk(o, a.path);
        // libvirt 9.0: a mirror would not survive the persistent domain's next start.
        if (o.persistent) {
          throw VirError.of(VIR_ERR_OPERATION_INVALID, VIR_FROM_QEMU, "domain is not transient");
        }
        const node = o.nextDiskNode ?? o.def.devices.disks.length + 1;
        o.nextDiskNode = node + 1;
        save();
        const format = a.flags & REBASE_COPY_RAW ? "raw" : d.driver?.type ?? "raw";
        return { source: d.source?.path ?? "", format, node };
      });
      let created = false;
      if (!(a.flags & REBASE_REUSE_EXT)) {
        const info = JSON.parse(qemuImg(qemuImgPath, ["info", "-U", "--output=json", source])) as {
          "virtual-size": number;
        };
        qemuImg(qemuImgPath, ["create", "-f", format, dest, String(info["virtual-size"])]);
        created = true;
      } else {
        try {
          Deno.statSync(dest);
        } catch {
          throw invalidArg(`missing destination file for disk '${a.path}': ${dest}`);
        }
      }
      const added: string[] = [];
      try {
        c.io("qemu.qmp", {
          uuid: entry.uuid,
          cmd: "blockdev-add",
          args: {
            driver: "file",
            filename: dest,
            "node-name": `libvirt-${node}-storage`,
            "auto-read-only": true,
            discard: "unmap",
          },
        });
        added.push(`libvirt-${node}-storage`);
        c.io("qemu.qmp", {
          uuid: entry.uuid,
          cmd: "blockdev-add",
          args: {
            "node-name": `libvirt-${node}-format`,
            "read-only": false,
            driver: format,
            file: `libvirt-${node}-storage`,
            ...(format === "raw" ? {} : { backing: null }),
          },
        });
        added.push(`libvirt-${node}-format`);
        startBlockJob(c, entry, a.path, (d, layers, nodes) => ({
          job: {
            type: BLOCK_JOB_TYPE_COPY,
            ready: false,
            top: 0,
            base: layers.length,
            copy: { path: dest, format, node },
          },
          cmd: "blockdev-mirror",
          args: {
            device: nodeOf(nodes, layers[0]!, d.targetDev),
            target: `libvirt-${node}-format`,
            sync: "full",
            ...speed,
          },
        }));
      } catch (e) {
        for (const n of added.reverse()) {
          try {
            c.io("qemu.qmp", { uuid: entry.uuid, cmd: "blockdev-del", args: { "node-name": n } });
          } catch {
            // Not added after all.
          }
        }
        if (created) {
          try {
            Deno.removeSync(dest);
          } catch {
            // Gone already.
          }
        }
        throw e;
      }
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_BLOCK_JOB_SET_SPEED, (c, a) => {
    checkFlags("qemuDomainBlockJobSetSpeed", a.flags, SET_SPEED_BANDWIDTH_BYTES);
    const speed = speedOf(a.bandwidth, (a.flags & SET_SPEED_BANDWIDTH_BYTES) !== 0).speed ?? 0;
    c.job(
      a.dom,
      "remoteDispatchDomainBlockJobSetSpeed",
      (entry) => setBlockJobSpeed(c, entry, a.path, speed),
    );
  }),
  on(P.REMOTE_PROC_DOMAIN_BLOCK_JOB_ABORT, (c, a) => {
    checkFlags("qemuDomainBlockJobAbort", a.flags, ABORT_ASYNC | ABORT_PIVOT);
    const { stateDir, configDir } = c.dir((d) => ({
      stateDir: d.stateDir,
      configDir: d.configDir,
    }));
    c.job(a.dom, "remoteDispatchDomainBlockJobAbort", (entry) =>
      abortBlockJob(
        c,
        entry,
        a.path,
        (a.flags & ABORT_PIVOT) !== 0,
        (a.flags & ABORT_ASYNC) !== 0,
        stateDir,
        configDir,
      ));
  }),
];

const invalidArg = (msg: string) => VirError.of(VIR_ERR_INVALID_ARG, VIR_FROM_QEMU, msg);

/** A job's speed limit for QEMU, in bytes/s (libvirt's bandwidth is MiB/s unless asked in bytes). */
function speedOf(bandwidth: bigint, bytes: boolean): { speed?: number } {
  if (bandwidth === 0n) return {};
  if (!bytes && bandwidth > 0x7fffffffffffffffn >> 20n) {
    throw VirError.of(
      VIR_ERR_OVERFLOW,
      VIR_FROM_QEMU,
      `bandwidth must be less than ${0x7fffffffffffffffn >> 20n}`,
    );
  }
  return { speed: Number(bytes ? bandwidth : bandwidth << 20n) };
}

/** Runs qemu-img, its output or libvirt's "operation failed" with its message. */
function qemuImg(path: string, args: string[]): string {
  const out = new Deno.Command(path, { args, stdout: "piped", stderr: "piped" }).outputSync();
  const dec = new TextDecoder();
  if (!out.success) {
    throw VirError.of(
      VIR_ERR_OPERATION_FAILED,
      VIR_FROM_QEMU,
      `${path} ${args.join(" ")}: ${dec.decode(out.stderr).trim()}`,
    );
  }
  return dec.decode(out.stdout);
}
