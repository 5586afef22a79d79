/**
 * The test driver's tuning parameters: memory, blkio, NUMA, perf,
 * scheduler, interface bandwidth and block I/O, as libvirt 9.0's typed
 * parameter getters and setters answer them.
 *
 * @module
 */

import type { HandlerEntry } from "../../dispatch/handlers.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import type { RemoteDomain } from "../../protocol/remote_types.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_ARGUMENT_UNSUPPORTED,
  VIR_ERR_CONFIG_UNSUPPORTED,
  VIR_ERR_INVALID_ARG,
  VIR_ERR_OPERATION_INVALID,
  VIR_FROM_DOMAIN,
  VIR_FROM_NONE,
} from "../../rpc/error_codes.ts";
import {
  param,
  type TypedParam,
  VIR_TYPED_PARAM_BOOLEAN,
  VIR_TYPED_PARAM_INT,
  VIR_TYPED_PARAM_STRING,
  VIR_TYPED_PARAM_STRING_OKAY,
  VIR_TYPED_PARAM_UINT,
  VIR_TYPED_PARAM_ULLONG,
} from "../../rpc/typed_params.ts";
import {
  type DomainDef,
  IOTUNE_ORDER,
  type NetDef,
  type RawElement,
  VIR_DOMAIN_CPUMASK_LEN,
} from "../../conf/domain_xml.ts";
import { formatBitmap, parseBitmap } from "../../util/bitmap.ts";
import { validateTypedParams } from "../../util/typed_params.ts";
import { diskIndexByName } from "../../conf/snapshot_xml.ts";
import { on, type TestConn } from "./conn.ts";
import { checkFlags, rpcLimit, testError } from "./errors.ts";
import { exclusiveAffect } from "../flags.ts";
import { oneDef } from "./domain.ts";
import type { DomainObj } from "./state.ts";
import {
  PERF_EVENTS,
  VIR_DOMAIN_AFFECT_CONFIG,
  VIR_DOMAIN_AFFECT_LIVE,
} from "../domain_constants.ts";
import { findParam, paramBig, paramNum } from "./domain_common.ts";

/** VIR_DOMAIN_MEMORY_PARAM_UNLIMITED. */
const MEMORY_UNLIMITED = 9007199254740991n;

const TEST_BLOCK_IOTUNE_MAX = 1000000000000000n;

/**
 * A getter's reply over the wire: with nparams 0 the count only; otherwise
 * the first `nparams` values, strings left out unless the caller accepts
 * them (virTypedParamsSerialize with the caller's flags).
 */
function paramsReply(
  all: TypedParam[],
  nparams: number,
  flags: number,
  max: number,
): { params: TypedParam[]; nparams: number } {
  if (nparams > max) throw rpcLimit("nparams too large");
  if (nparams === 0) return { params: [], nparams: all.length };
  return { params: stringsFor(all.slice(0, nparams), flags), nparams: 0 };
}

function stringsFor(params: TypedParam[], flags: number): TypedParam[] {
  if (flags & VIR_TYPED_PARAM_STRING_OKAY) return params;
  return params.filter((p) => p.value.tag !== VIR_TYPED_PARAM_STRING);
}

function memLimit(v: number | null): bigint {
  return v === null ? MEMORY_UNLIMITED : BigInt(v);
}

function limitValue(v: bigint): number | null {
  return v >= MEMORY_UNLIMITED ? null : Number(v);
}

interface BlkioDevice {
  path: string;
  weight: number;
  riops: number;
  wiops: number;
  rbps: bigint;
  wbps: bigint;
}

const BLKIO_FIELDS: [string, keyof BlkioDevice, string][] = [
  ["device_weight", "weight", "weight"],
  ["device_read_iops_sec", "riops", "read_iops_sec"],
  ["device_write_iops_sec", "wiops", "write_iops_sec"],
  ["device_read_bytes_sec", "rbps", "read_bytes_sec"],
  ["device_write_bytes_sec", "wbps", "write_bytes_sec"],
];

function rawChildText(r: RawElement, name: string): string | null {
  const c = r.children.find((x) => x.name === name);
  return c ? c.text : null;
}

