/**
 * A disk's I/O throttling (virsh blkdeviotune): virDomainGetBlockIoTune and
 * virDomainSetBlockIoTune as libvirt 9.0's QEMU driver answers them, and the
 * <iotune> of a definition applied when the domain starts. QEMU's
 * block_set_io_throttle sets the limits of the disk's device, found by its
 * QOM path; the running limits are read back from query-block, the
 * persistent ones from the definition.
 *
 * @module
 */

import type { HandlerEntry } from "../../dispatch/handlers.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_ARGUMENT_UNSUPPORTED,
  VIR_ERR_CONFIG_UNSUPPORTED,
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_INVALID_ARG,
  VIR_ERR_OPERATION_INVALID,
  VIR_FROM_QEMU,
  VIR_FROM_RPC,
} from "../../rpc/error_codes.ts";
import {
  param,
  type TypedParam,
  VIR_TYPED_PARAM_STRING,
  VIR_TYPED_PARAM_STRING_OKAY,
  VIR_TYPED_PARAM_ULLONG,
} from "../../rpc/typed_params.ts";
import { type DiskDef, type DomainDef, IOTUNE_ORDER } from "../../conf/domain_xml.ts";
import { validateTypedParams } from "../../util/typed_params.ts";
import { exclusiveAffect } from "../flags.ts";
import { VIR_DOMAIN_AFFECT_CONFIG, VIR_DOMAIN_AFFECT_LIVE } from "../domain_constants.ts";
import { on, type QemuConn } from "./conn.ts";
import { affectedDefs, checkFlags, configXML } from "./domain_common.ts";
import { configPath, writeDurable } from "./files.ts";
import { saveStatus } from "./status.ts";
import {
  diskIoTune,
  diskQomPath,
  family,
  type Field,
  type IoTune,
  NUMERIC,
  QMP_NAMES,
  setDiskIoTune,
  throttleArgs,
  zero,
} from "./block_throttle.ts";

/** QEMU_BLOCK_IOTUNE_MAX: the largest limit libvirt passes on. */
const QEMU_BLOCK_IOTUNE_MAX = 1_000_000_000_000_000n;

/** VIR_DOMAIN_EVENT_ID_TUNABLE: what a live change set, for clients watching. */
const VIR_DOMAIN_EVENT_ID_TUNABLE = 17;

/** REMOTE_DOMAIN_BLOCK_IO_TUNE_PARAMETERS_MAX. */
const REMOTE_DOMAIN_BLOCK_IO_TUNE_PARAMETERS_MAX = 32;

/**
 * qemuDomainSetBlockIoTuneDefaults: what the call did not set keeps its old
 * value, family by family; a burst length being cleared while its limit
 * stays becomes 1, as QEMU would take it.
 */
function withDefaults(given: IoTune, old: IoTune, set: Set<string>): IoTune {
  const t: IoTune = { v: { ...given.v }, group: given.group };
  for (const f of NUMERIC) {
    if (!set.has(family(f))) t.v[f] = old.v[f]!;
  }
  for (const f of NUMERIC.filter((x) => x.endsWith("_max_length"))) {
    if (!set.has(family(f)) || !old.v[f] || t.v[f]) continue;
    const base = f.slice(0, -"_max_length".length);
    t.v[f] = t.v[base] || t.v[`${base}_max`] ? 1n : 0n;
  }
  if (!set.has("group_name")) t.group = old.group;
  return t;
}

/** libvirt's checks of a limit and its burst, done before QEMU is asked. */
function checkMax(t: IoTune): void {
  for (const kind of ["bytes_sec", "iops_sec"]) {
    for (const who of ["total", "read", "write"]) {
      const f = `${who}_${kind}`;
      const max = t.v[`${f}_max`]!;
      if (!max) continue;
      if (!t.v[f]) {
        throw VirError.of(
          VIR_ERR_CONFIG_UNSUPPORTED,
          VIR_FROM_QEMU,
          `cannot reset '${f}' when '${f}_max' is set`,
        );
      }
      if (max < t.v[f]!) {
        throw VirError.of(
          VIR_ERR_CONFIG_UNSUPPORTED,
          VIR_FROM_QEMU,
          `value '${f}_max' cannot be smaller than '${f}'`,
        );
      }
    }
  }
}

