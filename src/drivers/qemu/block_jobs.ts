/**
 * Block jobs of a running QEMU domain (libvirt's qemuDomainBlockPull,
 * qemuDomainBlockCommit, qemuDomainBlockCopy, qemuDomainBlockJobAbort and
 * qemu_blockjob.c): QMP block-stream, block-commit and blockdev-mirror on
 * the disk's -blockdev nodes, one job a disk, recorded in the domain
 * object under libvirt's job name (`pull-vda-libvirt-5-format`). QEMU's BLOCK_JOB_* events reach
 * `blockJobEvent` through the daemon's own client; a synchronous abort or
 * pivot waits for the job to leave QEMU and concludes it itself, so the
 * event that follows finds nothing left to do.
 *
 * @module
 */

import type { DiskDef, RawElement } from "../../conf/domain_xml.ts";
import { diskIndexByName } from "../../conf/snapshot_xml.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_BLOCK_COPY_ACTIVE,
  VIR_ERR_INVALID_ARG,
  VIR_ERR_OPERATION_INVALID,
  VIR_FROM_QEMU,
} from "../../rpc/error_codes.ts";
import { pause, type QemuConn } from "./conn.ts";
import { configXML, notRunning } from "./domain_common.ts";
import { configPath, writeDurable } from "./files.ts";
import { saveStatus } from "./hotplug.ts";
import type { QemuDomainEntry, QemuDomainObj } from "./state.ts";

/** virDomainBlockJobType. */
export const BLOCK_JOB_TYPE_PULL = 1;
export const BLOCK_JOB_TYPE_COPY = 2;
export const BLOCK_JOB_TYPE_COMMIT = 3;
export const BLOCK_JOB_TYPE_ACTIVE_COMMIT = 4;

/** virConnectDomainEventBlockJobStatus. */
const COMPLETED = 0;
const FAILED = 1;
const CANCELED = 2;
const READY = 3;

const TYPE_NAMES: Record<number, string> = {
  [BLOCK_JOB_TYPE_PULL]: "pull",
  [BLOCK_JOB_TYPE_COPY]: "copy",
  [BLOCK_JOB_TYPE_COMMIT]: "commit",
  [BLOCK_JOB_TYPE_ACTIVE_COMMIT]: "active-commit",
};

/** A block job as the domain object keeps it (by disk target). */
export interface BlockJob {
  /** QEMU's job id, libvirt's job name. */
  id: string;
  type: number;
  ready: boolean;
  /** Commit: the chain indices of the top and base layers (0 is the active layer). */
  top: number;
  base: number;
  /** Active commit: the base's -blockdev node index, the disk's after a pivot. */
  baseNode?: number;
  /** Copy: the destination image and its -blockdev node index. */
  copy?: { path: string; format: string; node: number };
  /** Set once an abort or pivot was asked for. */
  aborting?: "cancel" | "pivot";
}

/** One image of a disk's backing chain. */
interface Layer {
  path: string;
  format: string;
  type: string;
}

function attr(e: RawElement, k: string): string | undefined {
  return e.attrs.find(([a]) => a === k)?.[1];
}

/** The disk's chain from the active layer down, and what ends it (`<backingStore/>` or null). */
export function diskChain(d: DiskDef): { layers: Layer[]; tail: RawElement | null } {
  const layers: Layer[] = [{
    path: d.source?.path ?? "",
    format: d.driver?.type ?? "raw",
    type: d.type,
  }];
  let bs = d.backingStore;
  while (bs) {
    const src = bs.children.find((x) => x.name === "source");
    if (!src) break;
    layers.push({
      path: attr(src, "file") ?? attr(src, "dev") ?? "",
      format: attr(bs.children.find((x) => x.name === "format") ?? bs, "type") ?? "raw",
      type: attr(bs, "type") ?? "file",
    });
    bs = bs.children.find((x) => x.name === "backingStore") ?? null;
  }
  return { layers, tail: bs };
}

