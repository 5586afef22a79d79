/**
 * Live migration between daemons (libvirt's qemu_migration.c), the v3
 * protocol with typed parameters that a client drives: Begin (source: the
 * domain's XML and a cookie), Prepare (destination: QEMU started with
 * `-incoming defer`, listening on a free port), Perform (source: QMP
 * `migrate` to it), Finish (destination: the guest resumed, the domain
 * live), Confirm (source: QEMU ended, or the guest resumed when the
 * migration was cancelled). Also offline migration (the definition only),
 * the migration's job statistics and abort, its speed and downtime.
 *
 * The state between the calls is the domain object's `migration` field; a
 * client that disconnects half way leaves the guest running on the source
 * and nothing on the destination (`abandonClientMigrations`).
 *
 * @module
 */

import type { HandlerEntry } from "../../dispatch/handlers.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import type { RemoteDomain } from "../../protocol/remote_types.ts";
import { remoteErrorNotSet, VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_ARGUMENT_UNSUPPORTED,
  VIR_ERR_CONFIG_UNSUPPORTED,
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_INVALID_ARG,
  VIR_ERR_NO_DOMAIN,
  VIR_ERR_OPERATION_ABORTED,
  VIR_ERR_OPERATION_FAILED,
  VIR_ERR_OPERATION_INVALID,
  VIR_FROM_QEMU,
} from "../../rpc/error_codes.ts";
import {
  param,
  type TypedParam,
  VIR_TYPED_PARAM_STRING,
  VIR_TYPED_PARAM_ULLONG,
} from "../../rpc/typed_params.ts";
import {
  formatDomainXML,
  VIR_DOMAIN_XML_INACTIVE,
  VIR_DOMAIN_XML_SECURE,
} from "../../conf/domain_xml.ts";
import { findRedefined } from "../domain_list.ts";
import * as S from "../domain_constants.ts";
import { internalError, on, pause, QemuConn } from "./conn.ts";
import { configPath, removeDurable, setAutostart, writeDurable } from "./files.ts";
import type { MigrationState, QemuDomainEntry, QemuDomainObj } from "./state.ts";
import {
  destinationNbdXml,
  endMirrors,
  mirrorDisks,
  precreateDisks,
  readNbd,
  sourceNbdXml,
  startNbdServer,
  stopNbdServer,
} from "./migration_nbd.ts";
import {
  addOrUpdate,
  checkFlags,
  configXML,
  endAfterSave,
  KILL_GRACE_MS,
  neverRan,
  notRunning,
  parseQemuDef,
  removeDomainIf,
  startDomain,
  stopDomain,
} from "./domain_common.ts";

// virDomainMigrateFlags.
export const VIR_MIGRATE_LIVE = 1 << 0;
export const VIR_MIGRATE_PEER2PEER = 1 << 1;
export const VIR_MIGRATE_TUNNELLED = 1 << 2;
export const VIR_MIGRATE_PERSIST_DEST = 1 << 3;
export const VIR_MIGRATE_UNDEFINE_SOURCE = 1 << 4;
export const VIR_MIGRATE_PAUSED = 1 << 5;
export const VIR_MIGRATE_NON_SHARED_DISK = 1 << 6;
export const VIR_MIGRATE_NON_SHARED_INC = 1 << 7;
export const VIR_MIGRATE_CHANGE_PROTECTION = 1 << 8;
export const VIR_MIGRATE_UNSAFE = 1 << 9;
export const VIR_MIGRATE_OFFLINE = 1 << 10;
export const VIR_MIGRATE_COMPRESSED = 1 << 11;
export const VIR_MIGRATE_ABORT_ON_ERROR = 1 << 12;
export const VIR_MIGRATE_AUTO_CONVERGE = 1 << 13;
export const VIR_MIGRATE_RDMA_PIN_ALL = 1 << 14;
export const VIR_MIGRATE_POSTCOPY = 1 << 15;
export const VIR_MIGRATE_TLS = 1 << 16;
export const VIR_MIGRATE_PARALLEL = 1 << 17;
export const VIR_MIGRATE_NON_SHARED_SYNCHRONOUS_WRITES = 1 << 18;
export const VIR_MIGRATE_POSTCOPY_RESUME = 1 << 19;
export const VIR_MIGRATE_ZEROCOPY = 1 << 20;

/** libvirt's QEMU_MIGRATION_FLAGS: every flag the QEMU driver's migration APIs take. */
const QEMU_MIGRATION_FLAGS = (1 << 21) - 1;

/** What this driver does not do (yet); each is refused rather than ignored. */
const UNSUPPORTED_FLAGS: [number, string][] = [
  [VIR_MIGRATE_TUNNELLED, "tunnelled migration"],
  [VIR_MIGRATE_NON_SHARED_INC, "incremental migration of non-shared storage"],
  [VIR_MIGRATE_RDMA_PIN_ALL, "RDMA migration"],
  [VIR_MIGRATE_POSTCOPY, "post-copy migration"],
  [VIR_MIGRATE_POSTCOPY_RESUME, "post-copy migration"],
  [VIR_MIGRATE_TLS, "TLS migration"],
  [VIR_MIGRATE_PARALLEL, "parallel migration"],
  [VIR_MIGRATE_COMPRESSED, "compressed migration"],
  [VIR_MIGRATE_ZEROCOPY, "zero-copy migration"],
];

// VIR_MIGRATE_PARAM_*.
export const PARAM_URI = "migrate_uri";
export const PARAM_DEST_NAME = "destination_name";
export const PARAM_DEST_XML = "destination_xml";
const PARAM_PERSIST_XML = "persistent_xml";
const PARAM_BANDWIDTH = "bandwidth";
const PARAM_LISTEN_ADDRESS = "listen_address";

