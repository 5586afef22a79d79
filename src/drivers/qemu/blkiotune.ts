/**
 * A QEMU domain's block I/O weights (virsh blkiotune), as libvirt 9.0's
 * QEMU driver answers them: live, the weight of the domain's blkio cgroup
 * (only the BFQ and CFQ I/O schedulers have one; without, libvirt's
 * refusal); with --config or for a domain not running, the persistent
 * definition's (denovirt accepts no <blkiotune>, so weight 0 and no device
 * settings). Setting is not offered.
 *
 * @module
 */

import type { HandlerEntry } from "../../dispatch/handlers.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import { VirError } from "../../rpc/error.ts";
import { VIR_ERR_OPERATION_INVALID, VIR_FROM_QEMU } from "../../rpc/error_codes.ts";
import { param, type TypedParam, VIR_TYPED_PARAM_STRING_OKAY } from "../../rpc/typed_params.ts";
import type { DomainDef } from "../../conf/domain_xml.ts";
import { VIR_DOMAIN_AFFECT_CONFIG, VIR_DOMAIN_AFFECT_LIVE } from "../domain_constants.ts";
import { exclusiveAffect } from "../flags.ts";
import { on } from "./conn.ts";
import { affectedDefs, checkFlags } from "./domain_common.ts";
import {
  cgroupFileExists,
  type DomainCgroup,
  domainCgroup,
  hasController,
  notMounted,
  readCgroupFile,
} from "./cgroup.ts";
import {
  paramsReply,
  rpcLimit,
  TUNE_PARAMETERS_MAX,
  VIR_DOMAIN_BLKIO_DEVICE_READ_BPS,
  VIR_DOMAIN_BLKIO_DEVICE_READ_IOPS,
  VIR_DOMAIN_BLKIO_DEVICE_WEIGHT,
  VIR_DOMAIN_BLKIO_DEVICE_WRITE_BPS,
  VIR_DOMAIN_BLKIO_DEVICE_WRITE_IOPS,
  VIR_DOMAIN_BLKIO_WEIGHT,
} from "./tune_params.ts";

const AFFECT = VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG;
const DEVICE_PARAMS = [
  VIR_DOMAIN_BLKIO_DEVICE_WEIGHT,
  VIR_DOMAIN_BLKIO_DEVICE_READ_IOPS,
  VIR_DOMAIN_BLKIO_DEVICE_WRITE_IOPS,
  VIR_DOMAIN_BLKIO_DEVICE_READ_BPS,
  VIR_DOMAIN_BLKIO_DEVICE_WRITE_BPS,
];

/** The group's I/O weight (virCgroupGetBlkioWeight): BFQ's file first, then CFQ's. */
function liveWeight(cg: DomainCgroup): number {
  const v2 = cg.mounts.v2Controllers.has("blkio");
  const files = v2 ? ["io.bfq.weight", "io.weight"] : ["blkio.bfq.weight", "blkio.weight"];
  const file = files.find((f) => cgroupFileExists(cg, "blkio", f));
  if (!file) {
    throw VirError.of(
      VIR_ERR_OPERATION_INVALID,
      VIR_FROM_QEMU,
      "blkio device weight is valid only for bfq or cfq scheduler",
    );
  }
  // v2's files start with "default N".
  const text = readCgroupFile(cg, "blkio", file);
  return Number(/(\d+)\s*$/m.exec(text.split("\n")[0] ?? "")?.[1] ?? "0");
}

function configWeight(def: DomainDef): number {
  const w = def.blkiotune?.children.find((x) => x.name === "weight");
  return w ? Number(w.text) : 0;
}

export const blkiotuneHandlers: HandlerEntry[] = [
  on(P.REMOTE_PROC_DOMAIN_GET_BLKIO_PARAMETERS, (c, a) => {
    if (a.nparams > TUNE_PARAMETERS_MAX) throw rpcLimit("nparams too large");
    exclusiveAffect("virDomainGetBlkioParameters", a.flags);
    checkFlags("qemuDomainGetBlkioParameters", a.flags, AFFECT | VIR_TYPED_PARAM_STRING_OKAY);
    if (Deno.uid() !== 0) {
      throw VirError.of(
        VIR_ERR_OPERATION_INVALID,
        VIR_FROM_QEMU,
        "Block I/O tuning is not available in session mode",
      );
    }
    if (a.nparams === 0) return { params: [], nparams: 1 + DEVICE_PARAMS.length };
    return c.withObj(c.entry(a.dom), (o) => {
      const { live } = affectedDefs(a.flags & AFFECT, o);
      let weight: number;
      if (live) {
        const cg = domainCgroup(o);
        if (!cg || !hasController(cg, "blkio")) throw notMounted("blkio cgroup isn't mounted");
        weight = liveWeight(cg);
      } else weight = configWeight(o.newDef ?? o.def);
      const all: TypedParam[] = [
        param.uint(VIR_DOMAIN_BLKIO_WEIGHT, weight),
        // No <blkiotune><device> is accepted: no per-device settings.
        ...DEVICE_PARAMS.map((n) => param.string(n, "")),
      ];
      return paramsReply(all, a.nparams, a.flags);
    });
  }),
];
