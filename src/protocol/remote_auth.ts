/**
 * Types of the remote program's authentication procedures (AUTH_LIST, the
 * SASL exchange, AUTH_POLKIT). A module of their own because the event loop
 * decodes the SASL calls itself (the negotiation belongs to the connection)
 * and needs no other codec of the program.
 *
 * @module
 */

import { array, enumeration, int, struct, xdrVoid } from "../xdr/mod.ts";
import { declare } from "./program.ts";
import {
  REMOTE_PROC_AUTH_LIST,
  REMOTE_PROC_AUTH_POLKIT,
  REMOTE_PROC_AUTH_SASL_INIT,
  REMOTE_PROC_AUTH_SASL_START,
  REMOTE_PROC_AUTH_SASL_STEP,
} from "./remote_procedure_numbers.ts";
import {
  charArray,
  REMOTE_AUTH_SASL_DATA_MAX,
  REMOTE_AUTH_TYPE_LIST_MAX,
  remote_nonnull_string,
} from "./remote_types.ts";

export const remote_auth_type = enumeration("remote_auth_type", [0, 1, 2]);

export const remote_auth_list_ret = struct("remote_auth_list_ret", {
  types: array(remote_auth_type, REMOTE_AUTH_TYPE_LIST_MAX),
});
export const remote_auth_sasl_init_ret = struct("remote_auth_sasl_init_ret", {
  mechlist: remote_nonnull_string,
});
export const remote_auth_sasl_start_args = struct("remote_auth_sasl_start_args", {
  mech: remote_nonnull_string,
  nil: int,
  data: charArray(REMOTE_AUTH_SASL_DATA_MAX),
});
export const remote_auth_sasl_start_ret = struct("remote_auth_sasl_start_ret", {
  complete: int,
  nil: int,
  data: charArray(REMOTE_AUTH_SASL_DATA_MAX),
});
export const remote_auth_sasl_step_args = struct("remote_auth_sasl_step_args", {
  nil: int,
  data: charArray(REMOTE_AUTH_SASL_DATA_MAX),
});
export const remote_auth_sasl_step_ret = struct("remote_auth_sasl_step_ret", {
  complete: int,
  nil: int,
  data: charArray(REMOTE_AUTH_SASL_DATA_MAX),
});
export const remote_auth_polkit_ret = struct("remote_auth_polkit_ret", { complete: int });

export const authDeclarations = [
  declare(REMOTE_PROC_AUTH_LIST, xdrVoid, remote_auth_list_ret),
  declare(REMOTE_PROC_AUTH_SASL_INIT, xdrVoid, remote_auth_sasl_init_ret),
  declare(REMOTE_PROC_AUTH_SASL_START, remote_auth_sasl_start_args, remote_auth_sasl_start_ret),
  declare(REMOTE_PROC_AUTH_SASL_STEP, remote_auth_sasl_step_args, remote_auth_sasl_step_ret),
  declare(REMOTE_PROC_AUTH_POLKIT, xdrVoid, remote_auth_polkit_ret),
] as const;