/** libvirt's migration port range (qemu.conf migration_port_min/max). */
const MIGRATION_PORT_MIN = 49152;
const MIGRATION_PORT_MAX = 49215;

/** libvirt's QEMU_DOMAIN_MIG_BANDWIDTH_MAX: "unlimited", in MiB/s. */
export const MIG_BANDWIDTH_MAX = 8796093022207n;

/** How long Finish waits for QEMU to have read the whole stream. */
const INCOMING_WAIT_MS = 120_000;

function checkMigrationFlags(fn: string, flags: number): void {
  checkFlags(fn, flags, QEMU_MIGRATION_FLAGS);
  for (const [flag, what] of UNSUPPORTED_FLAGS) {
    if (flags & flag) {
      throw VirError.of(
        VIR_ERR_CONFIG_UNSUPPORTED,
        VIR_FROM_QEMU,
        `${what} is not supported by denovirt's QEMU driver`,
      );
    }
  }
  if (flags & VIR_MIGRATE_OFFLINE) {
    if (!(flags & VIR_MIGRATE_PERSIST_DEST)) {
      throw VirError.of(
        VIR_ERR_OPERATION_INVALID,
        VIR_FROM_QEMU,
        "offline migration must be specified with the persistent flag set",
      );
    }
  }
}

export function paramString(params: readonly TypedParam[], name: string): string | null {
  const p = params.find((x) => x.field === name);
  return p && p.value.tag === VIR_TYPED_PARAM_STRING ? p.value.value as string : null;
}

function paramULLong(params: readonly TypedParam[], name: string): bigint | null {
  const p = params.find((x) => x.field === name);
  return p && p.value.tag === VIR_TYPED_PARAM_ULLONG ? p.value.value as bigint : null;
}

// ---- The cookie --------------------------------------------------------------------------------

/**
 * The migration cookie the phases pass along (libvirt's `<qemu-migration>`):
 * who the domain is, where it comes from, and with PERSIST_DEST its
 * persistent definition. As libvirt's, a NUL-terminated XML string.
 */
function makeCookie(
  dom: { name: string; uuid: string },
  persistent: string | null,
  extra = "",
): Uint8Array {
  const esc = (s: string) =>
    s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
  const body = `<qemu-migration>
  <name>${esc(dom.name)}</name>
  <uuid>${dom.uuid}</uuid>
  <hostname>${esc(Deno.hostname())}</hostname>
${
    persistent !== null
      ? `  <persistent>\n${persistent}  </persistent>\n`
      : ""
  }${extra}</qemu-migration>
`;
  return new TextEncoder().encode(body + "\0");
}

/** The persistent definition a cookie carries, if any. */
function cookiePersistent(cookie: Uint8Array): string | null {
  const text = new TextDecoder().decode(cookie).replace(/\0+$/, "");
  const start = text.indexOf("<persistent>");
  const end = text.lastIndexOf("</persistent>");
  if (start < 0 || end < start) return null;
  return text.slice(start + "<persistent>".length, end).trim();
}

// ---- Shared steps ------------------------------------------------------------------------------

const dom = (e: QemuDomainEntry, o: QemuDomainObj) => ({ name: e.name, uuid: e.uuid, id: o.id });

function migrationState(
  c: QemuConn,
  dir: "out" | "in",
  phase: MigrationState["phase"],
  flags: number,
): MigrationState {
  return {
    dir,
    phase,
    client: c.ctx.client.index,
    gen: c.ctx.client.gen,
    flags,
    since: Date.now(),
  };
}

/** The source's guest runs again after a failed or cancelled migration (if it ran before). */
function restoreSource(c: QemuConn, entry: QemuDomainEntry): void {
  const o = c.withObj(entry, (o, save) => {
    const was = o.migration?.wasRunning ?? false;
    delete o.migration;
    save();
    return { ...o, wasRunning: was };
  });
  if (o.pid === 0 || !o.wasRunning) return;
  let running = false;
  try {
    running = (c.io("qemu.qmp", { uuid: entry.uuid, cmd: "query-status" }) as {
      running: boolean;
    }).running;
    if (!running) c.io("qemu.qmp", { uuid: entry.uuid, cmd: "cont" });
  } catch {
    return; // QEMU is gone: its EOF will tell
  }
  c.withObj(entry, (x, save) => {
    if (x.state === S.VIR_DOMAIN_RUNNING) return;
    x.state = S.VIR_DOMAIN_RUNNING;
    x.reason = S.VIR_DOMAIN_RUNNING_MIGRATION_CANCELED;
    save();
    c.lifecycle(dom(entry, x), S.VIR_DOMAIN_EVENT_RESUMED, S.VIR_DOMAIN_EVENT_RESUMED_MIGRATED);
  });
}

/** The destination's QEMU goes, and the domain with it unless it was defined here before. */
function abandonIncoming(c: QemuConn, entry: QemuDomainEntry): void {
  const o = c.withObj(entry, (o, save) => {
    delete o.migration;
    if (o.pid !== 0) o.stopping = "destroy";
    save();
    return o;
  });
  if (o.pid === 0) return;
  c.io("qemu.kill", { uuid: entry.uuid, pid: o.pid, graceMs: KILL_GRACE_MS });
  stopDomain(c, entry, S.VIR_DOMAIN_SHUTOFF_FAILED);
  c.lifecycle(dom(entry, o), S.VIR_DOMAIN_EVENT_STOPPED, S.VIR_DOMAIN_EVENT_STOPPED_FAILED);
}

