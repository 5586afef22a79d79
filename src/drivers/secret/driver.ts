/**
 * libvirt 9.0's secret driver (src/secret/secret_driver.c) on qemu:///
 * connections: secrets defined, looked up by UUID or usage, listed with the
 * ephemeral/private filters, their values set and read (never a private
 * one's over the remote protocol), undefined; persistent ones kept as
 * UUID.xml and UUID.base64 in the secrets directory and read back at
 * start-up and on SIGHUP; lifecycle and value-changed events.
 *
 * @module
 */

import type { CallContext } from "../../dispatch/context.ts";
import { type HandlerEntry, handlersWith } from "../../dispatch/handlers.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import { REMOTE_PROGRAM_DEF } from "../../protocol/remote.ts";
import { REMOTE_SECRET_LIST_MAX } from "../../protocol/remote_types.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_INVALID_SECRET,
  VIR_ERR_NO_SECRET,
  VIR_FROM_SECRET,
} from "../../rpc/error_codes.ts";
import { checkFlagsIn } from "../../util/flags.ts";
import { uuidFromString, uuidToString } from "../../util/uuid.ts";
import {
  formatSecretXML,
  parseSecretXML,
  type SecretDef,
  VIR_SECRET_DEFINE_VALIDATE,
  VIR_SECRET_USAGE_TYPE_NONE,
} from "../../conf/secret_xml.ts";
import { deregisterAny, registerAny, type RegistryAccess } from "../callbacks.ts";
import { removeDurable, writeDurable } from "../qemu/files.ts";
import { log } from "../../log.ts";
import {
  secretConfigPath,
  type SecretConn,
  type SecretDirectory,
  type SecretObj,
  secretValuePath,
  VIR_SECRET_EVENT_DEFINED,
  VIR_SECRET_EVENT_ID_LAST,
  VIR_SECRET_EVENT_ID_LIFECYCLE,
  VIR_SECRET_EVENT_ID_VALUE_CHANGED,
  VIR_SECRET_EVENT_UNDEFINED,
} from "./state.ts";

const logger = log("secret");

/** virConnectListAllSecretsFlags. */
const VIR_CONNECT_LIST_SECRETS_EPHEMERAL = 1 << 0;
const VIR_CONNECT_LIST_SECRETS_NO_EPHEMERAL = 1 << 1;
const VIR_CONNECT_LIST_SECRETS_PRIVATE = 1 << 2;
const VIR_CONNECT_LIST_SECRETS_NO_PRIVATE = 1 << 3;
const VIR_CONNECT_LIST_SECRETS_FILTERS_ALL = 0xf;

interface WireSecret {
  uuid: Uint8Array;
  usageType: number;
  usageID: string;
}

/** A secret as the protocol carries it (virGetSecret: no usage ID is ""). */
export const wireSecret = (def: SecretDef): WireSecret => ({
  uuid: uuidFromString(def.uuid)!,
  usageType: def.usageType,
  usageID: def.usageID ?? "",
});

const noSecret = (detail: string) => VirError.of(VIR_ERR_NO_SECRET, VIR_FROM_SECRET, detail);
const internal = (detail: string) => VirError.of(VIR_ERR_INTERNAL_ERROR, VIR_FROM_SECRET, detail);

function checkFlags(fn: string, flags: number, allowed: number): void {
  checkFlagsIn(VIR_FROM_SECRET, fn, flags, allowed);
}

// ---- Finding secrets ----------------------------------------------------------------------------

/** The secret a handle names (by UUID, as secretObjFromSecret). */
function byHandleLocked(d: SecretDirectory, s: { uuid: Uint8Array }): SecretObj {
  const uuid = uuidToString(s.uuid);
  const o = d.secrets.find((x) => x.def.uuid === uuid);
  if (!o) throw noSecret(`no secret with matching uuid '${uuid}'`);
  return o;
}

/** virSecretObjListFindByUsage: a secret of usage type none is never found by usage. */
export function findByUsageLocked(
  d: SecretDirectory,
  usageType: number,
  usageID: string | null,
): SecretObj | undefined {
  return d.secrets.find((o) =>
    o.def.usageType === usageType && usageType !== VIR_SECRET_USAGE_TYPE_NONE &&
    o.def.usageID === usageID
  );
}

function matches(o: SecretObj, flags: number): boolean {
  const eph = flags & (VIR_CONNECT_LIST_SECRETS_EPHEMERAL | VIR_CONNECT_LIST_SECRETS_NO_EPHEMERAL);
  if (
    eph && !((flags & VIR_CONNECT_LIST_SECRETS_EPHEMERAL && o.def.ephemeral) ||
      (flags & VIR_CONNECT_LIST_SECRETS_NO_EPHEMERAL && !o.def.ephemeral))
  ) return false;
  const priv = flags & (VIR_CONNECT_LIST_SECRETS_PRIVATE | VIR_CONNECT_LIST_SECRETS_NO_PRIVATE);
  if (
    priv && !((flags & VIR_CONNECT_LIST_SECRETS_PRIVATE && o.def.private) ||
      (flags & VIR_CONNECT_LIST_SECRETS_NO_PRIVATE && !o.def.private))
  ) return false;
  return true;
}

