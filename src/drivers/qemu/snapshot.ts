/**
 * Snapshots on the QEMU driver (libvirt's qemu_snapshot.c): internal
 * snapshots of qcow2 disks — with the guest's memory through QEMU's
 * `snapshot-save` / `snapshot-load` / `snapshot-delete` jobs while it runs,
 * disk-only through `qemu-img snapshot` while it is shut off — and external
 * disk-only snapshots (a qcow2 overlay over each disk, switched to with
 * `blockdev-snapshot` while it runs). The tree, listings and XML are the
 * ones every driver shares (src/drivers/moments.ts, src/conf/snapshot_xml.ts);
 * metadata lives in snapshot_files.ts.
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
  VIR_ERR_NO_DOMAIN_SNAPSHOT,
  VIR_ERR_OPERATION_FAILED,
  VIR_ERR_OPERATION_INVALID,
  VIR_ERR_OPERATION_UNSUPPORTED,
  VIR_ERR_SNAPSHOT_REVERT_RISKY,
  VIR_ERR_XML_DETAIL,
  VIR_FROM_DOMAIN,
  VIR_FROM_DOMAIN_SNAPSHOT,
  VIR_FROM_QEMU,
} from "../../rpc/error_codes.ts";
import { copyDomainDef, type DiskDef, type DomainDef } from "../../conf/domain_xml.ts";
import {
  alignSnapshotDisks,
  formatSnapshotXML,
  parseSnapshotXML,
  SNAPSHOT_STATES,
  type SnapshotDef,
  snapshotIsExternal,
} from "../../conf/snapshot_xml.ts";
import { uuidToString } from "../../util/uuid.ts";
import * as S from "../domain_constants.ts";
import {
  checkCycles,
  SNAP_LIST_ALLOWED,
  snapshotNames,
  type SnapshotObj,
  Snapshots,
} from "../moments.ts";
import { exclusiveFlags } from "../flags.ts";
import { on, pause, QemuConn } from "./conn.ts";
import { log } from "../../log.ts";
import {
  checkFlags,
  configXML,
  KILL_GRACE_MS,
  startDomain,
  stopDomain,
  VIR_DOMAIN_START_PAUSED,
} from "./domain_common.ts";
import { configPath, writeDurable } from "./files.ts";
import { saveStatus } from "./hotplug.ts";
import { saveSnapshotMetadata } from "./snapshot_files.ts";
import type { QemuDomainEntry, QemuDomainObj } from "./state.ts";

const CREATE_REDEFINE = 1 << 0;
const CREATE_CURRENT = 1 << 1;
const CREATE_NO_METADATA = 1 << 2;
const CREATE_HALT = 1 << 3;
const CREATE_DISK_ONLY = 1 << 4;
const CREATE_REUSE_EXT = 1 << 5;
const CREATE_QUIESCE = 1 << 6;
const CREATE_ATOMIC = 1 << 7;
const CREATE_LIVE = 1 << 8;
const CREATE_VALIDATE = 1 << 9;

const REVERT_RUNNING = 1 << 0;
const REVERT_PAUSED = 1 << 1;
const REVERT_FORCE = 1 << 2;

const DELETE_CHILDREN = 1 << 0;
const DELETE_METADATA_ONLY = 1 << 1;
const DELETE_CHILDREN_ONLY = 1 << 2;

const XML_SECURE = 1;

const logger = log("qemu");

const VIR_DOMAIN_PAUSED_SAVE = 3;
const VIR_DOMAIN_EVENT_SUSPENDED_FROM_SNAPSHOT = 5;
const VIR_DOMAIN_EVENT_RESUMED_FROM_SNAPSHOT = 2;
const VIR_DOMAIN_EVENT_DEFINED_FROM_SNAPSHOT = 3;

const ONLINE = (st: string | null) => st === "running" || st === "paused";

type Snap = { name: string; dom: RemoteDomain };
type DomRef = { name: string; uuid: string; id: number };

function noSnapshot(name: string): VirError {
  return VirError.of(
    VIR_ERR_NO_DOMAIN_SNAPSHOT,
    VIR_FROM_QEMU,
    `no domain snapshot with matching name '${name}'`,
  );
}

/** qemuSnapObjFromName. */
function snapshotOf(m: Snapshots, name: string): SnapshotObj {
  const s = m.find(name);
  if (!s) throw noSnapshot(name);
  return s;
}

const unsupported = (detail: string) =>
  VirError.of(VIR_ERR_CONFIG_UNSUPPORTED, VIR_FROM_QEMU, detail);

// ---- Images: qemu-img and QEMU's jobs ---------------------------------------------------------

function qemuImg(qemuImgPath: string, args: string[]): string {
  const out = new Deno.Command(qemuImgPath, { args, stdout: "piped", stderr: "piped" })
    .outputSync();
  const dec = new TextDecoder();
  if (!out.success) {
    throw VirError.of(
      VIR_ERR_OPERATION_FAILED,
      VIR_FROM_QEMU,
      `${qemuImgPath} ${args.join(" ")}: ${dec.decode(out.stderr).trim()}`,
    );
  }
  return dec.decode(out.stdout);
}

/** Whether a disk's image names a backing file of its own (read shared: QEMU may hold it). */
function imageHasBacking(qemuImgPath: string, d: DiskDef): boolean {
  if (diskFormat(d) === "raw") return false;
  try {
    const info = JSON.parse(
      qemuImg(qemuImgPath, ["info", "-U", "--output=json", "-f", diskFormat(d), d.source!.path!]),
    ) as { "backing-filename"?: string };
    return info["backing-filename"] !== undefined;
  } catch {
    return false;
  }
}

/** A disk's image format as the definition says it (libvirt's src->format). */
const diskFormat = (d: DiskDef): string => d.driver?.type ?? "raw";