/** The <blkiotune> element as libvirt's blkio settings: weight and per-device values. */
function readBlkio(def: DomainDef): { weight: number; devices: BlkioDevice[] } {
  const r = def.blkiotune;
  if (!r) return { weight: 0, devices: [] };
  const devices: BlkioDevice[] = [];
  for (const d of r.children.filter((x) => x.name === "device")) {
    devices.push({
      path: rawChildText(d, "path") ?? "",
      weight: Number(rawChildText(d, "weight") ?? 0),
      riops: Number(rawChildText(d, "read_iops_sec") ?? 0),
      wiops: Number(rawChildText(d, "write_iops_sec") ?? 0),
      rbps: BigInt(rawChildText(d, "read_bytes_sec") ?? 0),
      wbps: BigInt(rawChildText(d, "write_bytes_sec") ?? 0),
    });
  }
  return { weight: Number(rawChildText(r, "weight") ?? 0), devices };
}

function rawText(name: string, text: string): RawElement {
  return { name, attrs: [], children: [], text };
}

/** virDomainDefBlkiotuneFormat's element: nothing when nothing is set. */
function writeBlkio(def: DomainDef, b: { weight: number; devices: BlkioDevice[] }): void {
  const children: RawElement[] = [];
  if (b.weight) children.push(rawText("weight", String(b.weight)));
  for (const d of b.devices) {
    if (!d.weight && !d.riops && !d.wiops && !d.rbps && !d.wbps) continue;
    const kids = [rawText("path", d.path)];
    for (const [, key, el] of BLKIO_FIELDS) {
      const v = d[key];
      if (v) kids.push(rawText(el, String(v)));
    }
    children.push({ name: "device", attrs: [], children: kids, text: "" });
  }
  def.blkiotune = children.length ? { name: "blkiotune", attrs: [], children, text: "" } : null;
}

/** virDomainDriverParseBlkioDeviceStr. */
function parseBlkioDevices(str: string, type: string, key: keyof BlkioDevice): BlkioDevice[] {
  if (str === "") return [];
  const parseError = () =>
    VirError.of(
      VIR_ERR_INVALID_ARG,
      VIR_FROM_DOMAIN,
      `unable to parse blkio device '${type}' '${str}'`,
    );
  const nsep = str.split(",").length - 1;
  if (!(nsep & 1)) throw parseError();
  const out: BlkioDevice[] = [];
  let rest = str;
  for (;;) {
    const comma = rest.indexOf(",");
    if (comma < 0) throw parseError();
    const path = rest.slice(0, comma);
    rest = rest.slice(comma + 1);
    const m = /^\s*\+?(\d+)/.exec(rest);
    const big = key === "rbps" || key === "wbps";
    if (!m || (!big && BigInt(m[1]!) > 0xffffffffn) || BigInt(m[1]!) > 0xffffffffffffffffn) {
      throw VirError.of(
        VIR_ERR_INVALID_ARG,
        VIR_FROM_DOMAIN,
        `invalid value '${rest}' for parameter '${type}' of device '${path}'`,
      );
    }
    const dev: BlkioDevice = { path, weight: 0, riops: 0, wiops: 0, rbps: 0n, wbps: 0n };
    if (big) (dev[key] as bigint) = BigInt(m[1]!);
    else (dev[key] as number) = Number(m[1]);
    out.push(dev);
    rest = rest.slice(m[0].length);
    if (rest === "") break;
    if (rest[0] !== ",") throw parseError();
    rest = rest.slice(1);
  }
  return out;
}

const NUMA_MODES = ["strict", "preferred", "interleave", "restrictive"];

interface Numatune {
  specified: boolean;
  mode: number;
  /** 0 default, 1 static, 2 auto. */
  placement: number;
  nodeset: number[] | null;
}

function readNumatune(def: DomainDef): Numatune {
  const mem = def.numatune?.children.find((c) => c.name === "memory");
  if (!mem) return { specified: false, mode: 0, placement: 0, nodeset: null };
  const get = (k: string) => mem.attrs.find(([n]) => n === k)?.[1];
  const nodeset = get("nodeset");
  return {
    specified: true,
    mode: Math.max(0, NUMA_MODES.indexOf(get("mode") ?? "strict")),
    placement: get("placement") === "auto" ? 2 : 1,
    nodeset: nodeset === undefined ? null : parseBitmap(nodeset, VIR_DOMAIN_CPUMASK_LEN),
  };
}

