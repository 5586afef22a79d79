/**
 * The CPU scheduler's parameters of a QEMU domain (virsh schedinfo), as
 * libvirt 9.0's QEMU driver answers them: scheduler "posix"; the shares and
 * the CFS period and quota of the domain's cgroup, of its vCPU and emulator
 * sub-groups, and of the I/O threads (none here: the domain's group), read
 * from the cgroup files; from the persistent definition with --config, or
 * for a domain not running. Setting writes the groups (the shares read back,
 * as libvirt does; I/O thread figures, with no I/O threads, only into the
 * definition) and raises the tunable event; --config edits <cputune>.
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
  VIR_TYPED_PARAM_LLONG,
  VIR_TYPED_PARAM_STRING_OKAY,
  VIR_TYPED_PARAM_ULLONG,
} from "../../rpc/typed_params.ts";
import { copyDomainDef, type DomainDef } from "../../conf/domain_xml.ts";
import { validateTypedParams } from "../../util/typed_params.ts";
import { VIR_DOMAIN_AFFECT_CONFIG, VIR_DOMAIN_AFFECT_LIVE } from "../domain_constants.ts";
import { exclusiveAffect } from "../flags.ts";
import { on, type QemuConn } from "./conn.ts";
import { affectedDefs, checkFlags, configXML } from "./domain_common.ts";
import { configPath, writeDurable } from "./files.ts";
import {
  BANDWIDTH,
  cpuShares,
  PERIOD_RANGE,
  QUOTA_RANGE,
  setCputuneItem,
  setLiveBandwidth,
  setLiveShares,
} from "./cgroup_tune.ts";
import {
  cgroupFileExists,
  type DomainCgroup,
  domainCgroup,
  hasController,
  notMounted,
  readCgroupFile,
} from "./cgroup.ts";
import {
  paramBig,
  rpcLimit,
  TUNE_PARAMETERS_MAX,
  VIR_DOMAIN_SCHEDULER_CPU_SHARES,
  VIR_DOMAIN_SCHEDULER_EMULATOR_PERIOD,
  VIR_DOMAIN_SCHEDULER_EMULATOR_QUOTA,
  VIR_DOMAIN_SCHEDULER_GLOBAL_PERIOD,
  VIR_DOMAIN_SCHEDULER_GLOBAL_QUOTA,
  VIR_DOMAIN_SCHEDULER_IOTHREAD_PERIOD,
  VIR_DOMAIN_SCHEDULER_IOTHREAD_QUOTA,
  VIR_DOMAIN_SCHEDULER_VCPU_PERIOD,
  VIR_DOMAIN_SCHEDULER_VCPU_QUOTA,
} from "./tune_params.ts";

const AFFECT = VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG;
/** VIR_DOMAIN_EVENT_ID_TUNABLE. */
const VIR_DOMAIN_EVENT_ID_TUNABLE = 17;
/** The parameter count with CFS bandwidth control, and without. */
const SCHED_PARAMS_BW = 9;

const sessionMode = () =>
  VirError.of(
    VIR_ERR_OPERATION_INVALID,
    VIR_FROM_QEMU,
    "CPU tuning is not available in session mode",
  );
const noCpuController = () => notMounted("cgroup CPU controller is not mounted");

function requirePrivileged(): void {
  if (Deno.uid() !== 0) throw sessionMode();
}

/** Whether the group can cap bandwidth (virCgroupSupportsCpuBW). */
function supportsCpuBW(cg: DomainCgroup): boolean {
  return cg.mounts.v2Controllers.has("cpu")
    ? cgroupFileExists(cg, "cpu", "cpu.max")
    : cgroupFileExists(cg, "cpu", "cpu.cfs_period_us");
}

/** A (sub-)group's CFS period and quota; quota -1: unlimited. */
function bandwidth(cg: DomainCgroup, sub: string): { period: bigint; quota: bigint } {
  if (cg.mounts.v2Controllers.has("cpu")) {
    const [q, p] = readCgroupFile(cg, "cpu", "cpu.max", sub).split(/\s+/);
    return { period: BigInt(p ?? "100000"), quota: q === "max" ? -1n : BigInt(q ?? "-1") };
  }
  return {
    period: BigInt(readCgroupFile(cg, "cpu", "cpu.cfs_period_us", sub)),
    quota: BigInt(readCgroupFile(cg, "cpu", "cpu.cfs_quota_us", sub)),
  };
}

/** The sub-group a figure is read from: `want` when it exists, else the domain's group. */
function subOrDomain(cg: DomainCgroup, want: string): string {
  return cgroupFileExists(cg, "cpu", want) ? want : "";
}