/**
 * qemuDomainSnapshotForEachQcow2: `qemu-img snapshot OP NAME` on every disk
 * the snapshot holds internally. A failed create removes what it made; a
 * revert or delete tries every disk and reports the first failure.
 */
function forEachQcow2(
  qemuImgPath: string,
  dom: DomainDef,
  snap: SnapshotDef,
  op: "-c" | "-a" | "-d",
): void {
  const done: string[] = [];
  let first: unknown = null;
  for (const sd of snap.disks) {
    if (sd.snapshot !== "internal") continue;
    const disk = dom.devices.disks.find((d) => d.targetDev === sd.name);
    const path = disk?.source?.path ?? null;
    if (!disk || path === null) continue;
    if (diskFormat(disk) !== "qcow2") {
      const e = VirError.of(
        VIR_ERR_OPERATION_INVALID,
        VIR_FROM_QEMU,
        `Disk device '${disk.targetDev}' does not support snapshotting`,
      );
      if (op !== "-c") {
        first ??= e;
        continue;
      }
      throw e;
    }
    try {
      qemuImg(qemuImgPath, ["snapshot", op, snap.name, path]);
      done.push(path);
    } catch (e) {
      if (op === "-c") {
        for (const p of done) {
          try {
            qemuImg(qemuImgPath, ["snapshot", "-d", snap.name, p]);
          } catch {
            // Best effort, as libvirt.
          }
        }
        throw e;
      }
      first ??= e;
    }
  }
  // A delete skips the images it cannot change (libvirt warns and goes on).
  if (first && op === "-d") {
    logger.warn("snapshot {name}: {error}", { name: snap.name, error: first });
  } else if (first) throw first;
}

/** Runs a QMP command that starts a job and waits for the job to conclude; its error is thrown. */
function runJob(c: QemuConn, uuid: string, cmd: string, args: Record<string, unknown>): void {
  const id = String(args["job-id"]);
  c.io("qemu.qmp", { uuid, cmd, args });
  for (;;) {
    const jobs = c.io("qemu.qmp", { uuid, cmd: "query-jobs" }) as {
      id: string;
      status: string;
      error?: string;
    }[];
    const j = jobs.find((x) => x.id === id);
    if (!j || j.status === "concluded" || j.status === "null") {
      if (j) c.io("qemu.qmp", { uuid, cmd: "job-dismiss", args: { id } });
      if (j?.error) {
        throw VirError.of(VIR_ERR_OPERATION_FAILED, VIR_FROM_QEMU, j.error);
      }
      return;
    }
    pause(50);
  }
}

/** The running domain's format node of a disk (command_line.ts names them). */
function formatNode(o: QemuDomainObj, target: string): string {
  const n = o.diskNodes?.[target];
  if (n === undefined) throw VirError.internal(VIR_FROM_QEMU, `no block node for disk ${target}`);
  return `libvirt-${n}-format`;
}

/** QEMU's internal snapshot job over the disks `snap` holds internally (the first gets the memory). */
function internalJob(
  c: QemuConn,
  entry: QemuDomainEntry,
  o: QemuDomainObj,
  snap: SnapshotDef,
  cmd: "snapshot-save" | "snapshot-load" | "snapshot-delete",
): void {
  const devices = snap.disks.filter((d) =>
    d.snapshot === "internal" && o.def.devices.disks.some((x) => x.targetDev === d.name)
  ).map((d) => formatNode(o, d.name));
  if (devices.length === 0) return;
  const args: Record<string, unknown> = {
    "job-id": `snapshot-${cmd.slice(9)}-${snap.name}`,
    tag: snap.name,
    devices,
  };
  if (cmd !== "snapshot-delete") args.vmstate = devices[0];
  runJob(c, entry.uuid, cmd, args);
}

// ---- External disk-only snapshots ---------------------------------------------------------------

/**
 * The disk after an external snapshot: the overlay on top and, where the
 * definition knew the old image's chain (a running domain's always does),
 * the old image as its backing store — libvirt's inactive definition of a
 * shut-off domain names no backing store.
 */
function overlayDisk(d: DiskDef, overlay: string, format: string, withBacking: boolean): void {
  const base = d.source?.path ?? "";
  const inner = d.backingStore ? [d.backingStore] : [];
  const knownChain = d.backingStore?.children.some((x) => x.name === "source") ?? false;
  if (!withBacking && !knownChain) {
    d.backingStore = null;
  } else {
    d.backingStore = {
      name: "backingStore",
      attrs: [["type", d.type]],
      children: [
        { name: "format", attrs: [["type", diskFormat(d)]], children: [], text: "" },
        {
          name: "source",
          attrs: [[d.type === "block" ? "dev" : "file", base]],
          children: [],
          text: "",
        },
        ...inner,
      ],
      text: "",
    };
  }
  d.type = "file";
  d.source = { ...d.source!, path: overlay };
  d.driver = { ...(d.driver ?? { name: "qemu" }), type: format };
}