/** Points the disk at `layers` (the first the active one), ended by `tail`. */
function setChain(d: DiskDef, layers: Layer[], tail: RawElement | null): void {
  let below: RawElement | null = tail;
  for (const l of layers.slice(1).reverse()) {
    below = {
      name: "backingStore",
      attrs: [["type", l.type]],
      children: [
        { name: "format", attrs: [["type", l.format]], children: [], text: "" },
        {
          name: "source",
          attrs: [[l.type === "block" ? "dev" : "file", l.path]],
          children: [],
          text: "",
        },
        ...(below ? [below] : []),
      ],
      text: "",
    };
  }
  const top = layers[0]!;
  d.type = top.type;
  d.source = { ...d.source!, path: top.path };
  d.driver = { ...(d.driver ?? { name: "qemu" }), type: top.format };
  d.backingStore = below;
}

const invalidArg = (msg: string) => VirError.of(VIR_ERR_INVALID_ARG, VIR_FROM_QEMU, msg);

/** The running domain's disk named by target or source path (libvirt's qemuDomainDiskByName). */
export function jobDisk(o: QemuDomainObj, name: string): DiskDef {
  const i = diskIndexByName(o.def, name, true);
  if (i < 0) throw invalidArg(`disk '${name}' not found in domain`);
  return o.def.devices.disks[i]!;
}

/** QEMU's format node of each image path (the named ones and those QEMU opened from headers). */
function formatNodes(c: QemuConn, uuid: string): Map<string, string> {
  const nodes = c.io("qemu.qmp", {
    uuid,
    cmd: "query-named-block-nodes",
    args: { flat: true },
  }) as { "node-name": string; drv: string; file: string }[];
  const out = new Map<string, string>();
  for (const n of nodes) {
    if (n.drv === "file" || n.drv === "host_device") continue;
    // A node libvirt named wins over one QEMU opened itself for the same image.
    if (!out.has(n.file) || n["node-name"].startsWith("libvirt-")) out.set(n.file, n["node-name"]);
  }
  return out;
}

export function nodeOf(nodes: Map<string, string>, l: Layer, disk: string): string {
  const n = nodes.get(l.path);
  if (!n) throw invalidArg(`could not find image '${l.path}' in chain for '${disk}'`);
  return n;
}

/**
 * Starts a job on a disk: checks that none runs, records it, then starts it
 * in QEMU (the record is dropped again when QEMU refuses). `plan` gets the
 * disk, its chain and QEMU's node of each image, and gives the job and the
 * QMP command that starts it.
 */
export function startBlockJob(
  c: QemuConn,
  entry: QemuDomainEntry,
  disk: string,
  plan: (d: DiskDef, layers: Layer[], nodes: Map<string, string>) => {
    job: Omit<BlockJob, "id">;
    cmd: string;
    args: Record<string, unknown>;
  },
): void {
  const running = c.withObj(entry, (o) => o.pid !== 0);
  if (!running) {
    throw notRunning();
  }
  const nodes = formatNodes(c, entry.uuid);
  const { job, target, cmd, args } = c.withObj(entry, (o, save) => {
    if (o.pid === 0) {
      throw notRunning();
    }
    const d = jobDisk(o, disk);
    if (o.blockJobs?.[d.targetDev]) {
      throw VirError.of(
        VIR_ERR_BLOCK_COPY_ACTIVE,
        VIR_FROM_QEMU,
        `disk '${d.targetDev}' already in active block job`,
      );
    }
    const p = plan(d, diskChain(d).layers, nodes);
    const device = p.args.device as string;
    const job: BlockJob = { ...p.job, id: `${TYPE_NAMES[p.job.type]}-${d.targetDev}-${device}` };
    o.blockJobs = { ...(o.blockJobs ?? {}), [d.targetDev]: job };
    save();
    return { job, target: d.targetDev, cmd: p.cmd, args: p.args };
  });
  try {
    c.io("qemu.qmp", { uuid: entry.uuid, cmd, args: { "job-id": job.id, ...args } });
  } catch (e) {
    c.withObj(entry, (o, save) => {
      if (o.blockJobs?.[target]?.id === job.id) delete o.blockJobs[target];
      save();
    });
    throw e;
  }
}

interface QemuJobInfo {
  device: string;
  type: string;
  len: number;
  offset: number;
  speed: number;
  ready: boolean;
}

