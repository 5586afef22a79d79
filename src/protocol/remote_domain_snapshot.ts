/**
 * The remote program's DOMAIN_SNAPSHOT_* procedures.
 *
 * @module
 */

import { array, int, struct, uint, xdrVoid } from "../xdr/mod.ts";
import { declare } from "./program.ts";
import {
  REMOTE_DOMAIN_SNAPSHOT_LIST_MAX,
  remote_nonnull_domain,
  remote_nonnull_domain_snapshot,
  remote_nonnull_string,
} from "./remote_types.ts";
import {
  REMOTE_PROC_DOMAIN_SNAPSHOT_CREATE_XML,
  REMOTE_PROC_DOMAIN_SNAPSHOT_CURRENT,
  REMOTE_PROC_DOMAIN_SNAPSHOT_DELETE,
  REMOTE_PROC_DOMAIN_SNAPSHOT_GET_PARENT,
  REMOTE_PROC_DOMAIN_SNAPSHOT_GET_XML_DESC,
  REMOTE_PROC_DOMAIN_SNAPSHOT_HAS_METADATA,
  REMOTE_PROC_DOMAIN_SNAPSHOT_IS_CURRENT,
  REMOTE_PROC_DOMAIN_SNAPSHOT_LIST_ALL_CHILDREN,
  REMOTE_PROC_DOMAIN_SNAPSHOT_LIST_CHILDREN_NAMES,
  REMOTE_PROC_DOMAIN_SNAPSHOT_LIST_NAMES,
  REMOTE_PROC_DOMAIN_SNAPSHOT_LOOKUP_BY_NAME,
  REMOTE_PROC_DOMAIN_SNAPSHOT_NUM,
  REMOTE_PROC_DOMAIN_SNAPSHOT_NUM_CHILDREN,
} from "./remote_procedure_numbers.ts";

// ---- Snapshots ---------------------------------------------------------------------------

export const remote_domain_snapshot_create_xml_args = struct(
  "remote_domain_snapshot_create_xml_args",
  { dom: remote_nonnull_domain, xml_desc: remote_nonnull_string, flags: uint },
);
export const remote_domain_snapshot_create_xml_ret = struct(
  "remote_domain_snapshot_create_xml_ret",
  { snap: remote_nonnull_domain_snapshot },
);
export const remote_domain_snapshot_get_xml_desc_args = struct(
  "remote_domain_snapshot_get_xml_desc_args",
  { snap: remote_nonnull_domain_snapshot, flags: uint },
);
export const remote_domain_snapshot_get_xml_desc_ret = struct(
  "remote_domain_snapshot_get_xml_desc_ret",
  { xml: remote_nonnull_string },
);
export const remote_domain_snapshot_num_args = struct("remote_domain_snapshot_num_args", {
  dom: remote_nonnull_domain,
  flags: uint,
});
export const remote_domain_snapshot_num_ret = struct("remote_domain_snapshot_num_ret", {
  num: int,
});
export const remote_domain_snapshot_list_names_args = struct(
  "remote_domain_snapshot_list_names_args",
  { dom: remote_nonnull_domain, maxnames: int, flags: uint },
);
export const remote_domain_snapshot_list_names_ret = struct(
  "remote_domain_snapshot_list_names_ret",
  { names: array(remote_nonnull_string, REMOTE_DOMAIN_SNAPSHOT_LIST_MAX) },
);
export const remote_domain_snapshot_num_children_args = struct(
  "remote_domain_snapshot_num_children_args",
  { snap: remote_nonnull_domain_snapshot, flags: uint },
);
export const remote_domain_snapshot_num_children_ret = struct(
  "remote_domain_snapshot_num_children_ret",
  { num: int },
);
export const remote_domain_snapshot_list_children_names_args = struct(
  "remote_domain_snapshot_list_children_names_args",
  { snap: remote_nonnull_domain_snapshot, maxnames: int, flags: uint },
);
export const remote_domain_snapshot_list_children_names_ret = struct(
  "remote_domain_snapshot_list_children_names_ret",
  { names: array(remote_nonnull_string, REMOTE_DOMAIN_SNAPSHOT_LIST_MAX) },
);
export const remote_domain_snapshot_list_all_children_args = struct(
  "remote_domain_snapshot_list_all_children_args",
  { snapshot: remote_nonnull_domain_snapshot, need_results: int, flags: uint },
);
export const remote_domain_snapshot_list_all_children_ret = struct(
  "remote_domain_snapshot_list_all_children_ret",
  {
    snapshots: array(remote_nonnull_domain_snapshot, REMOTE_DOMAIN_SNAPSHOT_LIST_MAX),
    ret: int,
  },
);
export const remote_domain_snapshot_lookup_by_name_args = struct(
  "remote_domain_snapshot_lookup_by_name_args",
  { dom: remote_nonnull_domain, name: remote_nonnull_string, flags: uint },
);
export const remote_domain_snapshot_lookup_by_name_ret = struct(
  "remote_domain_snapshot_lookup_by_name_ret",
  { snap: remote_nonnull_domain_snapshot },
);
export const remote_domain_snapshot_get_parent_args = struct(
  "remote_domain_snapshot_get_parent_args",
  { snap: remote_nonnull_domain_snapshot, flags: uint },
);
export const remote_domain_snapshot_get_parent_ret = struct(
  "remote_domain_snapshot_get_parent_ret",
  { snap: remote_nonnull_domain_snapshot },
);
export const remote_domain_snapshot_current_args = struct("remote_domain_snapshot_current_args", {
  dom: remote_nonnull_domain,
  flags: uint,
});
export const remote_domain_snapshot_current_ret = struct("remote_domain_snapshot_current_ret", {
  snap: remote_nonnull_domain_snapshot,
});
export const remote_domain_snapshot_is_current_args = struct(
  "remote_domain_snapshot_is_current_args",
  { snap: remote_nonnull_domain_snapshot, flags: uint },
);
export const remote_domain_snapshot_is_current_ret = struct(
  "remote_domain_snapshot_is_current_ret",
  { current: int },
);
export const remote_domain_snapshot_has_metadata_args = struct(
  "remote_domain_snapshot_has_metadata_args",
  { snap: remote_nonnull_domain_snapshot, flags: uint },
);
export const remote_domain_snapshot_has_metadata_ret = struct(
  "remote_domain_snapshot_has_metadata_ret",
  { metadata: int },
);
export const remote_domain_snapshot_delete_args = struct("remote_domain_snapshot_delete_args", {
  snap: remote_nonnull_domain_snapshot,
  flags: uint,
});