/** Creates the overlays of an external snapshot (unless the user made them: REUSE_EXT). */
function createOverlays(
  qemuImgPath: string,
  dom: DomainDef,
  snap: SnapshotDef,
  reuse: boolean,
  running: boolean,
): string[] {
  const created: string[] = [];
  try {
    for (const sd of snap.disks) {
      if (sd.snapshot !== "external" || sd.path === null) continue;
      const disk = dom.devices.disks.find((d) => d.targetDev === sd.name)!;
      const base = disk.source?.path ?? "";
      let exists = false;
      try {
        Deno.statSync(sd.path);
        exists = true;
      } catch {
        exists = false;
      }
      if (reuse) {
        if (!exists) {
          throw unsupported(
            `missing existing file for disk ${sd.name}: ${sd.path}`,
          );
        }
        continue;
      }
      if (exists) {
        throw unsupported(
          `external snapshot file for disk ${sd.name} already exists and is not a block device: ${sd.path}`,
        );
      }
      const fmt = diskFormat(disk);
      if (running) {
        // QEMU holds the base open: its size comes from a shared read, and the
        // overlay is made without opening the backing file.
        const info = JSON.parse(
          qemuImg(qemuImgPath, ["info", "-U", "--output=json", "-f", fmt, base]),
        ) as { "virtual-size": number };
        qemuImg(qemuImgPath, [
          "create",
          "-f",
          sd.format ?? "qcow2",
          "-F",
          fmt,
          "-b",
          base,
          "-u",
          sd.path,
          String(info["virtual-size"]),
        ]);
      } else {
        qemuImg(qemuImgPath, [
          "create",
          "-f",
          sd.format ?? "qcow2",
          "-o",
          `backing_fmt=${fmt},backing_file=${base.replaceAll(",", ",,")}`,
          sd.path,
        ]);
      }
      created.push(sd.path);
    }
  } catch (e) {
    removeFiles(created);
    throw e;
  }
  return created;
}

function removeFiles(paths: string[]): void {
  for (const p of paths) {
    try {
      Deno.removeSync(p);
    } catch {
      // Never made.
    }
  }
}

/** Switches a running domain's disks to their overlays in one transaction (blockdev-snapshot). */
function switchToOverlays(
  c: QemuConn,
  entry: QemuDomainEntry,
  o: QemuDomainObj,
  snap: SnapshotDef,
): Record<string, number> {
  const nodes: Record<string, number> = {};
  let next = o.nextDiskNode ?? o.def.devices.disks.length + 1;
  const actions: Record<string, unknown>[] = [];
  const added: string[] = [];
  try {
    for (const sd of snap.disks) {
      if (sd.snapshot !== "external" || sd.path === null) continue;
      const n = next++;
      nodes[sd.name] = n;
      c.io("qemu.qmp", {
        uuid: entry.uuid,
        cmd: "blockdev-add",
        args: {
          driver: "file",
          filename: sd.path,
          "node-name": `libvirt-${n}-storage`,
          "auto-read-only": true,
          discard: "unmap",
        },
      });
      added.push(`libvirt-${n}-storage`);
      c.io("qemu.qmp", {
        uuid: entry.uuid,
        cmd: "blockdev-add",
        args: {
          "node-name": `libvirt-${n}-format`,
          "read-only": false,
          driver: sd.format ?? "qcow2",
          file: `libvirt-${n}-storage`,
          backing: null,
        },
      });
      added.push(`libvirt-${n}-format`);
      actions.push({
        type: "blockdev-snapshot",
        data: { node: formatNode(o, sd.name), overlay: `libvirt-${n}-format` },
      });
    }
    c.io("qemu.qmp", { uuid: entry.uuid, cmd: "transaction", args: { actions } });
  } catch (e) {
    for (const node of added.reverse()) {
      try {
        c.io("qemu.qmp", { uuid: entry.uuid, cmd: "blockdev-del", args: { "node-name": node } });
      } catch {
        // Not added after all.
      }
    }
    throw e;
  }
  c.withObj(entry, (x, save) => {
    x.diskNodes = { ...(x.diskNodes ?? {}), ...nodes };
    x.nextDiskNode = next;
    save();
  });
  return nodes;
}

/** Points the domain's disks at the overlays (the persistent definition too, where it has the disk). */
function applyOverlays(defs: (DomainDef | null)[], snap: SnapshotDef, running: boolean): void {
  for (const sd of snap.disks) {
    if (sd.snapshot !== "external" || sd.path === null) continue;
    for (const def of defs) {
      const d = def?.devices.disks.find((x) => x.targetDev === sd.name);
      if (d) overlayDisk(d, sd.path, sd.format ?? "qcow2", running);
    }
  }
}

// ---- Create ---------------------------------------------------------------------------------------

/** qemuSnapshotPrepare: what libvirt checks of the disks before taking a snapshot. */
function prepare(o: QemuDomainObj, def: SnapshotDef, active: boolean): { external: number } {
  let foundInternal = false;
  let forbidInternal = false;
  let external = 0;
  def.disks.forEach((sd, i) => {
    const dd = o.def.devices.disks[i]!;
    switch (sd.snapshot) {
      case "internal":
        foundInternal = true;
        if (def.state === "disk-snapshot" && active) {
          throw unsupported(
            `active qemu domains require external disk snapshots; disk ${sd.name} requested internal`,
          );
        }
        if (dd.driver?.type !== undefined && dd.driver.type !== "qcow2") {
          throw unsupported(
            `internal snapshot for disk ${sd.name} unsupported for storage type ${dd.driver.type}`,
          );
        }
        break;
      case "external":
        if (sd.format === null) sd.format = "qcow2";
        else if (sd.format !== "qcow2" && sd.format !== "qed") {
          throw unsupported(
            `external snapshot format for disk ${sd.name} is unsupported: ${sd.format}`,
          );
        }
        if (sd.type !== "file") {
          throw unsupported(
            `external snapshots on '${sd.type}' disks are not supported by denovirt's QEMU driver`,
          );
        }
        external++;
        break;
      case "manual":
        throw unsupported("'manual' disk snapshots are not supported by denovirt's QEMU driver");
      default:
        if (dd.source?.path && !dd.readonly && dd.device !== "cdrom") forbidInternal = true;
    }
  });
  if (!foundInternal && !external && def.memory === "no") {
    throw unsupported("nothing selected for snapshot");
  }
  if ((def.memory === "internal" && !foundInternal) || (foundInternal && forbidInternal)) {
    throw unsupported(
      "internal and full system snapshots require all disks to be selected for snapshot",
    );
  }
  if (def.state === "disk-snapshot" && !external) {
    throw unsupported("disk-only snapshots require at least one disk to be selected for snapshot");
  }
  if (
    (foundInternal && external) || (def.memory === "internal" && external) ||
    (def.memory === "external" && foundInternal)
  ) {
    throw unsupported("mixing internal and external targets for a snapshot is not yet supported");
  }
  if (foundInternal && o.def.os.loader?.attrs.type === "pflash") {
    throw VirError.of(
      VIR_ERR_OPERATION_UNSUPPORTED,
      VIR_FROM_QEMU,
      "internal snapshots of a VM with pflash based firmware are not supported",
    );
  }
  return { external };
}

