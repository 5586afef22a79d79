/**
 * The domain snapshot and checkpoint XML models: libvirt's <domainsnapshot> document parsed
 * into a plain, JSON-serializable definition (SnapshotDef) and formatted back
 * the way virDomainSnapshotGetXMLDesc prints it, plus the disk alignment
 * libvirt applies against the domain definition. Facts (element order,
 * defaults, error texts) were observed on libvirt 9.0's test:///default
 * driver; the code is our own.
 *
 * @module
 */

import { attr, child, type XmlElement } from "../util/xml.ts";
import { formatElement, XmlWriter } from "../util/xml_writer.ts";
import { parseXmlDocument } from "../util/xml_error.ts";
import { propEnum, xpathString } from "../util/xml_props.ts";
import {
  copyDomainDef,
  type DiskDef,
  type DomainDef,
  formatDomainXML,
  parseDomainXML,
  VIR_DOMAIN_XML_SECURE,
} from "./domain_xml.ts";
import { VirError } from "../rpc/error.ts";
import {
  VIR_ERR_CONFIG_UNSUPPORTED,
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_XML_ERROR,
  VIR_FROM_DOMAIN_CHECKPOINT,
  VIR_FROM_DOMAIN_SNAPSHOT,
} from "../rpc/error_codes.ts";

/** virDomainSnapshotState: virDomainState plus disk-snapshot. */
export const SNAPSHOT_STATES = [
  "nostate",
  "running",
  "blocked",
  "paused",
  "shutdown",
  "shutoff",
  "crashed",
  "pmsuspended",
  "disk-snapshot",
] as const;

/** virDomainSnapshotLocation (index 0 is "default", i.e. unset). */
const LOCATIONS = ["default", "no", "internal", "external", "manual"] as const;

/** virStorageType names (index 0 is "none"). */
const STORAGE_TYPES = [
  "none",
  "file",
  "block",
  "dir",
  "network",
  "volume",
  "nvme",
  "vhostuser",
  "vdpa",
];

/** virStorageFileFormat names a disk snapshot's <driver type> may use. */
const STORAGE_FORMATS = [
  "raw",
  "dir",
  "bochs",
  "cloop",
  "dmg",
  "iso",
  "vpc",
  "vdi",
  "fat",
  "vhd",
  "ploop",
  "cow",
  "qcow",
  "qcow2",
  "qed",
  "vmdk",
];

/** One <disk> of a snapshot. */
export interface SnapshotDisk {
  name: string;
  /** "no", "internal", "external", "manual", or null (unset). */
  snapshot: string | null;
  /** Storage type ("file", "block", ...). */
  type: string;
  /** The image path (<source file|dev>), or null. */
  path: string | null;
  /** <driver type>, or null. */
  format: string | null;
}

/** A snapshot definition as libvirt keeps it (virDomainSnapshotDef). */
export interface SnapshotDef {
  name: string;
  description: string | null;
  /** One of SNAPSHOT_STATES, or null before the driver fills it in. */
  state: string | null;
  parent: string | null;
  /** Seconds since the epoch. */
  creationTime: number;
  /** Memory location: "no", "internal", "external", or null. */
  memory: string | null;
  memoryFile: string | null;
  disks: SnapshotDisk[];
  /** The domain definition the snapshot was taken of. */
  dom: DomainDef | null;
  /** The persistent definition of a running domain (<inactiveDomain>), if given. */
  inactiveDom: DomainDef | null;
}

function xmlError(detail: string, domain = VIR_FROM_DOMAIN_SNAPSHOT): VirError {
  return VirError.of(VIR_ERR_XML_ERROR, domain, detail);
}

function unsupported(detail: string): VirError {
  return VirError.of(VIR_ERR_CONFIG_UNSUPPORTED, VIR_FROM_DOMAIN_SNAPSHOT, detail);
}

function internal(detail: string): VirError {
  return VirError.of(VIR_ERR_INTERNAL_ERROR, VIR_FROM_DOMAIN_SNAPSHOT, detail);
}

/** A <domain> (or <inactiveDomain>) element parsed as an inactive definition. */
function parseEmbeddedDomain(el: XmlElement): DomainDef {
  const copy: XmlElement = { ...el, name: "domain" };
  return parseDomainXML(formatElement(copy).toString());
}