/** A definition made persistent here (Finish with PERSIST_DEST): written, then announced. */
function persistHere(c: QemuConn, entry: QemuDomainEntry, xml: string): void {
  const { emulator, configDir, stateDir } = c.dir((d) => d);
  const def = parseQemuDef(xml, emulator, stateDir);
  def.name = entry.name;
  writeDurable(configPath(configDir, def.name), configXML(def));
  const o = c.withObj(entry, (o, save) => {
    const was = o.persistent;
    o.persistent = true;
    if (o.pid !== 0) o.newDef = def;
    else o.def = def;
    save();
    return { ...o, was };
  });
  c.syncEntry(entry, o);
  c.lifecycle(
    dom(entry, o),
    S.VIR_DOMAIN_EVENT_DEFINED,
    o.was ? S.VIR_DOMAIN_EVENT_DEFINED_UPDATED : S.VIR_DOMAIN_EVENT_DEFINED_ADDED,
  );
}

/** UNDEFINE_SOURCE: the source forgets a persistent domain once it migrated. */
function undefineSource(c: QemuConn, entry: QemuDomainEntry): void {
  const configDir = c.dir((d) => d.configDir);
  let o: QemuDomainObj;
  try {
    o = c.withObj(entry, (o) => o);
  } catch {
    return; // a transient domain went when it stopped
  }
  if (!o.persistent) return;
  removeDurable(configPath(configDir, entry.name));
  setAutostart(configDir, entry.name, false);
  removeDomainIf(c, entry, () => true);
  c.lifecycle(dom(entry, o), S.VIR_DOMAIN_EVENT_UNDEFINED, S.VIR_DOMAIN_EVENT_UNDEFINED_REMOVED);
}

/** `tcp:HOST:PORT` or `tcp://HOST:PORT` (libvirt takes both) as QEMU's `tcp:HOST:PORT`. */
function qemuTcpUri(uri: string): string {
  const m = /^tcp:(?:\/\/)?(\[[^\]]+\]|[^:/]+):(\d+)\/?$/.exec(uri);
  if (!m) {
    throw VirError.of(
      VIR_ERR_ARGUMENT_UNSUPPORTED,
      VIR_FROM_QEMU,
      `unsupported scheme ${uri.split(":")[0]} in migration URI ${uri}`,
    );
  }
  return `tcp:${m[1]}:${m[2]}`;
}

// ---- Source: Begin, Perform, Confirm -----------------------------------------------------------

export function begin(
  c: QemuConn,
  ref: RemoteDomain,
  params: readonly TypedParam[],
  flags: number,
): { cookie_out: Uint8Array; xml: string } {
  checkMigrationFlags("qemuDomainMigrateBegin3Params", flags);
  const xmlin = paramString(params, PARAM_DEST_XML);
  if (xmlin !== null) {
    // The XML the destination is to run (--xml): refused here if it does not parse.
    const { emulator, stateDir } = c.dir((d) => d);
    parseQemuDef(xmlin, emulator, stateDir);
  }
  const offline = (flags & VIR_MIGRATE_OFFLINE) !== 0;
  return c.job(ref, "remoteDispatchDomainMigrateBegin3Params", (entry) => {
    // The disks to copy and their sizes, asked of QEMU before the object is locked.
    const now = c.withObj(entry, (o) => o);
    const nbd = (flags & VIR_MIGRATE_NON_SHARED_DISK) && !offline && now.pid !== 0
      ? sourceNbdXml(c, entry.uuid, now.def, now.diskNodes)
      : "";
    return c.withObj(entry, (o, save) => {
      if (!offline && o.pid === 0) throw notRunning();
      if (offline && !o.persistent) {
        throw VirError.of(
          VIR_ERR_OPERATION_INVALID,
          VIR_FROM_QEMU,
          "cannot migrate a transient domain offline",
        );
      }
      if (o.migration) {
        throw VirError.of(
          VIR_ERR_OPERATION_INVALID,
          VIR_FROM_QEMU,
          `domain '${entry.name}' is already being migrated`,
        );
      }
      const persistentDef = o.newDef ?? o.def;
      const running = offline ? persistentDef : o.def;
      const xml = xmlin ??
        formatDomainXML(running, {
          id: -1,
          active: false,
          flags: VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE,
        });
      o.migration = migrationState(c, "out", "begin", flags);
      save();
      const persist = (flags & VIR_MIGRATE_PERSIST_DEST) && o.persistent
        ? configXML(persistentDef)
        : null;
      return { cookie_out: makeCookie(entry, persist, nbd), xml };
    });
  });
}

/** Waits for QEMU's outgoing migration to end; throws libvirt's error if it did not complete. */
function awaitOutgoing(c: QemuConn, entry: QemuDomainEntry): void {
  for (;;) {
    const m = c.io("qemu.qmp", { uuid: entry.uuid, cmd: "query-migrate" }) as {
      status?: string;
      "error-desc"?: string;
    };
    if (m.status === "completed") return;
    if (m.status === "failed") {
      throw VirError.of(
        VIR_ERR_OPERATION_FAILED,
        VIR_FROM_QEMU,
        `migration out job: ${m["error-desc"] ?? "unexpectedly failed"}`,
      );
    }
    if (m.status === "cancelled") {
      throw VirError.of(
        VIR_ERR_OPERATION_ABORTED,
        VIR_FROM_QEMU,
        "migration out job: canceled by client",
      );
    }
    pause(50);
  }
}