/** virDomainSnapshotRedefinePrep, as the test driver does it. */
function redefine(m: Snapshots, o: QemuDomainObj, def: SnapshotDef): SnapshotObj {
  checkCycles(m, def);
  const other = m.find(def.name) ?? null;
  if (def.dom && def.dom.uuid !== o.def.uuid) {
    throw VirError.of(
      VIR_ERR_INVALID_ARG,
      VIR_FROM_DOMAIN_SNAPSHOT,
      `definition for snapshot ${def.name} must use uuid ${o.def.uuid}`,
    );
  }
  if (other) {
    if (ONLINE(other.def.state) !== ONLINE(def.state)) {
      throw VirError.of(
        VIR_ERR_INVALID_ARG,
        VIR_FROM_DOMAIN_SNAPSHOT,
        `cannot change between online and offline snapshot state in snapshot ${def.name}`,
      );
    }
    if ((other.def.state === "disk-snapshot") !== (def.state === "disk-snapshot")) {
      throw VirError.of(
        VIR_ERR_INVALID_ARG,
        VIR_FROM_DOMAIN_SNAPSHOT,
        `cannot change between disk only and full system in snapshot ${def.name}`,
      );
    }
  }
  const location = def.state === "disk-snapshot" || snapshotIsExternal(def)
    ? "external"
    : "internal";
  alignSnapshotDisks(def, other?.def.dom ?? null, location, true);
  if (other) {
    def.dom ??= other.def.dom;
    m.dropParent(other);
    other.def = def;
    return other;
  }
  const snap = { def, children: [], link: null };
  m.list.push(snap);
  return snap;
}