function parseDisk(el: XmlElement): SnapshotDisk {
  const name = attr(el, "name");
  if (name === undefined) throw internal("missing name from disk snapshot element");
  const snap = propEnum(el, "snapshot", LOCATIONS, { nonzero: true });
  const type = propEnum(el, "type", STORAGE_TYPES, { nonzero: true }) ?? STORAGE_TYPES[1]!;
  if (type === "volume" || type === "dir") {
    throw xmlError(`unsupported disk snapshot type '${type}'`);
  }
  const source = child(el, "source");
  let path: string | null = null;
  if (source) {
    path = attr(source, type === "block" ? "dev" : type === "network" ? "name" : "file") ?? null;
  }
  let format: string | null = null;
  const drv = child(el, "driver");
  const drvType = drv ? attr(drv, "type") : undefined;
  if (drvType !== undefined && drvType !== "") {
    if (!STORAGE_FORMATS.includes(drvType)) {
      throw unsupported(`unknown disk snapshot driver '${drvType}'`);
    }
    format = drvType;
  }
  if (path !== null && type !== "network" && !path.startsWith("/")) {
    throw xmlError(`disk snapshot image path '${path}' must be absolute`);
  }
  let snapshot: string | null = snap;
  if (snapshot === null && (path !== null || format !== null)) snapshot = "external";
  return { name, snapshot, type, path, format };
}

/**
 * virDomainSnapshotDefParseString: parses a <domainsnapshot> document.
 * With `redefine`, the name, creation time, state, parent and domain come
 * from the document; otherwise the creation time is now and the name
 * defaults to it.
 */
export function parseSnapshotXML(xml: string, opts: { redefine: boolean }): SnapshotDef {
  const root = parseXmlDocument(
    xml,
    "(domain_snapshot)",
    VIR_FROM_DOMAIN_SNAPSHOT,
    "domainsnapshot",
  );
  let name = xpathString(root, "name");
  if (name === null && opts.redefine) throw xmlError("a redefined snapshot must have a name");
  const description = xpathString(root, "description");
  let creationTime: number;
  let parent: string | null = null;
  let state: string | null = null;
  let dom: DomainDef | null = null;
  let inactiveDom: DomainDef | null = null;
  let offline = false;
  if (opts.redefine) {
    const ct = xpathString(root, "creationTime");
    if (ct === null || !/^\s*[+-]?\d+$/.test(ct)) {
      throw internal("missing creationTime from existing snapshot");
    }
    creationTime = Number(ct);
    parent = xpathString(root, "parent", "name");
    const st = xpathString(root, "state");
    if (st === null) throw xmlError("missing state from existing snapshot");
    const si = (SNAPSHOT_STATES as readonly string[]).indexOf(st);
    if (si <= 0) throw unsupported(`Invalid state '${st}' in domain snapshot XML`);
    state = st;
    offline = st === "shutoff" || st === "disk-snapshot";
    const domEl = child(root, "domain");
    if (domEl && attr(domEl, "type") !== undefined) dom = parseEmbeddedDomain(domEl);
    const inactiveEl = child(root, "inactiveDomain");
    if (inactiveEl) inactiveDom = parseEmbeddedDomain(inactiveEl);
  } else {
    creationTime = Math.floor(Date.now() / 1000);
    name ??= String(creationTime);
  }

  let memory: string | null = null;
  let memoryFile: string | null = null;
  const memEl = child(root, "memory");
  if (memEl) {
    memoryFile = attr(memEl, "file") ?? null;
    memory = propEnum(memEl, "snapshot", LOCATIONS, { nonzero: true });
    if (memory === "manual") throw xmlError("'manual' memory snapshot mode not supported");
  }
  if (memory === null) {
    if (memoryFile !== null) memory = "external";
    else if (opts.redefine) memory = offline ? "no" : "internal";
  }
  if (memoryFile !== null && memory !== "external") {
    throw xmlError(`memory filename '${memoryFile}' requires external snapshot`);
  }
  if (memoryFile === null && memory === "external") {
    throw xmlError("external memory snapshots require a filename");
  }
  if (offline && memory !== null && memory !== "no") {
    throw xmlError("memory state cannot be saved with offline or disk-only snapshot");
  }
  if (memoryFile !== null && !memoryFile.startsWith("/")) {
    throw xmlError(`memory snapshot file path (${memoryFile}) must be absolute`);
  }
  const disksEl = child(root, "disks");
  const disks = disksEl ? disksEl.children.map(parseDisk) : [];
  return {
    name: name!,
    description,
    state,
    parent,
    creationTime,
    memory,
    memoryFile,
    disks,
    dom,
    inactiveDom,
  };
}