function queryJobs(c: QemuConn, uuid: string): QemuJobInfo[] {
  return c.io("qemu.qmp", { uuid, cmd: "query-block-jobs" }) as QemuJobInfo[];
}

/** virDomainGetBlockJobInfo: QEMU's progress, told as libvirt tells it (qemuBlockJobInfoTranslate). */
export function blockJobInfo(
  c: QemuConn,
  entry: QemuDomainEntry,
  path: string,
  bytes: boolean,
): { found: number; type: number; bandwidth: bigint; cur: bigint; end: bigint } {
  const none = { found: 0, type: 0, bandwidth: 0n, cur: 0n, end: 0n };
  const job = c.withObj(entry, (o) => {
    if (o.pid === 0) {
      throw notRunning();
    }
    // The disk first: `?.` would skip the lookup (and its error) with no jobs at all.
    const disk = jobDisk(o, path);
    return o.blockJobs?.[disk.targetDev] ?? null;
  });
  if (!job) return none;
  const q = queryJobs(c, entry.uuid).find((j) => j.device === job.id);
  if (!q) return none;
  let cur = BigInt(q.offset);
  let end = BigInt(q.len);
  // cur == end reads as done to a client: not so until QEMU says the job is ready.
  if (q.ready && end === 0n) cur = end = 1n;
  else if (!q.ready && cur === end) end += 1n;
  const speed = BigInt(q.speed);
  return { found: 1, type: job.type, bandwidth: bytes ? speed : speed >> 20n, cur, end };
}

/** virDomainBlockJobSetSpeed: QEMU's block-job-set-speed on the disk's job (bytes/s). */
export function setBlockJobSpeed(
  c: QemuConn,
  entry: QemuDomainEntry,
  path: string,
  speed: number,
): void {
  const id = c.withObj(entry, (o) => {
    if (o.pid === 0) throw notRunning();
    const d = jobDisk(o, path);
    const job = o.blockJobs?.[d.targetDev];
    if (!job) throw invalidArg(`disk ${d.targetDev} does not have an active block job`);
    return job.id;
  });
  c.io("qemu.qmp", { uuid: entry.uuid, cmd: "block-job-set-speed", args: { device: id, speed } });
}

/**
 * Takes in a READY that QEMU has reported but whose event this daemon has
 * not processed yet (events are handled in order, behind the running
 * call): a client that saw the job ready in blockjob --info may pivot at
 * once, as libvirt's qemuBlockJobUpdate lets it. The READY event goes out
 * then, once, as it would have.
 */
function catchUpReady(c: QemuConn, entry: QemuDomainEntry, path: string): void {
  const pending = c.withObj(entry, (o) => {
    if (o.pid === 0) return null;
    const job = o.blockJobs?.[jobDisk(o, path).targetDev];
    return job && !job.ready ? job.id : null;
  });
  if (pending === null) return;
  if (!queryJobs(c, entry.uuid).find((j) => j.device === pending)?.ready) return;
  markReady(c, entry, pending);
}

/** A job QEMU reports ready: marked so (once), and libvirt's READY event sent. */
function markReady(c: QemuConn, entry: QemuDomainEntry, id: string): void {
  const found = c.withObj(entry, (o, save) => {
    const hit = Object.entries(o.blockJobs ?? {}).find(([, j]) => j.id === id);
    if (!hit || hit[1].ready) return null;
    hit[1].ready = true;
    save();
    return { target: hit[0], type: hit[1].type };
  });
  if (found) emitBlockJob(c, entry, found.target, found.type, READY);
}

