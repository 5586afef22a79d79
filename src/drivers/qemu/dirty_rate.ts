/**
 * The guest's memory dirty rate (virsh domdirtyrate-calc, domstats
 * --dirtyrate): virDomainStartDirtyRateCalc starts QEMU's calc-dirty-rate;
 * the stats group reports query-dirty-rate's progress and result by
 * libvirt's names.
 *
 * @module
 */

import type { HandlerEntry } from "../../dispatch/handlers.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_CONFIG_UNSUPPORTED,
  VIR_ERR_OPERATION_UNSUPPORTED,
  VIR_FROM_QEMU,
} from "../../rpc/error_codes.ts";
import { param, type TypedParam } from "../../rpc/typed_params.ts";
import { on, type QemuConn } from "./conn.ts";
import { checkFlags, notRunning } from "./domain_common.ts";
import type { QemuDomainObj } from "./state.ts";

const VIR_DOMAIN_DIRTYRATE_MODE_DIRTY_BITMAP = 1 << 0;
const VIR_DOMAIN_DIRTYRATE_MODE_DIRTY_RING = 1 << 1;

/** MIN_DIRTYRATE_CALC_PERIOD and MAX_DIRTYRATE_CALC_PERIOD, in seconds. */
const MIN_DIRTYRATE_CALC_PERIOD = 1;
const MAX_DIRTYRATE_CALC_PERIOD = 60;

/** virDomainDirtyRateStatus by QEMU's DirtyRateStatus. */
const STATUS: Record<string, number> = { unstarted: 0, measuring: 1, measured: 2 };

interface DirtyRateInfo {
  status?: string;
  "start-time"?: number;
  "calc-time"?: number;
  mode?: string;
  "dirty-rate"?: number;
  "vcpu-dirty-rate"?: { id: number; "dirty-rate": number }[];
}

/** domstats' dirtyrate group of a running domain (qemuDomainGetStatsDirtyRate). */
export function dirtyRateStatsParams(c: QemuConn, uuid: string, o: QemuDomainObj): TypedParam[] {
  if (o.pid === 0) return [];
  let info: DirtyRateInfo;
  try {
    info = c.io("qemu.qmp", { uuid, cmd: "query-dirty-rate" }) as DirtyRateInfo;
  } catch {
    return [];
  }
  const status = STATUS[info.status ?? ""] ?? 0;
  const mode = info.mode ?? "page-sampling";
  const out: TypedParam[] = [
    param.int("dirtyrate.calc_status", status),
    param.llong("dirtyrate.calc_start_time", BigInt(Math.trunc(info["start-time"] ?? 0))),
    param.int("dirtyrate.calc_period", Math.trunc(info["calc-time"] ?? 0)),
    param.string("dirtyrate.calc_mode", mode),
  ];
  if (status === STATUS.measured) {
    out.push(
      param.llong("dirtyrate.megabytes_per_second", BigInt(Math.trunc(info["dirty-rate"] ?? 0))),
    );
    if (mode === "dirty-ring") {
      for (const v of info["vcpu-dirty-rate"] ?? []) {
        out.push(
          param.llong(`dirtyrate.vcpu.${v.id}.megabytes_per_second`, BigInt(v["dirty-rate"])),
        );
      }
    }
  }
  return out;
}

export const dirtyRateHandlers: HandlerEntry[] = [
  on(P.REMOTE_PROC_DOMAIN_START_DIRTY_RATE_CALC, (c, a) => {
    checkFlags(
      "qemuDomainStartDirtyRateCalc",
      a.flags,
      VIR_DOMAIN_DIRTYRATE_MODE_DIRTY_BITMAP | VIR_DOMAIN_DIRTYRATE_MODE_DIRTY_RING,
    );
    if (a.seconds < MIN_DIRTYRATE_CALC_PERIOD || a.seconds > MAX_DIRTYRATE_CALC_PERIOD) {
      throw VirError.of(
        VIR_ERR_CONFIG_UNSUPPORTED,
        VIR_FROM_QEMU,
        `seconds=${a.seconds} is invalid, please choose value within ` +
          `[${MIN_DIRTYRATE_CALC_PERIOD}, ${MAX_DIRTYRATE_CALC_PERIOD}].`,
      );
    }
    c.job(a.dom, "remoteDispatchDomainStartDirtyRateCalc", (entry) => {
      c.withObj(entry, (o) => {
        if (o.pid === 0) throw notRunning();
      });
      // This driver never enables KVM's dirty ring (<features><kvm><dirty-ring>).
      if (a.flags & VIR_DOMAIN_DIRTYRATE_MODE_DIRTY_RING) {
        throw VirError.of(
          VIR_ERR_OPERATION_UNSUPPORTED,
          VIR_FROM_QEMU,
          "dirty-ring calculation mode requires dirty-ring feature enabled.",
        );
      }
      const args: Record<string, unknown> = { "calc-time": a.seconds };
      if (a.flags & VIR_DOMAIN_DIRTYRATE_MODE_DIRTY_BITMAP) args.mode = "dirty-bitmap";
      c.io("qemu.qmp", { uuid: entry.uuid, cmd: "calc-dirty-rate", args });
    });
  }),
];
