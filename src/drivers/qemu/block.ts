/**
 * Block devices of a running QEMU domain beyond their statistics (libvirt's
 * qemuDomainBlockResize and qemuDomainGetBlockJobInfo): `virsh blockresize`
 * through QMP's block_resize on the disk's format node, and the block-job
 * query. denovirt starts no block jobs yet (blockcommit, blockpull and
 * blockcopy answer libvirt's "not supported"), so the query finds none.
 *
 * @module
 */

import type { HandlerEntry } from "../../dispatch/handlers.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_INVALID_ARG,
  VIR_ERR_OPERATION_UNSUPPORTED,
  VIR_ERR_OVERFLOW,
  VIR_FROM_QEMU,
} from "../../rpc/error_codes.ts";
import { diskIndexByName, diskIsEmpty } from "../../conf/snapshot_xml.ts";
import { on } from "./conn.ts";
import { checkFlags, notRunning } from "./domain_common.ts";
import { diskNode } from "./hotplug.ts";

const VIR_DOMAIN_BLOCK_RESIZE_BYTES = 1;
const VIR_DOMAIN_BLOCK_JOB_INFO_BANDWIDTH_BYTES = 1;

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
    return c.job(a.dom, "remoteDispatchDomainGetBlockJobInfo", (entry) =>
      c.withObj(entry, (o) => {
        if (o.pid === 0) throw notRunning();
        if (diskIndexByName(o.def, a.path, true) < 0) {
          throw VirError.of(
            VIR_ERR_INVALID_ARG,
            VIR_FROM_QEMU,
            `disk '${a.path}' not found in domain`,
          );
        }
        return { found: 0, type: 0, bandwidth: 0n, cur: 0n, end: 0n };
      }));
  }),
];