// ---- Disk alignment ------------------------------------------------------------------------

/** virDomainDiskIndexByName: by target, or by source path when the name starts with '/'. */
export function diskIndexByName(def: DomainDef, name: string, allowAmbiguous: boolean): number {
  let candidate = -1;
  for (let i = 0; i < def.devices.disks.length; i++) {
    const d = def.devices.disks[i]!;
    if (!name.startsWith("/")) {
      if (d.targetDev === name) return i;
    } else if (diskSourcePath(d) === name) {
      if (allowAmbiguous) return i;
      if (candidate >= 0) return -1;
      candidate = i;
    }
  }
  return candidate;
}

/** The local path of a disk's source (virDomainDiskGetSource), or null. */
export function diskSourcePath(d: DiskDef): string | null {
  return d.source?.path ?? null;
}

/** virStorageSourceIsEmpty. */
export function diskIsEmpty(d: DiskDef): boolean {
  if (!d.source) return true;
  if (d.type === "network") return d.source.protocol === null;
  if (d.type === "file" || d.type === "block" || d.type === "dir") return d.source.path === null;
  return false;
}

/**
 * virDomainSnapshotAlignDisks: one snapshot disk per domain disk, in the
 * domain's order, with defaults for the disks the document left out.
 */
export function alignSnapshotDisks(
  snap: SnapshotDef,
  existingDom: DomainDef | null,
  defaultLocation: string,
  uniformInternal: boolean,
): void {
  const dom = snap.dom ?? existingDom;
  if (!dom) throw internal("missing domain in snapshot");
  const ddisks = dom.devices.disks;
  if (snap.disks.length > ddisks.length) {
    throw unsupported("too many disk snapshot requests for domain");
  }
  const requireMatch = uniformInternal && defaultLocation === "internal";
  if (ddisks.length === 0) return;
  const map = new Map<string, SnapshotDisk>();
  for (const sd of snap.disks) {
    const idx = diskIndexByName(dom, sd.name, false);
    if (idx < 0) throw unsupported(`no disk named '${sd.name}'`);
    const dd = ddisks[idx]!;
    if (map.has(dd.targetDev)) throw unsupported(`disk '${sd.name}' specified twice`);
    map.set(dd.targetDev, sd);
    if (sd.snapshot === null) {
      if (dd.snapshot !== null && (!requireMatch || dd.snapshot === "no")) {
        sd.snapshot = dd.snapshot;
      } else {
        sd.snapshot = defaultLocation;
      }
    } else if (
      requireMatch && sd.snapshot !== defaultLocation &&
      !(sd.snapshot === "no" && dd.snapshot === "no")
    ) {
      throw unsupported(`disk '${sd.name}' must use snapshot mode '${defaultLocation}'`);
    }
    if (sd.path !== null && sd.snapshot !== "external") {
      throw unsupported(
        `file '${sd.path}' for disk '${sd.name}' requires use of external snapshot mode`,
      );
    }
    sd.name = dd.targetDev;
  }
  snap.disks = ddisks.map((dd) => {
    const existing = map.get(dd.targetDev);
    if (existing) return existing;
    return {
      name: dd.targetDev,
      snapshot: diskIsEmpty(dd) ? "no" : (dd.snapshot ?? defaultLocation),
      type: "file",
      path: null,
      format: null,
    };
  });
  // Default external file names (virDomainSnapshotDefAssignExternalNames).
  snap.disks.forEach((sd, i) => {
    if (sd.snapshot !== "external" || sd.path !== null) return;
    if (sd.type !== "file") {
      throw unsupported(
        `cannot generate external snapshot name for disk '${sd.name}' on a '${sd.type}' device`,
      );
    }
    const orig = ddisks[i] ? diskSourcePath(ddisks[i]!) : null;
    if (orig === null) {
      throw unsupported(
        `cannot generate external snapshot name for disk '${sd.name}' without source`,
      );
    }
    let regular = false;
    try {
      regular = Deno.statSync(orig).isFile;
    } catch {
      regular = false;
    }
    if (!regular) {
      throw unsupported(
        `source for disk '${sd.name}' is not a regular file; refusing to generate external snapshot name`,
      );
    }
    const dot = orig.lastIndexOf(".");
    const base = dot >= 0 && !orig.slice(dot).includes("/") ? orig.slice(0, dot) : orig;
    sd.path = `${base}.${snap.name}`;
    for (let j = 0; j < i; j++) {
      if (snap.disks[j]!.path === sd.path) {
        throw unsupported(
          `cannot generate external snapshot name for disk '${sd.name}': collision with disk '${
            snap.disks[j]!.name
          }'`,
        );
      }
    }
  });
}