/** virDomainBlockJobAbort: cancel, or pivot a ready active commit (job-complete). */
export function abortBlockJob(
  c: QemuConn,
  entry: QemuDomainEntry,
  path: string,
  pivot: boolean,
  async: boolean,
  stateDir: string,
  configDir: string,
): void {
  if (pivot) catchUpReady(c, entry, path);
  const { job, target } = c.withObj(entry, (o, save) => {
    if (o.pid === 0) {
      throw notRunning();
    }
    const d = jobDisk(o, path);
    const job = o.blockJobs?.[d.targetDev];
    if (!job) throw invalidArg(`disk ${d.targetDev} does not have an active block job`);
    if (job.aborting) {
      throw VirError.of(
        VIR_ERR_OPERATION_INVALID,
        VIR_FROM_QEMU,
        `block job on disk '${d.targetDev}' is still being ended`,
      );
    }
    if (pivot) {
      if (job.type !== BLOCK_JOB_TYPE_ACTIVE_COMMIT && job.type !== BLOCK_JOB_TYPE_COPY) {
        throw VirError.of(
          VIR_ERR_OPERATION_INVALID,
          VIR_FROM_QEMU,
          `job type '${TYPE_NAMES[job.type]}' does not support pivot`,
        );
      }
      if (!job.ready) {
        throw VirError.of(
          VIR_ERR_BLOCK_COPY_ACTIVE,
          VIR_FROM_QEMU,
          `block job '${job.id}' not ready for pivot yet`,
        );
      }
    }
    job.aborting = pivot ? "pivot" : "cancel";
    save();
    return { job: { ...job }, target: d.targetDev };
  });
  try {
    c.io(
      "qemu.qmp",
      pivot
        ? { uuid: entry.uuid, cmd: "job-complete", args: { id: job.id } }
        : { uuid: entry.uuid, cmd: "block-job-cancel", args: { device: job.id } },
    );
  } catch (e) {
    c.withObj(entry, (o, save) => {
      const j = o.blockJobs?.[target];
      if (j?.id === job.id) delete j.aborting;
      save();
    });
    throw e;
  }
  if (async) return;
  // Synchronous: wait until QEMU has ended the job, then conclude it here.
  const deadline = Date.now() + 60_000;
  while (queryJobs(c, entry.uuid).some((j) => j.device === job.id)) {
    if (Date.now() > deadline) {
      throw VirError.of(
        VIR_ERR_OPERATION_INVALID,
        VIR_FROM_QEMU,
        `block job '${job.id}' did not end`,
      );
    }
    pause(50);
  }
  concludeBlockJob(c, entry, job.id, pivot ? COMPLETED : CANCELED, stateDir, configDir);
}

/** QEMU's BLOCK_JOB_* events (the daemon's own client, with the domain's job held). */
export function blockJobEvent(
  c: QemuConn,
  entry: QemuDomainEntry,
  event: string,
  data: Record<string, unknown>,
  stateDir: string,
  configDir: string,
): void {
  const id = data.device;
  if (typeof id !== "string") return;
  switch (event) {
    case "BLOCK_JOB_READY":
      markReady(c, entry, id);
      break;
    case "BLOCK_JOB_COMPLETED": {
      const status = typeof data.error === "string" ? FAILED : COMPLETED;
      concludeBlockJob(c, entry, id, status, stateDir, configDir);
      break;
    }
    case "BLOCK_JOB_CANCELLED":
      concludeBlockJob(c, entry, id, CANCELED, stateDir, configDir);
      break;
  }
}

function emitBlockJob(
  c: QemuConn,
  entry: QemuDomainEntry,
  target: string,
  type: number,
  status: number,
): void {
  const { dom, path } = c.withObj(entry, (o) => ({
    dom: { name: entry.name, uuid: entry.uuid, id: o.id },
    path: o.def.devices.disks.find((d) => d.targetDev === target)?.source?.path ?? null,
  }));
  // VIR_DOMAIN_EVENT_ID_BLOCK_JOB (8) names the image; BLOCK_JOB_2 (16) the disk.
  if (path) c.emitDomain(dom, 8, { path, type, status });
  c.emitDomain(dom, 16, { dst: target, type, status }, true);
}

/**
 * A job QEMU has ended: the chain it changed is what the definitions show
 * (the persistent one too where it has the same disk), the layers that left
 * it are closed, and the events go out. Nothing happens for a job already
 * concluded (a synchronous abort did it) or not ours (a migration's mirror).
 */