function snapshotCreate(
  c: QemuConn,
  a: { dom: RemoteDomain; xml_desc: string; flags: number },
): { snap: Snap } {
  const fn = "virDomainSnapshotCreateXML";
  const flags = a.flags;
  if ((flags & CREATE_CURRENT) && !(flags & CREATE_REDEFINE)) {
    throw VirError.argument(
      VIR_FROM_DOMAIN_SNAPSHOT,
      fn,
      "ctl",
      "Flag 'VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE' is required by flag 'VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT'",
    );
  }
  exclusiveFlags(fn, VIR_FROM_DOMAIN_SNAPSHOT, flags, CREATE_REDEFINE, CREATE_NO_METADATA, [
    "VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE",
    "VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA",
  ]);
  exclusiveFlags(fn, VIR_FROM_DOMAIN_SNAPSHOT, flags, CREATE_REDEFINE, CREATE_HALT, [
    "VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE",
    "VIR_DOMAIN_SNAPSHOT_CREATE_HALT",
  ]);
  checkFlags(
    "qemuDomainSnapshotCreateXML",
    flags,
    CREATE_REDEFINE | CREATE_CURRENT | CREATE_NO_METADATA | CREATE_HALT | CREATE_DISK_ONLY |
      CREATE_REUSE_EXT | CREATE_QUIESCE | CREATE_ATOMIC | CREATE_LIVE | CREATE_VALIDATE,
  );
  const qf = "qemuSnapshotCreateXML";
  if ((flags & CREATE_QUIESCE) && !(flags & CREATE_DISK_ONLY)) {
    throw VirError.argument(
      VIR_FROM_QEMU,
      qf,
      "ctl",
      "Flag 'VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY' is required by flag 'VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE'",
    );
  }
  exclusiveFlags(qf, VIR_FROM_QEMU, flags, CREATE_LIVE, CREATE_REDEFINE, [
    "VIR_DOMAIN_SNAPSHOT_CREATE_LIVE",
    "VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE",
  ]);
  const isRedefine = (flags & CREATE_REDEFINE) !== 0;
  const noMetadata = (flags & CREATE_NO_METADATA) !== 0;
  const updateCurrent = !noMetadata && (!isRedefine || (flags & CREATE_CURRENT) !== 0);
  const { configDir, qemuImgPath, stateDir } = c.dir((d) => ({
    configDir: d.configDir,
    qemuImgPath: d.qemuImg,
    stateDir: d.stateDir,
  }));
  return c.job(a.dom, "remoteDispatchDomainSnapshotCreateXML", (entry) => {
    const o = c.withObj(entry, (x) => x);
    const active = o.pid !== 0;
    if (!o.persistent && (flags & CREATE_HALT)) {
      throw VirError.of(
        VIR_ERR_OPERATION_INVALID,
        VIR_FROM_QEMU,
        "cannot halt after transient domain snapshot",
      );
    }
    const def = parseSnapshotXML(a.xml_desc, { redefine: isRedefine });
    if (!noMetadata) {
      if (def.name.includes("/")) {
        throw VirError.of(
          VIR_ERR_XML_DETAIL,
          VIR_FROM_QEMU,
          `invalid snapshot name '${def.name}': name can't contain '/'`,
        );
      }
      if (def.name.startsWith(".")) {
        throw VirError.of(
          VIR_ERR_XML_DETAIL,
          VIR_FROM_QEMU,
          `invalid snapshot name '${def.name}': name can't start with '.'`,
        );
      }
    }
    if ((flags & CREATE_LIVE) && (!active || def.memory !== "external")) {
      throw VirError.of(
        VIR_ERR_OPERATION_UNSUPPORTED,
        VIR_FROM_QEMU,
        "live snapshot creation is supported only during full system snapshots",
      );
    }
    if (flags & CREATE_QUIESCE) {
      throw VirError.of(
        VIR_ERR_ARGUMENT_UNSUPPORTED,
        VIR_FROM_QEMU,
        "QEMU guest agent is not configured",
      );
    }
    const dom: DomRef = { name: entry.name, uuid: entry.uuid, id: o.id };
    if (isRedefine) {
      return c.withObj(entry, (x, save) => {
        const m = new Snapshots(x);
        const snap = redefine(m, x, def);
        if (updateCurrent) m.current = snap.def.name;
        m.linkParent(snap);
        saveSnapshotMetadata(configDir, entry.name, entry.uuid, x);
        save();
        return { snap: { name: snap.def.name, dom: QemuConn.wire(entry) } };
      });
    }
    def.dom = copyDomainDef(o.def);
    // The running definition's dynamic labels are not part of what the guest
    // was, nor is a backing chain libvirtd would have found in the image
    // itself (it leaves detected chains out of the migratable definition;
    // the running definition here shows only the chain's end, <backingStore/>).
    def.dom.seclabels = def.dom.seclabels.filter((l) =>
      !l.attrs.some(([k, v]) => k === "type" && v === "dynamic")
    );
    for (const d of def.dom.devices.disks) {
      if (
        d.backingStore?.children.length === 0 && d.source?.path && imageHasBacking(qemuImgPath, d)
      ) {
        d.backingStore = null;
      }
    }
    if (active && o.newDef) def.inactiveDom = copyDomainDef(o.newDef);
    let location = "internal";
    let match = true;
    if (flags & CREATE_DISK_ONLY) {
      location = "external";
      match = false;
      def.state = active ? "disk-snapshot" : "shutoff";
      def.memory = "no";
    } else if (def.memory === "external") {
      throw unsupported("external memory snapshots are not supported by denovirt's QEMU driver");
    } else {
      def.state = SNAPSHOT_STATES[o.state] ?? "nostate";
      if (active && def.memory === "no") {
        throw VirError.of(
          VIR_ERR_OPERATION_UNSUPPORTED,
          VIR_FROM_QEMU,
          "internal snapshot of a running VM must include the memory state",
        );
      }
      def.memory = def.state === "shutoff" ? "no" : "internal";
    }
    alignSnapshotDisks(def, null, location, match);
    const { external } = prepare(o, def, active);
    c.withObj(entry, (x) => {
      if (new Snapshots(x).find(def.name)) {
        throw VirError.of(
          VIR_ERR_OPERATION_FAILED,
          VIR_FROM_DOMAIN,
          `domain moment ${def.name} already exists`,
        );
      }
    });
    if (!active && external) def.state = "shutoff";
    def.parent = c.withObj(entry, (x) => x.currentSnapshot ?? null);

    // Take it.
    const reuse = (flags & CREATE_REUSE_EXT) !== 0;
    if (active && external) {
      const created = createOverlays(qemuImgPath, o.def, def, reuse, true);
      try {
        switchToOverlays(c, entry, o, def);
      } catch (e) {
        removeFiles(created);
        throw e;
      }
      c.withObj(entry, (x, save) => {
        applyOverlays([x.def, x.newDef], def, true);
        save();
        saveStatus(stateDir, entry, x);
        if (x.persistent && x.newDef) {
          writeDurable(configPath(configDir, x.def.name), configXML(x.newDef));
        }
      });
    } else if (active) {
      const running = o.state === S.VIR_DOMAIN_RUNNING;
      if (running) {
        // libvirt stops the vCPUs itself around the snapshot, so its events are the driver's.
        c.io("qemu.qmp", { uuid: entry.uuid, cmd: "stop" });
        c.withObj(entry, (x, save) => {
          x.state = S.VIR_DOMAIN_PAUSED;
          x.reason = VIR_DOMAIN_PAUSED_SAVE;
          save();
        });
        c.lifecycle(dom, S.VIR_DOMAIN_EVENT_SUSPENDED, S.VIR_DOMAIN_EVENT_SUSPENDED_PAUSED);
      }
      try {
        internalJob(c, entry, o, def, "snapshot-save");
      } finally {
        if (running && !(flags & CREATE_HALT)) {
          c.io("qemu.qmp", { uuid: entry.uuid, cmd: "cont" });
          c.withObj(entry, (x, save) => {
            x.state = S.VIR_DOMAIN_RUNNING;
            x.reason = S.VIR_DOMAIN_RUNNING_UNPAUSED;
            save();
          });
          c.lifecycle(dom, S.VIR_DOMAIN_EVENT_RESUMED, S.VIR_DOMAIN_EVENT_RESUMED_UNPAUSED);
        }
      }
    } else if (external) {
      const created = createOverlays(qemuImgPath, o.def, def, reuse, false);
      try {
        c.withObj(entry, (x, save) => {
          applyOverlays([x.def], def, false);
          if (x.persistent) writeDurable(configPath(configDir, x.def.name), configXML(x.def));
          save();
        });
      } catch (e) {
        removeFiles(created);
        throw e;
      }
    } else {
      forEachQcow2(qemuImgPath, o.def, def, "-c");
    }
    if (active && (flags & CREATE_HALT)) {
      haltDomain(c, entry, o.pid);
      c.lifecycle(dom, S.VIR_DOMAIN_EVENT_STOPPED, S.VIR_DOMAIN_EVENT_STOPPED_FROM_SNAPSHOT);
    }
    if (!noMetadata) {
      c.withObj(entry, (x, save) => {
        const m = new Snapshots(x);
        const snap: SnapshotObj = { def, children: [], link: null };
        m.list.push(snap);
        if (updateCurrent) m.current = def.name;
        m.linkParent(snap);
        saveSnapshotMetadata(configDir, entry.name, entry.uuid, x);
        save();
      });
    }
    return { snap: { name: def.name, dom: QemuConn.wire(entry) } };
  });
}

