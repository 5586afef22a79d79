/**
 * Migration of non-shared storage (`virsh migrate --copy-storage-all`), as
 * libvirt's qemuMigrationSrcNBDStorageCopy does it: the destination creates
 * the disk images it lacks, exports its disks over NBD from the QEMU waiting
 * for the migration (`nbd-server-start`, `block-export-add`), and the source
 * mirrors each disk to its export (`blockdev-add` of an NBD client,
 * `blockdev-mirror`) until all are in sync, migrates the memory, then ends
 * the mirrors with the guest paused, so the copy is consistent. What each
 * side tells the other goes in the migration cookie's `<nbd>` element.
 *
 * @module
 */

import type { DiskDef, DomainDef } from "../../conf/domain_xml.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_OPERATION_ABORTED,
  VIR_ERR_OPERATION_FAILED,
  VIR_FROM_QEMU,
} from "../../rpc/error_codes.ts";
import { pause, type QemuConn } from "./conn.ts";

/** libvirt's migration port range, which the NBD server's port comes from too. */
const PORT_MIN = 49152;
const PORT_MAX = 49215;

/** How long the mirrors get to reach sync before the migration gives up. */
const MIRROR_READY_MS = 600_000;

export interface NbdDisk {
  target: string;
  capacity: number;
  format: string;
}

/** The disks a storage migration copies: writable, unshared disks backed by a file or device. */
export function copiedDisks(def: DomainDef): DiskDef[] {
  return def.devices.disks.filter((d) =>
    d.device === "disk" && d.source?.path && !d.readonly && !d.shareable
  );
}

const formatNode = (diskNodes: Record<string, number> | undefined, target: string) => {
  const n = diskNodes?.[target];
  if (n === undefined) {
    throw VirError.of(VIR_ERR_INTERNAL_ERROR, VIR_FROM_QEMU, `disk '${target}' has no block node`);
  }
  return `libvirt-${n}-format`;
};

const esc = (s: string) => s.replaceAll("&", "&amp;").replaceAll("'", "&apos;");

/** Source, Begin: the `<nbd>` element naming the disks to copy, their sizes and formats. */
export function sourceNbdXml(
  c: QemuConn,
  uuid: string,
  def: DomainDef,
  diskNodes: Record<string, number> | undefined,
): string {
  const nodes = c.io("qemu.qmp", {
    uuid,
    cmd: "query-named-block-nodes",
    args: { flat: true },
  }) as { "node-name": string; drv: string; image?: { "virtual-size"?: number } }[];
  const disks = copiedDisks(def).map((d) => {
    const node = nodes.find((n) => n["node-name"] === formatNode(diskNodes, d.targetDev));
    return `    <disk target='${esc(d.targetDev)}' capacity='${
      node?.image?.["virtual-size"] ?? 0
    }' format='${esc(node?.drv ?? d.driver?.type ?? "raw")}'/>\n`;
  });
  return `  <nbd>\n${disks.join("")}  </nbd>\n`;
}

/** What a cookie's `<nbd>` says: the destination's port, the disks to copy. */
export function readNbd(cookie: Uint8Array): { port: number | null; disks: NbdDisk[] } | null {
  const text = new TextDecoder().decode(cookie);
  const m = /<nbd(?:\s+port='(\d+)')?\s*(?:\/>|>([\s\S]*?)<\/nbd>)/.exec(text);
  if (!m) return null;
  const disks = [...(m[2] ?? "").matchAll(
    /<disk target='([^']*)' capacity='(\d+)' format='([^']*)'\/>/g,
  )].map((d) => ({ target: d[1]!, capacity: Number(d[2]), format: d[3]! }));
  return { port: m[1] ? Number(m[1]) : null, disks };
}

/** Destination, Prepare: the `<nbd>` element telling the source where the exports are. */
export const destinationNbdXml = (port: number) => `  <nbd port='${port}'/>\n`;

/**
 * Destination, Prepare, before QEMU starts: creates the images of the disks
 * to copy that do not exist here, of the source's size and format (as
 * libvirt precreates them). Answers the paths it made.
 */
export function precreateDisks(qemuImg: string, def: DomainDef, disks: NbdDisk[]): string[] {
  const made: string[] = [];
  for (const d of copiedDisks(def)) {
    const path = d.source!.path!;
    const want = disks.find((x) => x.target === d.targetDev);
    if (!want) continue;
    try {
      Deno.statSync(path);
      continue;
    } catch {
      // Missing: made below.
    }
    const format = d.driver?.type ?? want.format;
    const out = new Deno.Command(qemuImg, {
      args: ["create", "-f", format, path, String(want.capacity)],
      stdout: "piped",
      stderr: "piped",
    }).outputSync();
    if (!out.success) {
      throw VirError.of(
        VIR_ERR_OPERATION_FAILED,
        VIR_FROM_QEMU,
        `cannot precreate storage for disk '${d.targetDev}': ${
          new TextDecoder().decode(out.stderr).trim()
        }`,
      );
    }
    made.push(path);
  }
  return made;
}

/**
 * Destination, Prepare, once QEMU waits for the migration: an NBD server on
 * the first free port of the range, exporting each disk to copy, writable.
 */
