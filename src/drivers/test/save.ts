/**
 * The test driver's save, restore and core dump (virDomainSave*,
 * virDomainRestore*, virDomainSaveImage*, virDomainCoreDump*): its image
 * format, errors and events as libvirt 9.0 has them.
 *
 * @module
 */

import { findRedefined } from "../domain_list.ts";
import { errnoOf } from "../system_error.ts";
import type { HandlerEntry } from "../../dispatch/handlers.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import type { RemoteDomain } from "../../protocol/remote_types.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_ARGUMENT_UNSUPPORTED,
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_OPERATION_INVALID,
  VIR_ERR_OPERATION_UNSUPPORTED,
  VIR_FROM_DOMAIN,
} from "../../rpc/error_codes.ts";
import {
  type DomainDef,
  formatDomainXML,
  parseDomainXML,
  VIR_DOMAIN_XML_SECURE,
} from "../../conf/domain_xml.ts";
import { on, type TestConn } from "./conn.ts";
import { checkFlags, testError, testSystemError } from "./errors.ts";
import { isActive, notActive, startLocked, stopWithEvent } from "./domain.ts";
import {
  type DomainEntry,
  type DomainObj,
  VIR_DOMAIN_EVENT_STARTED,
  VIR_DOMAIN_EVENT_STARTED_RESTORED,
  VIR_DOMAIN_EVENT_STOPPED_SAVED,
  VIR_DOMAIN_RUNNING_RESTORED,
  VIR_DOMAIN_SHUTOFF,
  VIR_DOMAIN_SHUTOFF_SAVED,
} from "./state.ts";
import { assignTestIfnames } from "./domain_common.ts";

const SAVE_RUNNING = 2;
const SAVE_PAUSED = 4;
const DUMP_CRASH = 1;
const VIR_DOMAIN_SHUTOFF_CRASHED = 3;
const VIR_DOMAIN_EVENT_STOPPED_CRASHED = 2;

const TEST_SAVE_MAGIC = new TextEncoder().encode("TestGuestMagic\0");

function le32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, n, true);
  return b;
}

/** testDomainSaveImageWrite: magic, native int length, the definition (secure). */
function writeSaveImage(path: string, name: string, xml: string): void {
  const body = new TextEncoder().encode(xml);
  const data = new Uint8Array(TEST_SAVE_MAGIC.length + 4 + body.length);
  data.set(TEST_SAVE_MAGIC, 0);
  data.set(le32(body.length), TEST_SAVE_MAGIC.length);
  data.set(body, TEST_SAVE_MAGIC.length + 4);
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { write: true, create: true, truncate: true, mode: 0o600 });
  } catch (e) {
    const [errno, text] = errnoOf(e, path);
    throw testSystemError(`saving domain '${name}' to '${path}': open failed`, errno, text);
  }
  try {
    let off = 0;
    while (off < data.length) off += file.writeSync(data.subarray(off));
  } catch (e) {
    file.close();
    try {
      Deno.removeSync(path);
    } catch {
      // Already failing.
    }
    const [errno, text] = errnoOf(e, path);
    throw testSystemError(`saving domain '${name}' to '${path}': write failed`, errno, text);
  }
  file.close();
}

/** testDomainSaveImageOpen: the definition stored in a save image. */
function readSaveImage(path: string): DomainDef {
  let data: Uint8Array;
  try {
    data = Deno.readFileSync(path);
  } catch (e) {
    const [errno, text] = errnoOf(e, path);
    if (errno === 21) throw testSystemError(`incomplete save header in '${path}'`, errno, text);
    throw testSystemError(`cannot read domain image '${path}'`, errno, text);
  }
  if (data.length < TEST_SAVE_MAGIC.length) {
    throw testSystemError(`incomplete save header in '${path}'`, 0, "Success");
  }
  for (let i = 0; i < TEST_SAVE_MAGIC.length; i++) {
    if (data[i] !== TEST_SAVE_MAGIC[i]) {
      throw testError(VIR_ERR_INTERNAL_ERROR, "mismatched header magic");
    }
  }
  if (data.length < TEST_SAVE_MAGIC.length + 4) {
    throw testSystemError(`failed to read metadata length in '${path}'`, 0, "Success");
  }
  const len = new DataView(data.buffer, data.byteOffset).getInt32(TEST_SAVE_MAGIC.length, true);
  if (len < 1 || len > 8192) {
    throw testError(VIR_ERR_INTERNAL_ERROR, "length of metadata out of range");
  }
  const start = TEST_SAVE_MAGIC.length + 4;
  if (data.length < start + len) {
    throw testSystemError(`incomplete metadata in '${path}'`, 0, "Success");
  }
  const xml = new TextDecoder().decode(data.subarray(start, start + len));
  return parseDomainXML(xml.replace(/\0[\s\S]*$/, ""));
}

function saveDomain(
  c: TestConn,
  a: { dom: RemoteDomain; to: string; dxml: string | null; flags: number },
): void {
  checkFlags("testDomainSaveFlags", a.flags, 0);
  if (a.dxml !== null) {
    throw testError(VIR_ERR_ARGUMENT_UNSUPPORTED, "xml modification unsupported");
  }
  c.domain(a.dom, (o, x) => {
    if (!isActive(o)) throw notActive();
    writeSaveImage(
      a.to,
      o.def.name,
      formatDomainXML(o.def, { id: o.id, active: true, flags: VIR_DOMAIN_XML_SECURE }),
    );
    stopWithEvent(c, o, x, VIR_DOMAIN_SHUTOFF_SAVED, VIR_DOMAIN_EVENT_STOPPED_SAVED);
  }, { dir: true });
}

