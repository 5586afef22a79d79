// Remote program procedures around domains that are not plain DOMAIN_* calls:
// connection-level domain listing, domain events, snapshots, checkpoints, migration.

import { array, hyper, int, opaque, struct, uhyper, uint, xdrVoid } from "../xdr/mod.ts";
import { declare } from "./program.ts";
import {
  REMOTE_CONNECT_GET_ALL_DOMAIN_STATS_MAX,
  remote_domain,
  REMOTE_DOMAIN_CHECKPOINT_LIST_MAX,
  REMOTE_DOMAIN_EVENT_GRAPHICS_IDENTITY_MAX,
  REMOTE_DOMAIN_EVENT_TUNABLE_MAX,
  REMOTE_DOMAIN_JOB_STATS_MAX,
  REMOTE_DOMAIN_LIST_MAX,
  REMOTE_DOMAIN_MIGRATE_PARAM_LIST_MAX,
  REMOTE_DOMAIN_SNAPSHOT_LIST_MAX,
  REMOTE_MIGRATE_COOKIE_MAX,
  remote_nonnull_domain,
  remote_nonnull_domain_checkpoint,
  remote_nonnull_domain_snapshot,
  remote_nonnull_string,
  remote_string,
  remote_typed_param,
} from "./remote_types.ts";
import {
  REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY,
  REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY,
  REMOTE_PROC_CONNECT_DOMAIN_EVENT_DEREGISTER,
  REMOTE_PROC_CONNECT_DOMAIN_EVENT_DEREGISTER_ANY,
  REMOTE_PROC_CONNECT_DOMAIN_EVENT_REGISTER,
  REMOTE_PROC_CONNECT_DOMAIN_EVENT_REGISTER_ANY,
  REMOTE_PROC_CONNECT_DOMAIN_XML_FROM_NATIVE,
  REMOTE_PROC_CONNECT_DOMAIN_XML_TO_NATIVE,
  REMOTE_PROC_CONNECT_GET_ALL_DOMAIN_STATS,
  REMOTE_PROC_CONNECT_GET_DOMAIN_CAPABILITIES,
  REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS,
  REMOTE_PROC_CONNECT_LIST_DEFINED_DOMAINS,
  REMOTE_PROC_CONNECT_LIST_DOMAINS,
  REMOTE_PROC_CONNECT_NUM_OF_DEFINED_DOMAINS,
  REMOTE_PROC_CONNECT_NUM_OF_DOMAINS,
  REMOTE_PROC_DOMAIN_CHECKPOINT_CREATE_XML,
  REMOTE_PROC_DOMAIN_CHECKPOINT_DELETE,
  REMOTE_PROC_DOMAIN_CHECKPOINT_GET_PARENT,
  REMOTE_PROC_DOMAIN_CHECKPOINT_GET_XML_DESC,
  REMOTE_PROC_DOMAIN_CHECKPOINT_LIST_ALL_CHILDREN,
  REMOTE_PROC_DOMAIN_CHECKPOINT_LOOKUP_BY_NAME,
  REMOTE_PROC_DOMAIN_EVENT_BALLOON_CHANGE,
  REMOTE_PROC_DOMAIN_EVENT_BLOCK_JOB,
  REMOTE_PROC_DOMAIN_EVENT_BLOCK_JOB_2,
  REMOTE_PROC_DOMAIN_EVENT_BLOCK_THRESHOLD,
  REMOTE_PROC_DOMAIN_EVENT_CALLBACK_AGENT_LIFECYCLE,
  REMOTE_PROC_DOMAIN_EVENT_CALLBACK_BALLOON_CHANGE,
  REMOTE_PROC_DOMAIN_EVENT_CALLBACK_BLOCK_JOB,
  REMOTE_PROC_DOMAIN_EVENT_CALLBACK_CONTROL_ERROR,
  REMOTE_PROC_DOMAIN_EVENT_CALLBACK_DEVICE_ADDED,
  REMOTE_PROC_DOMAIN_EVENT_CALLBACK_DEVICE_REMOVAL_FAILED,
  REMOTE_PROC_DOMAIN_EVENT_CALLBACK_DEVICE_REMOVED,
  REMOTE_PROC_DOMAIN_EVENT_CALLBACK_DISK_CHANGE,
  REMOTE_PROC_DOMAIN_EVENT_CALLBACK_GRAPHICS,
  REMOTE_PROC_DOMAIN_EVENT_CALLBACK_IO_ERROR,
  REMOTE_PROC_DOMAIN_EVENT_CALLBACK_IO_ERROR_REASON,
  REMOTE_PROC_DOMAIN_EVENT_CALLBACK_JOB_COMPLETED,
  REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE,
  REMOTE_PROC_DOMAIN_EVENT_CALLBACK_METADATA_CHANGE,
  REMOTE_PROC_DOMAIN_EVENT_CALLBACK_MIGRATION_ITERATION,
  REMOTE_PROC_DOMAIN_EVENT_CALLBACK_PMSUSPEND,
  REMOTE_PROC_DOMAIN_EVENT_CALLBACK_PMSUSPEND_DISK,
  REMOTE_PROC_DOMAIN_EVENT_CALLBACK_PMWAKEUP,
  REMOTE_PROC_DOMAIN_EVENT_CALLBACK_REBOOT,
  REMOTE_PROC_DOMAIN_EVENT_CALLBACK_RTC_CHANGE,
  REMOTE_PROC_DOMAIN_EVENT_CALLBACK_TRAY_CHANGE,
  REMOTE_PROC_DOMAIN_EVENT_CALLBACK_TUNABLE,
  REMOTE_PROC_DOMAIN_EVENT_CALLBACK_WATCHDOG,
  REMOTE_PROC_DOMAIN_EVENT_CONTROL_ERROR,
  REMOTE_PROC_DOMAIN_EVENT_DEVICE_REMOVED,
  REMOTE_PROC_DOMAIN_EVENT_DISK_CHANGE,
  REMOTE_PROC_DOMAIN_EVENT_GRAPHICS,
  REMOTE_PROC_DOMAIN_EVENT_IO_ERROR,
  REMOTE_PROC_DOMAIN_EVENT_IO_ERROR_REASON,
  REMOTE_PROC_DOMAIN_EVENT_LIFECYCLE,
  REMOTE_PROC_DOMAIN_EVENT_MEMORY_DEVICE_SIZE_CHANGE,
  REMOTE_PROC_DOMAIN_EVENT_MEMORY_FAILURE,
  REMOTE_PROC_DOMAIN_EVENT_NIC_MAC_CHANGE,
  REMOTE_PROC_DOMAIN_EVENT_PMSUSPEND,
  REMOTE_PROC_DOMAIN_EVENT_PMSUSPEND_DISK,
  REMOTE_PROC_DOMAIN_EVENT_PMWAKEUP,
  REMOTE_PROC_DOMAIN_EVENT_REBOOT,
  REMOTE_PROC_DOMAIN_EVENT_RTC_CHANGE,
  REMOTE_PROC_DOMAIN_EVENT_TRAY_CHANGE,
  REMOTE_PROC_DOMAIN_EVENT_WATCHDOG,
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

const migrate_cookie = opaque(REMOTE_MIGRATE_COOKIE_MAX);
const migrate_params = array(remote_typed_param, REMOTE_DOMAIN_MIGRATE_PARAM_LIST_MAX);

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

// ---- Event registration ---------------------------------------------------------------

export const remote_connect_domain_event_register_ret = struct(
  "remote_connect_domain_event_register_ret",
  { cb_registered: int },
);
export const remote_connect_domain_event_deregister_ret = struct(
  "remote_connect_domain_event_deregister_ret",
  { cb_registered: int },
);
export const remote_connect_domain_event_register_any_args = struct(
  "remote_connect_domain_event_register_any_args",
  { eventID: int },
);
export const remote_connect_domain_event_deregister_any_args = struct(
  "remote_connect_domain_event_deregister_any_args",
  { eventID: int },
);
export const remote_connect_domain_event_callback_register_any_args = struct(
  "remote_connect_domain_event_callback_register_any_args",
  { eventID: int, dom: remote_domain },
);
export const remote_connect_domain_event_callback_register_any_ret = struct(
  "remote_connect_domain_event_callback_register_any_ret",
  { callbackID: int },
);
export const remote_connect_domain_event_callback_deregister_any_args = struct(
  "remote_connect_domain_event_callback_deregister_any_args",
  { callbackID: int },
);

// ---- Event messages ---------------------------------------------------------------------
// The legacy messages are also the `msg` member of their callback forms.

export const remote_domain_event_lifecycle_msg = struct("remote_domain_event_lifecycle_msg", {
  dom: remote_nonnull_domain,
  event: int,
  detail: int,
});
export const remote_domain_event_callback_lifecycle_msg = struct(
  "remote_domain_event_callback_lifecycle_msg",
  { callbackID: int, msg: remote_domain_event_lifecycle_msg },
);
export const remote_domain_event_reboot_msg = struct("remote_domain_event_reboot_msg", {
  dom: remote_nonnull_domain,
});
export const remote_domain_event_callback_reboot_msg = struct(
  "remote_domain_event_callback_reboot_msg",
  { callbackID: int, msg: remote_domain_event_reboot_msg },
);
export const remote_domain_event_rtc_change_msg = struct("remote_domain_event_rtc_change_msg", {
  dom: remote_nonnull_domain,
  offset: hyper,
});
export const remote_domain_event_callback_rtc_change_msg = struct(
  "remote_domain_event_callback_rtc_change_msg",
  { callbackID: int, msg: remote_domain_event_rtc_change_msg },
);
export const remote_domain_event_watchdog_msg = struct("remote_domain_event_watchdog_msg", {
  dom: remote_nonnull_domain,
  action: int,
});
export const remote_domain_event_callback_watchdog_msg = struct(
  "remote_domain_event_callback_watchdog_msg",
  { callbackID: int, msg: remote_domain_event_watchdog_msg },
);
export const remote_domain_event_io_error_msg = struct("remote_domain_event_io_error_msg", {
  dom: remote_nonnull_domain,
  srcPath: remote_nonnull_string,
  devAlias: remote_nonnull_string,
  action: int,
});
export const remote_domain_event_callback_io_error_msg = struct(
  "remote_domain_event_callback_io_error_msg",
  { callbackID: int, msg: remote_domain_event_io_error_msg },
);
export const remote_domain_event_io_error_reason_msg = struct(
  "remote_domain_event_io_error_reason_msg",
  {
    dom: remote_nonnull_domain,
    srcPath: remote_nonnull_string,
    devAlias: remote_nonnull_string,
    action: int,
    reason: remote_nonnull_string,
  },
);
export const remote_domain_event_callback_io_error_reason_msg = struct(
  "remote_domain_event_callback_io_error_reason_msg",
  { callbackID: int, msg: remote_domain_event_io_error_reason_msg },
);
export const remote_domain_event_graphics_address = struct(
  "remote_domain_event_graphics_address",
  { family: int, node: remote_nonnull_string, service: remote_nonnull_string },
);
export const remote_domain_event_graphics_identity = struct(
  "remote_domain_event_graphics_identity",
  { type: remote_nonnull_string, name: remote_nonnull_string },
);
export const remote_domain_event_graphics_msg = struct("remote_domain_event_graphics_msg", {
  dom: remote_nonnull_domain,
  phase: int,
  local: remote_domain_event_graphics_address,
  remote: remote_domain_event_graphics_address,
  authScheme: remote_nonnull_string,
  subject: array(remote_domain_event_graphics_identity, REMOTE_DOMAIN_EVENT_GRAPHICS_IDENTITY_MAX),
});
export const remote_domain_event_callback_graphics_msg = struct(
  "remote_domain_event_callback_graphics_msg",
  { callbackID: int, msg: remote_domain_event_graphics_msg },
);
export const remote_domain_event_block_job_msg = struct("remote_domain_event_block_job_msg", {
  dom: remote_nonnull_domain,
  path: remote_nonnull_string,
  type: int,
  status: int,
});
export const remote_domain_event_callback_block_job_msg = struct(
  "remote_domain_event_callback_block_job_msg",
  { callbackID: int, msg: remote_domain_event_block_job_msg },
);
export const remote_domain_event_disk_change_msg = struct("remote_domain_event_disk_change_msg", {
  dom: remote_nonnull_domain,
  oldSrcPath: remote_string,
  newSrcPath: remote_string,
  devAlias: remote_nonnull_string,
  reason: int,
});
export const remote_domain_event_callback_disk_change_msg = struct(
  "remote_domain_event_callback_disk_change_msg",
  { callbackID: int, msg: remote_domain_event_disk_change_msg },
);
export const remote_domain_event_tray_change_msg = struct("remote_domain_event_tray_change_msg", {
  dom: remote_nonnull_domain,
  devAlias: remote_nonnull_string,
  reason: int,
});
export const remote_domain_event_callback_tray_change_msg = struct(
  "remote_domain_event_callback_tray_change_msg",
  { callbackID: int, msg: remote_domain_event_tray_change_msg },
);
// The three power-management callback forms carry `reason` before `msg`.
export const remote_domain_event_pmwakeup_msg = struct("remote_domain_event_pmwakeup_msg", {
  dom: remote_nonnull_domain,
});
export const remote_domain_event_callback_pmwakeup_msg = struct(
  "remote_domain_event_callback_pmwakeup_msg",
  { callbackID: int, reason: int, msg: remote_domain_event_pmwakeup_msg },
);
export const remote_domain_event_pmsuspend_msg = struct("remote_domain_event_pmsuspend_msg", {
  dom: remote_nonnull_domain,
});
export const remote_domain_event_callback_pmsuspend_msg = struct(
  "remote_domain_event_callback_pmsuspend_msg",
  { callbackID: int, reason: int, msg: remote_domain_event_pmsuspend_msg },
);
export const remote_domain_event_balloon_change_msg = struct(
  "remote_domain_event_balloon_change_msg",
  { dom: remote_nonnull_domain, actual: uhyper },
);
export const remote_domain_event_callback_balloon_change_msg = struct(
  "remote_domain_event_callback_balloon_change_msg",
  { callbackID: int, msg: remote_domain_event_balloon_change_msg },
);
export const remote_domain_event_pmsuspend_disk_msg = struct(
  "remote_domain_event_pmsuspend_disk_msg",
  { dom: remote_nonnull_domain },
);
export const remote_domain_event_callback_pmsuspend_disk_msg = struct(
  "remote_domain_event_callback_pmsuspend_disk_msg",
  { callbackID: int, reason: int, msg: remote_domain_event_pmsuspend_disk_msg },
);
export const remote_domain_event_control_error_msg = struct(
  "remote_domain_event_control_error_msg",
  { dom: remote_nonnull_domain },
);
export const remote_domain_event_callback_control_error_msg = struct(
  "remote_domain_event_callback_control_error_msg",
  { callbackID: int, msg: remote_domain_event_control_error_msg },
);
export const remote_domain_event_device_removed_msg = struct(
  "remote_domain_event_device_removed_msg",
  { dom: remote_nonnull_domain, devAlias: remote_nonnull_string },
);
export const remote_domain_event_callback_device_removed_msg = struct(
  "remote_domain_event_callback_device_removed_msg",
  { callbackID: int, msg: remote_domain_event_device_removed_msg },
);
// Events added after DEVICE_REMOVED exist only in the flat callback form.
export const remote_domain_event_block_job_2_msg = struct("remote_domain_event_block_job_2_msg", {
  callbackID: int,
  dom: remote_nonnull_domain,
  dst: remote_nonnull_string,
  type: int,
  status: int,
});
export const remote_domain_event_block_threshold_msg = struct(
  "remote_domain_event_block_threshold_msg",
  {
    callbackID: int,
    dom: remote_nonnull_domain,
    dev: remote_nonnull_string,
    path: remote_string,
    threshold: uhyper,
    excess: uhyper,
  },
);
export const remote_domain_event_callback_tunable_msg = struct(
  "remote_domain_event_callback_tunable_msg",
  {
    callbackID: int,
    dom: remote_nonnull_domain,
    params: array(remote_typed_param, REMOTE_DOMAIN_EVENT_TUNABLE_MAX),
  },
);
export const remote_domain_event_callback_device_added_msg = struct(
  "remote_domain_event_callback_device_added_msg",
  { callbackID: int, dom: remote_nonnull_domain, devAlias: remote_nonnull_string },
);
export const remote_domain_event_callback_agent_lifecycle_msg = struct(
  "remote_domain_event_callback_agent_lifecycle_msg",
  { callbackID: int, dom: remote_nonnull_domain, state: int, reason: int },
);
export const remote_domain_event_callback_migration_iteration_msg = struct(
  "remote_domain_event_callback_migration_iteration_msg",
  { callbackID: int, dom: remote_nonnull_domain, iteration: int },
);
export const remote_domain_event_callback_job_completed_msg = struct(
  "remote_domain_event_callback_job_completed_msg",
  {
    callbackID: int,
    dom: remote_nonnull_domain,
    params: array(remote_typed_param, REMOTE_DOMAIN_JOB_STATS_MAX),
  },
);
export const remote_domain_event_callback_device_removal_failed_msg = struct(
  "remote_domain_event_callback_device_removal_failed_msg",
  { callbackID: int, dom: remote_nonnull_domain, devAlias: remote_nonnull_string },
);
export const remote_domain_event_callback_metadata_change_msg = struct(
  "remote_domain_event_callback_metadata_change_msg",
  { callbackID: int, dom: remote_nonnull_domain, type: int, nsuri: remote_string },
);
export const remote_domain_event_memory_failure_msg = struct(
  "remote_domain_event_memory_failure_msg",
  { callbackID: int, dom: remote_nonnull_domain, recipient: int, action: int, flags: uint },
);
export const remote_domain_event_memory_device_size_change_msg = struct(
  "remote_domain_event_memory_device_size_change_msg",
  { callbackID: int, dom: remote_nonnull_domain, alias: remote_nonnull_string, size: uhyper },
);
export const remote_domain_event_nic_mac_change_msg = struct(
  "remote_domain_event_nic_mac_change_msg",
  {
    callbackID: int,
    dom: remote_nonnull_domain,
    alias: remote_nonnull_string,
    oldMAC: remote_nonnull_string,
    newMAC: remote_nonnull_string,
  },
);

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

// ---- Declarations -----------------------------------------------------------------------------------

export const domainExtraDeclarations = [
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
    REMOTE_PROC_CONNECT_DOMAIN_EVENT_REGISTER,
    xdrVoid,
    remote_connect_domain_event_register_ret,
  ),
  declare(
    REMOTE_PROC_CONNECT_DOMAIN_EVENT_DEREGISTER,
    xdrVoid,
    remote_connect_domain_event_deregister_ret,
  ),
  declare(REMOTE_PROC_DOMAIN_EVENT_LIFECYCLE, remote_domain_event_lifecycle_msg, xdrVoid),
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
    REMOTE_PROC_CONNECT_DOMAIN_EVENT_REGISTER_ANY,
    remote_connect_domain_event_register_any_args,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_CONNECT_DOMAIN_EVENT_DEREGISTER_ANY,
    remote_connect_domain_event_deregister_any_args,
    xdrVoid,
  ),
  declare(REMOTE_PROC_DOMAIN_EVENT_REBOOT, remote_domain_event_reboot_msg, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_EVENT_RTC_CHANGE, remote_domain_event_rtc_change_msg, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_EVENT_WATCHDOG, remote_domain_event_watchdog_msg, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_EVENT_IO_ERROR, remote_domain_event_io_error_msg, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_EVENT_GRAPHICS, remote_domain_event_graphics_msg, xdrVoid),
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
    REMOTE_PROC_DOMAIN_EVENT_IO_ERROR_REASON,
    remote_domain_event_io_error_reason_msg,
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
  declare(REMOTE_PROC_DOMAIN_EVENT_CONTROL_ERROR, remote_domain_event_control_error_msg, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_EVENT_BLOCK_JOB, remote_domain_event_block_job_msg, xdrVoid),
  declare(
    REMOTE_PROC_DOMAIN_MIGRATE_GET_MAX_SPEED,
    remote_domain_migrate_get_max_speed_args,
    remote_domain_migrate_get_max_speed_ret,
  ),
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
  declare(REMOTE_PROC_DOMAIN_EVENT_DISK_CHANGE, remote_domain_event_disk_change_msg, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_EVENT_TRAY_CHANGE, remote_domain_event_tray_change_msg, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_EVENT_PMWAKEUP, remote_domain_event_pmwakeup_msg, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_EVENT_PMSUSPEND, remote_domain_event_pmsuspend_msg, xdrVoid),
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
    REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS,
    remote_connect_list_all_domains_args,
    remote_connect_list_all_domains_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_SNAPSHOT_LIST_ALL_CHILDREN,
    remote_domain_snapshot_list_all_children_args,
    remote_domain_snapshot_list_all_children_ret,
  ),
  declare(REMOTE_PROC_DOMAIN_EVENT_BALLOON_CHANGE, remote_domain_event_balloon_change_msg, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_EVENT_PMSUSPEND_DISK, remote_domain_event_pmsuspend_disk_msg, xdrVoid),
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
  declare(REMOTE_PROC_DOMAIN_EVENT_DEVICE_REMOVED, remote_domain_event_device_removed_msg, xdrVoid),
  declare(
    REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY,
    remote_connect_domain_event_callback_register_any_args,
    remote_connect_domain_event_callback_register_any_ret,
  ),
  declare(
    REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY,
    remote_connect_domain_event_callback_deregister_any_args,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE,
    remote_domain_event_callback_lifecycle_msg,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_DOMAIN_EVENT_CALLBACK_REBOOT,
    remote_domain_event_callback_reboot_msg,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_DOMAIN_EVENT_CALLBACK_RTC_CHANGE,
    remote_domain_event_callback_rtc_change_msg,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_DOMAIN_EVENT_CALLBACK_WATCHDOG,
    remote_domain_event_callback_watchdog_msg,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_DOMAIN_EVENT_CALLBACK_IO_ERROR,
    remote_domain_event_callback_io_error_msg,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_DOMAIN_EVENT_CALLBACK_GRAPHICS,
    remote_domain_event_callback_graphics_msg,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_DOMAIN_EVENT_CALLBACK_IO_ERROR_REASON,
    remote_domain_event_callback_io_error_reason_msg,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_DOMAIN_EVENT_CALLBACK_CONTROL_ERROR,
    remote_domain_event_callback_control_error_msg,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_DOMAIN_EVENT_CALLBACK_BLOCK_JOB,
    remote_domain_event_callback_block_job_msg,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_DOMAIN_EVENT_CALLBACK_DISK_CHANGE,
    remote_domain_event_callback_disk_change_msg,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_DOMAIN_EVENT_CALLBACK_TRAY_CHANGE,
    remote_domain_event_callback_tray_change_msg,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_DOMAIN_EVENT_CALLBACK_PMWAKEUP,
    remote_domain_event_callback_pmwakeup_msg,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_DOMAIN_EVENT_CALLBACK_PMSUSPEND,
    remote_domain_event_callback_pmsuspend_msg,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_DOMAIN_EVENT_CALLBACK_BALLOON_CHANGE,
    remote_domain_event_callback_balloon_change_msg,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_DOMAIN_EVENT_CALLBACK_PMSUSPEND_DISK,
    remote_domain_event_callback_pmsuspend_disk_msg,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_DOMAIN_EVENT_CALLBACK_DEVICE_REMOVED,
    remote_domain_event_callback_device_removed_msg,
    xdrVoid,
  ),
  declare(REMOTE_PROC_DOMAIN_EVENT_BLOCK_JOB_2, remote_domain_event_block_job_2_msg, xdrVoid),
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
  declare(
    REMOTE_PROC_DOMAIN_EVENT_CALLBACK_TUNABLE,
    remote_domain_event_callback_tunable_msg,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_DOMAIN_EVENT_CALLBACK_AGENT_LIFECYCLE,
    remote_domain_event_callback_agent_lifecycle_msg,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_DOMAIN_EVENT_CALLBACK_DEVICE_ADDED,
    remote_domain_event_callback_device_added_msg,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_DOMAIN_EVENT_CALLBACK_MIGRATION_ITERATION,
    remote_domain_event_callback_migration_iteration_msg,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_DOMAIN_EVENT_CALLBACK_JOB_COMPLETED,
    remote_domain_event_callback_job_completed_msg,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_DOMAIN_MIGRATE_START_POST_COPY,
    remote_domain_migrate_start_post_copy_args,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_DOMAIN_EVENT_CALLBACK_DEVICE_REMOVAL_FAILED,
    remote_domain_event_callback_device_removal_failed_msg,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_DOMAIN_EVENT_CALLBACK_METADATA_CHANGE,
    remote_domain_event_callback_metadata_change_msg,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_DOMAIN_EVENT_BLOCK_THRESHOLD,
    remote_domain_event_block_threshold_msg,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_DOMAIN_MIGRATE_GET_MAX_DOWNTIME,
    remote_domain_migrate_get_max_downtime_args,
    remote_domain_migrate_get_max_downtime_ret,
  ),
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
  declare(REMOTE_PROC_DOMAIN_EVENT_MEMORY_FAILURE, remote_domain_event_memory_failure_msg, xdrVoid),
  declare(
    REMOTE_PROC_DOMAIN_EVENT_MEMORY_DEVICE_SIZE_CHANGE,
    remote_domain_event_memory_device_size_change_msg,
    xdrVoid,
  ),
  declare(REMOTE_PROC_DOMAIN_EVENT_NIC_MAC_CHANGE, remote_domain_event_nic_mac_change_msg, xdrVoid),
] as const;
