/**
 * The remote program as the event loop sees it: every procedure number with
 * libvirt's annotations (priority, streams, read-only refusal), and the codecs
 * of the authentication procedures only, which it answers itself. The full
 * program (src/protocol/remote.ts) is the Workers'; its codec tables cost an
 * isolate about 4 MB that the event loop does not need.
 *
 * @module
 */

import { REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION } from "../rpc/constants.ts";
import { defineProgram, parseProcedureTable } from "./program.ts";
import { REMOTE_PROCEDURES_TSV } from "./remote_procedures_data.ts";
import { authDeclarations } from "./remote_auth.ts";

/**
 * libvirt 9.0's last remote procedure (DOMAIN_FD_ASSOCIATE): libvirtd 9.0
 * answers "unknown procedure" for the numbers newer versions added.
 */
export const REMOTE_PROC_LAST_9_0 = 443;

/** Every remote procedure's annotations, parsed once per isolate. */
export const REMOTE_PROCEDURE_INFO = parseProcedureTable(REMOTE_PROCEDURES_TSV);

/** The remote program with only its authentication procedures declared. */
export const REMOTE_PROGRAM_ROUTES = defineProgram(
  "remote",
  REMOTE_PROGRAM,
  REMOTE_PROTOCOL_VERSION,
  REMOTE_PROCEDURE_INFO,
  authDeclarations,
  REMOTE_PROC_LAST_9_0,
);