/** virDomainObjListAdd with LIVE | CHECK_LIVE, then testDomainStartState(RESTORED). */
function restoreDomain(c: TestConn, a: { from: string; dxml: string | null; flags: number }) {
  checkFlags("testDomainRestoreFlags", a.flags, 0);
  if (a.dxml !== null) {
    throw testError(VIR_ERR_ARGUMENT_UNSUPPORTED, "xml modification unsupported");
  }
  const def = assignTestIfnames(readSaveImage(a.from));
  c.dir((d, saveDir) => {
    let entry = findRedefined(d.domains, def);
    const start = (o: DomainObj, e: DomainEntry) => {
      startLocked(o, { entry: e, dir: d }, VIR_DOMAIN_RUNNING_RESTORED);
      o.hasManagedSave = false;
    };
    if (entry) {
      const e = entry;
      using _ = c.store.objectLock(e.handle).lock();
      const o = c.store.readLocked<DomainObj>(e.handle);
      if (isActive(o)) {
        throw VirError.of(
          VIR_ERR_OPERATION_INVALID,
          VIR_FROM_DOMAIN,
          `domain '${def.name}' is already active`,
        );
      }
      // The saved definition runs; the persistent one waits for the next shutdown.
      if (o.persistent && !o.newDef) o.newDef = o.def;
      o.def = def;
      start(o, e);
      c.store.writeLocked(e.handle, o);
    } else {
      const o: DomainObj = {
        def,
        newDef: null,
        id: -1,
        state: VIR_DOMAIN_SHUTOFF,
        reason: 0,
        persistent: false,
        autostart: false,
        hasManagedSave: false,
        schedWeight: 50,
      };
      entry = {
        name: def.name,
        uuid: def.uuid,
        handle: 0,
        id: -1,
        active: false,
        persistent: false,
      };
      start(o, entry);
      entry.handle = c.create(o);
      d.domains.push(entry);
    }
    saveDir();
    c.lifecycle(d, entry, VIR_DOMAIN_EVENT_STARTED, VIR_DOMAIN_EVENT_STARTED_RESTORED);
  });
}

function coreDump(
  c: TestConn,
  a: { dom: RemoteDomain; to: string; dumpformat: number; flags: number },
): void {
  checkFlags("testDomainCoreDumpWithFormat", a.flags, DUMP_CRASH);
  c.domain(a.dom, (o, x) => {
    if (!isActive(o)) throw notActive();
    try {
      Deno.writeFileSync(a.to, TEST_SAVE_MAGIC, { create: true, mode: 0o600 });
    } catch (e) {
      const [errno, text] = errnoOf(e, a.to);
      throw testSystemError(`domain '${o.def.name}' coredump: failed to open ${a.to}`, errno, text);
    }
    if (a.dumpformat !== 0) {
      throw testError(
        VIR_ERR_OPERATION_UNSUPPORTED,
        "kdump-compressed format is not supported here",
      );
    }
    if (a.flags & DUMP_CRASH) {
      stopWithEvent(c, o, x, VIR_DOMAIN_SHUTOFF_CRASHED, VIR_DOMAIN_EVENT_STOPPED_CRASHED);
    }
  }, { dir: true });
}

export const saveHandlers: HandlerEntry[] = [
  on(
    P.REMOTE_PROC_DOMAIN_SAVE,
    (c, a) => saveDomain(c, { dom: a.dom, to: a.to, dxml: null, flags: 0 }),
  ),
  on(P.REMOTE_PROC_DOMAIN_SAVE_FLAGS, saveDomain),
  on(
    P.REMOTE_PROC_DOMAIN_RESTORE,
    (c, a) => restoreDomain(c, { from: a.from, dxml: null, flags: 0 }),
  ),
  on(P.REMOTE_PROC_DOMAIN_RESTORE_FLAGS, restoreDomain),
  on(P.REMOTE_PROC_DOMAIN_SAVE_IMAGE_GET_XML_DESC, (_c, a) => {
    checkFlags("testDomainSaveImageGetXMLDesc", a.flags, 1);
    const def = readSaveImage(a.file);
    return { xml: formatDomainXML(def, { id: -1, active: false, flags: VIR_DOMAIN_XML_SECURE }) };
  }),
  on(P.REMOTE_PROC_DOMAIN_SAVE_IMAGE_DEFINE_XML, (_c, a) => {
    checkFlags("testDomainSaveImageDefineXML", a.flags, SAVE_RUNNING | SAVE_PAUSED);
    readSaveImage(a.file);
    const def = parseDomainXML(a.dxml);
    writeSaveImage(
      a.file,
      def.name,
      formatDomainXML(def, { id: -1, active: false, flags: VIR_DOMAIN_XML_SECURE }),
    );
  }),
  on(
    P.REMOTE_PROC_DOMAIN_CORE_DUMP,
    (c, a) => coreDump(c, { dom: a.dom, to: a.to, dumpformat: 0, flags: a.flags }),
  ),
  on(P.REMOTE_PROC_DOMAIN_CORE_DUMP_WITH_FORMAT, coreDump),
];
