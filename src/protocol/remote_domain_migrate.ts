/**
 * The remote program's migration procedures: versions 1 and 2, version 3
 * with and without typed parameters, and the migration tunables.
 *
 * @module
 */

import { array, int, opaque, struct, uhyper, uint, xdrVoid } from "../xdr/mod.ts";
import { declare } from "./program.ts";
import {
  REMOTE_DOMAIN_MIGRATE_PARAM_LIST_MAX,
  REMOTE_MIGRATE_COOKIE_MAX,
  remote_nonnull_domain,
  remote_nonnull_string,
  remote_string,
  remote_typed_param,
} from "./remote_types.ts";
import {
  REMOTE_PROC_DOMAIN_MIGRATE_BEGIN3,
  REMOTE_PROC_DOMAIN_MIGRATE_BEGIN3_PARAMS,
  REMOTE_PROC_DOMAIN_MIGRATE_CONFIRM3,
  REMOTE_PROC_DOMAIN_MIGRATE_CONFIRM3_PARAMS,
  REMOTE_PROC_DOMAIN_MIGRATE_FINISH,
  REMOTE_PROC_DOMAIN_MIGRATE_FINISH2,
  REMOTE_PROC_DOMAIN_MIGRATE_FINISH3,
  REMOTE_PROC_DOMAIN_MIGRATE_FINISH3_PARAMS,
  REMOTE_PROC_DOMAIN_MIGRATE_GET_COMPRESSION_CACHE,
  REMOTE_PROC_DOMAIN_MIGRATE_GET_MAX_DOWNTIME,
  REMOTE_PROC_DOMAIN_MIGRATE_GET_MAX_SPEED,
  REMOTE_PROC_DOMAIN_MIGRATE_PERFORM,
  REMOTE_PROC_DOMAIN_MIGRATE_PERFORM3,
  REMOTE_PROC_DOMAIN_MIGRATE_PERFORM3_PARAMS,
  REMOTE_PROC_DOMAIN_MIGRATE_PREPARE,
  REMOTE_PROC_DOMAIN_MIGRATE_PREPARE2,
  REMOTE_PROC_DOMAIN_MIGRATE_PREPARE3,
  REMOTE_PROC_DOMAIN_MIGRATE_PREPARE3_PARAMS,
  REMOTE_PROC_DOMAIN_MIGRATE_PREPARE_TUNNEL,
  REMOTE_PROC_DOMAIN_MIGRATE_PREPARE_TUNNEL3,
  REMOTE_PROC_DOMAIN_MIGRATE_PREPARE_TUNNEL3_PARAMS,
  REMOTE_PROC_DOMAIN_MIGRATE_SET_COMPRESSION_CACHE,
  REMOTE_PROC_DOMAIN_MIGRATE_SET_MAX_DOWNTIME,
  REMOTE_PROC_DOMAIN_MIGRATE_SET_MAX_SPEED,
  REMOTE_PROC_DOMAIN_MIGRATE_START_POST_COPY,
} from "./remote_procedure_numbers.ts";

const migrate_cookie = opaque(REMOTE_MIGRATE_COOKIE_MAX);
const migrate_params = array(remote_typed_param, REMOTE_DOMAIN_MIGRATE_PARAM_LIST_MAX);

// ---- Migration: version 1 and 2 ----------------------------------------------------------------

