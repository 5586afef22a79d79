/**
 * Managed save (virsh managedsave, as libvirt-guests uses at host
 * shutdown): QEMU's state is migrated into `<configDir>/save/NAME.save` and
 * the process ends; the next start brings the guest back from it
 * (save_image.ts) instead of booting, then the image is removed. Whether the
 * guest was paused is kept beside the image, so it comes back as it was.
 * Also `virsh save`/`restore` to a file of the user's, and `virsh dump`.
 *
 * @module
 */

import type { HandlerEntry } from "../../dispatch/handlers.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import type { RemoteDomain } from "../../protocol/remote_types.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_OPERATION_FAILED,
  VIR_ERR_OPERATION_INVALID,
  VIR_ERR_OPERATION_UNSUPPORTED,
  VIR_FROM_QEMU,
} from "../../rpc/error_codes.ts";
import * as S from "../domain_constants.ts";
import { on, pause, QemuConn } from "./conn.ts";
import { findRedefined } from "../domain_list.ts";
import {
  formatDomainXML,
  VIR_DOMAIN_XML_INACTIVE,
  VIR_DOMAIN_XML_SECURE,
} from "../../conf/domain_xml.ts";
import type { QemuDomainEntry } from "./state.ts";
import { fileError, requireReach } from "../system_error.ts";
import {
  fileIncoming,
  hasManagedSave,
  managedSavePath,
  pausedMarker,
  removeManagedSave,
  shellQuote,
} from "./save_image.ts";
import {
  addOrUpdate,
  checkFlags,
  endAfterSave,
  neverRan,
  notRunning,
  parseQemuDef,
  removeDomainIf,
  startDomain,
} from "./domain_common.ts";

const VIR_DOMAIN_SAVE_BYPASS_CACHE = 1;
const VIR_DOMAIN_SAVE_RUNNING = 2;
const VIR_DOMAIN_SAVE_PAUSED = 4;

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

/**
 * Pauses the guest (if it runs) and has QEMU write its state through
 * `exec:cat <redirect>`; if that fails, `undo()` removes what was written and
 * the guest runs on.
 */
function saveState(
  c: QemuConn,
  uuid: string,
  redirect: string,
  wasRunning: boolean,
  undo: () => void,
): void {
  if (wasRunning) c.io("qemu.qmp", { uuid, cmd: "stop" });
  try {
    c.io("qemu.qmp", { uuid, cmd: "migrate", args: { uri: `exec:cat ${redirect}` } });
    awaitMigration(c, uuid, "cannot save the domain");
  } catch (e) {
    undo();
    if (wasRunning) c.io("qemu.qmp", { uuid, cmd: "cont" });
    throw e;
  }
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
      throw notRunning();
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
    saveState(
      c,
      entry.uuid,
      `> ${shellQuote(path)}`,
      wasRunning,
      () => removeManagedSave(configDir, o.def.name),
    );
    const keepPaused = (flags & VIR_DOMAIN_SAVE_PAUSED) !== 0 ||
      (!wasRunning && !(flags & VIR_DOMAIN_SAVE_RUNNING));
    if (keepPaused) Deno.writeTextFileSync(pausedMarker(path), "");
    endAfterSave(c, entry, o, S.VIR_DOMAIN_SHUTOFF_SAVED, S.VIR_DOMAIN_EVENT_STOPPED_SAVED);
  });
}

export const managedSaveHandlers: HandlerEntry[] = [
  on(P.REMOTE_PROC_DOMAIN_MANAGED_SAVE, (c, a) => managedSave(c, a.dom, a.flags)),
  on(P.REMOTE_PROC_DOMAIN_HAS_MANAGED_SAVE_IMAGE, (c, a) => {
    checkFlags("qemuDomainHasManagedSaveImage", a.flags, 0);
    const name = c.entry(a.dom).name;
    return { result: hasManagedSave(c.dir((d) => d.configDir), name) ? 1 : 0 };
  }),
  on(P.REMOTE_PROC_DOMAIN_MANAGED_SAVE_REMOVE, (c, a) => {
    checkFlags("qemuDomainManagedSaveRemove", a.flags, 0);
    const configDir = c.dir((d) => d.configDir);
    c.job(a.dom, "remoteDispatchDomainManagedSaveRemove", (entry) => {
      removeManagedSave(configDir, entry.name);
    });
  }),
];

