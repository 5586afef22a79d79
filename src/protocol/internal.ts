/**
 * The daemon's internal program: calls the daemon makes to itself, never
 * served on a socket (no socket's program table has it, so a client that
 * names it gets "unknown program"). Drivers use it for work that has no
 * client: loading state at start-up, a QEMU process event. Arguments are one
 * JSON document, read only by the driver that made it.
 *
 * @module
 */

import { declare, defineProgram, parseProcedureTable } from "./program.ts";
import { string, struct, xdrVoid } from "../xdr/mod.ts";
import { REMOTE_STRING_MAX } from "./remote_types.ts";

/** "dnvi". */
export const DENOVIRT_INTERNAL_PROGRAM = 0x646e7669;
export const DENOVIRT_INTERNAL_VERSION = 1;
/** The QEMU driver loads its definitions, adopts running processes, autostarts. */
export const INTERNAL_PROC_QEMU_INIT = 1;
/** A QEMU process event (a QMP event, or the process gone). */
export const INTERNAL_PROC_QEMU_EVENT = 2;
/** SIGHUP (libvirt's qemuStateReload): the persistent definitions read again from disk. */
export const INTERNAL_PROC_QEMU_RELOAD = 3;

export const internal_json_args = struct("internal_json_args", { json: string(REMOTE_STRING_MAX) });

export const DENOVIRT_INTERNAL_PROGRAM_DEF = defineProgram(
  "denovirt-internal",
  DENOVIRT_INTERNAL_PROGRAM,
  DENOVIRT_INTERNAL_VERSION,
  parseProcedureTable(`
1	QEMU_INIT	low	-	-
2	QEMU_EVENT	low	-	-
3	QEMU_RELOAD	low	-	-
`),
  [
    declare(INTERNAL_PROC_QEMU_INIT, internal_json_args, xdrVoid),
    declare(INTERNAL_PROC_QEMU_EVENT, internal_json_args, xdrVoid),
    declare(INTERNAL_PROC_QEMU_RELOAD, internal_json_args, xdrVoid),
  ],
);