/**
 * qemuDomainCheckBlockIoTuneReset: all limits zero removes the throttling
 * (and the group); a new group without limits is refused.
 */
function checkReset(t: IoTune, old: IoTune): void {
  if (NUMERIC.some((f) => t.v[f] !== 0n)) return;
  if (t.group !== null && t.group !== old.group) {
    throw VirError.of(
      VIR_ERR_OPERATION_INVALID,
      VIR_FROM_QEMU,
      "creating a new group/updating existing with all tune parameters zero is not supported",
    );
  }
  t.group = null;
}

/** virDomainDiskByName: the disk with this target or source. */
function findDisk(def: DomainDef, name: string): DiskDef | undefined {
  return def.devices.disks.find((d) =>
    d.targetDev === name || (name !== "" && d.source?.path === name)
  );
}

/** A running disk's limits as QEMU reports them (qemuMonitorJSONGetBlockIoThrottle). */
function liveIoTune(c: QemuConn, uuid: string, d: DiskDef): IoTune {
  const qdev = diskQomPath(d);
  const all = c.io("qemu.qmp", { uuid, cmd: "query-block" }) as {
    qdev?: string;
    inserted?: Record<string, unknown>;
  }[];
  const entry = all.find((x) => x.qdev === qdev);
  if (!entry) {
    throw VirError.of(
      VIR_ERR_INTERNAL_ERROR,
      VIR_FROM_QEMU,
      `cannot find throttling info for device '${qdev}'`,
    );
  }
  const ins = entry.inserted;
  if (!ins) {
    throw VirError.of(
      VIR_ERR_INTERNAL_ERROR,
      VIR_FROM_QEMU,
      "block_io_throttle inserted entry was not in expected format",
    );
  }
  const t = zero();
  for (const f of NUMERIC) t.v[f] = BigInt(Math.trunc(Number(ins[QMP_NAMES[f]!] ?? 0)));
  t.group = typeof ins.group === "string" ? ins.group : null;
  return t;
}