// ---- Files --------------------------------------------------------------------------------------

function saveConfigLocked(d: SecretDirectory, def: SecretDef): void {
  writeDurable(secretConfigPath(d.secretsDir, def.uuid), formatSecretXML(def));
}

function saveValueLocked(d: SecretDirectory, o: SecretObj): void {
  if (o.value === null) return;
  writeDurable(secretValuePath(d.secretsDir, o.def.uuid), o.value);
}

function removeQuietly(path: string): void {
  try {
    removeDurable(path);
  } catch (e) {
    logger.warn("cannot remove {path}: {error}", { path, error: e });
  }
}

// ---- Defining -----------------------------------------------------------------------------------

/**
 * virSecretObjListAdd: a definition of a known UUID replaces its
 * definition (same usage, a private secret stays private); a new UUID must
 * not take a usage another secret has. Returns the secret and the
 * definition it had (null: new).
 */
function addLocked(d: SecretDirectory, def: SecretDef): { o: SecretObj; old: SecretDef | null } {
  const o = d.secrets.find((x) => x.def.uuid === def.uuid);
  if (o) {
    if (o.def.usageID !== def.usageID) {
      throw internal(
        `a secret with UUID ${def.uuid} is already defined for use with ${
          o.def.usageID ?? "(null)"
        }`,
      );
    }
    if (o.def.private && !def.private) {
      throw internal("cannot change private flag on existing secret");
    }
    const old = o.def;
    o.def = def;
    return { o, old };
  }
  const other = findByUsageLocked(d, def.usageType, def.usageID);
  if (other) {
    throw internal(
      `a secret with UUID ${other.def.uuid} already defined for use with ${def.usageID}`,
    );
  }
  const created: SecretObj = { def, value: null };
  d.secrets.push(created);
  return { o: created, old: null };
}

function defineXML(c: SecretConn, xml: string, flags: number): { secret: WireSecret } {
  checkFlags("secretDefineXML", flags, VIR_SECRET_DEFINE_VALIDATE);
  const def = parseSecretXML(xml);
  return c.dir((d, save) => {
    const { o, old } = addLocked(d, def);
    try {
      if (!def.ephemeral) {
        // An ephemeral secret made persistent keeps its value on disk too.
        if (old?.ephemeral) saveValueLocked(d, o);
        saveConfigLocked(d, def);
      } else if (old && !old.ephemeral) {
        removeDurable(secretConfigPath(d.secretsDir, def.uuid));
        removeQuietly(secretValuePath(d.secretsDir, def.uuid));
      }
    } catch (e) {
      // Put back what was there (virSecretObjSetDef / virSecretObjListRemove).
      if (old) o.def = old;
      else d.secrets = d.secrets.filter((x) => x !== o);
      throw e;
    }
    save();
    c.emitSecret(def, VIR_SECRET_EVENT_ID_LIFECYCLE, VIR_SECRET_EVENT_DEFINED);
    return { secret: wireSecret(def) };
  });
}

// ---- Handlers -----------------------------------------------------------------------------------