export function perform(
  c: QemuConn,
  ref: RemoteDomain,
  dconnuri: string | null,
  params: readonly TypedParam[],
  cookie: Uint8Array,
  flags: number,
): { cookie_out: Uint8Array } {
  checkMigrationFlags("qemuDomainMigratePerform3Params", flags);
  if (flags & VIR_MIGRATE_PEER2PEER) {
    throw internalError(`peer-to-peer migration to ${dconnuri} is migration_p2p.ts's`);
  }
  const uri = paramString(params, PARAM_URI);
  if (uri === null) {
    throw VirError.of(
      VIR_ERR_INVALID_ARG,
      VIR_FROM_QEMU,
      "missing migration URI",
    );
  }
  const target = qemuTcpUri(uri);
  const bandwidth = paramULLong(params, PARAM_BANDWIDTH);
  return c.job(ref, "remoteDispatchDomainMigratePerform3Params", (entry) => {
    const o = c.withObj(entry, (o, save) => {
      if (o.pid === 0) throw notRunning();
      const mig = o.migration ?? migrationState(c, "out", "perform", flags);
      if (mig.dir !== "out") {
        throw VirError.of(
          VIR_ERR_OPERATION_INVALID,
          VIR_FROM_QEMU,
          `domain '${entry.name}' is being migrated in`,
        );
      }
      mig.phase = "perform";
      mig.wasRunning = o.state === S.VIR_DOMAIN_RUNNING;
      o.migration = mig;
      save();
      return o;
    });
    const qmp = (cmd: string, args?: Record<string, unknown>) =>
      c.io("qemu.qmp", args ? { uuid: entry.uuid, cmd, args } : { uuid: entry.uuid, cmd });
    // A bandwidth of 0 is none given: the domain's own limit (migrate-setspeed) applies.
    const speed = bandwidth ? bandwidth : BigInt(o.migrationSpeed ?? MIG_BANDWIDTH_MAX);
    const wasRunning = o.state === S.VIR_DOMAIN_RUNNING;
    let mirrored: string[] = [];
    try {
      qmp("migrate-set-capabilities", {
        capabilities: [{
          capability: "auto-converge",
          state: (flags & VIR_MIGRATE_AUTO_CONVERGE) !== 0,
        }],
      });
      qmp("migrate-set-parameters", { "max-bandwidth": Number(speed * 1024n * 1024n) });
      if (!(flags & VIR_MIGRATE_LIVE) && wasRunning) {
        // Not live: the guest is paused for the whole migration.
        qmp("stop");
        pausedForMigration(c, entry);
      }
      if (flags & VIR_MIGRATE_NON_SHARED_DISK) {
        const nbd = readNbd(cookie);
        if (nbd?.port) {
          const host = /^tcp:(.*):\d+$/.exec(target)![1]!;
          mirrored = mirrorDisks(
            c,
            entry.uuid,
            o.def,
            o.diskNodes,
            host,
            nbd.port,
            () => c.withObj(entry, (x) => !!(x.migration?.abandoned || x.migration?.cancelled)),
          );
        }
      }
      qmp("migrate", { uri: target });
      awaitOutgoing(c, entry);
      endMirrors(c, entry.uuid, mirrored.splice(0), false);
      if (c.withObj(entry, (x) => x.migration?.abandoned ?? false)) {
        throw VirError.of(
          VIR_ERR_OPERATION_ABORTED,
          VIR_FROM_QEMU,
          "migration out job: canceled by client",
        );
      }
    } catch (e) {
      endMirrors(c, entry.uuid, mirrored, true);
      restoreSource(c, entry);
      throw e;
    }
    // QEMU has stopped the guest for the last round: it stays paused until Confirm.
    if (wasRunning) pausedForMigration(c, entry);
    c.withObj(entry, (x, save) => {
      if (x.migration) x.migration.phase = "performed";
      save();
    });
    return { cookie_out: makeCookie(entry, null) };
  });
}

function pausedForMigration(c: QemuConn, entry: QemuDomainEntry): void {
  c.withObj(entry, (x, save) => {
    if (x.state === S.VIR_DOMAIN_PAUSED && x.reason === S.VIR_DOMAIN_PAUSED_MIGRATION) return;
    x.state = S.VIR_DOMAIN_PAUSED;
    x.reason = S.VIR_DOMAIN_PAUSED_MIGRATION;
    save();
    c.lifecycle(
      dom(entry, x),
      S.VIR_DOMAIN_EVENT_SUSPENDED,
      S.VIR_DOMAIN_EVENT_SUSPENDED_MIGRATED,
    );
  });
}

export function confirm(c: QemuConn, ref: RemoteDomain, flags: number, cancelled: number): void {
  checkFlags("qemuDomainMigrateConfirm3Params", flags, QEMU_MIGRATION_FLAGS);
  c.job(ref, "remoteDispatchDomainMigrateConfirm3Params", (entry) => {
    const o = c.withObj(entry, (o) => o);
    if (!o.migration || o.migration.dir !== "out") {
      throw VirError.of(
        VIR_ERR_OPERATION_INVALID,
        VIR_FROM_QEMU,
        `domain '${entry.name}' is not being migrated`,
      );
    }
    if (cancelled) {
      restoreSource(c, entry);
      return;
    }
    c.withObj(entry, (x, save) => {
      delete x.migration;
      save();
    });
    if (!(flags & VIR_MIGRATE_OFFLINE) && o.pid !== 0) {
      endAfterSave(c, entry, o, S.VIR_DOMAIN_SHUTOFF_MIGRATED, S.VIR_DOMAIN_EVENT_STOPPED_MIGRATED);
    }
    if (flags & VIR_MIGRATE_UNDEFINE_SOURCE) undefineSource(c, entry);
  });
}

// ---- Destination: Prepare, Finish --------------------------------------------------------------