export function startNbdServer(
  c: QemuConn,
  uuid: string,
  def: DomainDef,
  diskNodes: Record<string, number> | undefined,
  listen: string,
  disks: NbdDisk[],
): number {
  let port = 0;
  for (let p = PORT_MIN; p <= PORT_MAX && port === 0; p++) {
    try {
      c.io("qemu.qmp", {
        uuid,
        cmd: "nbd-server-start",
        args: { addr: { type: "inet", data: { host: listen, port: String(p) } } },
      });
      port = p;
    } catch (e) {
      if (!/in use|Failed to (bind|listen)/i.test(String((e as Error).message))) throw e;
    }
  }
  if (port === 0) {
    throw VirError.of(
      VIR_ERR_INTERNAL_ERROR,
      VIR_FROM_QEMU,
      `Unable to find an unused port in range 'migration' (${PORT_MIN}-${PORT_MAX})`,
    );
  }
  for (const d of copiedDisks(def)) {
    if (!disks.some((x) => x.target === d.targetDev)) continue;
    c.io("qemu.qmp", {
      uuid,
      cmd: "block-export-add",
      args: {
        type: "nbd",
        id: `libvirt-nbd-${d.targetDev}`,
        "node-name": formatNode(diskNodes, d.targetDev),
        name: d.targetDev,
        writable: true,
      },
    });
  }
  return port;
}

/** Destination, Finish (or when the migration is given up): the NBD server and its exports go. */
export function stopNbdServer(c: QemuConn, uuid: string): void {
  try {
    c.io("qemu.qmp", { uuid, cmd: "nbd-server-stop" });
  } catch {
    // Not started, or QEMU is gone.
  }
}

const jobId = (target: string) => `migration-${target}-mirror`;
const nbdNode = (target: string) => `migration-${target}-storage`;

interface BlockJob {
  device: string;
  ready?: boolean;
  status?: string;
  error?: string;
}

/**
 * Source, Perform, before the memory: mirrors each disk to the
 * destination's export and waits until every mirror is in sync. `stop()`
 * says when to give up (the job was aborted). Answers the disks mirrored.
 */
export function mirrorDisks(
  c: QemuConn,
  uuid: string,
  def: DomainDef,
  diskNodes: Record<string, number> | undefined,
  host: string,
  port: number,
  stop: () => boolean,
): string[] {
  const qmp = (cmd: string, args: Record<string, unknown>) => c.io("qemu.qmp", { uuid, cmd, args });
  const targets: string[] = [];
  try {
    for (const d of copiedDisks(def)) {
      const t = d.targetDev;
      qmp("blockdev-add", {
        driver: "nbd",
        "node-name": nbdNode(t),
        server: { type: "inet", host: host.replace(/^\[|\]$/g, ""), port: String(port) },
        export: t,
      });
      targets.push(t);
      qmp("blockdev-mirror", {
        "job-id": jobId(t),
        device: formatNode(diskNodes, t),
        target: nbdNode(t),
        sync: "full",
        "auto-dismiss": true,
      });
    }
    const deadline = Date.now() + MIRROR_READY_MS;
    for (;;) {
      if (stop()) {
        throw VirError.of(
          VIR_ERR_OPERATION_ABORTED,
          VIR_FROM_QEMU,
          "migration out job: canceled by client",
        );
      }
      const jobs = c.io("qemu.qmp", { uuid, cmd: "query-block-jobs" }) as BlockJob[];
      const mine = targets.map((t) => jobs.find((j) => j.device === jobId(t)));
      const gone = targets.find((_, i) => !mine[i] || mine[i]!.status === "concluded");
      if (gone !== undefined) {
        const j = mine[targets.indexOf(gone)];
        throw VirError.of(
          VIR_ERR_OPERATION_FAILED,
          VIR_FROM_QEMU,
          `migration of disk ${gone} failed${j?.error ? `: ${j.error}` : ""}`,
        );
      }
      if (mine.every((j) => j!.ready)) return targets;
      if (Date.now() > deadline) {
        throw VirError.of(
          VIR_ERR_OPERATION_FAILED,
          VIR_FROM_QEMU,
          "migration out job: disk mirrors did not reach sync",
        );
      }
      pause(100);
    }
  } catch (e) {
    endMirrors(c, uuid, targets, true);
    throw e;
  }
}

/**
 * Source: ends the mirrors and drops the NBD clients. After the memory
 * migrated (the guest paused) the destination holds a consistent copy; on
 * failure this aborts them.
 */
export function endMirrors(c: QemuConn, uuid: string, targets: string[], abort: boolean): void {
  for (const t of targets) {
    try {
      // A mirror in sync cancelled without force first copies what is left (nothing, the
      // guest being paused); with force it stops at once.
      c.io("qemu.qmp", { uuid, cmd: "block-job-cancel", args: { device: jobId(t), force: abort } });
    } catch {
      // The job never started or has ended.
    }
  }
  const deadline = Date.now() + 60_000;
  while (targets.length > 0 && Date.now() < deadline) {
    let jobs: BlockJob[] = [];
    try {
      jobs = c.io("qemu.qmp", { uuid, cmd: "query-block-jobs" }) as BlockJob[];
    } catch {
      return; // QEMU is gone
    }
    if (!jobs.some((j) => targets.some((t) => j.device === jobId(t)))) break;
    pause(50);
  }
  for (const t of targets) {
    try {
      c.io("qemu.qmp", { uuid, cmd: "blockdev-del", args: { "node-name": nbdNode(t) } });
    } catch {
      // Still in use by an ending job, or never added.
    }
  }
}
