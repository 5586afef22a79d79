/**
 * Where a QEMU domain's saved state lives and how a start reads it back:
 * the managed save image `<configDir>/save/NAME.save` (with its paused
 * marker) and QEMU's -incoming from it or from a `virsh save` file.
 *
 * @module
 */

import { pause, type QemuConn } from "./conn.ts";

export const managedSavePath = (configDir: string, name: string) =>
  `${configDir}/save/${name}.save`;

export const pausedMarker = (path: string) => `${path}.paused`;

export function hasManagedSave(configDir: string, name: string): boolean {
  try {
    return Deno.statSync(managedSavePath(configDir, name)).isFile;
  } catch {
    return false;
  }
}

export function removeManagedSave(configDir: string, name: string): void {
  const path = managedSavePath(configDir, name);
  for (const f of [path, pausedMarker(path)]) {
    try {
      Deno.removeSync(f);
    } catch {
      // Not there.
    }
  }
}

/** A file name as a word of a POSIX shell command (QEMU runs exec: migrations with /bin/sh). */
export function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** Where a start takes the guest's state from instead of booting it. */
export interface Incoming {
  /** QEMU's -incoming arguments. */
  args: string[];
  /** Called once QEMU runs: waits until it has read the state; says whether the guest was paused. */
  finish(c: QemuConn, uuid: string): { paused: boolean };
  /**
   * An incoming migration: the start ends once QEMU listens for the stream,
   * the guest paused (reason migration); the migration's Finish resumes it.
   */
  migration?: boolean;
}

/** QEMU is in "inmigrate" while it reads the state, then paused (-S). */
function awaitIncoming(c: QemuConn, uuid: string): void {
  for (;;) {
    const s = c.io("qemu.qmp", { uuid, cmd: "query-status" }) as { status?: string };
    if (s.status !== "inmigrate") return;
    pause(50);
  }
}

/** A start from the domain's managed save image, which goes once read. */
export function managedIncoming(path: string): Incoming {
  return {
    args: ["-incoming", `exec:cat ${shellQuote(path)}`],
    finish: (c, uuid) => finishRestore(c, uuid, path),
  };
}

/** A start from a `virsh save` file: QEMU's stream follows our header at `offset`. */
export function fileIncoming(path: string, offset: number, paused: boolean): Incoming {
  return {
    args: ["-incoming", `exec:tail -c +${offset + 1} ${shellQuote(path)}`],
    finish: (c, uuid) => {
      awaitIncoming(c, uuid);
      return { paused };
    },
  };
}

/** After a start from a managed save image: removes it, says whether the guest was paused. */
function finishRestore(c: QemuConn, uuid: string, path: string): { paused: boolean } {
  awaitIncoming(c, uuid);
  let paused = false;
  try {
    Deno.statSync(pausedMarker(path));
    paused = true;
  } catch {
    paused = false;
  }
  for (const f of [path, pausedMarker(path)]) {
    try {
      Deno.removeSync(f);
    } catch {
      // Gone already.
    }
  }
  return { paused };
}