//
// The file is denovirt's header — magic, version, XML length, paused flag, the
// domain's XML — followed by QEMU's migration stream, which QEMU appends itself.

// ---- virsh save / restore: a file of the user's -------------------------------------------------

const SAVE_MAGIC = "DenovirtQemuSave";
const SAVE_VERSION = 1;
const HEADER_BYTES = 16 + 12;

/** Reads a save file's header: the domain XML, where QEMU's stream starts, the paused flag. */
export function readSaveHeader(path: string): { xml: string; offset: number; paused: boolean } {
  let f: Deno.FsFile;
  try {
    f = Deno.openSync(path, { read: true });
  } catch (e) {
    throw fileError(VIR_FROM_QEMU, `cannot open save file '${path}'`, path, e);
  }
  try {
    const head = new Uint8Array(HEADER_BYTES);
    if (
      f.readSync(head) !== HEADER_BYTES ||
      new TextDecoder().decode(head.subarray(0, 16)) !== SAVE_MAGIC
    ) {
      throw VirError.of(
        VIR_ERR_OPERATION_FAILED,
        VIR_FROM_QEMU,
        `image magic is incorrect: '${path}' is not a save file of this daemon`,
      );
    }
    const v = new DataView(head.buffer);
    if (v.getUint32(16) !== SAVE_VERSION) {
      throw VirError.of(VIR_ERR_OPERATION_FAILED, VIR_FROM_QEMU, "image version is not supported");
    }
    const len = v.getUint32(20);
    const xml = new Uint8Array(len);
    let got = 0;
    while (got < len) {
      const n = f.readSync(xml.subarray(got));
      if (n === null) {
        throw VirError.of(VIR_ERR_OPERATION_FAILED, VIR_FROM_QEMU, "save file is truncated");
      }
      got += n;
    }
    return {
      xml: new TextDecoder().decode(xml),
      offset: HEADER_BYTES + len,
      paused: v.getUint32(24) === 1,
    };
  } finally {
    f.close();
  }
}

function saveToFile(
  c: QemuConn,
  ref: RemoteDomain,
  to: string,
  dxml: string | null,
  flags: number,
): void {
  checkFlags(
    "qemuDomainSaveFlags",
    flags,
    VIR_DOMAIN_SAVE_BYPASS_CACHE | VIR_DOMAIN_SAVE_RUNNING | VIR_DOMAIN_SAVE_PAUSED,
  );
  if (dxml !== null) {
    throw VirError.of(VIR_ERR_OPERATION_UNSUPPORTED, VIR_FROM_QEMU, "xml modification unsupported");
  }
  c.job(ref, "remoteDispatchDomainSaveFlags", (entry: QemuDomainEntry) => {
    const o = c.withObj(entry, (x) => x);
    if (o.pid === 0) {
      throw notRunning();
    }
    const wasRunning = o.state === S.VIR_DOMAIN_RUNNING;
    const paused = (flags & VIR_DOMAIN_SAVE_PAUSED) !== 0 ||
      (!wasRunning && !(flags & VIR_DOMAIN_SAVE_RUNNING));
    const xml = new TextEncoder().encode(
      formatDomainXML(o.def, {
        id: -1,
        active: false,
        flags: VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE,
      }),
    );
    const head = new Uint8Array(HEADER_BYTES);
    head.set(new TextEncoder().encode(SAVE_MAGIC));
    const v = new DataView(head.buffer);
    v.setUint32(16, SAVE_VERSION);
    v.setUint32(20, xml.length);
    v.setUint32(24, paused ? 1 : 0);
    try {
      const f = Deno.openSync(to, { write: true, create: true, truncate: true, mode: 0o600 });
      try {
        f.writeSync(head);
        let off = 0;
        while (off < xml.length) off += f.writeSync(xml.subarray(off));
      } finally {
        f.close();
      }
    } catch (e) {
      throw fileError(VIR_FROM_QEMU, `cannot write save file '${to}'`, to, e);
    }
    saveState(c, entry.uuid, `>> ${shellQuote(to)}`, wasRunning, () => {
      try {
        Deno.removeSync(to);
      } catch {
        // Never written.
      }
    });
    endAfterSave(c, entry, o, S.VIR_DOMAIN_SHUTOFF_SAVED, S.VIR_DOMAIN_EVENT_STOPPED_SAVED);
  });
}