function writeNumatune(def: DomainDef, n: Numatune): void {
  const others = def.numatune?.children.filter((c) => c.name !== "memory") ?? [];
  const children: RawElement[] = [];
  if (n.specified) {
    const attrs: [string, string][] = [["mode", NUMA_MODES[n.mode]!]];
    if (n.placement === 1) attrs.push(["nodeset", formatBitmap(n.nodeset ?? [])]);
    else if (n.placement === 2) attrs.push(["placement", "auto"]);
    children.push({ name: "memory", attrs, children: [], text: "" });
  }
  children.push(...others);
  def.numatune = children.length ? { name: "numatune", attrs: [], children, text: "" } : null;
}

function readPerf(def: DomainDef): Map<string, boolean> {
  const m = new Map<string, boolean>();
  for (const e of def.perf?.children ?? []) {
    const name = e.attrs.find(([k]) => k === "name")?.[1];
    const enabled = e.attrs.find(([k]) => k === "enabled")?.[1];
    if (name !== undefined) m.set(name, enabled === "yes");
  }
  return m;
}

function writePerf(def: DomainDef, m: Map<string, boolean>): void {
  const children: RawElement[] = [];
  for (const name of PERF_EVENTS) {
    const v = m.get(name);
    if (v === undefined) continue;
    children.push({
      name: "event",
      attrs: [["name", name], ["enabled", v ? "yes" : "no"]],
      children: [],
      text: "",
    });
  }
  def.perf = children.length ? { name: "perf", attrs: [], children, text: "" } : null;
}

/** virDomainNetFind: by MAC address or by interface name. */
export function findNet(def: DomainDef, device: string): NetDef {
  const mac = /^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}$/.test(device)
    ? device.split(":").map((x) => parseInt(x, 16))
    : null;
  const net = def.devices.interfaces.find((n) =>
    mac
      ? n.mac.split(":").map((x) => parseInt(x, 16)).every((v, i) => v === mac[i])
      : n.targetDev === device
  );
  if (!net) {
    throw VirError.of(VIR_ERR_INVALID_ARG, VIR_FROM_DOMAIN, `'${device}' is not a known interface`);
  }
  return net;
}

interface Rate {
  average: number;
  peak: number;
  burst: number;
  floor: number;
}

function readRate(r: RawElement | undefined): Rate | null {
  if (!r) return null;
  const get = (k: string) => Number(r.attrs.find(([n]) => n === k)?.[1] ?? 0);
  return { average: get("average"), peak: get("peak"), burst: get("burst"), floor: get("floor") };
}

function rateElement(name: string, r: Rate | null): RawElement[] {
  if (!r || !(r.average || r.floor)) return [];
  const attrs: [string, string][] = [];
  if (r.average) attrs.push(["average", String(r.average)]);
  if (r.peak) attrs.push(["peak", String(r.peak)]);
  if (r.floor) attrs.push(["floor", String(r.floor)]);
  if (r.burst) attrs.push(["burst", String(r.burst)]);
  return [{ name, attrs, children: [], text: "" }];
}

function paramsHandlerSet(
  fn: string,
  spec: Record<string, number>,
  apply: (o: DomainObj, params: TypedParam[], flags: number) => void,
) {
  return (c: TestConn, a: { dom: RemoteDomain; params: TypedParam[]; flags: number }): void => {
    checkFlags(fn, a.flags, VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG);
    validateTypedParams(a.params, spec);
    c.domain(a.dom, (o, x) => {
      apply(o, a.params, a.flags);
      x.save();
    });
  };
}

/** testDomainSetSchedulerParameters[Flags]: no flag, the weight (an uint) only. */
function setSchedulerParams(withFlags: boolean) {
  return (c: TestConn, a: { dom: RemoteDomain; params: TypedParam[]; flags?: number }): void => {
    checkFlags("testDomainSetSchedulerParametersFlags", withFlags ? a.flags! : 0, 0);
    validateTypedParams(a.params, { weight: VIR_TYPED_PARAM_UINT });
    c.domain(a.dom, () => {});
  };
}

