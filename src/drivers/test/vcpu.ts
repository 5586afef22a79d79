/**
 * The test driver's vCPUs, emulator and IOThreads: their info, pinning
 * and IOThread add/delete/parameters, as libvirt 9.0's test driver answers.
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
  VIR_FROM_DOMAIN,
} from "../../rpc/error_codes.ts";
import { VIR_TYPED_PARAM_UINT, VIR_TYPED_PARAM_ULLONG } from "../../rpc/typed_params.ts";
import { type DomainDef, VIR_DOMAIN_CPUMASK_LEN } from "../../conf/domain_xml.ts";
import { bitmapFromBytes, bitmapToBytes, formatBitmap, parseBitmap } from "../../util/bitmap.ts";
import { validateTypedParams } from "../../util/typed_params.ts";
import { on, type TestConn } from "./conn.ts";
import { checkFlags, rpcLimit, testError, unknownError } from "./errors.ts";
import { exclusiveAffect } from "../flags.ts";
import { isActive, oneDef } from "./domain.ts";
import { VIR_DOMAIN_AFFECT_CONFIG, VIR_DOMAIN_AFFECT_LIVE } from "../domain_constants.ts";
import { findParam, paramBig, paramNum } from "./domain_common.ts";
import { realTime } from "./stats.ts";

/** The test driver's node: 2 nodes × 2 sockets × 2 cores × 2 threads (VIR_NODEINFO_MAXCPUS). */
const HOST_CPUS = 16;

function allCpus(n = HOST_CPUS): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function bitsOf(cpuset: string | null): number[] | null {
  return cpuset === null ? null : parseBitmap(cpuset, VIR_DOMAIN_CPUMASK_LEN) ?? [];
}

/** The CPUs a vCPU may run on: its pin, else the domain's cpuset, else every host CPU. */
function vcpuMask(def: DomainDef, i: number): number[] {
  const pin = def.cputune?.vcpupins.find((p) => p.vcpu === i);
  return bitsOf(pin?.cpuset ?? null) ?? bitsOf(def.cpuset) ?? allCpus();
}

function vcpuOnline(def: DomainDef, i: number): boolean {
  if (def.vcpuList) return def.vcpuList.find((v) => v.id === i)?.enabled ?? false;
  return i < def.vcpusCurrent;
}

function ensureCputune(def: DomainDef): NonNullable<DomainDef["cputune"]> {
  def.cputune ??= { shares: null, items: [], vcpupins: [], emulatorpin: null, iothreadpins: [] };
  return def.cputune;
}

function pinVcpu(
  c: TestConn,
  a: { dom: RemoteDomain; vcpu: number; cpumap: Uint8Array; flags: number },
): void {
  checkFlags("testDomainPinVcpuFlags", a.flags, 0);
  c.domain(a.dom, (o, x) => {
    if (!isActive(o)) {
      throw testError(VIR_ERR_OPERATION_INVALID, "cannot pin vcpus on an inactive domain");
    }
    const def = o.def;
    if (a.vcpu >= def.vcpus || !vcpuOnline(def, a.vcpu)) {
      throw testError(
        VIR_ERR_INVALID_ARG,
        `requested vcpu '${a.vcpu}' is not present in the domain`,
      );
    }
    const t = ensureCputune(def);
    const cpuset = formatBitmap(bitmapFromBytes(a.cpumap));
    const pin = t.vcpupins.find((p) => p.vcpu === a.vcpu);
    if (pin) pin.cpuset = cpuset;
    else {
      t.vcpupins.push({ vcpu: a.vcpu, cpuset });
      t.vcpupins.sort((p, q) => p.vcpu - q.vcpu);
    }
    x.save();
  });
}

function setIOThreadPin(def: DomainDef, id: number, cpuset: string | null): void {
  const t = ensureCputune(def);
  t.iothreadpins = t.iothreadpins.filter((p) => p.iothread !== id);
  if (cpuset !== null) t.iothreadpins.push({ iothread: id, cpuset });
  const order = def.iothreadIds.map((x) => x.id);
  t.iothreadpins.sort((p, q) => order.indexOf(p.iothread) - order.indexOf(q.iothread));
}