/** Ends the domain's QEMU for a snapshot (HALT, or a revert to an inactive snapshot). */
function haltDomain(c: QemuConn, entry: QemuDomainEntry, pid: number): void {
  c.withObj(entry, (x, save) => {
    x.stopping = "destroy";
    save();
  });
  c.io("qemu.kill", { uuid: entry.uuid, pid, graceMs: KILL_GRACE_MS });
  stopDomain(c, entry, S.VIR_DOMAIN_SHUTOFF_FROM_SNAPSHOT);
}

// ---- Revert -------------------------------------------------------------------------------------

function snapshotRevert(c: QemuConn, a: { snap: Snap; flags: number }): void {
  const flags = a.flags;
  exclusiveFlags(
    "virDomainRevertToSnapshot",
    VIR_FROM_DOMAIN_SNAPSHOT,
    flags,
    REVERT_RUNNING,
    REVERT_PAUSED,
    ["VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING", "VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED"],
  );
  checkFlags("qemuDomainRevertToSnapshot", flags, REVERT_RUNNING | REVERT_PAUSED | REVERT_FORCE);
  const { configDir, qemuImgPath } = c.dir((d) => ({
    configDir: d.configDir,
    qemuImgPath: d.qemuImg,
  }));
  c.job(a.snap.dom, "remoteDispatchDomainRevertToSnapshot", (entry) => {
    const o = c.withObj(entry, (x) => x);
    const snap = snapshotOf(new Snapshots(o), a.snap.name).def;
    const state = snap.state;
    if (!o.persistent && !ONLINE(state) && !(flags & (REVERT_RUNNING | REVERT_PAUSED))) {
      throw VirError.of(
        VIR_ERR_OPERATION_INVALID,
        VIR_FROM_QEMU,
        "transient domain needs to request run or pause to revert to inactive snapshot",
      );
    }
    if (snapshotIsExternal(snap)) {
      throw unsupported("revert to external snapshot not supported yet");
    }
    if (!(flags & REVERT_FORCE) && !snap.dom) {
      throw VirError.of(
        VIR_ERR_SNAPSHOT_REVERT_RISKY,
        VIR_FROM_QEMU,
        `snapshot '${snap.name}' lacks domain '${o.def.name}' rollback info`,
      );
    }
    const named = (d: DomainDef | null) => {
      if (!d) return null;
      const x = copyDomainDef(d);
      x.name = o.def.name;
      return x;
    };
    // The definition the guest ran with, and the persistent one to keep.
    let config = named(snap.dom);
    let inactiveConfig = named(snap.inactiveDom);
    if (!inactiveConfig) {
      if (ONLINE(state)) inactiveConfig = named(snap.dom);
      else [inactiveConfig, config] = [config, null];
    }
    const ref = (): DomRef => ({
      name: entry.name,
      uuid: entry.uuid,
      id: c.withObj(entry, (x) => x.id),
    });
    const setReason = (state: number, reason: number) =>
      c.withObj(entry, (x, save) => {
        x.state = state;
        x.reason = reason;
        save();
      });
    // libvirt 9.0 never loads a snapshot into a running QEMU: the domain stops first.
    if (o.pid !== 0) {
      const stopped = ref();
      haltDomain(c, entry, o.pid);
      c.lifecycle(stopped, S.VIR_DOMAIN_EVENT_STOPPED, S.VIR_DOMAIN_EVENT_STOPPED_FROM_SNAPSHOT);
    }
    const persistent = c.withObj(entry, (x, save) => {
      if (inactiveConfig) x.def = inactiveConfig;
      save();
      return x.persistent;
    });
    const defined = inactiveConfig !== null;
    const late: [number, number][] = [];
    if (ONLINE(state)) {
      // Transitions 2, 3, 5, 6, 8, 9: a new QEMU, paused, loads the state before its vCPUs run.
      const wantPaused = !(flags & REVERT_RUNNING) &&
        (state === "paused" || (flags & REVERT_PAUSED) !== 0);
      if (config) {
        const live = config;
        c.withObj(entry, (x, save) => {
          x.def = live;
          save();
        });
      }
      startDomain(
        c,
        entry,
        VIR_DOMAIN_START_PAUSED,
        S.VIR_DOMAIN_RUNNING_FROM_SNAPSHOT,
        undefined,
        {
          silent: true,
        },
      );
      c.withObj(entry, (x, save) => {
        if (x.persistent && inactiveConfig) x.newDef = inactiveConfig;
        save();
      });
      const started = c.withObj(entry, (x) => x);
      try {
        internalJob(c, entry, started, snap, "snapshot-load");
      } catch (e) {
        haltDomain(c, entry, started.pid);
        c.lifecycle(ref(), S.VIR_DOMAIN_EVENT_STOPPED, S.VIR_DOMAIN_EVENT_STOPPED_FAILED);
        throw e;
      }
      c.lifecycle(ref(), S.VIR_DOMAIN_EVENT_STARTED, S.VIR_DOMAIN_EVENT_STARTED_FROM_SNAPSHOT);
      if (wantPaused) {
        setReason(S.VIR_DOMAIN_PAUSED, S.VIR_DOMAIN_PAUSED_FROM_SNAPSHOT);
        late.push([S.VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_FROM_SNAPSHOT]);
      } else {
        c.io("qemu.qmp", { uuid: entry.uuid, cmd: "cont" });
        setReason(S.VIR_DOMAIN_RUNNING, S.VIR_DOMAIN_RUNNING_FROM_SNAPSHOT);
        late.push([S.VIR_DOMAIN_EVENT_RESUMED, VIR_DOMAIN_EVENT_RESUMED_FROM_SNAPSHOT]);
      }
    } else {
      // Transitions 1, 4, 7: qemu-img reverts the images, then a start if asked.
      forEachQcow2(qemuImgPath, snap.dom ?? o.def, snap, "-a");
      if (flags & (REVERT_RUNNING | REVERT_PAUSED)) {
        const paused = (flags & REVERT_PAUSED) !== 0;
        startDomain(
          c,
          entry,
          paused ? VIR_DOMAIN_START_PAUSED : 0,
          S.VIR_DOMAIN_RUNNING_BOOTED,
          undefined,
          { silent: true },
        );
        // A plain start of the reverted disks: libvirtd says booted (or paused by the user).
        if (paused) {
          c.lifecycle(ref(), S.VIR_DOMAIN_EVENT_STARTED, S.VIR_DOMAIN_EVENT_STARTED_FROM_SNAPSHOT);
          late.push([S.VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_FROM_SNAPSHOT]);
        } else {
          // libvirtd reports the vCPUs starting before the start itself here.
          c.lifecycle(ref(), S.VIR_DOMAIN_EVENT_RESUMED, S.VIR_DOMAIN_EVENT_RESUMED_UNPAUSED);
          c.lifecycle(ref(), S.VIR_DOMAIN_EVENT_STARTED, S.VIR_DOMAIN_EVENT_STARTED_FROM_SNAPSHOT);
        }
      }
    }
    c.withObj(entry, (x, save) => {
      new Snapshots(x).current = snap.name;
      saveSnapshotMetadata(configDir, entry.name, entry.uuid, x);
      save();
      if (defined && x.persistent) {
        writeDurable(configPath(configDir, x.def.name), configXML(x.newDef ?? x.def));
      }
    });
    for (const [ev, detail] of late) c.lifecycle(ref(), ev, detail);
    if (defined && persistent) {
      c.lifecycle(ref(), S.VIR_DOMAIN_EVENT_DEFINED, VIR_DOMAIN_EVENT_DEFINED_FROM_SNAPSHOT);
    }
  });
}

