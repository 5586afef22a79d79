/**
 * The QEMU driver's files (run in a Worker): persistent definitions in the
 * config directory as `NAME.xml` with `autostart/NAME.xml` links (libvirt's
 * layout), and a status file per running domain in the state directory. A
 * definition acknowledged to a client is on disk: written to a temporary file,
 * fsync'd, renamed over the old one, and the directory fsync'd.
 *
 * @module
 */

import { VIR_FROM_QEMU } from "../../rpc/error_codes.ts";
import { fileError } from "../system_error.ts";
import type { StatusFile } from "./state.ts";

const utf8e = new TextEncoder();

function syncDir(dir: string): void {
  const f = Deno.openSync(dir, { read: true });
  try {
    f.syncSync();
  } finally {
    f.close();
  }
}

/** Writes `text` to `path` so that it is complete on disk, or not there at all. */
export function writeDurable(path: string, text: string, mode = 0o600): void {
  const dir = path.slice(0, path.lastIndexOf("/")) || "/";
  const tmp = `${path}.new`;
  try {
    Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const f = Deno.openSync(tmp, { write: true, create: true, truncate: true, mode });
    try {
      const bytes = utf8e.encode(text);
      let off = 0;
      while (off < bytes.length) off += f.writeSync(bytes.subarray(off));
      f.syncSync();
    } finally {
      f.close();
    }
    Deno.renameSync(tmp, path);
    syncDir(dir);
  } catch (e) {
    try {
      Deno.removeSync(tmp);
    } catch {
      // Never written.
    }
    throw fileError(VIR_FROM_QEMU, `cannot write '${path}'`, path, e);
  }
}

/** Removes a file durably; a missing file is fine. */
export function removeDurable(path: string): void {
  try {
    Deno.removeSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw fileError(VIR_FROM_QEMU, `cannot remove '${path}'`, path, e);
  }
  syncDir(path.slice(0, path.lastIndexOf("/")) || "/");
}

export const configPath = (configDir: string, name: string) => `${configDir}/${name}.xml`;
export const autostartPath = (configDir: string, name: string) =>
  `${configDir}/autostart/${name}.xml`;
export const statusPath = (stateDir: string, uuid: string) => `${stateDir}/${uuid}.status`;
/**
 * Monitor sockets live at fixed slot paths (`monitor-N.sock`), not per-domain
 * names: Deno grants Unix-socket access by exact path only, so `deno task
 * serve` can list every path the driver will ever connect to.
 */
export const monitorPath = (stateDir: string, slot: number) => `${stateDir}/monitor-${slot}.sock`;
/** Serial ports 0–3 per slot. */
export const CONSOLES_PER_SLOT = 4;
/**
 * A pty serial port's socket: QEMU serves the guest's serial port here and the
 * event loop connects for a console (Deno opens /dev/pts only with every permission).
 */
export const consolePath = (stateDir: string, slot: number, serial: number) =>
  `${stateDir}/console-${slot}-${serial}.sock`;
export const pidPath = (stateDir: string, uuid: string) => `${stateDir}/${uuid}.pid`;
export const logPath = (stateDir: string, uuid: string) => `${stateDir}/${uuid}.log`;

export function setAutostart(configDir: string, name: string, on: boolean): void {
  const link = autostartPath(configDir, name);
  if (!on) return removeDurable(link);
  try {
    Deno.mkdirSync(`${configDir}/autostart`, { recursive: true, mode: 0o700 });
    try {
      Deno.removeSync(link);
    } catch {
      // Not there.
    }
    Deno.symlinkSync(`../${name}.xml`, link);
    syncDir(`${configDir}/autostart`);
  } catch (e) {
    throw fileError(VIR_FROM_QEMU, `cannot create autostart link '${link}'`, link, e);
  }
}

/** The persistent definitions on disk: name → XML, with their autostart flags. */
export function readDefinitions(configDir: string): { xml: string; autostart: boolean }[] {
  const out: { xml: string; autostart: boolean }[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(configDir)];
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return out;
    throw fileError(VIR_FROM_QEMU, `cannot read '${configDir}'`, configDir, e);
  }
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (!e.isFile || !e.name.endsWith(".xml")) continue;
    const name = e.name.slice(0, -4);
    let autostart = false;
    try {
      Deno.statSync(autostartPath(configDir, name));
      autostart = true;
    } catch {
      // No link.
    }
    out.push({ xml: Deno.readTextFileSync(`${configDir}/${e.name}`), autostart });
  }
  return out;
}

export function writeStatus(stateDir: string, s: StatusFile): void {
  writeDurable(statusPath(stateDir, s.uuid), JSON.stringify(s));
}

export function readStatuses(stateDir: string): StatusFile[] {
  const out: StatusFile[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(stateDir)];
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return out;
    throw fileError(VIR_FROM_QEMU, `cannot read '${stateDir}'`, stateDir, e);
  }
  for (const e of entries) {
    if (!e.isFile || !e.name.endsWith(".status")) continue;
    try {
      out.push(JSON.parse(Deno.readTextFileSync(`${stateDir}/${e.name}`)) as StatusFile);
    } catch {
      // A torn or foreign file: ignore it.
    }
  }
  return out;
}