export const remote_domain_migrate_prepare_args = struct("remote_domain_migrate_prepare_args", {
  uri_in: remote_string,
  flags: uhyper,
  dname: remote_string,
  resource: uhyper,
});
export const remote_domain_migrate_prepare_ret = struct("remote_domain_migrate_prepare_ret", {
  cookie: migrate_cookie,
  uri_out: remote_string,
});
export const remote_domain_migrate_perform_args = struct("remote_domain_migrate_perform_args", {
  dom: remote_nonnull_domain,
  cookie: migrate_cookie,
  uri: remote_nonnull_string,
  flags: uhyper,
  dname: remote_string,
  resource: uhyper,
});
export const remote_domain_migrate_finish_args = struct("remote_domain_migrate_finish_args", {
  dname: remote_nonnull_string,
  cookie: migrate_cookie,
  uri: remote_nonnull_string,
  flags: uhyper,
});
export const remote_domain_migrate_finish_ret = struct("remote_domain_migrate_finish_ret", {
  ddom: remote_nonnull_domain,
});
export const remote_domain_migrate_prepare2_args = struct("remote_domain_migrate_prepare2_args", {
  uri_in: remote_string,
  flags: uhyper,
  dname: remote_string,
  resource: uhyper,
  dom_xml: remote_nonnull_string,
});
export const remote_domain_migrate_prepare2_ret = struct("remote_domain_migrate_prepare2_ret", {
  cookie: migrate_cookie,
  uri_out: remote_string,
});
export const remote_domain_migrate_finish2_args = struct("remote_domain_migrate_finish2_args", {
  dname: remote_nonnull_string,
  cookie: migrate_cookie,
  uri: remote_nonnull_string,
  flags: uhyper,
  retcode: int,
});
export const remote_domain_migrate_finish2_ret = struct("remote_domain_migrate_finish2_ret", {
  ddom: remote_nonnull_domain,
});
export const remote_domain_migrate_prepare_tunnel_args = struct(
  "remote_domain_migrate_prepare_tunnel_args",
  { flags: uhyper, dname: remote_string, resource: uhyper, dom_xml: remote_nonnull_string },
);

// ---- Migration tunables ------------------------------------------------------------------------

export const remote_domain_migrate_set_max_downtime_args = struct(
  "remote_domain_migrate_set_max_downtime_args",
  { dom: remote_nonnull_domain, downtime: uhyper, flags: uint },
);
export const remote_domain_migrate_get_max_downtime_args = struct(
  "remote_domain_migrate_get_max_downtime_args",
  { dom: remote_nonnull_domain, flags: uint },
);
export const remote_domain_migrate_get_max_downtime_ret = struct(
  "remote_domain_migrate_get_max_downtime_ret",
  { downtime: uhyper },
);
export const remote_domain_migrate_set_max_speed_args = struct(
  "remote_domain_migrate_set_max_speed_args",
  { dom: remote_nonnull_domain, bandwidth: uhyper, flags: uint },
);
export const remote_domain_migrate_get_max_speed_args = struct(
  "remote_domain_migrate_get_max_speed_args",
  { dom: remote_nonnull_domain, flags: uint },
);
export const remote_domain_migrate_get_max_speed_ret = struct(
  "remote_domain_migrate_get_max_speed_ret",
  { bandwidth: uhyper },
);
export const remote_domain_migrate_get_compression_cache_args = struct(
  "remote_domain_migrate_get_compression_cache_args",
  { dom: remote_nonnull_domain, flags: uint },
);
export const remote_domain_migrate_get_compression_cache_ret = struct(
  "remote_domain_migrate_get_compression_cache_ret",
  { cacheSize: uhyper },
);
export const remote_domain_migrate_set_compression_cache_args = struct(
  "remote_domain_migrate_set_compression_cache_args",
  { dom: remote_nonnull_domain, cacheSize: uhyper, flags: uint },
);
export const remote_domain_migrate_start_post_copy_args = struct(
  "remote_domain_migrate_start_post_copy_args",
  { dom: remote_nonnull_domain, flags: uint },
);

// ---- Migration: version 3 ------------------------------------------------------------------------