function concludeBlockJob(
  c: QemuConn,
  entry: QemuDomainEntry,
  id: string,
  qemuStatus: number,
  stateDir: string,
  configDir: string,
): void {
  const done = c.withObj(entry, (o, save) => {
    const hit = Object.entries(o.blockJobs ?? {}).find(([, j]) => j.id === id);
    if (!hit) return null;
    const [target, job] = hit;
    delete o.blockJobs![target];
    // A ready active commit that was cancelled ends "completed" in QEMU; for libvirt it was aborted.
    let status = qemuStatus;
    if (job.aborting === "cancel" && status === COMPLETED && job.type !== BLOCK_JOB_TYPE_PULL) {
      status = CANCELED;
    }
    const dropped: string[] = [];
    let closeCopy: number | null = null;
    if (job.type === BLOCK_JOB_TYPE_COPY) {
      const d = o.def.devices.disks.find((x) => x.targetDev === target);
      if (status === COMPLETED && job.aborting === "pivot" && d && job.copy) {
        // The disk reads from the copy now; the old chain is closed.
        dropped.push(...diskChain(d).layers.map((l) => l.path));
        setChain(d, [{ path: job.copy.path, format: job.copy.format, type: "file" }], {
          name: "backingStore",
          attrs: [],
          children: [],
          text: "",
        });
        o.diskNodes = { ...(o.diskNodes ?? {}), [target]: job.copy.node };
      } else if (job.copy) {
        // Finished without a pivot, cancelled or failed: the copy is left as it is.
        closeCopy = job.copy.node;
        if (status === COMPLETED) status = CANCELED;
      }
    } else if (status === COMPLETED) {
      const d = o.def.devices.disks.find((x) => x.targetDev === target);
      if (d) {
        const { layers, tail } = diskChain(d);
        const cfg = o.newDef?.devices.disks.find((x) =>
          x.targetDev === target && x.source?.path === d.source?.path
        );
        let keep: (ls: Layer[]) => Layer[];
        if (job.type === BLOCK_JOB_TYPE_PULL) {
          keep = (ls) => ls.slice(0, 1);
        } else {
          // Commit: the layers from top down to (not including) base merged into base.
          keep = (ls) => [...ls.slice(0, job.top), ...ls.slice(job.base)];
        }
        const kept = new Set(keep(layers).map((l) => l.path));
        dropped.push(...layers.filter((l) => !kept.has(l.path)).map((l) => l.path));
        setChain(d, keep(layers), tail);
        if (cfg) {
          const c2 = diskChain(cfg);
          setChain(cfg, keep(c2.layers), job.type === BLOCK_JOB_TYPE_PULL ? null : c2.tail);
        }
        if (job.type === BLOCK_JOB_TYPE_ACTIVE_COMMIT) {
          // The disk reads through the base's node now.
          if (job.baseNode !== undefined) {
            o.diskNodes = { ...(o.diskNodes ?? {}), [target]: job.baseNode };
          }
        }
      }
    }
    save();
    saveStatus(stateDir, entry, o);
    if (status === COMPLETED && o.persistent && o.newDef) {
      writeDurable(configPath(configDir, o.def.name), configXML(o.newDef));
    }
    return { target, type: job.type, status, dropped, closeCopy };
  });
  if (!done) return;
  if (done.dropped.length) closeImages(c, entry.uuid, done.dropped);
  if (done.closeCopy !== null) deleteNodes(c, entry.uuid, `libvirt-${done.closeCopy}-format`);
  emitBlockJob(c, entry, done.target, done.type, done.status);
}

/** Closes the nodes of images that left a chain (libvirt blockdev-del's them too). */
function closeImages(c: QemuConn, uuid: string, paths: string[]): void {
  let nodes: { "node-name": string; file: string }[];
  try {
    nodes = c.io("qemu.qmp", {
      uuid,
      cmd: "query-named-block-nodes",
      args: { flat: true },
    }) as typeof nodes;
  } catch {
    return;
  }
  const names = new Set(
    nodes.filter((n) => paths.includes(n.file) && /^libvirt-\d+-format$/.test(n["node-name"]))
      .map((n) => n["node-name"]),
  );
  for (const f of names) deleteNodes(c, uuid, f);
}

/** blockdev-del of a format node and its storage node. */
export function deleteNodes(c: QemuConn, uuid: string, format: string): void {
  for (const node of [format, format.replace(/-format$/, "-storage")]) {
    try {
      c.io("qemu.qmp", { uuid, cmd: "blockdev-del", args: { "node-name": node } });
    } catch {
      // Still used elsewhere, or QEMU closed it itself.
    }
  }
}

export type { Layer };