/** virDomainSnapshotDefIsExternal. */
export function snapshotIsExternal(snap: SnapshotDef): boolean {
  return snap.memory === "external" || snap.disks.some((d) => d.snapshot === "external");
}

// ---- Formatting ----------------------------------------------------------------------------

/**
 * virDomainSnapshotDefFormat: the document virDomainSnapshotGetXMLDesc
 * returns. `secure` (VIR_DOMAIN_SNAPSHOT_XML_SECURE) keeps secrets in the
 * embedded domain; `domainUuid` stands in when the snapshot has no domain.
 */
export function formatSnapshotXML(
  snap: SnapshotDef,
  opts: { secure: boolean; domainUuid: string },
): string {
  const w = new XmlWriter();
  w.open("domainsnapshot");
  w.text("name", snap.name);
  if (snap.description !== null) w.text("description", snap.description);
  if (snap.state !== null && snap.state !== "nostate") w.text("state", snap.state);
  if (snap.parent !== null) {
    w.open("parent");
    w.text("name", snap.parent);
    w.close("parent");
  }
  if (snap.creationTime) w.text("creationTime", snap.creationTime);
  if (snap.memory !== null) {
    w.empty("memory", [["snapshot", snap.memory], ["file", snap.memoryFile]]);
  }
  if (snap.disks.length > 0) {
    w.open("disks");
    for (const d of snap.disks) {
      const attrs: [string, string | null][] = [["name", d.name], ["snapshot", d.snapshot]];
      if (d.path !== null || d.format !== null) {
        attrs.push(["type", d.type]);
        w.open("disk", attrs);
        if (d.format !== null) w.empty("driver", [["type", d.format]]);
        if (d.path !== null) {
          w.empty("source", [[d.type === "block" ? "dev" : "file", d.path]]);
        }
        w.close("disk");
      } else {
        w.empty("disk", attrs);
      }
    }
    w.close("disks");
  }
  const domFlags = opts.secure ? VIR_DOMAIN_XML_SECURE : 0;
  if (snap.dom) {
    w.raw(formatDomainXML(snap.dom, { id: -1, active: false, flags: domFlags }));
  } else {
    w.open("domain");
    w.text("uuid", opts.domainUuid);
    w.close("domain");
  }
  if (snap.inactiveDom) {
    const inner = formatDomainXML(snap.inactiveDom, { id: -1, active: false, flags: domFlags });
    w.raw(
      inner.replace(/^<domain\b/, "<inactiveDomain").replace(
        /<\/domain>\n$/,
        "</inactiveDomain>\n",
      ),
    );
  }
  w.close("domainsnapshot");
  return w.toString();
}

/** virDomainDefCopy (migratable): the definition a snapshot records. */
export function snapshotDomainCopy(def: DomainDef): DomainDef {
  return copyDomainDef(def);
}

// ---- Checkpoints (<domaincheckpoint>) -------------------------------------------------------

/** One <disk> of a checkpoint. */
export interface CheckpointDisk {
  name: string;
  /** "default" (unset), "no" or "bitmap". */
  checkpoint: string;
  bitmap: string | null;
}

/** A checkpoint definition (virDomainCheckpointDef). */
export interface CheckpointDef {
  name: string;
  description: string | null;
  parent: string | null;
  creationTime: number;
  disks: CheckpointDisk[];
  dom: DomainDef | null;
}

function checkpointError(code: number, detail: string): VirError {
  return VirError.of(code, VIR_FROM_DOMAIN_CHECKPOINT, detail);
}

