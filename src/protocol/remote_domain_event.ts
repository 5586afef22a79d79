/**
 * The remote program's domain events: registering for them (old and
 * callback-based styles) and the message each event arrives in.
 *
 * @module
 */

import { array, hyper, int, struct, uhyper, uint, xdrVoid } from "../xdr/mod.ts";
import { declare } from "./program.ts";
import {
  remote_domain,
  REMOTE_DOMAIN_EVENT_GRAPHICS_IDENTITY_MAX,
  REMOTE_DOMAIN_EVENT_TUNABLE_MAX,
  REMOTE_DOMAIN_JOB_STATS_MAX,
  remote_nonnull_domain,
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
} from "./remote_procedure_numbers.ts";

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

export const domainEventDeclarations = [
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
    REMOTE_PROC_DOMAIN_EVENT_IO_ERROR_REASON,
    remote_domain_event_io_error_reason_msg,
    xdrVoid,
  ),
  declare(REMOTE_PROC_DOMAIN_EVENT_CONTROL_ERROR, remote_domain_event_control_error_msg, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_EVENT_BLOCK_JOB, remote_domain_event_block_job_msg, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_EVENT_DISK_CHANGE, remote_domain_event_disk_change_msg, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_EVENT_TRAY_CHANGE, remote_domain_event_tray_change_msg, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_EVENT_PMWAKEUP, remote_domain_event_pmwakeup_msg, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_EVENT_PMSUSPEND, remote_domain_event_pmsuspend_msg, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_EVENT_BALLOON_CHANGE, remote_domain_event_balloon_change_msg, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_EVENT_PMSUSPEND_DISK, remote_domain_event_pmsuspend_disk_msg, xdrVoid),
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
  declare(REMOTE_PROC_DOMAIN_EVENT_MEMORY_FAILURE, remote_domain_event_memory_failure_msg, xdrVoid),
  declare(
    REMOTE_PROC_DOMAIN_EVENT_MEMORY_DEVICE_SIZE_CHANGE,
    remote_domain_event_memory_device_size_change_msg,
    xdrVoid,
  ),
  declare(REMOTE_PROC_DOMAIN_EVENT_NIC_MAC_CHANGE, remote_domain_event_nic_mac_change_msg, xdrVoid),
] as const;
