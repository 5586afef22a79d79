/**
 * A QEMU domain's NUMA memory policy (virsh numatune), as libvirt 9.0's
 * QEMU driver answers it, from the definition (live or persistent): libvirt
 * reads no cgroup for it. denovirt accepts no <numatune>, so the mode is
 * strict and the node set empty, as libvirt reports a domain without one.
 *
 * @module
 */

import type { HandlerEntry } from "../../dispatch/handlers.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import { param, VIR_TYPED_PARAM_STRING_OKAY } from "../../rpc/typed_params.ts";
import type { DomainDef } from "../../conf/domain_xml.ts";
import { VIR_DOMAIN_AFFECT_CONFIG, VIR_DOMAIN_AFFECT_LIVE } from "../domain_constants.ts";
import { on } from "./conn.ts";
import { affectedDefs, checkFlags } from "./domain_common.ts";
import {
  paramsReply,
  rpcLimit,
  TUNE_PARAMETERS_MAX,
  VIR_DOMAIN_NUMA_MODE,
  VIR_DOMAIN_NUMA_NODESET,
  VIR_DOMAIN_NUMATUNE_MEM_STRICT,
} from "./tune_params.ts";

const AFFECT = VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG;
/** virDomainNumatuneMemMode, by the names <numatune><memory mode> uses. */
const MODES = ["strict", "preferred", "interleave", "restrictive"];

function numaPolicy(def: DomainDef): { mode: number; nodeset: string } {
  const mem = def.numatune?.children.find((x) => x.name === "memory");
  const attr = (n: string) => mem?.attrs.find(([k]) => k === n)?.[1] ?? null;
  const mode = MODES.indexOf(attr("mode") ?? "strict");
  return {
    mode: mode < 0 ? VIR_DOMAIN_NUMATUNE_MEM_STRICT : mode,
    nodeset: attr("nodeset") ?? "",
  };
}

export const numatuneHandlers: HandlerEntry[] = [
  on(P.REMOTE_PROC_DOMAIN_GET_NUMA_PARAMETERS, (c, a) => {
    if (a.nparams > TUNE_PARAMETERS_MAX) throw rpcLimit("nparams too large");
    checkFlags("qemuDomainGetNumaParameters", a.flags, AFFECT | VIR_TYPED_PARAM_STRING_OKAY);
    return c.withObj(c.entry(a.dom), (o) => {
      const { live } = affectedDefs(a.flags & AFFECT, o);
      if (a.nparams === 0) return { params: [], nparams: 2 };
      const p = numaPolicy(live ? o.def : o.newDef ?? o.def);
      return paramsReply(
        [param.int(VIR_DOMAIN_NUMA_MODE, p.mode), param.string(VIR_DOMAIN_NUMA_NODESET, p.nodeset)],
        a.nparams,
        a.flags,
      );
    });
  }),
];