/** The persistent definition's values (zero where unset), as --config shows them. */
function configParams(def: DomainDef): TypedParam[] {
  const item = (k: string) => def.cputune?.items.find(([n]) => n === k)?.[1] ?? "0";
  return [
    param.ullong(VIR_DOMAIN_SCHEDULER_CPU_SHARES, BigInt(def.cputune?.shares ?? 0)),
    param.ullong(VIR_DOMAIN_SCHEDULER_VCPU_PERIOD, BigInt(item("period"))),
    param.llong(VIR_DOMAIN_SCHEDULER_VCPU_QUOTA, BigInt(item("quota"))),
    param.ullong(VIR_DOMAIN_SCHEDULER_EMULATOR_PERIOD, BigInt(item("emulator_period"))),
    param.llong(VIR_DOMAIN_SCHEDULER_EMULATOR_QUOTA, BigInt(item("emulator_quota"))),
    param.ullong(VIR_DOMAIN_SCHEDULER_GLOBAL_PERIOD, BigInt(item("global_period"))),
    param.llong(VIR_DOMAIN_SCHEDULER_GLOBAL_QUOTA, BigInt(item("global_quota"))),
    param.ullong(VIR_DOMAIN_SCHEDULER_IOTHREAD_PERIOD, BigInt(item("iothread_period"))),
    param.llong(VIR_DOMAIN_SCHEDULER_IOTHREAD_QUOTA, BigInt(item("iothread_quota"))),
  ];
}

/** The running domain's values, from its cgroup. */
function liveParams(cg: DomainCgroup): TypedParam[] {
  const shares = param.ullong(VIR_DOMAIN_SCHEDULER_CPU_SHARES, cpuShares(cg));
  if (!supportsCpuBW(cg)) return [shares];
  const vcpu = bandwidth(cg, subOrDomain(cg, "vcpu0"));
  const emulator = bandwidth(cg, subOrDomain(cg, "emulator"));
  const global = bandwidth(cg, "");
  // No I/O threads: libvirt reports the domain group's figures.
  const iothread = global;
  return [
    shares,
    param.ullong(VIR_DOMAIN_SCHEDULER_VCPU_PERIOD, vcpu.period),
    param.llong(VIR_DOMAIN_SCHEDULER_VCPU_QUOTA, vcpu.quota),
    param.ullong(VIR_DOMAIN_SCHEDULER_EMULATOR_PERIOD, emulator.period),
    param.llong(VIR_DOMAIN_SCHEDULER_EMULATOR_QUOTA, emulator.quota),
    param.ullong(VIR_DOMAIN_SCHEDULER_GLOBAL_PERIOD, global.period),
    param.llong(VIR_DOMAIN_SCHEDULER_GLOBAL_QUOTA, global.quota),
    param.ullong(VIR_DOMAIN_SCHEDULER_IOTHREAD_PERIOD, iothread.period),
    param.llong(VIR_DOMAIN_SCHEDULER_IOTHREAD_QUOTA, iothread.quota),
  ];
}

function schedulerParams(c: QemuConn, dom: RemoteDomain, nparams: number, flags: number) {
  if (nparams > TUNE_PARAMETERS_MAX) throw rpcLimit("nparams too large");
  checkFlags(
    "qemuDomainGetSchedulerParametersFlags",
    flags,
    AFFECT | VIR_TYPED_PARAM_STRING_OKAY,
  );
  requirePrivileged();
  const { params } = c.withObj(c.entry(dom), (o) => {
    const { live } = affectedDefs(flags & AFFECT, o);
    if (!live) return { params: configParams(o.newDef ?? o.def) };
    const cg = domainCgroup(o);
    if (!cg || !hasController(cg, "cpu")) throw noCpuController();
    return { params: liveParams(cg) };
  });
  return { params: params.slice(0, nparams) };
}

const SCHED_SPEC: Record<string, number> = {
  [VIR_DOMAIN_SCHEDULER_CPU_SHARES]: VIR_TYPED_PARAM_ULLONG,
  [VIR_DOMAIN_SCHEDULER_VCPU_PERIOD]: VIR_TYPED_PARAM_ULLONG,
  [VIR_DOMAIN_SCHEDULER_VCPU_QUOTA]: VIR_TYPED_PARAM_LLONG,
  [VIR_DOMAIN_SCHEDULER_EMULATOR_PERIOD]: VIR_TYPED_PARAM_ULLONG,
  [VIR_DOMAIN_SCHEDULER_EMULATOR_QUOTA]: VIR_TYPED_PARAM_LLONG,
  [VIR_DOMAIN_SCHEDULER_GLOBAL_PERIOD]: VIR_TYPED_PARAM_ULLONG,
  [VIR_DOMAIN_SCHEDULER_GLOBAL_QUOTA]: VIR_TYPED_PARAM_LLONG,
  [VIR_DOMAIN_SCHEDULER_IOTHREAD_PERIOD]: VIR_TYPED_PARAM_ULLONG,
  [VIR_DOMAIN_SCHEDULER_IOTHREAD_QUOTA]: VIR_TYPED_PARAM_LLONG,
};

