// Managed save (virsh managedsave, as libvirt-guests uses at host shutdown):
// QEMU's state is migrated into `<configDir>/save/NAME.save` and the process
// ends; the next start brings the guest back from it (-incoming) instead of
// booting, then the image is removed. Whether the guest was paused is kept
// beside the image, so it comes back as it was.

import type { Handler } from "../../dispatch/context.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import type { RemoteDomain } from "../../protocol/remote_types.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_OPERATION_FAILED,
  VIR_ERR_OPERATION_INVALID,
  VIR_FROM_QEMU,
} from "../../rpc/error_codes.ts";
import * as S from "../domain_constants.ts";
import { QemuConn } from "./conn.ts";
import { checkFlags, stopDomain } from "./domain.ts";
import type { QemuDomainEntry } from "./state.ts";

const VIR_DOMAIN_SAVE_BYPASS_CACHE = 1;
const VIR_DOMAIN_SAVE_RUNNING = 2;
const VIR_DOMAIN_SAVE_PAUSED = 4;

export const managedSavePath = (configDir: string, name: string) =>
  `${configDir}/save/${name}.save`;
const pausedMarker = (path: string) => `${path}.paused`;

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
function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Waits for QEMU's migration to end; throws its error if it failed. */
function awaitMigration(c: QemuConn, uuid: string, what: string): void {
  for (;;) {
    const m = c.io("qemu.qmp", { uuid, cmd: "query-migrate" }) as {
      status?: string;
      "error-desc"?: string;
    };
    if (m.status === "completed") return;
    if (m.status === "failed" || m.status === "cancelled") {
      throw VirError.of(
        VIR_ERR_OPERATION_FAILED,
        VIR_FROM_QEMU,
        `${what}: ${m["error-desc"] ?? m.status}`,
      );
    }
    pause(50);
  }
}

/** The -incoming arguments that make QEMU read a managed save image instead of booting. */
export function incomingArgs(path: string): string[] {
  return ["-incoming", `exec:cat ${shellQuote(path)}`];
}

/**
 * After a start from a managed save image: waits for QEMU to have read it,
 * removes it, and says whether the guest was paused when it was saved.
 */
export function finishRestore(c: QemuConn, uuid: string, path: string): { paused: boolean } {
  // QEMU is in "inmigrate" while it reads the image, then paused (-S).
  for (;;) {
    const s = c.io("qemu.qmp", { uuid, cmd: "query-status" }) as { status?: string };
    if (s.status !== "inmigrate") break;
    pause(50);
  }
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

function managedSave(c: QemuConn, ref: RemoteDomain, flags: number): void {
  checkFlags(
    "qemuDomainManagedSave",
    flags,
    VIR_DOMAIN_SAVE_BYPASS_CACHE | VIR_DOMAIN_SAVE_RUNNING | VIR_DOMAIN_SAVE_PAUSED,
  );
  const configDir = c.dir((d) => d.configDir);
  c.job(ref, "remoteDispatchDomainManagedSave", (entry: QemuDomainEntry) => {
    const o = c.withObj(entry, (x) => x);
    if (o.pid === 0) {
      throw VirError.of(VIR_ERR_OPERATION_INVALID, VIR_FROM_QEMU, "domain is not running");
    }
    if (!o.persistent) {
      throw VirError.of(
        VIR_ERR_OPERATION_INVALID,
        VIR_FROM_QEMU,
        "cannot do managed save for transient domain",
      );
    }
    const wasRunning = o.state === S.VIR_DOMAIN_RUNNING;
    const path = managedSavePath(configDir, o.def.name);
    Deno.mkdirSync(`${configDir}/save`, { recursive: true, mode: 0o700 });
    const qmp = (cmd: string, args?: Record<string, unknown>) =>
      c.io("qemu.qmp", args ? { uuid: entry.uuid, cmd, args } : { uuid: entry.uuid, cmd });
    if (wasRunning) qmp("stop");
    try {
      qmp("migrate", { uri: `exec:cat > ${shellQuote(path)}` });
      awaitMigration(c, entry.uuid, "cannot save the domain");
    } catch (e) {
      removeManagedSave(configDir, o.def.name);
      if (wasRunning) qmp("cont");
      throw e;
    }
    const keepPaused = (flags & VIR_DOMAIN_SAVE_PAUSED) !== 0 ||
      (!wasRunning && !(flags & VIR_DOMAIN_SAVE_RUNNING));
    if (keepPaused) Deno.writeTextFileSync(pausedMarker(path), "");
    c.withObj(entry, (x, save) => {
      x.stopping = "destroy"; // the process's end is this call's doing
      save();
    });
    c.io("qemu.kill", { uuid: entry.uuid, pid: o.pid, graceMs: 10_000 });
    stopDomain(c, entry, S.VIR_DOMAIN_SHUTOFF_SAVED);
    c.lifecycle(
      { name: entry.name, uuid: entry.uuid, id: o.id },
      S.VIR_DOMAIN_EVENT_STOPPED,
      S.VIR_DOMAIN_EVENT_STOPPED_SAVED,
    );
  });
}

const h = <A>(fn: (c: QemuConn, a: A) => unknown): Handler => (ctx, a: A) => {
  const c = new QemuConn(ctx);
  try {
    return fn(c, a);
  } finally {
    c.flush();
  }
};

export const managedSaveHandlers: [number, Handler][] = [
  [
    P.REMOTE_PROC_DOMAIN_MANAGED_SAVE,
    h((c, a: { dom: RemoteDomain; flags: number }) => managedSave(c, a.dom, a.flags)),
  ],
  [
    P.REMOTE_PROC_DOMAIN_HAS_MANAGED_SAVE_IMAGE,
    h((c, a: { dom: RemoteDomain; flags: number }) => {
      checkFlags("qemuDomainHasManagedSaveImage", a.flags, 0);
      const name = c.entry(a.dom).name;
      return { result: hasManagedSave(c.dir((d) => d.configDir), name) ? 1 : 0 };
    }),
  ],
  [
    P.REMOTE_PROC_DOMAIN_MANAGED_SAVE_REMOVE,
    h((c, a: { dom: RemoteDomain; flags: number }) => {
      checkFlags("qemuDomainManagedSaveRemove", a.flags, 0);
      const configDir = c.dir((d) => d.configDir);
      c.job(a.dom, "remoteDispatchDomainManagedSaveRemove", (entry) => {
        removeManagedSave(configDir, entry.name);
      });
    }),
  ],
];
