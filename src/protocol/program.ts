/**
 * What a program is to the dispatcher: its number and version, and for each
 * procedure the codecs of its arguments and result with libvirt's flags
 * (priority, read-only refusal, stream direction).
 *
 * @module
 */

import type { Codec } from "../xdr/mod.ts";

/** libvirt's `@priority` annotation: high procedures may also run on priority workers. */
export type Priority = "high" | "low";
/** `@readstream` (server sends data) or `@writestream` (client sends data). */
export type StreamDirection = "read" | "write";

/** Annotations of one procedure, known for every number of a program. */
export interface ProcedureInfo {
  readonly proc: number;
  /** Name without the program prefix, e.g. `DOMAIN_DESTROY`. */
  readonly name: string;
  readonly priority: Priority;
  /** libvirt's `@acl` permissions, e.g. `domain:stop`. */
  readonly acl: readonly string[];
  readonly stream: StreamDirection | null;
  /**
   * Whether a read-only connection is refused this procedure: true when any
   * of its ACL permissions is one that changes state (not read/getattr/search).
   */
  readonly changesState: boolean;
  /**
   * An event the daemon sends (its arguments are libvirt's `…_msg` types).
   * libvirtd has no dispatcher for it: a CALL of it is an unknown procedure.
   */
  readonly message: boolean;
}

/** A procedure whose argument and result types are declared. */
export interface Procedure<A = unknown, R = unknown> extends ProcedureInfo {
  readonly args: Codec<A>;
  readonly ret: Codec<R>;
}

/**
 * A program: its number, version and procedures. `M` maps each declared
 * procedure number to its declaration, so handlers can be typed from it
 * (src/dispatch/handlers.ts); it exists only for the type checker.
 */
// deno-lint-ignore no-explicit-any
export interface Program<M = Record<number, Declaration<number, any, any>>> {
  /** Never set: carries the procedure map's type. */
  readonly types?: M;
  readonly name: string;
  readonly prog: number;
  readonly vers: number;
  /** Every procedure number the program has, declared or not. */
  readonly info: ReadonlyMap<number, ProcedureInfo>;
  /** The procedures whose types are declared. */
  readonly procedures: ReadonlyMap<number, Procedure>;
  /**
   * The last procedure number served: later ones exist in newer libvirt but
   * not in the version denovirt answers as, which calls them unknown.
   */
  readonly lastProc: number;
}

/** ACL permissions that only look: everything else changes state. */
const LOOKING_PERMS = new Set(["getattr", "read", "read_secure", "search_domains"]);

/**
 * Whether an ACL permission like `domain:stop` or `connect:search_networks`
 * is refused to a read-only connection. `read_secure` is, when it applies to
 * every call (virSecretGetValue checks read-only access first); with a flag
 * condition (`domain:read_secure:VIR_DOMAIN_XML_SECURE`) the API checks that
 * flag itself.
 */
export function permChangesState(acl: string): boolean {
  const [, perm = "", flag] = acl.split(":");
  if (perm === "read_secure") return flag === undefined;
  return !(LOOKING_PERMS.has(perm) || perm.startsWith("search_"));
}

/** Event messages, by name: DOMAIN_EVENT_…, NETWORK_EVENT_…, CONNECT_EVENT_CONNECTION_CLOSED, … */
const EVENT_MESSAGE =
  /^(DOMAIN|NETWORK|STORAGE_POOL|NODE_DEVICE|SECRET|CONNECT)_EVENT_|^DOMAIN_MONITOR_EVENT$/;

/** Parses the tab-separated annotation table (number, name, priority, acl, stream). */
export function parseProcedureTable(tsv: string): Map<number, ProcedureInfo> {
  const out = new Map<number, ProcedureInfo>();
  for (const line of tsv.split("\n")) {
    if (line.trim() === "" || line.startsWith("#")) continue;
    const [num, name, priority, acl, stream] = line.split("\t");
    const proc = Number(num);
    if (!Number.isInteger(proc) || !name || (priority !== "high" && priority !== "low")) {
      throw new SyntaxError(`Cannot parse procedure table line: ${JSON.stringify(line)}`);
    }
    const perms = !acl || acl === "-" ? [] : acl.split(",");
    out.set(proc, {
      proc,
      name,
      priority,
      acl: perms,
      stream: stream === "read" || stream === "write" ? stream : null,
      changesState: perms.some(permChangesState),
      message: EVENT_MESSAGE.test(name),
    });
  }
  return out;
}

/** Declares the types of a procedure whose annotations come from `info`. */
export interface Declaration<P extends number, A, R> {
  readonly proc: P;
  readonly args: Codec<A>;
  readonly ret: Codec<R>;
}

export function declare<const P extends number, A, R>(
  proc: P,
  args: Codec<A>,
  ret: Codec<R>,
): Declaration<P, A, R> {
  return { proc, args, ret };
}

/** The procedure map of a list of declarations: number → declaration. */
export type ProceduresOf<D> = {
  // deno-lint-ignore no-explicit-any
  [K in D as K extends Declaration<infer P, any, any> ? P : never]: K;
};

/** Builds a program from its annotation table and its type declarations. */
// deno-lint-ignore no-explicit-any
export function defineProgram<const D extends readonly Declaration<number, any, any>[]>(
  name: string,
  prog: number,
  vers: number,
  info: ReadonlyMap<number, ProcedureInfo>,
  declarations: D,
  lastProc = Math.max(0, ...info.keys()),
): Program<ProceduresOf<D[number]>> {
  const procedures = new Map<number, Procedure>();
  for (const d of declarations) {
    const i = info.get(d.proc);
    if (!i) throw new RangeError(`Cannot declare ${name} procedure ${d.proc}: not in its table`);
    if (procedures.has(d.proc)) {
      throw new RangeError(`Cannot declare ${name} procedure ${d.proc} (${i.name}) twice`);
    }
    procedures.set(d.proc, { ...i, args: d.args, ret: d.ret });
  }
  return { name, prog, vers, info, procedures, lastProc };
}