export const domainSnapshotDeclarations = [
  declare(
    REMOTE_PROC_DOMAIN_SNAPSHOT_CREATE_XML,
    remote_domain_snapshot_create_xml_args,
    remote_domain_snapshot_create_xml_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_SNAPSHOT_GET_XML_DESC,
    remote_domain_snapshot_get_xml_desc_args,
    remote_domain_snapshot_get_xml_desc_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_SNAPSHOT_NUM,
    remote_domain_snapshot_num_args,
    remote_domain_snapshot_num_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_SNAPSHOT_LIST_NAMES,
    remote_domain_snapshot_list_names_args,
    remote_domain_snapshot_list_names_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_SNAPSHOT_LOOKUP_BY_NAME,
    remote_domain_snapshot_lookup_by_name_args,
    remote_domain_snapshot_lookup_by_name_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_SNAPSHOT_CURRENT,
    remote_domain_snapshot_current_args,
    remote_domain_snapshot_current_ret,
  ),
  declare(REMOTE_PROC_DOMAIN_SNAPSHOT_DELETE, remote_domain_snapshot_delete_args, xdrVoid),
  declare(
    REMOTE_PROC_DOMAIN_SNAPSHOT_GET_PARENT,
    remote_domain_snapshot_get_parent_args,
    remote_domain_snapshot_get_parent_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_SNAPSHOT_NUM_CHILDREN,
    remote_domain_snapshot_num_children_args,
    remote_domain_snapshot_num_children_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_SNAPSHOT_LIST_CHILDREN_NAMES,
    remote_domain_snapshot_list_children_names_args,
    remote_domain_snapshot_list_children_names_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_SNAPSHOT_IS_CURRENT,
    remote_domain_snapshot_is_current_args,
    remote_domain_snapshot_is_current_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_SNAPSHOT_HAS_METADATA,
    remote_domain_snapshot_has_metadata_args,
    remote_domain_snapshot_has_metadata_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_SNAPSHOT_LIST_ALL_CHILDREN,
    remote_domain_snapshot_list_all_children_args,
    remote_domain_snapshot_list_all_children_ret,
  ),
] as const;