// ---- Delete -------------------------------------------------------------------------------------

function snapshotDelete(c: QemuConn, a: { snap: Snap; flags: number }): void {
  const flags = a.flags;
  exclusiveFlags(
    "virDomainSnapshotDelete",
    VIR_FROM_DOMAIN_SNAPSHOT,
    flags,
    DELETE_CHILDREN,
    DELETE_CHILDREN_ONLY,
    ["VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN", "VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY"],
  );
  checkFlags(
    "qemuDomainSnapshotDelete",
    flags,
    DELETE_CHILDREN | DELETE_METADATA_ONLY | DELETE_CHILDREN_ONLY,
  );
  const metadataOnly = (flags & DELETE_METADATA_ONLY) !== 0;
  const { configDir, qemuImgPath } = c.dir((d) => ({
    configDir: d.configDir,
    qemuImgPath: d.qemuImg,
  }));
  c.job(a.snap.dom, "remoteDispatchDomainSnapshotDelete", (entry) => {
    const o = c.withObj(entry, (x) => x);
    const m = new Snapshots(o);
    const snap = snapshotOf(m, a.snap.name);
    const doomed: SnapshotObj[] = [];
    if (!(flags & DELETE_CHILDREN_ONLY)) doomed.push(snap);
    if (flags & (DELETE_CHILDREN | DELETE_CHILDREN_ONLY)) doomed.push(...m.descendants(snap));
    if (!metadataOnly) {
      const external = doomed.filter((s) => snapshotIsExternal(s.def));
      if (external.length) {
        const parent = m.find(external[0]!.def.parent);
        if (parent && !snapshotIsExternal(parent.def)) {
          throw VirError.of(
            VIR_ERR_OPERATION_UNSUPPORTED,
            VIR_FROM_QEMU,
            "deleting external snapshot that has internal snapshot as parent not supported",
          );
        }
        throw unsupported(
          "deleting external snapshots is not supported by denovirt's QEMU driver",
        );
      }
      // qemuDomainSnapshotDiscard: the images lose the snapshot first.
      for (const s of doomed) {
        if (!s.def.disks.some((d) => d.snapshot === "internal")) continue;
        if (o.pid !== 0) internalJob(c, entry, o, s.def, "snapshot-delete");
        else forEachQcow2(qemuImgPath, s.def.dom ?? o.def, s.def, "-d");
      }
    }
    c.withObj(entry, (x, save) => {
      const mx = new Snapshots(x);
      mx.delete(snapshotOf(mx, a.snap.name), flags);
      saveSnapshotMetadata(configDir, entry.name, entry.uuid, x);
      save();
    });
  });
}

// ---- Lookups and lists --------------------------------------------------------------------------

function withSnapshots<T>(c: QemuConn, dom: RemoteDomain, fn: (m: Snapshots) => T): T {
  const entry = c.entry(dom);
  return c.withObj(entry, (o) => fn(new Snapshots(o)));
}

function listNames(c: QemuConn, dom: RemoteDomain, fn: string, flags: number): string[] {
  checkFlags(fn, flags, SNAP_LIST_ALLOWED);
  return withSnapshots(c, dom, (m) => snapshotNames(m, null, flags, true));
}

function listChildren(c: QemuConn, snap: Snap, fn: string, flags: number): string[] {
  checkFlags(fn, flags, SNAP_LIST_ALLOWED);
  return withSnapshots(c, snap.dom, (m) => snapshotNames(m, snapshotOf(m, snap.name), flags, true));
}

function rpcLimit(): VirError {
  return VirError.of(
    VIR_ERR_OPERATION_FAILED,
    VIR_FROM_QEMU,
    "maxnames > REMOTE_DOMAIN_SNAPSHOT_LIST_MAX",
  );
}

