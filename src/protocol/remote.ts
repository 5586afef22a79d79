/**
 * The remote program (0x20008086): every procedure number with libvirt's
 * annotations, and the argument/result types of each declared family.
 *
 * @module
 */

import { REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION } from "../rpc/constants.ts";
import { defineProgram } from "./program.ts";
import { REMOTE_PROC_LAST_9_0, REMOTE_PROCEDURE_INFO } from "./remote_info.ts";
import { authDeclarations } from "./remote_auth.ts";
import { hostDeclarations } from "./remote_host.ts";
import { domainDeclarations } from "./remote_domain.ts";
import { domainListDeclarations } from "./remote_domain_list.ts";
import { domainEventDeclarations } from "./remote_domain_event.ts";
import { domainSnapshotDeclarations } from "./remote_domain_snapshot.ts";
import { domainCheckpointDeclarations } from "./remote_domain_checkpoint.ts";
import { domainMigrateDeclarations } from "./remote_domain_migrate.ts";

export { REMOTE_PROC_LAST_9_0 };

export const REMOTE_PROGRAM_DEF = defineProgram(
  "remote",
  REMOTE_PROGRAM,
  REMOTE_PROTOCOL_VERSION,
  REMOTE_PROCEDURE_INFO,
  [
    ...authDeclarations,
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
