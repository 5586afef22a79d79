/**
 * A QEMU domain's virtual CPUs and threads as virsh vcpuinfo, vcpupin and
 * emulatorpin show them: each vCPU thread (QMP query-cpus-fast) with its CPU time, the host CPU it last ran on and the
 * CPUs it may run on, read from /proc as libvirt reads them. This driver
 * applies no pinning (<cputune> pins and <vcpu cpuset> are refused at define), so
 * the configured affinity of every vCPU and of the emulator is every online
 * host CPU. (I/O threads are iothreads.ts'.)
 *
 * @module
 */

import type { HandlerEntry } from "../../dispatch/handlers.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import { VirError } from "../../rpc/error.ts";
import { VIR_ERR_OPERATION_INVALID, VIR_FROM_QEMU, VIR_FROM_RPC } from "../../rpc/error_codes.ts";
import { bitmapToBytes, parseBitmap } from "../../util/bitmap.ts";
import { VIR_DOMAIN_AFFECT_CONFIG, VIR_DOMAIN_AFFECT_LIVE } from "../domain_constants.ts";
import { exclusiveAffect } from "../flags.ts";
import { on, type QemuConn } from "./conn.ts";
import { affectedDefs, checkFlags } from "./domain_common.ts";

const AFFECT = VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG;
/** REMOTE_VCPUINFO_MAX and REMOTE_CPUMAPS_MAX. */
const VCPUINFO_MAX = 16384;
const CPUMAPS_MAX = 8388608;
/** Linux's USER_HZ: /proc's CPU times are in these ticks. */
const TICKS_PER_SECOND = 100n;

/** The online host CPUs (virHostCPUGetOnlineBitmap). */
export function onlineCpus(): number[] {
  try {
    const s = Deno.readTextFileSync("/sys/devices/system/cpu/online").trim();
    const bits = parseBitmap(s, 1 << 16);
    if (bits && bits.length > 0) return bits;
  } catch {
    // Not readable: the runtime's count stands in.
  }
  return Array.from({ length: navigator.hardwareConcurrency }, (_, i) => i);
}