/** Has QEMU listen for the stream on the first free port of libvirt's range; returns it. */
function listenIncoming(c: QemuConn, uuid: string, address: string): number {
  let last = "";
  for (let port = MIGRATION_PORT_MIN; port <= MIGRATION_PORT_MAX; port++) {
    try {
      c.io("qemu.qmp", { uuid, cmd: "migrate-incoming", args: { uri: `tcp:${address}:${port}` } });
      return port;
    } catch (e) {
      last = String((e as Error).message);
      if (!/in use|Failed to (bind|listen)/i.test(last)) throw e;
    }
  }
  throw VirError.of(
    VIR_ERR_INTERNAL_ERROR,
    VIR_FROM_QEMU,
    `Unable to find an unused port in range 'migration' (${MIGRATION_PORT_MIN}-${MIGRATION_PORT_MAX})`,
  );
}

function prepare(
  c: QemuConn,
  params: readonly TypedParam[],
  cookie: Uint8Array,
  flags: number,
): { cookie_out: Uint8Array; uri_out: string | null } {
  checkMigrationFlags("qemuDomainMigratePrepare3Params", flags);
  const xml = paramString(params, PARAM_DEST_XML);
  if (xml === null) {
    throw VirError.of(VIR_ERR_INTERNAL_ERROR, VIR_FROM_QEMU, "no domain XML passed");
  }
  const { emulator, stateDir } = c.dir((d) => d);
  const def = parseQemuDef(xml, emulator, stateDir);
  const dname = paramString(params, PARAM_DEST_NAME);
  if (dname !== null) def.name = dname;
  // The URI a client may name (--migrateuri): where QEMU listens and the source connects.
  const uriIn = paramString(params, PARAM_URI);
  const m = uriIn ? /^tcp:(?:\/\/)?(\[[^\]]+\]|[^:/]+)(?::(\d+))?/.exec(uriIn) : null;
  if (uriIn && !m) {
    throw VirError.of(
      VIR_ERR_ARGUMENT_UNSUPPORTED,
      VIR_FROM_QEMU,
      `unsupported scheme ${uriIn.split(":")[0]} in migration URI ${uriIn}`,
    );
  }
  const host = m?.[1] ?? Deno.hostname();
  if (flags & VIR_MIGRATE_OFFLINE) {
    // Only the definition comes, at Finish: refuse now what it would be refused then.
    c.dir((d) => {
      const existing = findRedefined(d.domains, def);
      if (existing?.active) throw activeHere(def.name);
    });
    // The client wants a URI all the same (it skips the Perform that would use it).
    return { cookie_out: makeCookie(def, null), uri_out: `tcp:${host}` };
  }
  const listen = paramString(params, PARAM_LISTEN_ADDRESS) ?? (m ? m[1]! : "0.0.0.0");
  // A domain defined here already keeps its persistent definition: the incoming
  // one only runs (libvirt's VIR_DOMAIN_OBJ_LIST_ADD_LIVE).
  const { entry, created, kept } = c.dir((d, save) => {
    const existing = findRedefined(d.domains, def);
    if (existing?.active) throw activeHere(def.name);
    const kept = existing ? c.withObj(existing, (o) => o.persistent ? o.def : null) : null;
    const r = addOrUpdate(c, d, def, false, true);
    save();
    return { entry: r.entry, created: !existing, kept };
  });
  const keepDefinition = (o: QemuDomainObj, running: boolean) => {
    if (!kept) return;
    if (running) {
      o.newDef = kept;
    } else {
      o.def = kept;
      o.newDef = null;
    }
  };
  let port = 0;
  let nbdPort = 0;
  const nbd = flags & VIR_MIGRATE_NON_SHARED_DISK ? readNbd(cookie) : null;
  const qemuImg = c.dir((d) => d.qemuImg);
  c.job(QemuConn.wire(entry), "remoteDispatchDomainMigratePrepare3Params", (e) => {
    let made: string[] = [];
    try {
      if (nbd) made = precreateDisks(qemuImg, def, nbd.disks);
      startDomain(c, e, 0, S.VIR_DOMAIN_RUNNING_MIGRATED, {
        args: ["-incoming", "defer"],
        migration: true,
        finish: (c, uuid) => {
          port = m?.[2] ? Number(m[2]) : listenIncoming(c, uuid, listen);
          if (m?.[2]) {
            c.io("qemu.qmp", {
              uuid,
              cmd: "migrate-incoming",
              args: { uri: `tcp:${listen}:${port}` },
            });
          }
          if (nbd) {
            const live = c.withObj(e, (o) => o);
            nbdPort = startNbdServer(c, uuid, live.def, live.diskNodes, listen, nbd.disks);
          }
          return { paused: true };
        },
      });
    } catch (err) {
      if (created) removeDomainIf(c, e, neverRan);
      else {
        c.withObj(e, (o, save) => {
          keepDefinition(o, false);
          save();
        });
      }
      for (const path of made) {
        try {
          Deno.removeSync(path);
        } catch {
          // Gone already.
        }
      }
      throw err;
    }
    c.withObj(e, (o, save) => {
      keepDefinition(o, true);
      o.migration = migrationState(c, "in", "prepared", flags);
      save();
    });
  });
  return {
    cookie_out: makeCookie(def, null, nbd ? destinationNbdXml(nbdPort) : ""),
    uri_out: `tcp:${host}:${port}`,
  };
}

const activeHere = (name: string) =>
  VirError.of(VIR_ERR_OPERATION_INVALID, VIR_FROM_QEMU, `domain '${name}' is already active`);