export const snapshotHandlers: HandlerEntry[] = [
  on(P.REMOTE_PROC_DOMAIN_SNAPSHOT_CREATE_XML, snapshotCreate),
  on(P.REMOTE_PROC_DOMAIN_SNAPSHOT_NUM, (c, a) => {
    checkFlags("qemuDomainSnapshotNum", a.flags, SNAP_LIST_ALLOWED);
    return { num: withSnapshots(c, a.dom, (m) => snapshotNames(m, null, a.flags, false).length) };
  }),
  on(P.REMOTE_PROC_DOMAIN_SNAPSHOT_LIST_NAMES, (c, a) => {
    if (a.maxnames > 16384) throw rpcLimit();
    const names = listNames(c, a.dom, "qemuDomainSnapshotListNames", a.flags);
    return { names: names.slice(0, Math.max(0, a.maxnames)) };
  }),
  on(P.REMOTE_PROC_DOMAIN_LIST_ALL_SNAPSHOTS, (c, a) => {
    const names = listNames(c, a.dom, "qemuDomainListAllSnapshots", a.flags);
    return {
      snapshots: a.need_results ? names.map((name) => ({ name, dom: a.dom })) : [],
      ret: names.length,
    };
  }),
  on(P.REMOTE_PROC_DOMAIN_SNAPSHOT_NUM_CHILDREN, (c, a) => {
    checkFlags("qemuDomainSnapshotNumChildren", a.flags, SNAP_LIST_ALLOWED);
    return {
      num: withSnapshots(
        c,
        a.snap.dom,
        (m) => snapshotNames(m, snapshotOf(m, a.snap.name), a.flags, false).length,
      ),
    };
  }),
  on(P.REMOTE_PROC_DOMAIN_SNAPSHOT_LIST_CHILDREN_NAMES, (c, a) => {
    if (a.maxnames > 16384) throw rpcLimit();
    const names = listChildren(c, a.snap, "qemuDomainSnapshotListChildrenNames", a.flags);
    return { names: names.slice(0, Math.max(0, a.maxnames)) };
  }),
  on(P.REMOTE_PROC_DOMAIN_SNAPSHOT_LIST_ALL_CHILDREN, (c, a) => {
    const names = listChildren(c, a.snapshot, "qemuDomainSnapshotListAllChildren", a.flags);
    return {
      snapshots: a.need_results ? names.map((name) => ({ name, dom: a.snapshot.dom })) : [],
      ret: names.length,
    };
  }),
  on(P.REMOTE_PROC_DOMAIN_SNAPSHOT_LOOKUP_BY_NAME, (c, a) => {
    checkFlags("qemuDomainSnapshotLookupByName", a.flags, 0);
    const entry = c.entry(a.dom);
    return c.withObj(entry, (o) => {
      const s = snapshotOf(new Snapshots(o), a.name);
      return { snap: { name: s.def.name, dom: QemuConn.wire({ ...entry, id: o.id }) } };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_HAS_CURRENT_SNAPSHOT, (c, a) => {
    checkFlags("qemuDomainHasCurrentSnapshot", a.flags, 0);
    return { result: withSnapshots(c, a.dom, (m) => (m.current ? 1 : 0)) };
  }),
  on(P.REMOTE_PROC_DOMAIN_SNAPSHOT_GET_PARENT, (c, a) => {
    checkFlags("qemuDomainSnapshotGetParent", a.flags, 0);
    return withSnapshots(c, a.snap.dom, (m) => {
      const s = snapshotOf(m, a.snap.name);
      if (s.def.parent === null) {
        throw VirError.of(
          VIR_ERR_NO_DOMAIN_SNAPSHOT,
          VIR_FROM_QEMU,
          `snapshot '${s.def.name}' does not have a parent`,
        );
      }
      return { snap: { name: s.def.parent, dom: a.snap.dom } };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_SNAPSHOT_CURRENT, (c, a) => {
    checkFlags("qemuDomainSnapshotCurrent", a.flags, 0);
    const entry = c.entry(a.dom);
    return c.withObj(entry, (o) => {
      const cur = o.currentSnapshot ?? null;
      if (cur === null) {
        throw VirError.of(
          VIR_ERR_NO_DOMAIN_SNAPSHOT,
          VIR_FROM_QEMU,
          "the domain does not have a current snapshot",
        );
      }
      return { snap: { name: cur, dom: QemuConn.wire({ ...entry, id: o.id }) } };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_SNAPSHOT_GET_XML_DESC, (c, a) => {
    checkFlags("qemuDomainSnapshotGetXMLDesc", a.flags, XML_SECURE);
    return withSnapshots(c, a.snap.dom, (m) => {
      const s = snapshotOf(m, a.snap.name);
      return {
        xml: formatSnapshotXML(s.def, {
          secure: (a.flags & XML_SECURE) !== 0,
          domainUuid: uuidToString(a.snap.dom.uuid),
        }),
      };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_SNAPSHOT_IS_CURRENT, (c, a) => {
    checkFlags("qemuDomainSnapshotIsCurrent", a.flags, 0);
    return withSnapshots(c, a.snap.dom, (m) => {
      const s = snapshotOf(m, a.snap.name);
      return { current: m.current === s.def.name ? 1 : 0 };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_SNAPSHOT_HAS_METADATA, (c, a) => {
    checkFlags("qemuDomainSnapshotHasMetadata", a.flags, 0);
    return withSnapshots(c, a.snap.dom, (m) => {
      snapshotOf(m, a.snap.name);
      return { metadata: 1 };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_REVERT_TO_SNAPSHOT, snapshotRevert),
  on(P.REMOTE_PROC_DOMAIN_SNAPSHOT_DELETE, snapshotDelete),
];
