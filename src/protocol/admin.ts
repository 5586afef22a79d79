/**
 * The admin program (virt-admin ↔ daemon): limits, types and procedure table,
 * with layouts from libvirt's src/admin/admin_protocol.x.
 *
 * @module
 */

import {
  array,
  type Codec,
  hyper,
  optional,
  string,
  struct,
  uhyper,
  uint,
  xdrVoid,
} from "../xdr/mod.ts";
import { typed_param } from "../rpc/typed_params.ts";
import { ADMIN_PROGRAM, ADMIN_PROTOCOL_VERSION } from "../rpc/constants.ts";
import { declare, defineProgram, parseProcedureTable } from "./program.ts";

// ---- Limits (admin_protocol.x consts) ------------------------------------------
export const ADMIN_STRING_MAX = 4194304;
export const ADMIN_SERVER_LIST_MAX = 16384;
export const ADMIN_SERVER_THREADPOOL_PARAMETERS_MAX = 32;
export const ADMIN_CLIENT_LIST_MAX = 16384;
export const ADMIN_CLIENT_INFO_PARAMETERS_MAX = 64;
export const ADMIN_SERVER_CLIENT_LIMITS_MAX = 32;

// ---- Shared types ----------------------------------------------------------------
export const admin_nonnull_string: Codec<string> = string(ADMIN_STRING_MAX);
export const admin_string = optional(admin_nonnull_string);

/** Same wire layout as remote_typed_param (its string arm's limit is also 4194304). */
export const admin_typed_param = typed_param;

export const admin_nonnull_server = struct("admin_nonnull_server", {
  name: admin_nonnull_string,
});

export const admin_nonnull_client = struct("admin_nonnull_client", {
  srv: admin_nonnull_server,
  id: uhyper,
  timestamp: hyper,
  transport: uint,
});

// ---- Procedure arguments and results ------------------------------------------------
export const admin_connect_open_args = struct("admin_connect_open_args", {
  flags: uint,
});

export const admin_connect_get_lib_version_ret = struct("admin_connect_get_lib_version_ret", {
  libVer: uhyper,
});

export const admin_connect_list_servers_args = struct("admin_connect_list_servers_args", {
  need_results: uint,
  flags: uint,
});

export const admin_connect_list_servers_ret = struct("admin_connect_list_servers_ret", {
  servers: array(admin_nonnull_server, ADMIN_SERVER_LIST_MAX),
  ret: uint,
});

export const admin_connect_lookup_server_args = struct("admin_connect_lookup_server_args", {
  name: admin_nonnull_string,
  flags: uint,
});

export const admin_connect_lookup_server_ret = struct("admin_connect_lookup_server_ret", {
  srv: admin_nonnull_server,
});

export const admin_server_get_threadpool_parameters_args = struct(
  "admin_server_get_threadpool_parameters_args",
  {
    srv: admin_nonnull_server,
    flags: uint,
  },
);

export const admin_server_get_threadpool_parameters_ret = struct(
  "admin_server_get_threadpool_parameters_ret",
  {
    params: array(admin_typed_param, ADMIN_SERVER_THREADPOOL_PARAMETERS_MAX),
  },
);

export const admin_server_set_threadpool_parameters_args = struct(
  "admin_server_set_threadpool_parameters_args",
  {
    srv: admin_nonnull_server,
    params: array(admin_typed_param, ADMIN_SERVER_THREADPOOL_PARAMETERS_MAX),
    flags: uint,
  },
);

export const admin_server_list_clients_args = struct("admin_server_list_clients_args", {
  srv: admin_nonnull_server,
  need_results: uint,
  flags: uint,
});

export const admin_server_list_clients_ret = struct("admin_server_list_clients_ret", {
  clients: array(admin_nonnull_client, ADMIN_CLIENT_LIST_MAX),
  ret: uint,
});

export const admin_server_lookup_client_args = struct("admin_server_lookup_client_args", {
  srv: admin_nonnull_server,
  id: uhyper,
  flags: uint,
});

export const admin_server_lookup_client_ret = struct("admin_server_lookup_client_ret", {
  clnt: admin_nonnull_client,
});

export const admin_client_get_info_args = struct("admin_client_get_info_args", {
  clnt: admin_nonnull_client,
  flags: uint,
});

export const admin_client_get_info_ret = struct("admin_client_get_info_ret", {
  params: array(admin_typed_param, ADMIN_CLIENT_INFO_PARAMETERS_MAX),
});