/** Waits until QEMU has read the whole stream (it is then paused); throws if it failed. */
function awaitIncoming(c: QemuConn, entry: QemuDomainEntry): void {
  const deadline = Date.now() + INCOMING_WAIT_MS;
  for (;;) {
    const m = c.io("qemu.qmp", { uuid: entry.uuid, cmd: "query-migrate" }) as {
      status?: string;
      "error-desc"?: string;
    };
    if (m.status === "completed") return;
    if (m.status === "failed" || m.status === "cancelled") {
      throw VirError.of(
        VIR_ERR_OPERATION_FAILED,
        VIR_FROM_QEMU,
        `migration in job: ${m["error-desc"] ?? "unexpectedly failed"}`,
      );
    }
    if (Date.now() > deadline) {
      throw VirError.of(
        VIR_ERR_OPERATION_FAILED,
        VIR_FROM_QEMU,
        "migration in job: no migration stream came",
      );
    }
    pause(50);
  }
}

function finish(
  c: QemuConn,
  params: readonly TypedParam[],
  cookie: Uint8Array,
  flags: number,
  cancelled: number,
): { dom: RemoteDomain; cookie_out: Uint8Array } {
  checkFlags("qemuDomainMigrateFinish3Params", flags, QEMU_MIGRATION_FLAGS);
  const name = paramString(params, PARAM_DEST_NAME);
  const persistXml = paramString(params, PARAM_PERSIST_XML) ?? cookiePersistent(cookie);
  if (flags & VIR_MIGRATE_OFFLINE) {
    if (cancelled) throw remoteErrorNotSet();
    const xml = persistXml ?? paramString(params, PARAM_DEST_XML);
    if (xml === null) {
      throw VirError.of(VIR_ERR_INTERNAL_ERROR, VIR_FROM_QEMU, "no domain XML passed");
    }
    const { emulator, configDir, stateDir } = c.dir((d) => d);
    const def = parseQemuDef(xml, emulator, stateDir);
    if (name !== null) def.name = name;
    return c.dir((d, save) => {
      findRedefined(d.domains, def);
      writeDurable(configPath(configDir, def.name), configXML(def));
      const { entry, updated } = addOrUpdate(c, d, def, true, false);
      save();
      c.lifecycle(
        entry,
        S.VIR_DOMAIN_EVENT_DEFINED,
        updated ? S.VIR_DOMAIN_EVENT_DEFINED_UPDATED : S.VIR_DOMAIN_EVENT_DEFINED_ADDED,
      );
      return { dom: QemuConn.wire(entry), cookie_out: new Uint8Array() };
    });
  }
  const entry = c.dir((d) => {
    const e = d.domains.find((x) => x.name === name);
    if (!e) {
      throw VirError.of(
        VIR_ERR_NO_DOMAIN,
        VIR_FROM_QEMU,
        `no domain with matching name '${name}'`,
      );
    }
    return { ...e };
  });
  return c.job(QemuConn.wire(entry), "remoteDispatchDomainMigrateFinish3Params", (e) => {
    const o = c.withObj(e, (o, save) => {
      if (o.migration?.dir !== "in" || o.migration.phase !== "prepared") {
        throw VirError.of(
          VIR_ERR_NO_DOMAIN,
          VIR_FROM_QEMU,
          `domain '${e.name}' is not processing incoming migration`,
        );
      }
      o.migration.phase = "finishing";
      save();
      return o;
    });
    if (cancelled) {
      abandonIncoming(c, e);
      // libvirt's Finish returns no domain and sets no error: the Perform's error stands.
      throw remoteErrorNotSet();
    }
    try {
      awaitIncoming(c, e);
      if (persistXml !== null || (flags & VIR_MIGRATE_PERSIST_DEST)) {
        persistHere(
          c,
          e,
          persistXml ??
            formatDomainXML(o.def, {
              id: -1,
              active: false,
              flags: VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE,
            }),
        );
      }
      if (flags & VIR_MIGRATE_NON_SHARED_DISK) stopNbdServer(c, e.uuid);
      if (!(flags & VIR_MIGRATE_PAUSED)) {
        c.io("qemu.qmp", { uuid: e.uuid, cmd: "cont" });
      }
    } catch (err) {
      abandonIncoming(c, e);
      throw err;
    }
    const x = c.withObj(e, (x, save) => {
      delete x.migration;
      if (flags & VIR_MIGRATE_PAUSED) {
        x.reason = S.VIR_DOMAIN_PAUSED_USER;
      } else {
        x.state = S.VIR_DOMAIN_RUNNING;
        x.reason = S.VIR_DOMAIN_RUNNING_MIGRATED;
      }
      save();
      return x;
    });
    if (flags & VIR_MIGRATE_PAUSED) {
      c.lifecycle(dom(e, x), S.VIR_DOMAIN_EVENT_SUSPENDED, S.VIR_DOMAIN_EVENT_SUSPENDED_PAUSED);
    } else {
      c.lifecycle(dom(e, x), S.VIR_DOMAIN_EVENT_RESUMED, S.VIR_DOMAIN_EVENT_RESUMED_MIGRATED);
    }
    return {
      dom: QemuConn.wire({ name: e.name, uuid: e.uuid, id: x.id }),
      cookie_out: new Uint8Array(),
    };
  });
}

// ---- A client gone half way ---------------------------------------------------------------------

/**
 * Undoes the migrations the closing client was driving (libvirt's close
 * callbacks, qemuMigrationSrcCleanup / qemuMigrationDstPrepareCleanup): the
 * source's guest runs on, the destination's QEMU goes. A Perform still under
 * way is cancelled and restores the guest itself.
 */
