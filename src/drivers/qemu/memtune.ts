/**
 * A QEMU domain's memory limits (virsh memtune), as libvirt 9.0's QEMU
 * driver answers them: hard, soft and swap hard limit in KiB, read from the
 * running domain's memory cgroup (a limit at the hierarchy's own maximum is
 * "unlimited") or taken from <memtune> of the persistent definition; and set
 * live (written to the cgroup) or with --config.
 *
 * @module
 */

import type { HandlerEntry } from "../../dispatch/handlers.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import type { RemoteDomain } from "../../protocol/remote_types.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_INVALID_ARG,
  VIR_ERR_OPERATION_INVALID,
  VIR_FROM_QEMU,
} from "../../rpc/error_codes.ts";
import {
  param,
  type TypedParam,
  VIR_TYPED_PARAM_STRING_OKAY,
  VIR_TYPED_PARAM_ULLONG,
} from "../../rpc/typed_params.ts";
import type { DomainDef } from "../../conf/domain_xml.ts";
import { validateTypedParams } from "../../util/typed_params.ts";
import { VIR_DOMAIN_AFFECT_CONFIG, VIR_DOMAIN_AFFECT_LIVE } from "../domain_constants.ts";
import { exclusiveAffect } from "../flags.ts";
import { on, type QemuConn } from "./conn.ts";
import { affectedDefs, checkFlags, configXML } from "./domain_common.ts";
import { configPath, writeDurable } from "./files.ts";
import { defLimit, type Limit, LIMITS, liveLimit, UNLIMITED, writeLimit } from "./cgroup_tune.ts";
import { domainCgroup, hasController, notMounted } from "./cgroup.ts";
import { paramBig, paramsReply, rpcLimit, TUNE_PARAMETERS_MAX } from "./tune_params.ts";

const AFFECT = VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG;

const noMemoryController = () => notMounted("cgroup memory controller is not mounted");

function requirePrivileged(): void {
  if (Deno.uid() !== 0) {
    throw VirError.of(
      VIR_ERR_OPERATION_INVALID,
      VIR_FROM_QEMU,
      "Memory tuning is not available in session mode",
    );
  }
}

function setDefLimit(def: DomainDef, key: Limit, kib: bigint): void {
  def.memtune ??= { hardLimit: null, softLimit: null, minGuarantee: null, swapHardLimit: null };
  def.memtune[key] = kib >= UNLIMITED ? null : Number(kib);
  const m = def.memtune;
  if (m.hardLimit === null && m.softLimit === null && m.swapHardLimit === null && !m.minGuarantee) {
    def.memtune = null;
  }
}

function getMemoryParams(c: QemuConn, dom: RemoteDomain, nparams: number, flags: number) {
  if (nparams > TUNE_PARAMETERS_MAX) throw rpcLimit("nparams too large");
  checkFlags("qemuDomainGetMemoryParameters", flags, AFFECT | VIR_TYPED_PARAM_STRING_OKAY);
  requirePrivileged();
  return c.withObj(c.entry(dom), (o) => {
    const { live } = affectedDefs(flags & AFFECT, o);
    const cg = live ? domainCgroup(o) : null;
    if (live && (!cg || !hasController(cg, "memory"))) throw noMemoryController();
    if (nparams === 0) return { params: [], nparams: LIMITS.length };
    const all: TypedParam[] = LIMITS.map(([name, key, v1, v2]) =>
      param.ullong(name, live ? liveLimit(cg!, v1, v2) : defLimit(o.newDef ?? o.def, key))
    );
    return paramsReply(all, nparams, flags);
  });
}

function setMemoryParams(c: QemuConn, dom: RemoteDomain, params: TypedParam[], flags: number) {
  checkFlags("qemuDomainSetMemoryParameters", flags, AFFECT);
  validateTypedParams(params, Object.fromEntries(LIMITS.map(([n]) => [n, VIR_TYPED_PARAM_ULLONG])));
  requirePrivileged();
  const configDir = c.dir((d) => d.configDir);
  c.job(dom, "remoteDispatchDomainSetMemoryParameters", (entry) => {
    c.withObj(entry, (o, save) => {
      const { live, config } = affectedDefs(flags, o);
      const cg = live ? domainCgroup(o) : null;
      if (live && (!cg || !hasController(cg, "memory"))) throw noMemoryController();
      const given = new Map<Limit, bigint>();
      for (const [name, key] of LIMITS) {
        const p = params.find((x) => x.field === name);
        if (p) given.set(key, paramBig(p) > UNLIMITED ? UNLIMITED : paramBig(p));
      }
      // The swap hard limit may not fall below the hard limit.
      if (given.has("hardLimit") || given.has("swapHardLimit")) {
        const cur = (key: Limit) =>
          live
            ? liveLimit(cg!, ...LIMITS.find(([, k]) => k === key)!.slice(2) as [string, string])
            : defLimit(o.newDef ?? o.def, key);
        const hard = given.get("hardLimit") ?? cur("hardLimit");
        const swap = given.get("swapHardLimit") ?? cur("swapHardLimit");
        if (hard !== UNLIMITED && swap !== UNLIMITED && hard > swap) {
          throw VirError.of(
            VIR_ERR_INVALID_ARG,
            VIR_FROM_QEMU,
            "memory hard_limit tunable value must be lower than or equal to swap_hard_limit",
          );
        }
      }
      if (live) {
        // Raising the swap limit goes first, lowering it last (v1 keeps swap >= memory).
        const swap = given.get("swapHardLimit");
        const swapFirst = swap !== undefined &&
          swap > liveLimit(cg!, LIMITS[2]![2], LIMITS[2]![3]);
        const order = swapFirst ? [...LIMITS].reverse() : LIMITS;
        for (const [, key, v1, v2] of order) {
          const v = given.get(key);
          if (v === undefined) continue;
          writeLimit(cg!, v1, v2, v);
          setDefLimit(o.def, key, v);
        }
      }
      if (config) {
        const def = o.newDef ?? o.def;
        for (const [key, v] of given) setDefLimit(def, key, v);
        writeDurable(configPath(configDir, def.name), configXML(def));
      }
      save();
    });
  });
}

export const memtuneHandlers: HandlerEntry[] = [
  on(P.REMOTE_PROC_DOMAIN_GET_MEMORY_PARAMETERS, (c, a) => {
    exclusiveAffect("virDomainGetMemoryParameters", a.flags);
    return getMemoryParams(c, a.dom, a.nparams, a.flags);
  }),
  on(P.REMOTE_PROC_DOMAIN_SET_MEMORY_PARAMETERS, (c, a) => {
    setMemoryParams(c, a.dom, a.params, a.flags);
  }),
];
