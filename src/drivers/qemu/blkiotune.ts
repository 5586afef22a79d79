/**
 * A QEMU domain's block I/O weights (virsh blkiotune), as libvirt 9.0's
 * QEMU driver answers them: live, the weight of the domain's blkio cgroup
 * (only the BFQ and CFQ I/O schedulers have one; without, libvirt's
 * refusal); with --config or for a domain not running, the persistent
 * definition's <blkiotune><weight> (0 when unset; denovirt accepts no
 * per-device settings, so those are empty). The weight can be set, live
 * (written and read back) and --config.
 *
 * @module
 */

import type { HandlerEntry } from "../../dispatch/handlers.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_OPERATION_INVALID,
  VIR_ERR_OPERATION_UNSUPPORTED,
  VIR_FROM_QEMU,
} from "../../rpc/error_codes.ts";
import {
  param,
  type TypedParam,
  VIR_TYPED_PARAM_STRING,
  VIR_TYPED_PARAM_STRING_OKAY,
  VIR_TYPED_PARAM_UINT,
} from "../../rpc/typed_params.ts";
import type { RemoteDomain } from "../../protocol/remote_types.ts";
import { validateTypedParams } from "../../util/typed_params.ts";
import { configWeight, liveWeight, setConfigWeight, setLiveWeight } from "./cgroup_tune.ts";
import { configPath, writeDurable } from "./files.ts";
import { VIR_DOMAIN_AFFECT_CONFIG, VIR_DOMAIN_AFFECT_LIVE } from "../domain_constants.ts";
import { exclusiveAffect } from "../flags.ts";
import { on, type QemuConn } from "./conn.ts";
import { affectedDefs, checkFlags, configXML } from "./domain_common.ts";
import { domainCgroup, hasController, notMounted } from "./cgroup.ts";
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
const sessionMode = () =>
  VirError.of(
    VIR_ERR_OPERATION_INVALID,
    VIR_FROM_QEMU,
    "Block I/O tuning is not available in session mode",
  );
const noBlkio = () => notMounted("blkio cgroup isn't mounted");

const DEVICE_PARAMS = [
  VIR_DOMAIN_BLKIO_DEVICE_WEIGHT,
  VIR_DOMAIN_BLKIO_DEVICE_READ_IOPS,
  VIR_DOMAIN_BLKIO_DEVICE_WRITE_IOPS,
  VIR_DOMAIN_BLKIO_DEVICE_READ_BPS,
  VIR_DOMAIN_BLKIO_DEVICE_WRITE_BPS,
];

function setBlkioParams(c: QemuConn, dom: RemoteDomain, params: TypedParam[], flags: number) {
  checkFlags("qemuDomainSetBlkioParameters", flags, AFFECT);
  validateTypedParams(params, {
    [VIR_DOMAIN_BLKIO_WEIGHT]: VIR_TYPED_PARAM_UINT,
    ...Object.fromEntries(DEVICE_PARAMS.map((n) => [n, VIR_TYPED_PARAM_STRING])),
  });
  if (Deno.uid() !== 0) throw sessionMode();
  const device = params.find((p) => p.field !== VIR_DOMAIN_BLKIO_WEIGHT);
  if (device) {
    throw VirError.of(
      VIR_ERR_OPERATION_UNSUPPORTED,
      VIR_FROM_QEMU,
      `blkio parameter '${device.field}' is not supported by denovirt's QEMU driver`,
    );
  }
  const configDir = c.dir((d) => d.configDir);
  c.job(dom, "remoteDispatchDomainSetBlkioParameters", (entry) => {
    c.withObj(entry, (o, save) => {
      const { live, config } = affectedDefs(flags, o);
      const cg = live ? domainCgroup(o) : null;
      if (live && (!cg || !hasController(cg, "blkio"))) throw noBlkio();
      for (const p of params) {
        const weight = Number(p.value.value);
        if (live) setConfigWeight(o.def, setLiveWeight(cg!, weight));
        if (config) setConfigWeight(o.newDef ?? o.def, weight);
      }
      if (config) {
        const def = o.newDef ?? o.def;
        writeDurable(configPath(configDir, def.name), configXML(def));
      }
      save();
    });
  });
}

export const blkiotuneHandlers: HandlerEntry[] = [
  on(P.REMOTE_PROC_DOMAIN_GET_BLKIO_PARAMETERS, (c, a) => {
    if (a.nparams > TUNE_PARAMETERS_MAX) throw rpcLimit("nparams too large");
    exclusiveAffect("virDomainGetBlkioParameters", a.flags);
    checkFlags("qemuDomainGetBlkioParameters", a.flags, AFFECT | VIR_TYPED_PARAM_STRING_OKAY);
    if (Deno.uid() !== 0) throw sessionMode();
    if (a.nparams === 0) return { params: [], nparams: 1 + DEVICE_PARAMS.length };
    return c.withObj(c.entry(a.dom), (o) => {
      const { live } = affectedDefs(a.flags & AFFECT, o);
      let weight: number;
      if (live) {
        const cg = domainCgroup(o);
        if (!cg || !hasController(cg, "blkio")) throw noBlkio();
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
  on(P.REMOTE_PROC_DOMAIN_SET_BLKIO_PARAMETERS, (c, a) => {
    setBlkioParams(c, a.dom, a.params, a.flags);
  }),
];