export function abandonClientMigrations(c: QemuConn): void {
  const me = { index: c.ctx.client.index, gen: c.ctx.client.gen };
  const entries = c.dir((d) => d.domains.map((e) => ({ ...e })));
  for (const entry of entries) {
    let mig: MigrationState | undefined;
    try {
      mig = c.withObj(entry, (o, save) => {
        const m = o.migration;
        if (!m || m.client !== me.index || m.gen !== me.gen) return undefined;
        m.abandoned = true;
        save();
        return { ...m };
      });
    } catch {
      continue; // gone meanwhile
    }
    if (!mig) continue;
    if (mig.dir === "out" && mig.phase === "perform") {
      try {
        c.io("qemu.qmp", { uuid: entry.uuid, cmd: "migrate_cancel" });
      } catch {
        // QEMU is gone.
      }
      continue;
    }
    if (mig.phase === "finishing") continue; // Finish is under way and ends it
    try {
      c.beginJob(entry, "qemuMigrationCleanup");
    } catch {
      continue;
    }
    try {
      const still = c.withObj(entry, (o) => o.migration?.abandoned === true);
      if (!still) continue;
      if (mig.dir === "out") restoreSource(c, entry);
      else abandonIncoming(c, entry);
    } catch {
      // The domain went meanwhile.
    } finally {
      c.endJob(entry);
    }
  }
}

/** Whether the domain's Perform is under way (QEMU migrating it out). */
export function migratingOut(c: QemuConn, entry: QemuDomainEntry): boolean {
  try {
    return c.withObj(entry, (o) => o.migration?.dir === "out" && o.migration.phase === "perform");
  } catch {
    return false; // gone meanwhile
  }
}

/**
 * virsh migrate --timeout: a suspend while the domain migrates out pauses
 * the guest without the job Perform holds (libvirt lets the migration job
 * share it), reason and event detail MIGRATED. False when no Perform runs.
 */
export function suspendMigrating(c: QemuConn, ref: RemoteDomain): boolean {
  const entry = c.entry(ref);
  const migrating = c.withObj(
    entry,
    (o) => o.pid !== 0 && o.migration?.dir === "out" && o.migration.phase === "perform",
  );
  if (!migrating) return false;
  c.io("qemu.qmp", { uuid: entry.uuid, cmd: "stop" });
  pausedForMigration(c, entry);
  return true;
}

// ---- Job statistics, abort, speed and downtime --------------------------------------------------

// virDomainJobType and virDomainJobOperation.
const VIR_DOMAIN_JOB_NONE = 0;
const VIR_DOMAIN_JOB_UNBOUNDED = 2;
const VIR_DOMAIN_JOB_OPERATION_MIGRATION_IN = 4;
const VIR_DOMAIN_JOB_OPERATION_MIGRATION_OUT = 5;
const VIR_DOMAIN_JOB_STATS_COMPLETED = 1 << 0;
const VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED = 1 << 1;

interface JobFigures {
  elapsed: bigint;
  total: bigint;
  processed: bigint;
  remaining: bigint;
  bps: bigint;
  iteration: bigint;
  constant: bigint;
  normal: bigint;
  normalBytes: bigint;
  dirtyRate: bigint;
}

/** The running migration's figures from QEMU, or null when none runs (no job is taken: it is held). */
function jobFigures(c: QemuConn, ref: RemoteDomain): { op: number; f: JobFigures } | null {
  const entry = c.entry(ref);
  const o = c.withObj(entry, (o) => o);
  if (o.pid === 0) throw notRunning();
  const mig = o.migration;
  if (!mig) return null;
  const op = mig.dir === "out"
    ? VIR_DOMAIN_JOB_OPERATION_MIGRATION_OUT
    : VIR_DOMAIN_JOB_OPERATION_MIGRATION_IN;
  let ram: Record<string, number> = {};
  try {
    const m = c.io("qemu.qmp", { uuid: entry.uuid, cmd: "query-migrate" }) as {
      ram?: Record<string, number>;
    };
    ram = m.ram ?? {};
  } catch {
    // QEMU is going: the job's time is all there is.
  }
  const n = (k: string) => BigInt(Math.max(0, Math.trunc(Number(ram[k] ?? 0))));
  return {
    op,
    f: {
      elapsed: BigInt(Date.now() - mig.since),
      total: n("total"),
      processed: n("transferred"),
      remaining: n("remaining"),
      bps: n("mbps") * 1_000_000n / 8n,
      iteration: n("dirty-sync-count"),
      constant: n("duplicate"),
      normal: n("normal"),
      normalBytes: n("normal-bytes"),
      dirtyRate: n("dirty-pages-rate"),
    },
  };
}

function getJobInfo(c: QemuConn, ref: RemoteDomain) {
  const j = jobFigures(c, ref);
  const f = j?.f;
  return {
    type: j ? VIR_DOMAIN_JOB_UNBOUNDED : VIR_DOMAIN_JOB_NONE,
    timeElapsed: f?.elapsed ?? 0n,
    timeRemaining: 0n,
    dataTotal: f?.total ?? 0n,
    dataProcessed: f?.processed ?? 0n,
    dataRemaining: f?.remaining ?? 0n,
    memTotal: f?.total ?? 0n,
    memProcessed: f?.processed ?? 0n,
    memRemaining: f?.remaining ?? 0n,
    fileTotal: 0n,
    fileProcessed: 0n,
    fileRemaining: 0n,
  };
}