function restoreFromFile(c: QemuConn, from: string, dxml: string | null, flags: number): void {
  checkFlags(
    "qemuDomainRestoreFlags",
    flags,
    VIR_DOMAIN_SAVE_BYPASS_CACHE | VIR_DOMAIN_SAVE_RUNNING | VIR_DOMAIN_SAVE_PAUSED,
  );
  if (dxml !== null) {
    throw VirError.of(VIR_ERR_OPERATION_UNSUPPORTED, VIR_FROM_QEMU, "xml modification unsupported");
  }
  const head = readSaveHeader(from);
  const emulator = c.dir((d) => d.emulator);
  const def = parseQemuDef(head.xml, emulator);
  const paused = (flags & VIR_DOMAIN_SAVE_PAUSED) !== 0 ||
    (head.paused && !(flags & VIR_DOMAIN_SAVE_RUNNING));
  const { entry, created } = c.dir((d, save) => {
    const existing = findRedefined(d.domains, def);
    if (existing?.active) {
      throw VirError.of(
        VIR_ERR_OPERATION_INVALID,
        VIR_FROM_QEMU,
        `domain '${def.name}' is already active`,
      );
    }
    const r = addOrUpdate(c, d, def, false, true);
    save();
    return { entry: r.entry, created: !existing };
  });
  c.job(QemuConn.wire(entry), "remoteDispatchDomainRestoreFlags", (e) => {
    try {
      startDomain(c, e, 0, S.VIR_DOMAIN_RUNNING_RESTORED, fileIncoming(from, head.offset, paused));
    } catch (err) {
      if (created) removeDomainIf(c, e, neverRan);
      throw err;
    }
  });
}

export const saveFileHandlers: HandlerEntry[] = [
  on(P.REMOTE_PROC_DOMAIN_SAVE, (c, a) => saveToFile(c, a.dom, a.to, null, 0)),
  on(P.REMOTE_PROC_DOMAIN_SAVE_FLAGS, (c, a) => saveToFile(c, a.dom, a.to, a.dxml, a.flags)),
  on(P.REMOTE_PROC_DOMAIN_RESTORE, (c, a) => restoreFromFile(c, a.from, null, 0)),
  on(P.REMOTE_PROC_DOMAIN_RESTORE_FLAGS, (c, a) => restoreFromFile(c, a.from, a.dxml, a.flags)),
  on(P.REMOTE_PROC_DOMAIN_SAVE_IMAGE_GET_XML_DESC, (_c, a) => {
    checkFlags("qemuDomainSaveImageGetXMLDesc", a.flags, 1 /* SECURE */);
    return { xml: readSaveHeader(a.file).xml };
  }),
  // virsh managedsave-dumpxml: the definition kept in the domain's managed save image.
  on(P.REMOTE_PROC_DOMAIN_MANAGED_SAVE_GET_XML_DESC, (c, a) => {
    checkFlags("qemuDomainManagedSaveGetXMLDesc", a.flags, 1 /* SECURE */);
    const configDir = c.dir((d) => d.configDir);
    const name = c.withObj(c.entry(a.dom), (o) => o.def.name);
    if (!hasManagedSave(configDir, name)) {
      throw VirError.of(
        VIR_ERR_OPERATION_INVALID,
        VIR_FROM_QEMU,
        "domain does not have managed save image",
      );
    }
    return { xml: readSaveHeader(managedSavePath(configDir, name)).xml };
  }),
];