function paramsHandlerGet(
  api: string,
  fn: string,
  max: number,
  count: number,
  get: (def: DomainDef) => TypedParam[],
  /** Whether the public API refuses LIVE with CONFIG (virDomainGetNumaParameters does not). */
  exclusive = true,
) {
  return (
    c: TestConn,
    a: { dom: RemoteDomain; nparams: number; flags: number },
  ): { params: TypedParam[]; nparams: number } => {
    if (a.nparams > max) throw rpcLimit("nparams too large");
    if (exclusive) exclusiveAffect(api, a.flags);
    checkFlags(
      fn,
      a.flags | VIR_TYPED_PARAM_STRING_OKAY,
      VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | 4,
    );
    if (a.nparams === 0) return { params: [], nparams: count };
    return c.domain(a.dom, (o, x) => {
      const { def } = oneDef(o, a.flags);
      const r = paramsReply(get(def), a.nparams, a.flags, max);
      if (o.newDef) x.save();
      return r;
    });
  };
}

export const tuneHandlers: HandlerEntry[] = [
  on(
    P.REMOTE_PROC_DOMAIN_SET_MEMORY_PARAMETERS,
    paramsHandlerSet("testDomainSetMemoryParameters", {
      hard_limit: VIR_TYPED_PARAM_ULLONG,
      soft_limit: VIR_TYPED_PARAM_ULLONG,
      swap_hard_limit: VIR_TYPED_PARAM_ULLONG,
    }, (o, params, flags) => {
      const { def } = oneDef(o, flags);
      const hard = findParam(params, "hard_limit");
      const soft = findParam(params, "soft_limit");
      const swap = findParam(params, "swap_hard_limit");
      if (hard || swap) {
        // The test driver compares against the live definition's values.
        const mem = hard ? paramBig(hard) : memLimit(o.def.memtune?.hardLimit ?? null);
        const sw = swap ? paramBig(swap) : memLimit(o.def.memtune?.swapHardLimit ?? null);
        if (mem > sw) {
          throw testError(
            VIR_ERR_INVALID_ARG,
            "memory hard_limit tunable value must be lower than or equal to swap_hard_limit",
          );
        }
      }
      def.memtune ??= { hardLimit: null, softLimit: null, minGuarantee: null, swapHardLimit: null };
      if (soft) def.memtune.softLimit = limitValue(paramBig(soft));
      if (hard) def.memtune.hardLimit = limitValue(paramBig(hard));
      if (swap) def.memtune.swapHardLimit = limitValue(paramBig(swap));
    }),
  ),
  on(
    P.REMOTE_PROC_DOMAIN_GET_MEMORY_PARAMETERS,
    paramsHandlerGet(
      "virDomainGetMemoryParameters",
      "testDomainGetMemoryParameters",
      16,
      3,
      (d) => [
        param.ullong("hard_limit", memLimit(d.memtune?.hardLimit ?? null)),
        param.ullong("soft_limit", memLimit(d.memtune?.softLimit ?? null)),
        param.ullong("swap_hard_limit", memLimit(d.memtune?.swapHardLimit ?? null)),
      ],
    ),
  ),
  // libvirt's test driver validates the weight, then drops it: it keeps reporting 50.
  on(P.REMOTE_PROC_DOMAIN_SET_SCHEDULER_PARAMETERS, setSchedulerParams(false)),
  on(P.REMOTE_PROC_DOMAIN_SET_SCHEDULER_PARAMETERS_FLAGS, setSchedulerParams(true)),
  on(
    P.REMOTE_PROC_DOMAIN_SET_BLKIO_PARAMETERS,
    paramsHandlerSet("testDomainSetBlkioParameters", {
      weight: VIR_TYPED_PARAM_UINT,
      device_weight: VIR_TYPED_PARAM_STRING,
      device_read_iops_sec: VIR_TYPED_PARAM_STRING,
      device_write_iops_sec: VIR_TYPED_PARAM_STRING,
      device_read_bytes_sec: VIR_TYPED_PARAM_STRING,
      device_write_bytes_sec: VIR_TYPED_PARAM_STRING,
    }, (o, params, flags) => {
      const { def } = oneDef(o, flags);
      const b = readBlkio(def);
      let failure: VirError | null = null;
      for (const p of params) {
        if (p.field === "weight") {
          b.weight = paramNum(p);
          continue;
        }
        const f = BLKIO_FIELDS.find(([n]) => n === p.field)!;
        try {
          for (const src of parseBlkioDevices(p.value.value as string, f[0], f[1])) {
            const dest = b.devices.find((d) => d.path === src.path);
            if (dest) Object.assign(dest, { [f[1]]: src[f[1]] });
            else if (src[f[1]]) b.devices.push(src);
          }
        } catch (e) {
          failure ??= e as VirError;
        }
      }
      writeBlkio(def, b);
      if (failure) throw failure;
    }),
  ),
  on(
    P.REMOTE_PROC_DOMAIN_GET_BLKIO_PARAMETERS,
    paramsHandlerGet("virDomainGetBlkioParameters", "testDomainGetBlkioParameters", 16, 6, (d) => {
      const b = readBlkio(d);
      return [
        param.uint("weight", b.weight),
        ...BLKIO_FIELDS.map(([name, key]) =>
          param.string(
            name,
            b.devices.filter((x) => x[key]).map((x) => `${x.path},${x[key]}`).join(","),
          )
        ),
      ];
    }),
  ),
  on(
    P.REMOTE_PROC_DOMAIN_SET_NUMA_PARAMETERS,
    paramsHandlerSet("testDomainSetNumaParameters", {
      numa_mode: VIR_TYPED_PARAM_INT,
      numa_nodeset: VIR_TYPED_PARAM_STRING,
    }, (o, params, flags) => {
      const { def, live } = oneDef(o, flags);
      let mode = -1;
      let nodeset: number[] | null = null;
      for (const p of params) {
        if (p.field === "numa_mode") {
          mode = paramNum(p);
          if (mode < 0 || mode >= NUMA_MODES.length) {
            throw testError(VIR_ERR_INVALID_ARG, `unsupported numatune mode: '${mode}'`);
          }
        } else if (p.field === "numa_nodeset") {
          const s = p.value.value as string;
          nodeset = parseBitmap(s, VIR_DOMAIN_CPUMASK_LEN);
          if (nodeset === null) {
            throw VirError.of(VIR_ERR_INVALID_ARG, VIR_FROM_NONE, `Failed to parse bitmap '${s}'`);
          }
          if (nodeset.length === 0) {
            throw testError(VIR_ERR_OPERATION_INVALID, `Invalid nodeset of 'numatune': ${s}`);
          }
        }
      }
      const n = readNumatune(def);
      if (live && mode !== -1 && n.specified && n.mode !== mode) {
        throw testError(VIR_ERR_OPERATION_INVALID, "can't change numatune mode for running domain");
      }
      // virDomainNumatuneSet
      if (mode === -1 && nodeset === null) return;
      let placement = -1;
      if (!n.specified) {
        if (mode === -1) mode = 0;
        placement = 0;
      }
      if (mode !== -1) n.mode = mode;
      if (nodeset !== null) {
        n.nodeset = nodeset;
        if (placement === -1) placement = 1;
      }
      if (placement === 0) placement = n.nodeset || def.vcpuPlacement === "static" ? 1 : 2;
      if (placement === 1 && !n.nodeset) {
        throw VirError.of(
          VIR_ERR_CONFIG_UNSUPPORTED,
          VIR_FROM_DOMAIN,
          "nodeset for NUMA memory tuning must be set if 'placement' is 'static'",
        );
      }
      if (placement === 2) n.nodeset = null;
      if (placement !== -1) n.placement = placement;
      n.specified = true;
      writeNumatune(def, n);
    }),
  ),
  on(
    P.REMOTE_PROC_DOMAIN_GET_NUMA_PARAMETERS,
    paramsHandlerGet("virDomainGetNumaParameters", "testDomainGetNumaParameters", 16, 2, (d) => {
      const n = readNumatune(d);
      return [
        param.int("numa_mode", n.specified ? n.mode : 0),
        param.string("numa_nodeset", n.placement === 1 ? formatBitmap(n.nodeset ?? []) : ""),
      ];
    }, false),
  ),
  on(
    P.REMOTE_PROC_DOMAIN_SET_PERF_EVENTS,
    paramsHandlerSet(
      "testDomainSetPerfEvents",
      Object.fromEntries(PERF_EVENTS.map((e) => [e, VIR_TYPED_PARAM_BOOLEAN])),
      (o, params, flags) => {
        const { def } = oneDef(o, flags);
        const m = readPerf(def);
        for (const p of params) m.set(p.field, paramNum(p) !== 0);
        writePerf(def, m);
      },
    ),
  ),
  on(P.REMOTE_PROC_DOMAIN_GET_PERF_EVENTS, (c, a) => {
    exclusiveAffect("virDomainGetPerfEvents", a.flags);
    checkFlags(
      "testDomainGetPerfEvents",
      a.flags,
      VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | 4,
    );
    return c.domain(a.dom, (o, x) => {
      const m = readPerf(oneDef(o, a.flags).def);
      if (o.newDef) x.save();
      return { params: PERF_EVENTS.map((e) => param.boolean(e, m.get(e) === true)) };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_SET_INTERFACE_PARAMETERS, (
    c,
    a,
  ) => {
    checkFlags(
      "testDomainSetInterfaceParameters",
      a.flags,
      VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG,
    );
    validateTypedParams(a.params, {
      "inbound.average": VIR_TYPED_PARAM_UINT,
      "inbound.peak": VIR_TYPED_PARAM_UINT,
      "inbound.burst": VIR_TYPED_PARAM_UINT,
      "inbound.floor": VIR_TYPED_PARAM_UINT,
      "outbound.average": VIR_TYPED_PARAM_UINT,
      "outbound.peak": VIR_TYPED_PARAM_UINT,
      "outbound.burst": VIR_TYPED_PARAM_UINT,
    });
    c.domain(a.dom, (o, x) => {
      const { def } = oneDef(o, a.flags);
      const net = findNet(def, a.device);
      const inb: Rate = { average: 0, peak: 0, burst: 0, floor: 0 };
      const outb: Rate = { average: 0, peak: 0, burst: 0, floor: 0 };
      let inSpecified = false;
      let outSpecified = false;
      for (const p of a.params) {
        const [dir, key] = p.field.split(".") as [string, keyof Rate];
        const r = dir === "inbound" ? inb : outb;
        r[key] = paramNum(p);
        if (dir === "inbound" && (key === "average" || key === "floor")) inSpecified = true;
        if (dir === "outbound" && key === "average") outSpecified = true;
      }
      const newIn = inb.average || inb.floor ? inb : null;
      const newOut = outb.average ? outb : null;
      let curIn: Rate | null = null;
      let curOut: Rate | null = null;
      if (net.bandwidth) {
        curIn = readRate(net.bandwidth.children.find((e) => e.name === "inbound"));
        curOut = readRate(net.bandwidth.children.find((e) => e.name === "outbound"));
        if (newIn) curIn = newIn;
        else if (inSpecified) curIn = null;
        if (newOut) curOut = newOut;
        else if (outSpecified) curOut = null;
      } else {
        curIn = newIn;
        curOut = newOut;
      }
      const children = [...rateElement("inbound", curIn), ...rateElement("outbound", curOut)];
      // libvirt keeps an empty bandwidth and prints it open and closed, on two lines
      // (an interface sits three levels deep).
      net.bandwidth = {
        name: "bandwidth",
        attrs: [],
        children,
        text: children.length ? "" : "\n      ",
      };
      x.save();
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_GET_INTERFACE_PARAMETERS, (c, a) => {
    // virDomainGetInterfaceParameters has no LIVE/CONFIG exclusion of its own.
    if (a.nparams > 16) throw rpcLimit("nparams too large");
    checkFlags(
      "testDomainGetInterfaceParameters",
      a.flags | 4,
      VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | 4,
    );
    if (a.nparams === 0) return { params: [], nparams: 7 };
    return c.domain(a.dom, (o, x) => {
      const net = findNet(oneDef(o, a.flags).def, a.device);
      const z: Rate = { average: 0, peak: 0, burst: 0, floor: 0 };
      const inb = readRate(net.bandwidth?.children.find((e) => e.name === "inbound")) ?? z;
      const outb = readRate(net.bandwidth?.children.find((e) => e.name === "outbound")) ?? z;
      if (o.newDef) x.save();
      return paramsReply(
        [
          param.uint("inbound.average", inb.average),
          param.uint("inbound.peak", inb.peak),
          param.uint("inbound.burst", inb.burst),
          param.uint("inbound.floor", inb.floor),
          param.uint("outbound.average", outb.average),
          param.uint("outbound.peak", outb.peak),
          param.uint("outbound.burst", outb.burst),
        ],
        a.nparams,
        a.flags,
        16,
      );
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_SET_BLOCK_IO_TUNE, (c, a) => {
    checkFlags(
      "testDomainSetBlockIoTune",
      a.flags,
      VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG,
    );
    validateTypedParams(
      a.params,
      Object.fromEntries(
        IOTUNE_ORDER.map((
          f,
        ) => [f, f === "group_name" ? VIR_TYPED_PARAM_STRING : VIR_TYPED_PARAM_ULLONG]),
      ),
    );
    c.domain(a.dom, (o, x) => {
      const { def } = oneDef(o, a.flags);
      const idx = diskIndexByName(def, a.disk, true);
      if (idx < 0) {
        throw testError(
          VIR_ERR_INVALID_ARG,
          `missing persistent configuration for disk '${a.disk}'`,
        );
      }
      const disk = def.devices.disks[idx]!;
      const info = new Map<string, string>(disk.iotune);
      for (const p of a.params) {
        if (p.value.tag === VIR_TYPED_PARAM_STRING) {
          info.set(p.field, p.value.value as string);
          continue;
        }
        const v = paramBig(p);
        if (v > TEST_BLOCK_IOTUNE_MAX) {
          throw testError(
            VIR_ERR_ARGUMENT_UNSUPPORTED,
            `block I/O throttle limit value must be no more than ${TEST_BLOCK_IOTUNE_MAX}`,
          );
        }
        info.set(p.field, String(v));
      }
      const n = (k: string) => BigInt(info.get(k) ?? 0);
      for (const kind of ["bytes_sec", "iops_sec", "bytes_sec_max", "iops_sec_max"]) {
        if (n(`total_${kind}`) && (n(`read_${kind}`) || n(`write_${kind}`))) {
          throw testError(
            VIR_ERR_INVALID_ARG,
            `total and read/write of ${kind} cannot be set at the same time`,
          );
        }
      }
      for (const f of ["total", "read", "write"]) {
        for (const kind of ["bytes_sec", "iops_sec"]) {
          if (n(`${f}_${kind}`) > n(`${f}_${kind}_max`)) {
            throw testError(
              VIR_ERR_INVALID_ARG,
              `${f}_${kind} cannot be set higher than ${f}_${kind}_max `,
            );
          }
        }
      }
      disk.iotune = IOTUNE_ORDER.filter((f) => {
        const v = info.get(f);
        return v !== undefined && v !== "" && v !== "0";
      }).map((f) => [f, info.get(f)!]);
      x.save();
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_GET_BLOCK_IO_TUNE, (c, a) => {
    if (a.nparams > 32) throw rpcLimit("nparams too large");
    exclusiveAffect("virDomainGetBlockIoTune", a.flags);
    checkFlags(
      "testDomainGetBlockIoTune",
      a.flags | 4,
      VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | 4,
    );
    if (a.nparams === 0) return { params: [], nparams: 20 };
    return c.domain(a.dom, (o, x) => {
      const { def } = oneDef(o, a.flags & ~4);
      const path = a.disk ?? "";
      const idx = diskIndexByName(def, path, true);
      if (idx < 0) {
        throw testError(
          VIR_ERR_INVALID_ARG,
          `disk '${path}' was not found in the domain config`,
        );
      }
      const info = new Map<string, string>(def.devices.disks[idx]!.iotune);
      if (o.newDef) x.save();
      return paramsReply(
        IOTUNE_ORDER.map((f) =>
          f === "group_name"
            ? param.string(f, info.get(f) ?? "")
            : param.ullong(f, BigInt(info.get(f) ?? 0))
        ),
        a.nparams,
        a.flags,
        32,
      );
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_GET_LAUNCH_SECURITY_INFO, (_c, a) => {
    // The daemon's public API adds VIR_VIR_TYPED_PARAM_STRING_OKAY, which the test driver refuses.
    checkFlags("testDomainGetLaunchSecurityInfo", a.flags | VIR_TYPED_PARAM_STRING_OKAY, 0);
    return { params: [] };
  }),
];