export const remote_domain_migrate_begin3_args = struct("remote_domain_migrate_begin3_args", {
  dom: remote_nonnull_domain,
  xmlin: remote_string,
  flags: uhyper,
  dname: remote_string,
  resource: uhyper,
});
export const remote_domain_migrate_begin3_ret = struct("remote_domain_migrate_begin3_ret", {
  cookie_out: migrate_cookie,
  xml: remote_nonnull_string,
});
export const remote_domain_migrate_prepare3_args = struct("remote_domain_migrate_prepare3_args", {
  cookie_in: migrate_cookie,
  uri_in: remote_string,
  flags: uhyper,
  dname: remote_string,
  resource: uhyper,
  dom_xml: remote_nonnull_string,
});
export const remote_domain_migrate_prepare3_ret = struct("remote_domain_migrate_prepare3_ret", {
  cookie_out: migrate_cookie,
  uri_out: remote_string,
});
export const remote_domain_migrate_prepare_tunnel3_args = struct(
  "remote_domain_migrate_prepare_tunnel3_args",
  {
    cookie_in: migrate_cookie,
    flags: uhyper,
    dname: remote_string,
    resource: uhyper,
    dom_xml: remote_nonnull_string,
  },
);
export const remote_domain_migrate_prepare_tunnel3_ret = struct(
  "remote_domain_migrate_prepare_tunnel3_ret",
  { cookie_out: migrate_cookie },
);
export const remote_domain_migrate_perform3_args = struct("remote_domain_migrate_perform3_args", {
  dom: remote_nonnull_domain,
  xmlin: remote_string,
  cookie_in: migrate_cookie,
  dconnuri: remote_string,
  uri: remote_string,
  flags: uhyper,
  dname: remote_string,
  resource: uhyper,
});
export const remote_domain_migrate_perform3_ret = struct("remote_domain_migrate_perform3_ret", {
  cookie_out: migrate_cookie,
});
export const remote_domain_migrate_finish3_args = struct("remote_domain_migrate_finish3_args", {
  dname: remote_nonnull_string,
  cookie_in: migrate_cookie,
  dconnuri: remote_string,
  uri: remote_string,
  flags: uhyper,
  cancelled: int,
});
export const remote_domain_migrate_finish3_ret = struct("remote_domain_migrate_finish3_ret", {
  dom: remote_nonnull_domain,
  cookie_out: migrate_cookie,
});
export const remote_domain_migrate_confirm3_args = struct("remote_domain_migrate_confirm3_args", {
  dom: remote_nonnull_domain,
  cookie_in: migrate_cookie,
  flags: uhyper,
  cancelled: int,
});

// ---- Migration: version 3 with typed parameters ----------------------------------------------------

export const remote_domain_migrate_begin3_params_args = struct(
  "remote_domain_migrate_begin3_params_args",
  { dom: remote_nonnull_domain, params: migrate_params, flags: uint },
);
export const remote_domain_migrate_begin3_params_ret = struct(
  "remote_domain_migrate_begin3_params_ret",
  { cookie_out: migrate_cookie, xml: remote_nonnull_string },
);
export const remote_domain_migrate_prepare3_params_args = struct(
  "remote_domain_migrate_prepare3_params_args",
  { params: migrate_params, cookie_in: migrate_cookie, flags: uint },
);
export const remote_domain_migrate_prepare3_params_ret = struct(
  "remote_domain_migrate_prepare3_params_ret",
  { cookie_out: migrate_cookie, uri_out: remote_string },
);
export const remote_domain_migrate_prepare_tunnel3_params_args = struct(
  "remote_domain_migrate_prepare_tunnel3_params_args",
  { params: migrate_params, cookie_in: migrate_cookie, flags: uint },
);
export const remote_domain_migrate_prepare_tunnel3_params_ret = struct(
  "remote_domain_migrate_prepare_tunnel3_params_ret",
  { cookie_out: migrate_cookie },
);
export const remote_domain_migrate_perform3_params_args = struct(
  "remote_domain_migrate_perform3_params_args",
  {
    dom: remote_nonnull_domain,
    dconnuri: remote_string,
    params: migrate_params,
    cookie_in: migrate_cookie,
    flags: uint,
  },
);
export const remote_domain_migrate_perform3_params_ret = struct(
  "remote_domain_migrate_perform3_params_ret",
  { cookie_out: migrate_cookie },
);
export const remote_domain_migrate_finish3_params_args = struct(
  "remote_domain_migrate_finish3_params_args",
  { params: migrate_params, cookie_in: migrate_cookie, flags: uint, cancelled: int },
);
export const remote_domain_migrate_finish3_params_ret = struct(
  "remote_domain_migrate_finish3_params_ret",
  { dom: remote_nonnull_domain, cookie_out: migrate_cookie },
);
export const remote_domain_migrate_confirm3_params_args = struct(
  "remote_domain_migrate_confirm3_params_args",
  {
    dom: remote_nonnull_domain,
    params: migrate_params,
    cookie_in: migrate_cookie,
    flags: uint,
    cancelled: int,
  },
);