function setSchedulerParams(
  c: QemuConn,
  dom: RemoteDomain,
  params: TypedParam[],
  flags: number,
): void {
  checkFlags("qemuDomainSetSchedulerParametersFlags", flags, AFFECT);
  requirePrivileged();
  validateTypedParams(params, SCHED_SPEC);
  const configDir = c.dir((d) => d.configDir);
  c.job(dom, "remoteDispatchDomainSetSchedulerParametersFlags", (entry) => {
    const changed = c.withObj(entry, (o, save) => {
      const { live, config } = affectedDefs(flags, o);
      const cg = live ? domainCgroup(o) : null;
      if (live && (!cg || !hasController(cg, "cpu"))) throw noCpuController();
      const persistent = config ? copyDomainDef(o.newDef ?? o.def) : null;
      const events: TypedParam[] = [];
      try {
        for (const p of params) {
          const v = paramBig(p);
          if (p.field === VIR_DOMAIN_SCHEDULER_CPU_SHARES) {
            if (live) {
              o.def.cputune ??= emptyCputune();
              o.def.cputune.shares = Number(setLiveShares(cg!, v));
              events.push(param.ullong("cputune.cpu_shares", BigInt(o.def.cputune.shares)));
            }
            if (persistent) {
              persistent.cputune ??= emptyCputune();
              persistent.cputune.shares = Number(v);
            }
            continue;
          }
          const b = BANDWIDTH.find((x) => x.param === p.field)!;
          const [min, max] = b.kind === "period" ? PERIOD_RANGE : QUOTA_RANGE;
          if ((v > 0n && v < min) || v > max) {
            throw VirError.of(
              VIR_ERR_INVALID_ARG,
              VIR_FROM_QEMU,
              `value of '${p.field}' is out of range [${min}, ${max}]`,
            );
          }
          if (live && v !== 0n) {
            setLiveBandwidth(cg!, b.scope, b.kind, v, o.def.vcpusCurrent);
            setCputuneItem(o.def, b.item, v);
            const name = `cputune.${p.field}`;
            events.push(b.kind === "period" ? param.ullong(name, v) : param.llong(name, v));
          }
          if (persistent) setCputuneItem(persistent, b.item, v);
        }
      } finally {
        // What was changed live stays changed (and is saved), as libvirt's
        // status is saved after a failed parameter too.
        save();
      }
      if (persistent) {
        if (o.newDef) o.newDef = persistent;
        else o.def = persistent;
        writeDurable(configPath(configDir, persistent.name), configXML(persistent));
        save();
      }
      return events.length ? { id: o.id, events } : null;
    });
    // A live change is news to tunable-event watchers (the shares as read back).
    if (changed) {
      c.emitDomain(
        { name: entry.name, uuid: entry.uuid, id: changed.id },
        VIR_DOMAIN_EVENT_ID_TUNABLE,
        { params: changed.events },
        true,
      );
    }
  });
}

function emptyCputune(): NonNullable<DomainDef["cputune"]> {
  return { shares: null, items: [], vcpupins: [], emulatorpin: null, iothreadpins: [] };
}

export const schedHandlers: HandlerEntry[] = [
  on(P.REMOTE_PROC_DOMAIN_GET_SCHEDULER_TYPE, (c, a) => {
    requirePrivileged();
    return c.withObj(c.entry(a.dom), (o) => {
      // Not running: no cgroup, so the defaults.
      if (o.pid === 0) return { type: "posix", nparams: SCHED_PARAMS_BW };
      const cg = domainCgroup(o);
      if (!cg || !hasController(cg, "cpu")) throw noCpuController();
      return { type: "posix", nparams: supportsCpuBW(cg) ? SCHED_PARAMS_BW : 1 };
    });
  }),
  on(
    P.REMOTE_PROC_DOMAIN_GET_SCHEDULER_PARAMETERS,
    (c, a) => schedulerParams(c, a.dom, a.nparams, 0),
  ),
  on(P.REMOTE_PROC_DOMAIN_GET_SCHEDULER_PARAMETERS_FLAGS, (c, a) => {
    exclusiveAffect("virDomainGetSchedulerParametersFlags", a.flags);
    return schedulerParams(c, a.dom, a.nparams, a.flags);
  }),
  on(P.REMOTE_PROC_DOMAIN_SET_SCHEDULER_PARAMETERS, (c, a) => {
    setSchedulerParams(c, a.dom, a.params, 0);
  }),
  on(P.REMOTE_PROC_DOMAIN_SET_SCHEDULER_PARAMETERS_FLAGS, (c, a) => {
    setSchedulerParams(c, a.dom, a.params, a.flags);
  }),
];
