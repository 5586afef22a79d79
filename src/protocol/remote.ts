/**
 * The remote program (0x20008086): every procedure number with libvirt's
 * annotations, and the argument/result types of each declared family.
 *
 * @module
 */

import { REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION } from "../rpc/constants.ts";
import { defineProgram, parseProcedureTable } from "./program.ts";
import { REMOTE_PROCEDURES_TSV } from "./remote_procedures_data.ts";
import { hostDeclarations } from "./remote_host.ts";
import { domainDeclarations } from "./remote_domain.ts";
import { domainListDeclarations } from "./remote_domain_list.ts";
import { domainEventDeclarations } from "./remote_domain_event.ts";
import { domainSnapshotDeclarations } from "./remote_domain_snapshot.ts";
import { domainCheckpointDeclarations } from "./remote_domain_checkpoint.ts";
import { domainMigrateDeclarations } from "./remote_domain_migrate.ts";

/**
 * libvirt 9.0's last remote procedure (DOMAIN_FD_ASSOCIATE): libvirtd 9.0
 * answers "unknown procedure" for the numbers newer versions added.
 */
export const REMOTE_PROC_LAST_9_0 = 443;

export const REMOTE_PROGRAM_DEF = defineProgram(
  "remote",
  REMOTE_PROGRAM,
  REMOTE_PROTOCOL_VERSION,
  parseProcedureTable(REMOTE_PROCEDURES_TSV),
  [
    ...hostDeclarations,
    ...domainDeclarations,
    ...domainListDeclarations,
    ...domainEventDeclarations,
    ...domainSnapshotDeclarations,
    ...domainCheckpointDeclarations,
    ...domainMigrateDeclarations,
  ],
  REMOTE_PROC_LAST_9_0,
);