export function secretHandlers(connOf: (ctx: CallContext) => SecretConn): HandlerEntry[] {
  const on = handlersWith(REMOTE_PROGRAM_DEF, connOf);
  return [
    on(P.REMOTE_PROC_CONNECT_NUM_OF_SECRETS, (c) => ({ num: c.dir((d) => d.secrets.length) })),
    on(P.REMOTE_PROC_CONNECT_LIST_SECRETS, (c, a) => {
      // libvirtd's dispatcher bounds the reply before the driver runs.
      if (a.maxuuids > REMOTE_SECRET_LIST_MAX) {
        throw VirError.rpc("maxuuids > REMOTE_SECRET_LIST_MAX");
      }
      return {
        uuids: c.dir((d) => d.secrets.slice(0, Math.max(0, a.maxuuids)).map((o) => o.def.uuid)),
      };
    }),
    on(P.REMOTE_PROC_CONNECT_LIST_ALL_SECRETS, (c, a) => {
      checkFlags("secretConnectListAllSecrets", a.flags, VIR_CONNECT_LIST_SECRETS_FILTERS_ALL);
      return c.dir((d) => {
        const all = d.secrets.filter((o) => matches(o, a.flags)).map((o) => wireSecret(o.def));
        return { secrets: a.need_results ? all : [], ret: all.length };
      });
    }),
    on(P.REMOTE_PROC_SECRET_LOOKUP_BY_UUID, (c, a) =>
      c.dir((d) => {
        const uuid = uuidToString(a.uuid);
        const o = d.secrets.find((x) => x.def.uuid === uuid);
        if (!o) throw noSecret(`no secret with matching uuid '${uuid}'`);
        return { secret: wireSecret(o.def) };
      })),
    on(P.REMOTE_PROC_SECRET_LOOKUP_BY_USAGE, (c, a) =>
      c.dir((d) => {
        const o = findByUsageLocked(d, a.usageType, a.usageID);
        if (!o) throw noSecret(`no secret with matching usage '${a.usageID}'`);
        return { secret: wireSecret(o.def) };
      })),
    on(P.REMOTE_PROC_SECRET_DEFINE_XML, (c, a) => defineXML(c, a.xml, a.flags)),
    on(P.REMOTE_PROC_SECRET_GET_XML_DESC, (c, a) => {
      checkFlags("secretGetXMLDesc", a.flags, 0);
      return c.dir((d) => ({ xml: formatSecretXML(byHandleLocked(d, a.secret).def) }));
    }),
    on(P.REMOTE_PROC_SECRET_SET_VALUE, (c, a) => {
      checkFlags("secretSetValue", a.flags, 0);
      c.dir((d, save) => {
        const o = byHandleLocked(d, a.secret);
        const before = o.value;
        o.value = encodeBase64(a.value);
        if (!o.def.ephemeral) {
          try {
            saveValueLocked(d, o);
          } catch (e) {
            o.value = before;
            throw e;
          }
        }
        save();
        c.emitSecret(o.def, VIR_SECRET_EVENT_ID_VALUE_CHANGED, 0);
      });
    }),
    on(P.REMOTE_PROC_SECRET_GET_VALUE, (c, a) => {
      checkFlags("secretGetValue", a.flags, 0);
      return c.dir((d) => {
        const o = byHandleLocked(d, a.secret);
        // Over the protocol a call is never libvirt's internal one: a private value stays inside.
        if (o.def.private) {
          throw VirError.of(VIR_ERR_INVALID_SECRET, VIR_FROM_SECRET, "secret is private");
        }
        if (o.value === null) throw noSecret(`secret '${o.def.uuid}' does not have a value`);
        return { value: decodeBase64(o.value) };
      });
    }),
    on(P.REMOTE_PROC_SECRET_UNDEFINE, (c, a) =>
      c.dir((d, save) => {
        const o = byHandleLocked(d, a.secret);
        if (!o.def.ephemeral) removeDurable(secretConfigPath(d.secretsDir, o.def.uuid));
        c.emitSecret(o.def, VIR_SECRET_EVENT_ID_LIFECYCLE, VIR_SECRET_EVENT_UNDEFINED);
        removeQuietly(secretValuePath(d.secretsDir, o.def.uuid));
        d.secrets = d.secrets.filter((x) => x !== o);
        save();
      })),
    on(P.REMOTE_PROC_CONNECT_SECRET_EVENT_REGISTER_ANY, (c, a) => ({
      callbackID: registerAny(
        c as unknown as RegistryAccess,
        "secret",
        a.eventID,
        VIR_SECRET_EVENT_ID_LAST,
        "secret",
        a.secret ? uuidToString(a.secret.uuid) : null,
      ),
    })),
    on(P.REMOTE_PROC_CONNECT_SECRET_EVENT_DEREGISTER_ANY, (c, a) => {
      deregisterAny(c as unknown as RegistryAccess, "secret", a.callbackID, "secret");
    }),
  ];
}

// ---- Start-up -----------------------------------------------------------------------------------

/**
 * virSecretLoadAllConfigs (start-up and SIGHUP): every UUID.xml of the
 * secrets directory, its value from UUID.base64; a file that cannot be used
 * is logged and skipped, as libvirt does.
 */
export function loadSecretConfigs(c: SecretConn): void {
  const dir = c.dir((d) => d.secretsDir);
  let entries: Deno.DirEntry[] = [];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch {
    return;
  }
  for (const e of entries.filter((x) => x.isFile && x.name.endsWith(".xml"))) {
    const path = `${dir}/${e.name}`;
    try {
      const def = parseSecretXML(Deno.readTextFileSync(path), path);
      if (e.name !== `${def.uuid}.xml`) {
        throw internal(`<uuid> does not match secret file name '${e.name}'`);
      }
      let value: string | null = null;
      try {
        value = Deno.readTextFileSync(secretValuePath(dir, def.uuid)).trim();
        decodeBase64(value);
      } catch (err) {
        if (!(err instanceof Deno.errors.NotFound)) {
          throw internal(`invalid base64 in '${secretValuePath(dir, def.uuid)}'`);
        }
        value = null;
      }
      c.dir((d, save) => {
        const { o } = addLocked(d, def);
        if (value !== null) o.value = value;
        save();
      });
    } catch (err) {
      logger.error("cannot load secret {file}: {error}", { file: e.name, error: err });
    }
  }
}

// ---- Values -------------------------------------------------------------------------------------

function encodeBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

function decodeBase64(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