function changeIOThread(
  c: TestConn,
  a: { dom: RemoteDomain; iothread_id: number; flags: number },
  action: "add" | "del",
): void {
  checkFlags(
    action === "add" ? "testDomainAddIOThread" : "testDomainDelIOThread",
    a.flags,
    VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG,
  );
  if (a.iothread_id === 0) {
    throw testError(VIR_ERR_INVALID_ARG, "invalid value of 0 for iothread_id");
  }
  c.domain(a.dom, (o, x) => {
    const { def } = oneDef(o, a.flags);
    const id = a.iothread_id;
    const idx = def.iothreadIds.findIndex((t) => t.id === id);
    if (action === "add") {
      if (idx >= 0) {
        throw VirError.of(
          VIR_ERR_INVALID_ARG,
          VIR_FROM_DOMAIN,
          `an IOThread is already using iothread_id '${id}'`,
        );
      }
      def.iothreadIds.push({ id, autofill: false });
      (o.iothreadParams ??= []).push({ id, pollMaxNs: "32768", pollGrow: 0, pollShrink: 0 });
    } else {
      if (idx < 0) {
        throw VirError.of(
          VIR_ERR_INVALID_ARG,
          VIR_FROM_DOMAIN,
          `cannot find IOThread '${id}' in iothreadids list`,
        );
      }
      for (const d of def.devices.disks) {
        const drv = d.driver?.["iothread"];
        if (drv !== undefined && Number(drv) === id) {
          throw VirError.of(
            VIR_ERR_INVALID_ARG,
            VIR_FROM_DOMAIN,
            `cannot remove IOThread ${id} since it is being used by disk '${d.targetDev}'`,
          );
        }
      }
      for (const ctl of def.devices.controllers) {
        const drv = ctl.driver?.["iothread"];
        if (drv !== undefined && Number(drv) === id) {
          throw VirError.of(
            VIR_ERR_INVALID_ARG,
            VIR_FROM_DOMAIN,
            `cannot remove IOThread '${id}' since it is being used by controller`,
          );
        }
      }
      for (let j = idx + 1; j < def.iothreadIds.length; j++) def.iothreadIds[j]!.autofill = false;
      def.iothreadIds.splice(idx, 1);
      setIOThreadPin(def, id, null);
      const params = o.iothreadParams ?? [];
      const pi = params.findIndex((p) => p.id === id);
      if (pi >= 0) params.splice(pi, 1);
    }
    def.iothreads = def.iothreadIds.length;
    x.save();
  });
}