export const admin_client_close_args = struct("admin_client_close_args", {
  clnt: admin_nonnull_client,
  flags: uint,
});

export const admin_server_get_client_limits_args = struct("admin_server_get_client_limits_args", {
  srv: admin_nonnull_server,
  flags: uint,
});

export const admin_server_get_client_limits_ret = struct("admin_server_get_client_limits_ret", {
  params: array(admin_typed_param, ADMIN_SERVER_CLIENT_LIMITS_MAX),
});

export const admin_server_set_client_limits_args = struct("admin_server_set_client_limits_args", {
  srv: admin_nonnull_server,
  params: array(admin_typed_param, ADMIN_SERVER_CLIENT_LIMITS_MAX),
  flags: uint,
});

export const admin_server_update_tls_files_args = struct("admin_server_update_tls_files_args", {
  srv: admin_nonnull_server,
  flags: uint,
});

export const admin_connect_get_logging_outputs_args = struct(
  "admin_connect_get_logging_outputs_args",
  {
    flags: uint,
  },
);

export const admin_connect_get_logging_outputs_ret = struct(
  "admin_connect_get_logging_outputs_ret",
  {
    outputs: admin_nonnull_string,
    noutputs: uint,
  },
);

export const admin_connect_get_logging_filters_args = struct(
  "admin_connect_get_logging_filters_args",
  {
    flags: uint,
  },
);

/** Unlike the outputs, the filter string may be absent (no filters set). */
export const admin_connect_get_logging_filters_ret = struct(
  "admin_connect_get_logging_filters_ret",
  {
    filters: admin_string,
    nfilters: uint,
  },
);

export const admin_connect_set_logging_outputs_args = struct(
  "admin_connect_set_logging_outputs_args",
  {
    outputs: admin_string,
    flags: uint,
  },
);

export const admin_connect_set_logging_filters_args = struct(
  "admin_connect_set_logging_filters_args",
  {
    filters: admin_string,
    flags: uint,
  },
);

export const admin_connect_set_daemon_timeout_args = struct(
  "admin_connect_set_daemon_timeout_args",
  {
    timeout: uint,
    flags: uint,
  },
);

// ---- Procedure numbers (enum admin_procedure) ----------------------------------------
export const ADMIN_PROC_CONNECT_OPEN = 1;
export const ADMIN_PROC_CONNECT_CLOSE = 2;
export const ADMIN_PROC_CONNECT_GET_LIB_VERSION = 3;
export const ADMIN_PROC_CONNECT_LIST_SERVERS = 4;
export const ADMIN_PROC_CONNECT_LOOKUP_SERVER = 5;
export const ADMIN_PROC_SERVER_GET_THREADPOOL_PARAMETERS = 6;
export const ADMIN_PROC_SERVER_SET_THREADPOOL_PARAMETERS = 7;
export const ADMIN_PROC_SERVER_LIST_CLIENTS = 8;
export const ADMIN_PROC_SERVER_LOOKUP_CLIENT = 9;
export const ADMIN_PROC_CLIENT_GET_INFO = 10;
export const ADMIN_PROC_CLIENT_CLOSE = 11;
export const ADMIN_PROC_SERVER_GET_CLIENT_LIMITS = 12;
export const ADMIN_PROC_SERVER_SET_CLIENT_LIMITS = 13;
export const ADMIN_PROC_CONNECT_GET_LOGGING_OUTPUTS = 14;
export const ADMIN_PROC_CONNECT_GET_LOGGING_FILTERS = 15;
export const ADMIN_PROC_CONNECT_SET_LOGGING_OUTPUTS = 16;
export const ADMIN_PROC_CONNECT_SET_LOGGING_FILTERS = 17;
export const ADMIN_PROC_SERVER_UPDATE_TLS_FILES = 18;
export const ADMIN_PROC_CONNECT_SET_DAEMON_TIMEOUT = 19;

/**
 * Number, name, priority, ACL, stream. admin_protocol.x carries no @priority,
 * @acl or stream annotations: access is decided by the admin socket itself.
 */