/** virDomainCheckpointDefParseString. */
export function parseCheckpointXML(xml: string, opts: { redefine: boolean }): CheckpointDef {
  const root = parseXmlDocument(
    xml,
    "(domain_checkpoint)",
    VIR_FROM_DOMAIN_CHECKPOINT,
    "domaincheckpoint",
  );
  let name = xpathString(root, "name");
  if (name === null && opts.redefine) {
    throw checkpointError(VIR_ERR_XML_ERROR, "a redefined checkpoint must have a name");
  }
  const description = xpathString(root, "description");
  let creationTime: number;
  let parent: string | null = null;
  let dom: DomainDef | null = null;
  if (opts.redefine) {
    const ct = xpathString(root, "creationTime");
    if (ct === null || !/^\s*[+-]?\d+$/.test(ct)) {
      throw checkpointError(
        VIR_ERR_INTERNAL_ERROR,
        "missing creationTime from existing checkpoint",
      );
    }
    creationTime = Number(ct);
    parent = xpathString(root, "parent", "name");
    const domEl = child(root, "domain");
    if (domEl) dom = parseEmbeddedDomain(domEl);
  } else {
    creationTime = Math.floor(Date.now() / 1000);
    name ??= String(creationTime);
  }
  const disksEl = child(root, "disks");
  const disks = (disksEl?.children ?? []).map((d) => ({
    name: attr(d, "name") ?? "",
    checkpoint: attr(d, "checkpoint") ?? "bitmap",
    bitmap: attr(d, "bitmap") ?? null,
  }));
  return { name: name!, description, parent, creationTime, disks, dom };
}

/** virDomainCheckpointAlignDisks. */
export function alignCheckpointDisks(chk: CheckpointDef): void {
  const dom = chk.dom;
  if (!dom) throw checkpointError(VIR_ERR_INTERNAL_ERROR, "missing domain in checkpoint");
  const ddisks = dom.devices.disks;
  if (chk.disks.length > ddisks.length) {
    throw checkpointError(
      VIR_ERR_CONFIG_UNSUPPORTED,
      "too many disk checkpoint requests for domain",
    );
  }
  if (ddisks.length === 0) {
    throw checkpointError(
      VIR_ERR_CONFIG_UNSUPPORTED,
      "domain must have at least one disk to perform checkpoints",
    );
  }
  const fallback = chk.disks.length === 0 ? "bitmap" : "default";
  const map = new Map<string, CheckpointDisk>();
  for (const cd of chk.disks) {
    const idx = diskIndexByName(dom, cd.name, false);
    if (idx < 0) throw checkpointError(VIR_ERR_CONFIG_UNSUPPORTED, `no disk named '${cd.name}'`);
    const dd = ddisks[idx]!;
    if (map.has(dd.targetDev)) {
      throw checkpointError(VIR_ERR_CONFIG_UNSUPPORTED, `disk '${cd.name}' specified twice`);
    }
    map.set(dd.targetDev, cd);
    if ((diskIsEmpty(dd) || dd.readonly) && cd.checkpoint !== "default") {
      throw checkpointError(VIR_ERR_CONFIG_UNSUPPORTED, `disk '${cd.name}' is empty or readonly`);
    }
    cd.name = dd.targetDev;
  }
  chk.disks = ddisks.map((dd) =>
    map.get(dd.targetDev) ?? {
      name: dd.targetDev,
      checkpoint: diskIsEmpty(dd) || dd.readonly ? "default" : fallback,
      bitmap: null,
    }
  );
  assignBitmapNames(chk);
}

/** virDomainCheckpointDefAssignBitmapNames. */
export function assignBitmapNames(chk: CheckpointDef): void {
  for (const d of chk.disks) {
    if (d.checkpoint === "bitmap" && d.bitmap === null) d.bitmap = chk.name;
  }
}

/** virDomainCheckpointDefFormat (VIR_DOMAIN_CHECKPOINT_XML_SECURE = 1, NO_DOMAIN = 2). */
export function formatCheckpointXML(chk: CheckpointDef, flags: number): string {
  const w = new XmlWriter();
  w.open("domaincheckpoint");
  w.text("name", chk.name);
  if (chk.description !== null) w.text("description", chk.description);
  if (chk.parent !== null) {
    w.open("parent");
    w.text("name", chk.parent);
    w.close("parent");
  }
  if (chk.creationTime) w.text("creationTime", chk.creationTime);
  if (chk.disks.length) {
    w.open("disks");
    for (const d of chk.disks) {
      w.empty("disk", [
        ["name", d.name],
        ["checkpoint", d.checkpoint === "default" ? null : d.checkpoint],
        ["bitmap", d.bitmap],
      ]);
    }
    w.close("disks");
  }
  if (chk.dom && !(flags & 2)) {
    w.raw(
      formatDomainXML(chk.dom, {
        id: -1,
        active: false,
        flags: flags & 1 ? VIR_DOMAIN_XML_SECURE : 0,
      }),
    );
  }
  w.close("domaincheckpoint");
  return w.toString();
}