function getJobStats(c: QemuConn, ref: RemoteDomain, flags: number) {
  checkFlags(
    "qemuDomainGetJobStats",
    flags,
    VIR_DOMAIN_JOB_STATS_COMPLETED | VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED,
  );
  // Statistics of a completed job are not kept (so they are asked of no domain state).
  if (flags & VIR_DOMAIN_JOB_STATS_COMPLETED) {
    c.entry(ref);
    return { type: VIR_DOMAIN_JOB_NONE, params: [] };
  }
  const j = jobFigures(c, ref);
  if (!j) return { type: VIR_DOMAIN_JOB_NONE, params: [] };
  const f = j.f;
  return {
    type: VIR_DOMAIN_JOB_UNBOUNDED,
    params: [
      param.int("operation", j.op),
      param.ullong("time_elapsed", f.elapsed),
      param.ullong("data_total", f.total),
      param.ullong("data_processed", f.processed),
      param.ullong("data_remaining", f.remaining),
      param.ullong("memory_total", f.total),
      param.ullong("memory_processed", f.processed),
      param.ullong("memory_remaining", f.remaining),
      param.ullong("memory_constant", f.constant),
      param.ullong("memory_normal", f.normal),
      param.ullong("memory_normal_bytes", f.normalBytes),
      param.ullong("memory_bps", f.bps),
      param.ullong("memory_dirty_rate", f.dirtyRate),
      param.ullong("memory_iteration", f.iteration),
    ],
  };
}

function abortJob(c: QemuConn, ref: RemoteDomain, flags: number): void {
  checkFlags("qemuDomainAbortJobFlags", flags, 0);
  const entry = c.entry(ref);
  const o = c.withObj(entry, (o) => o);
  if (o.pid === 0) throw notRunning();
  if (o.migration?.dir !== "out" || o.migration.phase !== "perform") {
    throw VirError.of(VIR_ERR_OPERATION_INVALID, VIR_FROM_QEMU, "no job is active on the domain");
  }
  // Perform stops at its next look: while it mirrors disks, or QEMU's migration cancelled.
  c.withObj(entry, (x, save) => {
    if (x.migration) x.migration.cancelled = true;
    save();
  });
  c.io("qemu.qmp", { uuid: entry.uuid, cmd: "migrate_cancel" });
}

function runningQmp(c: QemuConn, ref: RemoteDomain, cmd: string, args?: Record<string, unknown>) {
  const entry = c.entry(ref);
  if (c.withObj(entry, (o) => o.pid === 0)) throw notRunning();
  return c.io("qemu.qmp", args ? { uuid: entry.uuid, cmd, args } : { uuid: entry.uuid, cmd });
}

function setMaxSpeed(c: QemuConn, ref: RemoteDomain, bandwidth: bigint, flags: number): void {
  checkFlags("qemuDomainMigrateSetMaxSpeed", flags, 0);
  if (bandwidth > MIG_BANDWIDTH_MAX) {
    throw VirError.of(
      VIR_ERR_OPERATION_INVALID,
      VIR_FROM_QEMU,
      `bandwidth must be less than ${MIG_BANDWIDTH_MAX + 1n}`,
    );
  }
  const entry = c.entry(ref);
  const running = c.withObj(entry, (o, save) => {
    o.migrationSpeed = Number(bandwidth);
    save();
    return o.pid !== 0;
  });
  if (running) {
    c.io("qemu.qmp", {
      uuid: entry.uuid,
      cmd: "migrate-set-parameters",
      args: { "max-bandwidth": Number(bandwidth * 1024n * 1024n) },
    });
  }
}

export const migrationHandlers: HandlerEntry[] = [
  on(P.REMOTE_PROC_DOMAIN_MIGRATE_BEGIN3_PARAMS, (c, a) => begin(c, a.dom, a.params, a.flags)),
  on(
    P.REMOTE_PROC_DOMAIN_MIGRATE_PREPARE3_PARAMS,
    (c, a) => prepare(c, a.params, a.cookie_in, a.flags),
  ),
  on(
    P.REMOTE_PROC_DOMAIN_MIGRATE_FINISH3_PARAMS,
    (c, a) => finish(c, a.params, a.cookie_in, a.flags, a.cancelled),
  ),
  on(
    P.REMOTE_PROC_DOMAIN_MIGRATE_CONFIRM3_PARAMS,
    (c, a) => confirm(c, a.dom, a.flags, a.cancelled),
  ),
  on(P.REMOTE_PROC_DOMAIN_GET_JOB_INFO, (c, a) => getJobInfo(c, a.dom)),
  on(P.REMOTE_PROC_DOMAIN_GET_JOB_STATS, (c, a) => getJobStats(c, a.dom, a.flags)),
  on(P.REMOTE_PROC_DOMAIN_ABORT_JOB, (c, a) => abortJob(c, a.dom, 0)),
  on(P.REMOTE_PROC_DOMAIN_ABORT_JOB_FLAGS, (c, a) => abortJob(c, a.dom, a.flags)),
  on(P.REMOTE_PROC_DOMAIN_MIGRATE_SET_MAX_DOWNTIME, (c, a) => {
    checkFlags("qemuDomainMigrateSetMaxDowntime", a.flags, 0);
    runningQmp(c, a.dom, "migrate-set-parameters", { "downtime-limit": Number(a.downtime) });
  }),
  on(P.REMOTE_PROC_DOMAIN_MIGRATE_GET_MAX_DOWNTIME, (c, a) => {
    checkFlags("qemuDomainMigrateGetMaxDowntime", a.flags, 0);
    const p = runningQmp(c, a.dom, "query-migrate-parameters") as { "downtime-limit"?: number };
    return { downtime: BigInt(p["downtime-limit"] ?? 300) };
  }),
  on(
    P.REMOTE_PROC_DOMAIN_MIGRATE_SET_MAX_SPEED,
    (c, a) => setMaxSpeed(c, a.dom, a.bandwidth, a.flags),
  ),
  on(P.REMOTE_PROC_DOMAIN_MIGRATE_GET_MAX_SPEED, (c, a) => {
    checkFlags("qemuDomainMigrateGetMaxSpeed", a.flags, 0);
    const entry = c.entry(a.dom);
    const speed = c.withObj(entry, (o) => o.migrationSpeed);
    return { bandwidth: speed === undefined ? MIG_BANDWIDTH_MAX : BigInt(speed) };
  }),
];
