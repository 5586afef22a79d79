/**
 * Where the QEMU driver keeps snapshot metadata (libvirt's
 * `/var/lib/libvirt/qemu/snapshot/DOMAIN/NAME.xml`, here under the driver's
 * config directory): one file per snapshot, the current one marked with
 * `<active>1</active>` as libvirt writes it, read back at daemon start.
 *
 * @module
 */

import { formatSnapshotXML, parseSnapshotXML } from "../../conf/snapshot_xml.ts";
import { log } from "../../log.ts";
import { type SnapshotHolder, type SnapshotObj, Snapshots } from "../moments.ts";
import { writeDurable } from "./files.ts";

const logger = log("qemu");

export const snapshotDir = (configDir: string, domain: string) => `${configDir}/snapshot/${domain}`;

/** The document libvirt's qemuDomainSnapshotWriteMetadata writes (secure, current marked). */
function metadataXML(s: SnapshotObj, current: boolean, domainUuid: string): string {
  const xml = formatSnapshotXML(s.def, { secure: true, domainUuid });
  return current
    ? xml.replace(/<\/domainsnapshot>\n?$/, "  <active>1</active>\n</domainsnapshot>\n")
    : xml;
}

/**
 * Writes every snapshot's file of a domain and removes the files of
 * snapshots it no longer has (after a create, revert or delete).
 */
export function saveSnapshotMetadata(
  configDir: string,
  domain: string,
  uuid: string,
  o: SnapshotHolder,
): void {
  const m = new Snapshots(o);
  const dir = snapshotDir(configDir, domain);
  const keep = new Set<string>();
  for (const s of m.list) {
    keep.add(`${s.def.name}.xml`);
    writeDurable(`${dir}/${s.def.name}.xml`, metadataXML(s, m.current === s.def.name, uuid));
  }
  let entries: Deno.DirEntry[] = [];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch {
    return; // no snapshot ever written
  }
  for (const e of entries) {
    if (!e.isFile || !e.name.endsWith(".xml") || keep.has(e.name)) continue;
    try {
      Deno.removeSync(`${dir}/${e.name}`);
    } catch {
      // Gone already.
    }
  }
  if (m.list.length === 0) removeSnapshotMetadata(configDir, domain);
}

/** Removes a domain's snapshot directory (undefine --snapshots-metadata, or its last snapshot). */
export function removeSnapshotMetadata(configDir: string, domain: string): void {
  try {
    Deno.removeSync(snapshotDir(configDir, domain), { recursive: true });
  } catch {
    // Not there.
  }
}

/** Moves a domain's snapshot directory to its new name (domrename). */
export function renameSnapshotMetadata(configDir: string, from: string, to: string): void {
  try {
    Deno.renameSync(snapshotDir(configDir, from), snapshotDir(configDir, to));
  } catch {
    // No snapshots.
  }
}

/** Reads a domain's snapshots back into `o` (daemon start: libvirt's qemuDomainSnapshotLoad). */
export function loadSnapshotMetadata(configDir: string, domain: string, o: SnapshotHolder): void {
  const dir = snapshotDir(configDir, domain);
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch {
    return;
  }
  const m = new Snapshots(o);
  let current: string | null = null;
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (!e.isFile || !e.name.endsWith(".xml")) continue;
    try {
      const xml = Deno.readTextFileSync(`${dir}/${e.name}`);
      const def = parseSnapshotXML(xml, { redefine: true });
      if (m.find(def.name)) continue;
      m.list.push({ def, children: [], link: null });
      if (/<active>1<\/active>/.test(xml)) current = def.name;
    } catch (err) {
      logger.error("cannot load snapshot {file}: {error}", { file: e.name, error: err });
    }
  }
  for (const s of m.list) m.linkParent(s);
  m.current = current;
}