/** A thread's CPU time (ns), last CPU and allowed CPUs, from /proc (qemuGetProcessInfo). */
export function threadInfo(
  pid: number,
  tid: number,
): { ns: bigint; cpu: number; allowed: number[] } {
  let ns = 0n, cpu = -1;
  let allowed = onlineCpus();
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/task/${tid}/stat`);
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    ns = (BigInt(f[11] ?? "0") + BigInt(f[12] ?? "0")) * (1_000_000_000n / TICKS_PER_SECOND);
    cpu = Number(f[36] ?? -1);
    const status = Deno.readTextFileSync(`/proc/${pid}/task/${tid}/status`);
    const list = /^Cpus_allowed_list:\s*(\S+)/m.exec(status)?.[1];
    allowed = (list && parseBitmap(list, 1 << 16)) || allowed;
  } catch {
    // The thread is gone, or /proc is not ours to read (--sandbox).
  }
  return { ns, cpu, allowed };
}

/** The scheduler's wait and run-delay of a thread in ns (virProcessGetSchedInfo), 0 when unknown. */
export function threadSchedInfo(pid: number, tid: number): { wait: bigint; delay: bigint } {
  let wait = 0n, delay = 0n;
  try {
    const sched = Deno.readTextFileSync(`/proc/${pid}/task/${tid}/sched`);
    const w = /^se\.statistics\.wait_sum\s*:\s*([\d.]+)/m.exec(sched)?.[1];
    if (w) wait = BigInt(Math.round(Number(w) * 1e6));
    const schedstat = Deno.readTextFileSync(`/proc/${pid}/task/${tid}/schedstat`).trim().split(
      /\s+/,
    );
    delay = BigInt(schedstat[1] ?? "0");
  } catch {
    // Gone, or not ours to read.
  }
  return { wait, delay };
}

/** Each vCPU's thread id by index (QMP query-cpus-fast). */
export function vcpuThreads(c: QemuConn, uuid: string): Map<number, number> {
  const threads = c.io("qemu.qmp", { uuid, cmd: "query-cpus-fast" }) as {
    "cpu-index": number;
    "thread-id": number;
  }[];
  return new Map(threads.map((t) => [t["cpu-index"], t["thread-id"]]));
}

export const vcpuInfoHandlers: HandlerEntry[] = [
  on(P.REMOTE_PROC_DOMAIN_GET_VCPUS, (c, a) => {
    if (a.maxinfo > VCPUINFO_MAX) {
      throw VirError.internal(VIR_FROM_RPC, "maxinfo > REMOTE_VCPUINFO_MAX");
    }
    if (a.maxinfo * a.maplen > CPUMAPS_MAX) {
      throw VirError.internal(VIR_FROM_RPC, "maxinfo * maplen > REMOTE_CPUMAPS_MAX");
    }
    const entry = c.entry(a.dom);
    const { pid, vcpus } = c.withObj(entry, (o) => {
      if (o.pid === 0) {
        throw VirError.of(
          VIR_ERR_OPERATION_INVALID,
          VIR_FROM_QEMU,
          "cannot retrieve vcpu information for inactive domain",
        );
      }
      return { pid: o.pid, vcpus: o.def.vcpusCurrent };
    });
    const threads = vcpuThreads(c, entry.uuid);
    const n = Math.min(a.maxinfo, vcpus);
    const cpumaps = new Uint8Array(Math.max(0, a.maxinfo * a.maplen));
    const info = [];
    for (let i = 0; i < n; i++) {
      const tid = threads.get(i);
      const t = tid === undefined ? null : threadInfo(pid, tid);
      if (a.maplen > 0) bitmapToBytes(cpumaps, i * a.maplen, a.maplen, t?.allowed ?? onlineCpus());
      info.push({ number: i, state: 1, cpu_time: t?.ns ?? 0n, cpu: t?.cpu ?? -1 });
    }
    return { info, cpumaps };
  }),
  on(P.REMOTE_PROC_DOMAIN_GET_VCPU_PIN_INFO, (c, a) => {
    if (a.ncpumaps > VCPUINFO_MAX) {
      throw VirError.internal(VIR_FROM_RPC, "ncpumaps > REMOTE_VCPUINFO_MAX");
    }
    if (a.ncpumaps * a.maplen > CPUMAPS_MAX) {
      throw VirError.internal(VIR_FROM_RPC, "maxinfo * maplen > REMOTE_CPUMAPS_MAX");
    }
    exclusiveAffect("virDomainGetVcpuPinInfo", a.flags);
    checkFlags("qemuDomainGetVcpuPinInfo", a.flags, AFFECT);
    return c.withObj(c.entry(a.dom), (o) => {
      const { live } = affectedDefs(a.flags, o);
      const def = live ? o.def : o.newDef ?? o.def;
      const num = Math.min(a.ncpumaps, def.vcpus);
      const cpumaps = new Uint8Array(Math.max(0, a.ncpumaps * a.maplen));
      const all = onlineCpus();
      for (let i = 0; i < num; i++) bitmapToBytes(cpumaps, i * a.maplen, a.maplen, all);
      return { cpumaps, num };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_GET_EMULATOR_PIN_INFO, (c, a) => {
    exclusiveAffect("virDomainGetEmulatorPinInfo", a.flags);
    checkFlags("qemuDomainGetEmulatorPinInfo", a.flags, AFFECT);
    return c.withObj(c.entry(a.dom), (o) => {
      affectedDefs(a.flags, o);
      const cpumaps = new Uint8Array(Math.max(0, a.maplen));
      bitmapToBytes(cpumaps, 0, a.maplen, onlineCpus());
      return { cpumaps, ret: 1 };
    });
  }),
];
