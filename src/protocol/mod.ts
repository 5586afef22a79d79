/**
 * Programs and their procedure tables, built from declarations of
 * libvirt's XDR types: what each procedure number carries.
 *
 * @module
 */

export * from "./program.ts";
export { ADMIN_PROGRAM_DEF } from "./admin.ts";
export { KEEPALIVE_PROGRAM_DEF } from "./keepalive.ts";
export { REMOTE_PROGRAM_DEF } from "./remote.ts";

import { ADMIN_PROGRAM_DEF } from "./admin.ts";
import { KEEPALIVE_PROGRAM_DEF } from "./keepalive.ts";
import type { Program } from "./program.ts";
import { REMOTE_PROGRAM_DEF } from "./remote.ts";

/** Every program denovirt knows, by program number. */
export const PROGRAMS: ReadonlyMap<number, Program> = new Map(
  [REMOTE_PROGRAM_DEF, ADMIN_PROGRAM_DEF, KEEPALIVE_PROGRAM_DEF].map((p) => [p.prog, p]),
);