export const vcpuHandlers: HandlerEntry[] = [
  on(P.REMOTE_PROC_DOMAIN_GET_VCPUS, (c, a) => {
    if (a.maxinfo > 16384) throw rpcLimit("maxinfo > REMOTE_VCPUINFO_MAX");
    if (a.maxinfo * a.maplen > 8388608) throw rpcLimit("maxinfo * maplen > REMOTE_CPUMAPS_MAX");
    return c.domain(a.dom, (o) => {
      if (!isActive(o)) {
        throw testError(VIR_ERR_OPERATION_INVALID, "cannot list vcpus for an inactive domain");
      }
      const def = o.def;
      const s = realTime();
      const n = Math.min(a.maxinfo, def.vcpusCurrent);
      const cpumaps = new Uint8Array(Math.max(0, a.maxinfo * a.maplen));
      const info = [];
      for (let i = 0; i < n; i++) {
        if (!vcpuOnline(def, i)) {
          info.push({ number: 0, state: 0, cpu_time: 0n, cpu: 0 });
          continue;
        }
        const mask = vcpuMask(def, i);
        bitmapToBytes(cpumaps, i * a.maplen, a.maplen, mask);
        info.push({
          number: i,
          state: 1,
          cpu_time: s / 10n,
          cpu: mask.length ? mask[mask.length - 1]! : -1,
        });
      }
      return { info, cpumaps };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_PIN_VCPU, (c, a) => pinVcpu(c, { ...a, flags: 0 })),
  on(P.REMOTE_PROC_DOMAIN_PIN_VCPU_FLAGS, pinVcpu),
  on(P.REMOTE_PROC_DOMAIN_GET_VCPU_PIN_INFO, (c, a) => {
    if (a.ncpumaps > 16384) throw rpcLimit("ncpumaps > REMOTE_VCPUINFO_MAX");
    if (a.ncpumaps * a.maplen > 8388608) {
      throw rpcLimit("maxinfo * maplen > REMOTE_CPUMAPS_MAX");
    }
    exclusiveAffect("virDomainGetVcpuPinInfo", a.flags);
    return c.domain(a.dom, (o, x) => {
      const { def } = oneDef(o, a.flags);
      const cpumaps = new Uint8Array(Math.max(0, a.ncpumaps * a.maplen));
      let i = 0;
      for (; i < def.vcpus && i < a.ncpumaps; i++) {
        bitmapToBytes(cpumaps, i * a.maplen, a.maplen, vcpuMask(def, i));
      }
      if (o.newDef) x.save();
      return { cpumaps, num: i };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_PIN_EMULATOR, (c, a) => {
    checkFlags(
      "testDomainPinEmulator",
      a.flags,
      VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG,
    );
    c.domain(a.dom, (o, x) => {
      const { def } = oneDef(o, a.flags);
      const bits = bitmapFromBytes(a.cpumap);
      if (bits.length === 0) throw testError(VIR_ERR_INVALID_ARG, "Empty cpu list for pinning");
      ensureCputune(def).emulatorpin = formatBitmap(bits);
      x.save();
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_GET_EMULATOR_PIN_INFO, (c, a) => {
    exclusiveAffect("virDomainGetEmulatorPinInfo", a.flags);
    checkFlags(
      "testDomainGetEmulatorPinInfo",
      a.flags,
      VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG,
    );
    return c.domain(a.dom, (o, x) => {
      const { def } = oneDef(o, a.flags);
      const mask = bitsOf(def.cputune?.emulatorpin ?? null) ?? bitsOf(def.cpuset) ?? allCpus();
      const cpumaps = new Uint8Array(Math.max(0, a.maplen));
      bitmapToBytes(cpumaps, 0, a.maplen, mask);
      if (o.newDef) x.save();
      return { cpumaps, ret: 1 };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_GET_IOTHREAD_INFO, (c, a) => {
    exclusiveAffect("virDomainGetIOThreadInfo", a.flags);
    checkFlags(
      "testDomainGetIOThreadInfo",
      a.flags,
      VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG,
    );
    return c.domain(a.dom, (o, x) => {
      const { def } = oneDef(o, a.flags);
      const size = def.vcpusCurrent;
      const info = def.iothreadIds.map((t) => {
        const pin = def.cputune?.iothreadpins.find((p) => p.iothread === t.id);
        const mask = bitsOf(pin?.cpuset ?? null);
        let bits: number[];
        let bytes: number;
        if (mask) {
          bits = mask;
          bytes = mask.length ? (mask[mask.length - 1]! >> 3) + 1 : 0;
        } else if (def.cpuset !== null) {
          bits = bitsOf(def.cpuset) ?? [];
          bytes = bits.length ? (bits[bits.length - 1]! >> 3) + 1 : 0;
        } else {
          bits = allCpus(size);
          bytes = (size + 7) >> 3;
        }
        const cpumap = new Uint8Array(bytes);
        bitmapToBytes(cpumap, 0, bytes, bits);
        return { iothread_id: t.id, cpumap };
      });
      if (o.newDef) x.save();
      return { info, ret: info.length };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_ADD_IOTHREAD, (c, a) => changeIOThread(c, a, "add")),
  on(P.REMOTE_PROC_DOMAIN_DEL_IOTHREAD, (c, a) => changeIOThread(c, a, "del")),
  on(P.REMOTE_PROC_DOMAIN_PIN_IOTHREAD, (c, a) => {
    checkFlags(
      "testDomainPinIOThread",
      a.flags,
      VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG,
    );
    c.domain(a.dom, (o, x) => {
      const { def } = oneDef(o, a.flags);
      const bits = bitmapFromBytes(a.cpumap);
      if (bits.length === 0) {
        throw testError(VIR_ERR_INVALID_ARG, "Empty iothread cpumap list for pinning");
      }
      const t = def.iothreadIds.find((t) => t.id === a.iothreads_id);
      if (!t) throw testError(VIR_ERR_INVALID_ARG, `iothreadid ${a.iothreads_id} not found`);
      t.autofill = false;
      setIOThreadPin(def, t.id, formatBitmap(bits));
      x.save();
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_SET_IOTHREAD_PARAMS, (c, a) => {
    checkFlags("testDomainSetIOThreadParams", a.flags, VIR_DOMAIN_AFFECT_LIVE);
    if (a.iothread_id === 0) {
      throw testError(VIR_ERR_INVALID_ARG, "invalid value of 0 for iothread_id");
    }
    c.domain(a.dom, (o, x) => {
      const { def } = oneDef(o, a.flags);
      if (!def.iothreadIds.some((t) => t.id === a.iothread_id)) {
        throw testError(
          VIR_ERR_INVALID_ARG,
          `cannot find IOThread '${a.iothread_id}' in iothreadids`,
        );
      }
      const t = o.iothreadParams?.find((p) => p.id === a.iothread_id);
      if (!t) throw unknownError();
      validateTypedParams(a.params, {
        poll_max_ns: VIR_TYPED_PARAM_ULLONG,
        poll_grow: VIR_TYPED_PARAM_UINT,
        poll_shrink: VIR_TYPED_PARAM_UINT,
      });
      const max = findParam(a.params, "poll_max_ns");
      const grow = findParam(a.params, "poll_grow");
      const shrink = findParam(a.params, "poll_shrink");
      if (max) t.pollMaxNs = String(paramBig(max));
      if (grow) t.pollGrow = paramNum(grow);
      if (shrink) t.pollShrink = paramNum(shrink);
      x.save();
    });
  }),
];
