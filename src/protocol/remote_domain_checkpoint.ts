/**
 * The remote program's DOMAIN_CHECKPOINT_* procedures.
 *
 * @module
 */

import { array, int, struct, uint, xdrVoid } from "../xdr/mod.ts";
import { declare } from "./program.ts";
import {
  REMOTE_DOMAIN_CHECKPOINT_LIST_MAX,
  remote_nonnull_domain,
  remote_nonnull_domain_checkpoint,
  remote_nonnull_string,
} from "./remote_types.ts";
import {
  REMOTE_PROC_DOMAIN_CHECKPOINT_CREATE_XML,
  REMOTE_PROC_DOMAIN_CHECKPOINT_DELETE,
  REMOTE_PROC_DOMAIN_CHECKPOINT_GET_PARENT,
  REMOTE_PROC_DOMAIN_CHECKPOINT_GET_XML_DESC,
  REMOTE_PROC_DOMAIN_CHECKPOINT_LIST_ALL_CHILDREN,
  REMOTE_PROC_DOMAIN_CHECKPOINT_LOOKUP_BY_NAME,
} from "./remote_procedure_numbers.ts";

// ---- Checkpoints ---------------------------------------------------------------------------

export const remote_domain_checkpoint_create_xml_args = struct(
  "remote_domain_checkpoint_create_xml_args",
  { dom: remote_nonnull_domain, xml_desc: remote_nonnull_string, flags: uint },
);
export const remote_domain_checkpoint_create_xml_ret = struct(
  "remote_domain_checkpoint_create_xml_ret",
  { checkpoint: remote_nonnull_domain_checkpoint },
);
export const remote_domain_checkpoint_get_xml_desc_args = struct(
  "remote_domain_checkpoint_get_xml_desc_args",
  { checkpoint: remote_nonnull_domain_checkpoint, flags: uint },
);
export const remote_domain_checkpoint_get_xml_desc_ret = struct(
  "remote_domain_checkpoint_get_xml_desc_ret",
  { xml: remote_nonnull_string },
);
export const remote_domain_checkpoint_list_all_children_args = struct(
  "remote_domain_checkpoint_list_all_children_args",
  { checkpoint: remote_nonnull_domain_checkpoint, need_results: int, flags: uint },
);
export const remote_domain_checkpoint_list_all_children_ret = struct(
  "remote_domain_checkpoint_list_all_children_ret",
  {
    checkpoints: array(remote_nonnull_domain_checkpoint, REMOTE_DOMAIN_CHECKPOINT_LIST_MAX),
    ret: int,
  },
);
export const remote_domain_checkpoint_lookup_by_name_args = struct(
  "remote_domain_checkpoint_lookup_by_name_args",
  { dom: remote_nonnull_domain, name: remote_nonnull_string, flags: uint },
);
export const remote_domain_checkpoint_lookup_by_name_ret = struct(
  "remote_domain_checkpoint_lookup_by_name_ret",
  { checkpoint: remote_nonnull_domain_checkpoint },
);
export const remote_domain_checkpoint_get_parent_args = struct(
  "remote_domain_checkpoint_get_parent_args",
  { checkpoint: remote_nonnull_domain_checkpoint, flags: uint },
);
export const remote_domain_checkpoint_get_parent_ret = struct(
  "remote_domain_checkpoint_get_parent_ret",
  { parent: remote_nonnull_domain_checkpoint },
);
export const remote_domain_checkpoint_delete_args = struct(
  "remote_domain_checkpoint_delete_args",
  { checkpoint: remote_nonnull_domain_checkpoint, flags: uint },
);

export const domainCheckpointDeclarations = [
  declare(
    REMOTE_PROC_DOMAIN_CHECKPOINT_CREATE_XML,
    remote_domain_checkpoint_create_xml_args,
    remote_domain_checkpoint_create_xml_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_CHECKPOINT_GET_XML_DESC,
    remote_domain_checkpoint_get_xml_desc_args,
    remote_domain_checkpoint_get_xml_desc_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_CHECKPOINT_LIST_ALL_CHILDREN,
    remote_domain_checkpoint_list_all_children_args,
    remote_domain_checkpoint_list_all_children_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_CHECKPOINT_LOOKUP_BY_NAME,
    remote_domain_checkpoint_lookup_by_name_args,
    remote_domain_checkpoint_lookup_by_name_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_CHECKPOINT_GET_PARENT,
    remote_domain_checkpoint_get_parent_args,
    remote_domain_checkpoint_get_parent_ret,
  ),
  declare(REMOTE_PROC_DOMAIN_CHECKPOINT_DELETE, remote_domain_checkpoint_delete_args, xdrVoid),
] as const;