export const ADMIN_PROCEDURES_TSV = `
1\tCONNECT_OPEN\tlow\t-\t-
2\tCONNECT_CLOSE\tlow\t-\t-
3\tCONNECT_GET_LIB_VERSION\tlow\t-\t-
4\tCONNECT_LIST_SERVERS\tlow\t-\t-
5\tCONNECT_LOOKUP_SERVER\tlow\t-\t-
6\tSERVER_GET_THREADPOOL_PARAMETERS\tlow\t-\t-
7\tSERVER_SET_THREADPOOL_PARAMETERS\tlow\t-\t-
8\tSERVER_LIST_CLIENTS\tlow\t-\t-
9\tSERVER_LOOKUP_CLIENT\tlow\t-\t-
10\tCLIENT_GET_INFO\tlow\t-\t-
11\tCLIENT_CLOSE\tlow\t-\t-
12\tSERVER_GET_CLIENT_LIMITS\tlow\t-\t-
13\tSERVER_SET_CLIENT_LIMITS\tlow\t-\t-
14\tCONNECT_GET_LOGGING_OUTPUTS\tlow\t-\t-
15\tCONNECT_GET_LOGGING_FILTERS\tlow\t-\t-
16\tCONNECT_SET_LOGGING_OUTPUTS\tlow\t-\t-
17\tCONNECT_SET_LOGGING_FILTERS\tlow\t-\t-
18\tSERVER_UPDATE_TLS_FILES\tlow\t-\t-
19\tCONNECT_SET_DAEMON_TIMEOUT\tlow\t-\t-
`;

export const adminDeclarations = [
  declare(ADMIN_PROC_CONNECT_OPEN, admin_connect_open_args, xdrVoid),
  declare(ADMIN_PROC_CONNECT_CLOSE, xdrVoid, xdrVoid),
  declare(ADMIN_PROC_CONNECT_GET_LIB_VERSION, xdrVoid, admin_connect_get_lib_version_ret),
  declare(
    ADMIN_PROC_CONNECT_LIST_SERVERS,
    admin_connect_list_servers_args,
    admin_connect_list_servers_ret,
  ),
  declare(
    ADMIN_PROC_CONNECT_LOOKUP_SERVER,
    admin_connect_lookup_server_args,
    admin_connect_lookup_server_ret,
  ),
  declare(
    ADMIN_PROC_SERVER_GET_THREADPOOL_PARAMETERS,
    admin_server_get_threadpool_parameters_args,
    admin_server_get_threadpool_parameters_ret,
  ),
  declare(
    ADMIN_PROC_SERVER_SET_THREADPOOL_PARAMETERS,
    admin_server_set_threadpool_parameters_args,
    xdrVoid,
  ),
  declare(
    ADMIN_PROC_SERVER_LIST_CLIENTS,
    admin_server_list_clients_args,
    admin_server_list_clients_ret,
  ),
  declare(
    ADMIN_PROC_SERVER_LOOKUP_CLIENT,
    admin_server_lookup_client_args,
    admin_server_lookup_client_ret,
  ),
  declare(ADMIN_PROC_CLIENT_GET_INFO, admin_client_get_info_args, admin_client_get_info_ret),
  declare(ADMIN_PROC_CLIENT_CLOSE, admin_client_close_args, xdrVoid),
  declare(
    ADMIN_PROC_SERVER_GET_CLIENT_LIMITS,
    admin_server_get_client_limits_args,
    admin_server_get_client_limits_ret,
  ),
  declare(ADMIN_PROC_SERVER_SET_CLIENT_LIMITS, admin_server_set_client_limits_args, xdrVoid),
  declare(
    ADMIN_PROC_CONNECT_GET_LOGGING_OUTPUTS,
    admin_connect_get_logging_outputs_args,
    admin_connect_get_logging_outputs_ret,
  ),
  declare(
    ADMIN_PROC_CONNECT_GET_LOGGING_FILTERS,
    admin_connect_get_logging_filters_args,
    admin_connect_get_logging_filters_ret,
  ),
  declare(ADMIN_PROC_CONNECT_SET_LOGGING_OUTPUTS, admin_connect_set_logging_outputs_args, xdrVoid),
  declare(ADMIN_PROC_CONNECT_SET_LOGGING_FILTERS, admin_connect_set_logging_filters_args, xdrVoid),
  declare(ADMIN_PROC_SERVER_UPDATE_TLS_FILES, admin_server_update_tls_files_args, xdrVoid),
  declare(ADMIN_PROC_CONNECT_SET_DAEMON_TIMEOUT, admin_connect_set_daemon_timeout_args, xdrVoid),
] as const;

export const ADMIN_PROGRAM_DEF = defineProgram(
  "admin",
  ADMIN_PROGRAM,
  ADMIN_PROTOCOL_VERSION,
  parseProcedureTable(ADMIN_PROCEDURES_TSV),
  adminDeclarations,
);
