/**
 * The secret driver's state (libvirt's virSecretObjList, src/secret/ and
 * src/conf/virsecretobj.c) for qemu:/// connections, kept in the QEMU
 * driver's shared directory as networks are: secrets are few and small, and
 * a domain's start reads its disks' secrets in the same directory. A
 * persistent secret is the file UUID.xml in the secrets directory, its value
 * UUID.base64 beside it (plain base64, as libvirt 9.0 writes it).
 *
 * @module
 */

import type { SecretDef } from "../../conf/secret_xml.ts";
import type { EventRegistry } from "../events.ts";
import type { CallContext } from "../../dispatch/context.ts";

/** One secret (virSecretObj): its definition and value, base64-encoded (null: none set). */
export interface SecretObj {
  def: SecretDef;
  value: string | null;
}

/** The part of the driver's directory the secret driver uses. */
export interface SecretDirectory extends EventRegistry {
  /** libvirt's secrets configDir (/etc/libvirt/secrets for a system daemon). */
  secretsDir: string;
  secrets: SecretObj[];
}

/** What the secret driver needs of a connection (QemuConn provides it). */
export interface SecretConn {
  readonly ctx: CallContext;
  dir<T>(fn: (d: SecretDirectory, save: () => void) => T): T;
  /** Queues a secret event (sent once the call's locks are released). */
  emitSecret(def: SecretDef, eventID: number, event: number): void;
}

/** virSecretEventID. */
export const VIR_SECRET_EVENT_ID_LIFECYCLE = 0;
export const VIR_SECRET_EVENT_ID_VALUE_CHANGED = 1;
export const VIR_SECRET_EVENT_ID_LAST = 2;

/** virSecretEventLifecycleType. */
export const VIR_SECRET_EVENT_DEFINED = 0;
export const VIR_SECRET_EVENT_UNDEFINED = 1;

export const secretConfigPath = (dir: string, uuid: string) => `${dir}/${uuid}.xml`;
export const secretValuePath = (dir: string, uuid: string) => `${dir}/${uuid}.base64`;