export const blockIoTuneHandlers: HandlerEntry[] = [
  on(P.REMOTE_PROC_DOMAIN_SET_BLOCK_IO_TUNE, (c, a) => {
    checkFlags(
      "qemuDomainSetBlockIoTune",
      a.flags,
      VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG,
    );
    validateTypedParams(
      a.params,
      Object.fromEntries(
        IOTUNE_ORDER.map((f) => [
          f,
          f === "group_name" ? VIR_TYPED_PARAM_STRING : VIR_TYPED_PARAM_ULLONG,
        ]),
      ),
    );
    const given = zero();
    const set = new Set<string>();
    // The tunable event names the disk as the caller did, then what it set, in its order.
    const changed: TypedParam[] = [param.string("blkdeviotune.disk", a.disk)];
    for (const p of a.params) {
      set.add(family(p.field));
      if (p.value.tag === VIR_TYPED_PARAM_STRING) {
        given.group = p.value.value as string;
        changed.push(param.string(`blkdeviotune.${p.field}`, given.group));
        continue;
      }
      const v = BigInt(p.value.value as bigint);
      if (v > QEMU_BLOCK_IOTUNE_MAX) {
        throw VirError.of(
          VIR_ERR_ARGUMENT_UNSUPPORTED,
          VIR_FROM_QEMU,
          `block I/O throttle limit value must be no more than ${QEMU_BLOCK_IOTUNE_MAX}`,
        );
      }
      given.v[p.field as Field] = v;
      changed.push(param.ullong(`blkdeviotune.${p.field}`, v));
    }
    for (const kind of ["bytes_sec", "iops_sec", "bytes_sec_max", "iops_sec_max"]) {
      if (given.v[`total_${kind}`] && (given.v[`read_${kind}`] || given.v[`write_${kind}`])) {
        throw VirError.of(
          VIR_ERR_INVALID_ARG,
          VIR_FROM_QEMU,
          `total and read/write of ${kind} cannot be set at the same time`,
        );
      }
    }
    const { configDir, stateDir } = c.dir((d) => ({
      configDir: d.configDir,
      stateDir: d.stateDir,
    }));
    c.job(a.dom, "remoteDispatchDomainSetBlockIoTune", (entry) => {
      const o = c.withObj(entry, (x) => x);
      const { live, config } = affectedDefs(a.flags, o);
      if (live) {
        const d = findDisk(o.def, a.disk);
        if (!d) {
          throw VirError.of(
            VIR_ERR_INVALID_ARG,
            VIR_FROM_QEMU,
            `disk '${a.disk}' not found in domain`,
          );
        }
        const old = diskIoTune(d);
        const t = withDefaults(given, old, set);
        checkMax(t);
        checkReset(t, old);
        // A drive without a medium has nothing for QEMU to throttle yet.
        if (d.source?.path) {
          c.io("qemu.qmp", {
            uuid: entry.uuid,
            cmd: "block_set_io_throttle",
            args: throttleArgs(d, t),
          });
        }
        const dom = c.withObj(entry, (x, save) => {
          const disk = x.def.devices.disks.find((y) => y.targetDev === d.targetDev);
          if (disk) setDiskIoTune(disk, t);
          save();
          saveStatus(stateDir, entry, x);
          return { name: entry.name, uuid: entry.uuid, id: x.id };
        });
        c.emitDomain(dom, VIR_DOMAIN_EVENT_ID_TUNABLE, { params: changed }, true);
      }
      if (config) {
        c.withObj(entry, (x, save) => {
          const def = x.newDef ?? x.def;
          const d = findDisk(def, a.disk);
          if (!d) {
            throw VirError.of(
              VIR_ERR_INVALID_ARG,
              VIR_FROM_QEMU,
              `missing persistent configuration for disk '${a.disk}'`,
            );
          }
          const old = diskIoTune(d);
          const t = withDefaults(given, old, set);
          checkReset(t, old);
          setDiskIoTune(d, t);
          writeDurable(configPath(configDir, def.name), configXML(def));
          save();
        });
      }
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_GET_BLOCK_IO_TUNE, (c, a) => {
    if (a.nparams > REMOTE_DOMAIN_BLOCK_IO_TUNE_PARAMETERS_MAX) {
      throw VirError.internal(VIR_FROM_RPC, "nparams too large");
    }
    exclusiveAffect("virDomainGetBlockIoTune", a.flags);
    checkFlags(
      "qemuDomainGetBlockIoTune",
      a.flags,
      VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | VIR_TYPED_PARAM_STRING_OKAY,
    );
    const entry = c.entry(a.dom);
    const name = a.disk ?? "";
    const { live, def } = c.withObj(entry, (o) => {
      const { live } = affectedDefs(a.flags & ~VIR_TYPED_PARAM_STRING_OKAY, o);
      return { live, def: live ? o.def : (o.newDef ?? o.def) };
    });
    // The number of parameters is asked first, without a disk.
    if (a.nparams === 0) return { params: [], nparams: IOTUNE_ORDER.length };
    const d = findDisk(def, name);
    if (!d) {
      throw VirError.of(
        VIR_ERR_INVALID_ARG,
        VIR_FROM_QEMU,
        live
          ? `disk '${name}' not found in domain`
          : `disk '${name}' was not found in the domain config`,
      );
    }
    const t = live ? liveIoTune(c, entry.uuid, d) : diskIoTune(d);
    const all: TypedParam[] = IOTUNE_ORDER.map((f) =>
      f === "group_name" ? param.string(f, t.group ?? "") : param.ullong(f, t.v[f]!)
    );
    const strings = (a.flags & VIR_TYPED_PARAM_STRING_OKAY) !== 0;
    return {
      params: all.slice(0, a.nparams).filter((p) =>
        strings || p.value.tag !== VIR_TYPED_PARAM_STRING
      ),
      nparams: 0,
    };
  }),
];