export const domainMigrateDeclarations = [
  declare(
    REMOTE_PROC_DOMAIN_MIGRATE_PREPARE,
    remote_domain_migrate_prepare_args,
    remote_domain_migrate_prepare_ret,
  ),
  declare(REMOTE_PROC_DOMAIN_MIGRATE_PERFORM, remote_domain_migrate_perform_args, xdrVoid),
  declare(
    REMOTE_PROC_DOMAIN_MIGRATE_FINISH,
    remote_domain_migrate_finish_args,
    remote_domain_migrate_finish_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_MIGRATE_PREPARE2,
    remote_domain_migrate_prepare2_args,
    remote_domain_migrate_prepare2_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_MIGRATE_FINISH2,
    remote_domain_migrate_finish2_args,
    remote_domain_migrate_finish2_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_MIGRATE_PREPARE_TUNNEL,
    remote_domain_migrate_prepare_tunnel_args,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_DOMAIN_MIGRATE_SET_MAX_DOWNTIME,
    remote_domain_migrate_set_max_downtime_args,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_DOMAIN_MIGRATE_SET_MAX_SPEED,
    remote_domain_migrate_set_max_speed_args,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_DOMAIN_MIGRATE_BEGIN3,
    remote_domain_migrate_begin3_args,
    remote_domain_migrate_begin3_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_MIGRATE_PREPARE3,
    remote_domain_migrate_prepare3_args,
    remote_domain_migrate_prepare3_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_MIGRATE_PREPARE_TUNNEL3,
    remote_domain_migrate_prepare_tunnel3_args,
    remote_domain_migrate_prepare_tunnel3_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_MIGRATE_PERFORM3,
    remote_domain_migrate_perform3_args,
    remote_domain_migrate_perform3_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_MIGRATE_FINISH3,
    remote_domain_migrate_finish3_args,
    remote_domain_migrate_finish3_ret,
  ),
  declare(REMOTE_PROC_DOMAIN_MIGRATE_CONFIRM3, remote_domain_migrate_confirm3_args, xdrVoid),
  declare(
    REMOTE_PROC_DOMAIN_MIGRATE_GET_MAX_SPEED,
    remote_domain_migrate_get_max_speed_args,
    remote_domain_migrate_get_max_speed_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_MIGRATE_GET_COMPRESSION_CACHE,
    remote_domain_migrate_get_compression_cache_args,
    remote_domain_migrate_get_compression_cache_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_MIGRATE_SET_COMPRESSION_CACHE,
    remote_domain_migrate_set_compression_cache_args,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_DOMAIN_MIGRATE_BEGIN3_PARAMS,
    remote_domain_migrate_begin3_params_args,
    remote_domain_migrate_begin3_params_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_MIGRATE_PREPARE3_PARAMS,
    remote_domain_migrate_prepare3_params_args,
    remote_domain_migrate_prepare3_params_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_MIGRATE_PREPARE_TUNNEL3_PARAMS,
    remote_domain_migrate_prepare_tunnel3_params_args,
    remote_domain_migrate_prepare_tunnel3_params_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_MIGRATE_PERFORM3_PARAMS,
    remote_domain_migrate_perform3_params_args,
    remote_domain_migrate_perform3_params_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_MIGRATE_FINISH3_PARAMS,
    remote_domain_migrate_finish3_params_args,
    remote_domain_migrate_finish3_params_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_MIGRATE_CONFIRM3_PARAMS,
    remote_domain_migrate_confirm3_params_args,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_DOMAIN_MIGRATE_START_POST_COPY,
    remote_domain_migrate_start_post_copy_args,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_DOMAIN_MIGRATE_GET_MAX_DOWNTIME,
    remote_domain_migrate_get_max_downtime_args,
    remote_domain_migrate_get_max_downtime_ret,
  ),
] as const;
