/**
 * The keepalive program: PING and PONG, both MESSAGEs with no payload.
 *
 * @module
 */

import { xdrVoid } from "../xdr/mod.ts";
import {
  KEEPALIVE_PROC_PING,
  KEEPALIVE_PROC_PONG,
  KEEPALIVE_PROGRAM,
  KEEPALIVE_PROTOCOL_VERSION,
} from "../rpc/constants.ts";
import { declare, defineProgram, parseProcedureTable } from "./program.ts";

/** Keepalive packets are answered by the event loop, never by a worker: priority is moot. */
const KEEPALIVE_PROCEDURES_TSV = `
1	PING	high	-	-
2	PONG	high	-	-
`;

export const KEEPALIVE_PROGRAM_DEF = defineProgram(
  "keepalive",
  KEEPALIVE_PROGRAM,
  KEEPALIVE_PROTOCOL_VERSION,
  parseProcedureTable(KEEPALIVE_PROCEDURES_TSV),
  [declare(KEEPALIVE_PROC_PING, xdrVoid, xdrVoid), declare(KEEPALIVE_PROC_PONG, xdrVoid, xdrVoid)],
);
