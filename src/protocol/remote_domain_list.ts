/**
 * The remote program's connection-level domain procedures: listing domains,
 * converting domain XML, domain capabilities and CONNECT_GET_ALL_DOMAIN_STATS.
 *
 * @module
 */

import { array, int, struct, uint, xdrVoid } from "../xdr/mod.ts";
import { declare } from "./program.ts";
import {
  REMOTE_CONNECT_GET_ALL_DOMAIN_STATS_MAX,
  REMOTE_DOMAIN_LIST_MAX,
  remote_nonnull_domain,
  remote_nonnull_string,
  remote_string,
  remote_typed_param,
} from "./remote_types.ts";
import {
  REMOTE_PROC_CONNECT_DOMAIN_XML_FROM_NATIVE,
  REMOTE_PROC_CONNECT_DOMAIN_XML_TO_NATIVE,
  REMOTE_PROC_CONNECT_GET_ALL_DOMAIN_STATS,
  REMOTE_PROC_CONNECT_GET_DOMAIN_CAPABILITIES,
  REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS,
  REMOTE_PROC_CONNECT_LIST_DEFINED_DOMAINS,
  REMOTE_PROC_CONNECT_LIST_DOMAINS,
  REMOTE_PROC_CONNECT_NUM_OF_DEFINED_DOMAINS,
  REMOTE_PROC_CONNECT_NUM_OF_DOMAINS,
} from "./remote_procedure_numbers.ts";

// ---- Listing domains, domain XML, capabilities --------------------------------------

export const remote_connect_list_domains_args = struct("remote_connect_list_domains_args", {
  maxids: int,
});
export const remote_connect_list_domains_ret = struct("remote_connect_list_domains_ret", {
  ids: array(int, REMOTE_DOMAIN_LIST_MAX),
});
export const remote_connect_num_of_domains_ret = struct("remote_connect_num_of_domains_ret", {
  num: int,
});
export const remote_connect_list_defined_domains_args = struct(
  "remote_connect_list_defined_domains_args",
  { maxnames: int },
);
export const remote_connect_list_defined_domains_ret = struct(
  "remote_connect_list_defined_domains_ret",
  { names: array(remote_nonnull_string, REMOTE_DOMAIN_LIST_MAX) },
);
export const remote_connect_num_of_defined_domains_ret = struct(
  "remote_connect_num_of_defined_domains_ret",
  { num: int },
);
export const remote_connect_list_all_domains_args = struct("remote_connect_list_all_domains_args", {
  need_results: int,
  flags: uint,
});
export const remote_connect_list_all_domains_ret = struct("remote_connect_list_all_domains_ret", {
  domains: array(remote_nonnull_domain, REMOTE_DOMAIN_LIST_MAX),
  ret: uint,
});
export const remote_connect_domain_xml_from_native_args = struct(
  "remote_connect_domain_xml_from_native_args",
  { nativeFormat: remote_nonnull_string, nativeConfig: remote_nonnull_string, flags: uint },
);
export const remote_connect_domain_xml_from_native_ret = struct(
  "remote_connect_domain_xml_from_native_ret",
  { domainXml: remote_nonnull_string },
);
export const remote_connect_domain_xml_to_native_args = struct(
  "remote_connect_domain_xml_to_native_args",
  { nativeFormat: remote_nonnull_string, domainXml: remote_nonnull_string, flags: uint },
);
export const remote_connect_domain_xml_to_native_ret = struct(
  "remote_connect_domain_xml_to_native_ret",
  { nativeConfig: remote_nonnull_string },
);
export const remote_connect_get_domain_capabilities_args = struct(
  "remote_connect_get_domain_capabilities_args",
  {
    emulatorbin: remote_string,
    arch: remote_string,
    machine: remote_string,
    virttype: remote_string,
    flags: uint,
  },
);
export const remote_connect_get_domain_capabilities_ret = struct(
  "remote_connect_get_domain_capabilities_ret",
  { capabilities: remote_nonnull_string },
);
export const remote_domain_stats_record = struct("remote_domain_stats_record", {
  dom: remote_nonnull_domain,
  params: array(remote_typed_param, REMOTE_CONNECT_GET_ALL_DOMAIN_STATS_MAX),
});
export const remote_connect_get_all_domain_stats_args = struct(
  "remote_connect_get_all_domain_stats_args",
  { doms: array(remote_nonnull_domain, REMOTE_DOMAIN_LIST_MAX), stats: uint, flags: uint },
);
export const remote_connect_get_all_domain_stats_ret = struct(
  "remote_connect_get_all_domain_stats_ret",
  { retStats: array(remote_domain_stats_record, REMOTE_DOMAIN_LIST_MAX) },
);

export const domainListDeclarations = [
  declare(
    REMOTE_PROC_CONNECT_LIST_DEFINED_DOMAINS,
    remote_connect_list_defined_domains_args,
    remote_connect_list_defined_domains_ret,
  ),
  declare(
    REMOTE_PROC_CONNECT_NUM_OF_DEFINED_DOMAINS,
    xdrVoid,
    remote_connect_num_of_defined_domains_ret,
  ),
  declare(
    REMOTE_PROC_CONNECT_LIST_DOMAINS,
    remote_connect_list_domains_args,
    remote_connect_list_domains_ret,
  ),
  declare(REMOTE_PROC_CONNECT_NUM_OF_DOMAINS, xdrVoid, remote_connect_num_of_domains_ret),
  declare(
    REMOTE_PROC_CONNECT_DOMAIN_XML_FROM_NATIVE,
    remote_connect_domain_xml_from_native_args,
    remote_connect_domain_xml_from_native_ret,
  ),
  declare(
    REMOTE_PROC_CONNECT_DOMAIN_XML_TO_NATIVE,
    remote_connect_domain_xml_to_native_args,
    remote_connect_domain_xml_to_native_ret,
  ),
  declare(
    REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS,
    remote_connect_list_all_domains_args,
    remote_connect_list_all_domains_ret,
  ),
  declare(
    REMOTE_PROC_CONNECT_GET_DOMAIN_CAPABILITIES,
    remote_connect_get_domain_capabilities_args,
    remote_connect_get_domain_capabilities_ret,
  ),
  declare(
    REMOTE_PROC_CONNECT_GET_ALL_DOMAIN_STATS,
    remote_connect_get_all_domain_stats_args,
    remote_connect_get_all_domain_stats_ret,
  ),
] as const;