// ---- virsh dump: the guest's memory (ELF, memory only) or its whole state ---------------------

const VIR_DUMP_CRASH = 1;
const VIR_DUMP_LIVE = 2;
const VIR_DUMP_BYPASS_CACHE = 4;
const VIR_DUMP_RESET = 8;
const VIR_DUMP_MEMORY_ONLY = 16;

/** virDomainCoreDumpFormat: RAW (ELF) is the only format without a compression library. */
const VIR_DOMAIN_CORE_DUMP_FORMAT_RAW = 0;

function coreDump(c: QemuConn, ref: RemoteDomain, to: string, format: number, flags: number): void {
  checkFlags(
    "qemuDomainCoreDumpWithFormat",
    flags,
    VIR_DUMP_CRASH | VIR_DUMP_LIVE | VIR_DUMP_BYPASS_CACHE | VIR_DUMP_RESET | VIR_DUMP_MEMORY_ONLY,
  );
  if (format !== VIR_DOMAIN_CORE_DUMP_FORMAT_RAW) {
    throw VirError.of(
      VIR_ERR_OPERATION_UNSUPPORTED,
      VIR_FROM_QEMU,
      `unsupported dumpformat '${format}'`,
    );
  }
  c.job(ref, "remoteDispatchDomainCoreDumpWithFormat", (entry: QemuDomainEntry) => {
    const o = c.withObj(entry, (x) => x);
    if (o.pid === 0) {
      throw notRunning();
    }
    // QEMU writes the file: under --sandbox it must be one the daemon could write itself.
    requireReach(VIR_FROM_QEMU, `Failed to create file '${to}'`, to, true);
    const qmp = (cmd: string, args?: Record<string, unknown>) =>
      c.io("qemu.qmp", args ? { uuid: entry.uuid, cmd, args } : { uuid: entry.uuid, cmd });
    const wasRunning = o.state === S.VIR_DOMAIN_RUNNING;
    if (flags & VIR_DUMP_MEMORY_ONLY) {
      // QEMU writes an ELF core of the guest's memory, pausing the vCPUs meanwhile.
      qmp("dump-guest-memory", { paging: false, protocol: `file:${to}` });
    } else {
      // The whole state, as a migration stream (libvirt's default dump format).
      if (wasRunning && !(flags & VIR_DUMP_LIVE)) qmp("stop");
      try {
        qmp("migrate", { uri: `exec:cat > ${shellQuote(to)}` });
        awaitMigration(c, entry.uuid, "cannot dump the domain");
      } finally {
        if (wasRunning && !(flags & VIR_DUMP_LIVE) && !(flags & VIR_DUMP_CRASH)) qmp("cont");
      }
    }
    if (flags & VIR_DUMP_CRASH) {
      endAfterSave(c, entry, o, S.VIR_DOMAIN_SHUTOFF_CRASHED, S.VIR_DOMAIN_EVENT_STOPPED_CRASHED);
    } else if (flags & VIR_DUMP_RESET) {
      qmp("system_reset");
    }
  });
}

export const dumpHandlers: HandlerEntry[] = [
  on(
    P.REMOTE_PROC_DOMAIN_CORE_DUMP,
    (c, a) => coreDump(c, a.dom, a.to, VIR_DOMAIN_CORE_DUMP_FORMAT_RAW, a.flags),
  ),
  on(
    P.REMOTE_PROC_DOMAIN_CORE_DUMP_WITH_FORMAT,
    (c, a) => coreDump(c, a.dom, a.to, a.dumpformat, a.flags),
  ),
];
