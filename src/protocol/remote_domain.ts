/**
 * Argument and result types of the remote program's domain procedures
 * (lifecycle, devices, tuning, stats, guest agent), in libvirt's wire layouts.
 *
 * @module
 */

import {
  array,
  hyper,
  int,
  opaque,
  struct,
  uchar,
  uhyper,
  uint,
  ushort,
  xdrVoid,
} from "../xdr/mod.ts";
import { declare } from "./program.ts";
import {
  charArray,
  REMOTE_CPUMAP_MAX,
  REMOTE_CPUMAPS_MAX,
  REMOTE_DOMAIN_AUTHORIZED_SSH_KEYS_MAX,
  REMOTE_DOMAIN_BLKIO_PARAMETERS_MAX,
  REMOTE_DOMAIN_BLOCK_COPY_PARAMETERS_MAX,
  REMOTE_DOMAIN_BLOCK_IO_TUNE_PARAMETERS_MAX,
  REMOTE_DOMAIN_BLOCK_PEEK_BUFFER_MAX,
  REMOTE_DOMAIN_BLOCK_STATS_PARAMETERS_MAX,
  REMOTE_DOMAIN_CHECKPOINT_LIST_MAX,
  remote_domain_disk_error,
  REMOTE_DOMAIN_DISK_ERRORS_MAX,
  REMOTE_DOMAIN_FSFREEZE_MOUNTPOINTS_MAX,
  REMOTE_DOMAIN_FSINFO_DISKS_MAX,
  REMOTE_DOMAIN_FSINFO_MAX,
  REMOTE_DOMAIN_GET_CPU_STATS_MAX,
  REMOTE_DOMAIN_GUEST_INFO_PARAMS_MAX,
  REMOTE_DOMAIN_GUEST_VCPU_PARAMS_MAX,
  REMOTE_DOMAIN_INTERFACE_MAX,
  REMOTE_DOMAIN_INTERFACE_PARAMETERS_MAX,
  REMOTE_DOMAIN_IOTHREAD_PARAMS_MAX,
  REMOTE_DOMAIN_IP_ADDR_MAX,
  REMOTE_DOMAIN_JOB_STATS_MAX,
  REMOTE_DOMAIN_LAUNCH_SECURITY_INFO_PARAMS_MAX,
  REMOTE_DOMAIN_LAUNCH_SECURITY_STATE_PARAMS_MAX,
  REMOTE_DOMAIN_MEMORY_PARAMETERS_MAX,
  REMOTE_DOMAIN_MEMORY_PEEK_BUFFER_MAX,
  REMOTE_DOMAIN_MEMORY_STATS_MAX,
  REMOTE_DOMAIN_MESSAGES_MAX,
  REMOTE_DOMAIN_NUMA_PARAMETERS_MAX,
  REMOTE_DOMAIN_PERF_EVENTS_MAX,
  REMOTE_DOMAIN_SCHEDULER_PARAMETERS_MAX,
  REMOTE_DOMAIN_SEND_KEY_MAX,
  REMOTE_DOMAIN_SNAPSHOT_LIST_MAX,
  REMOTE_IOTHREAD_INFO_MAX,
  remote_nonnull_domain,
  remote_nonnull_domain_checkpoint,
  remote_nonnull_domain_snapshot,
  remote_nonnull_string,
  REMOTE_SECURITY_LABEL_LIST_MAX,
  REMOTE_SECURITY_LABEL_MAX,
  remote_string,
  remote_typed_param,
  remote_uuid,
  remote_vcpu_info,
  REMOTE_VCPUINFO_MAX,
} from "./remote_types.ts";
import {
  REMOTE_PROC_DOMAIN_ABORT_JOB,
  REMOTE_PROC_DOMAIN_ABORT_JOB_FLAGS,
  REMOTE_PROC_DOMAIN_ADD_IOTHREAD,
  REMOTE_PROC_DOMAIN_AGENT_SET_RESPONSE_TIMEOUT,
  REMOTE_PROC_DOMAIN_ATTACH_DEVICE,
  REMOTE_PROC_DOMAIN_ATTACH_DEVICE_FLAGS,
  REMOTE_PROC_DOMAIN_AUTHORIZED_SSH_KEYS_GET,
  REMOTE_PROC_DOMAIN_AUTHORIZED_SSH_KEYS_SET,
  REMOTE_PROC_DOMAIN_BACKUP_BEGIN,
  REMOTE_PROC_DOMAIN_BACKUP_GET_XML_DESC,
  REMOTE_PROC_DOMAIN_BLOCK_COMMIT,
  REMOTE_PROC_DOMAIN_BLOCK_COPY,
  REMOTE_PROC_DOMAIN_BLOCK_JOB_ABORT,
  REMOTE_PROC_DOMAIN_BLOCK_JOB_SET_SPEED,
  REMOTE_PROC_DOMAIN_BLOCK_PEEK,
  REMOTE_PROC_DOMAIN_BLOCK_PULL,
  REMOTE_PROC_DOMAIN_BLOCK_REBASE,
  REMOTE_PROC_DOMAIN_BLOCK_RESIZE,
  REMOTE_PROC_DOMAIN_BLOCK_STATS,
  REMOTE_PROC_DOMAIN_BLOCK_STATS_FLAGS,
  REMOTE_PROC_DOMAIN_CORE_DUMP,
  REMOTE_PROC_DOMAIN_CORE_DUMP_WITH_FORMAT,
  REMOTE_PROC_DOMAIN_CREATE,
  REMOTE_PROC_DOMAIN_CREATE_WITH_FILES,
  REMOTE_PROC_DOMAIN_CREATE_WITH_FLAGS,
  REMOTE_PROC_DOMAIN_CREATE_XML,
  REMOTE_PROC_DOMAIN_CREATE_XML_WITH_FILES,
  REMOTE_PROC_DOMAIN_DEFINE_XML,
  REMOTE_PROC_DOMAIN_DEFINE_XML_FLAGS,
  REMOTE_PROC_DOMAIN_DEL_IOTHREAD,
  REMOTE_PROC_DOMAIN_DEL_THROTTLE_GROUP,
  REMOTE_PROC_DOMAIN_DESTROY,
  REMOTE_PROC_DOMAIN_DESTROY_FLAGS,
  REMOTE_PROC_DOMAIN_DETACH_DEVICE,
  REMOTE_PROC_DOMAIN_DETACH_DEVICE_ALIAS,
  REMOTE_PROC_DOMAIN_DETACH_DEVICE_FLAGS,
  REMOTE_PROC_DOMAIN_FD_ASSOCIATE,
  REMOTE_PROC_DOMAIN_FSFREEZE,
  REMOTE_PROC_DOMAIN_FSTHAW,
  REMOTE_PROC_DOMAIN_FSTRIM,
  REMOTE_PROC_DOMAIN_GET_AUTOSTART,
  REMOTE_PROC_DOMAIN_GET_AUTOSTART_ONCE,
  REMOTE_PROC_DOMAIN_GET_BLKIO_PARAMETERS,
  REMOTE_PROC_DOMAIN_GET_BLOCK_INFO,
  REMOTE_PROC_DOMAIN_GET_BLOCK_IO_TUNE,
  REMOTE_PROC_DOMAIN_GET_BLOCK_JOB_INFO,
  REMOTE_PROC_DOMAIN_GET_CONTROL_INFO,
  REMOTE_PROC_DOMAIN_GET_CPU_STATS,
  REMOTE_PROC_DOMAIN_GET_DISK_ERRORS,
  REMOTE_PROC_DOMAIN_GET_EMULATOR_PIN_INFO,
  REMOTE_PROC_DOMAIN_GET_FSINFO,
  REMOTE_PROC_DOMAIN_GET_GUEST_INFO,
  REMOTE_PROC_DOMAIN_GET_GUEST_VCPUS,
  REMOTE_PROC_DOMAIN_GET_HOSTNAME,
  REMOTE_PROC_DOMAIN_GET_INFO,
  REMOTE_PROC_DOMAIN_GET_INTERFACE_PARAMETERS,
  REMOTE_PROC_DOMAIN_GET_IOTHREAD_INFO,
  REMOTE_PROC_DOMAIN_GET_JOB_INFO,
  REMOTE_PROC_DOMAIN_GET_JOB_STATS,
  REMOTE_PROC_DOMAIN_GET_LAUNCH_SECURITY_INFO,
  REMOTE_PROC_DOMAIN_GET_MAX_MEMORY,
  REMOTE_PROC_DOMAIN_GET_MAX_VCPUS,
  REMOTE_PROC_DOMAIN_GET_MEMORY_PARAMETERS,
  REMOTE_PROC_DOMAIN_GET_MESSAGES,
  REMOTE_PROC_DOMAIN_GET_METADATA,
  REMOTE_PROC_DOMAIN_GET_NUMA_PARAMETERS,
  REMOTE_PROC_DOMAIN_GET_OS_TYPE,
  REMOTE_PROC_DOMAIN_GET_PERF_EVENTS,
  REMOTE_PROC_DOMAIN_GET_SCHEDULER_PARAMETERS,
  REMOTE_PROC_DOMAIN_GET_SCHEDULER_PARAMETERS_FLAGS,
  REMOTE_PROC_DOMAIN_GET_SCHEDULER_TYPE,
  REMOTE_PROC_DOMAIN_GET_SECURITY_LABEL,
  REMOTE_PROC_DOMAIN_GET_SECURITY_LABEL_LIST,
  REMOTE_PROC_DOMAIN_GET_STATE,
  REMOTE_PROC_DOMAIN_GET_TIME,
  REMOTE_PROC_DOMAIN_GET_VCPU_PIN_INFO,
  REMOTE_PROC_DOMAIN_GET_VCPUS,
  REMOTE_PROC_DOMAIN_GET_VCPUS_FLAGS,
  REMOTE_PROC_DOMAIN_GET_XML_DESC,
  REMOTE_PROC_DOMAIN_GRAPHICS_RELOAD,
  REMOTE_PROC_DOMAIN_HAS_CURRENT_SNAPSHOT,
  REMOTE_PROC_DOMAIN_HAS_MANAGED_SAVE_IMAGE,
  REMOTE_PROC_DOMAIN_INJECT_NMI,
  REMOTE_PROC_DOMAIN_INTERFACE_ADDRESSES,
  REMOTE_PROC_DOMAIN_INTERFACE_STATS,
  REMOTE_PROC_DOMAIN_IS_ACTIVE,
  REMOTE_PROC_DOMAIN_IS_PERSISTENT,
  REMOTE_PROC_DOMAIN_IS_UPDATED,
  REMOTE_PROC_DOMAIN_LIST_ALL_CHECKPOINTS,
  REMOTE_PROC_DOMAIN_LIST_ALL_SNAPSHOTS,
  REMOTE_PROC_DOMAIN_LOOKUP_BY_ID,
  REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME,
  REMOTE_PROC_DOMAIN_LOOKUP_BY_UUID,
  REMOTE_PROC_DOMAIN_MANAGED_SAVE,
  REMOTE_PROC_DOMAIN_MANAGED_SAVE_DEFINE_XML,
  REMOTE_PROC_DOMAIN_MANAGED_SAVE_GET_XML_DESC,
  REMOTE_PROC_DOMAIN_MANAGED_SAVE_REMOVE,
  REMOTE_PROC_DOMAIN_MEMORY_PEEK,
  REMOTE_PROC_DOMAIN_MEMORY_STATS,
  REMOTE_PROC_DOMAIN_OPEN_CHANNEL,
  REMOTE_PROC_DOMAIN_OPEN_CONSOLE,
  REMOTE_PROC_DOMAIN_OPEN_GRAPHICS,
  REMOTE_PROC_DOMAIN_OPEN_GRAPHICS_FD,
  REMOTE_PROC_DOMAIN_PIN_EMULATOR,
  REMOTE_PROC_DOMAIN_PIN_IOTHREAD,
  REMOTE_PROC_DOMAIN_PIN_VCPU,
  REMOTE_PROC_DOMAIN_PIN_VCPU_FLAGS,
  REMOTE_PROC_DOMAIN_PM_SUSPEND_FOR_DURATION,
  REMOTE_PROC_DOMAIN_PM_WAKEUP,
  REMOTE_PROC_DOMAIN_REBOOT,
  REMOTE_PROC_DOMAIN_RENAME,
  REMOTE_PROC_DOMAIN_RESET,
  REMOTE_PROC_DOMAIN_RESTORE,
  REMOTE_PROC_DOMAIN_RESTORE_FLAGS,
  REMOTE_PROC_DOMAIN_RESTORE_PARAMS,
  REMOTE_PROC_DOMAIN_RESUME,
  REMOTE_PROC_DOMAIN_REVERT_TO_SNAPSHOT,
  REMOTE_PROC_DOMAIN_SAVE,
  REMOTE_PROC_DOMAIN_SAVE_FLAGS,
  REMOTE_PROC_DOMAIN_SAVE_IMAGE_DEFINE_XML,
  REMOTE_PROC_DOMAIN_SAVE_IMAGE_GET_XML_DESC,
  REMOTE_PROC_DOMAIN_SAVE_PARAMS,
  REMOTE_PROC_DOMAIN_SCREENSHOT,
  REMOTE_PROC_DOMAIN_SEND_KEY,
  REMOTE_PROC_DOMAIN_SEND_PROCESS_SIGNAL,
  REMOTE_PROC_DOMAIN_SET_AUTOSTART,
  REMOTE_PROC_DOMAIN_SET_AUTOSTART_ONCE,
  REMOTE_PROC_DOMAIN_SET_BLKIO_PARAMETERS,
  REMOTE_PROC_DOMAIN_SET_BLOCK_IO_TUNE,
  REMOTE_PROC_DOMAIN_SET_BLOCK_THRESHOLD,
  REMOTE_PROC_DOMAIN_SET_GUEST_VCPUS,
  REMOTE_PROC_DOMAIN_SET_INTERFACE_PARAMETERS,
  REMOTE_PROC_DOMAIN_SET_IOTHREAD_PARAMS,
  REMOTE_PROC_DOMAIN_SET_LAUNCH_SECURITY_STATE,
  REMOTE_PROC_DOMAIN_SET_LIFECYCLE_ACTION,
  REMOTE_PROC_DOMAIN_SET_MAX_MEMORY,
  REMOTE_PROC_DOMAIN_SET_MEMORY,
  REMOTE_PROC_DOMAIN_SET_MEMORY_FLAGS,
  REMOTE_PROC_DOMAIN_SET_MEMORY_PARAMETERS,
  REMOTE_PROC_DOMAIN_SET_MEMORY_STATS_PERIOD,
  REMOTE_PROC_DOMAIN_SET_METADATA,
  REMOTE_PROC_DOMAIN_SET_NUMA_PARAMETERS,
  REMOTE_PROC_DOMAIN_SET_PERF_EVENTS,
  REMOTE_PROC_DOMAIN_SET_SCHEDULER_PARAMETERS,
  REMOTE_PROC_DOMAIN_SET_SCHEDULER_PARAMETERS_FLAGS,
  REMOTE_PROC_DOMAIN_SET_THROTTLE_GROUP,
  REMOTE_PROC_DOMAIN_SET_TIME,
  REMOTE_PROC_DOMAIN_SET_USER_PASSWORD,
  REMOTE_PROC_DOMAIN_SET_VCPU,
  REMOTE_PROC_DOMAIN_SET_VCPUS,
  REMOTE_PROC_DOMAIN_SET_VCPUS_FLAGS,
  REMOTE_PROC_DOMAIN_SHUTDOWN,
  REMOTE_PROC_DOMAIN_SHUTDOWN_FLAGS,
  REMOTE_PROC_DOMAIN_START_DIRTY_RATE_CALC,
  REMOTE_PROC_DOMAIN_SUSPEND,
  REMOTE_PROC_DOMAIN_UNDEFINE,
  REMOTE_PROC_DOMAIN_UNDEFINE_FLAGS,
  REMOTE_PROC_DOMAIN_UPDATE_DEVICE_FLAGS,
} from "./remote_procedure_numbers.ts";

const REMOTE_DOMAIN_SAVE_PARAMS_MAX = 64;

// ---- Scheduler, blkio, memory, NUMA, perf tuning -----------------------------------
export const remote_domain_get_scheduler_type_args = struct(
  "remote_domain_get_scheduler_type_args",
  { dom: remote_nonnull_domain },
);
export const remote_domain_get_scheduler_type_ret = struct("remote_domain_get_scheduler_type_ret", {
  type: remote_nonnull_string,
  nparams: int,
});
export const remote_domain_get_scheduler_parameters_args = struct(
  "remote_domain_get_scheduler_parameters_args",
  { dom: remote_nonnull_domain, nparams: int },
);
export const remote_domain_get_scheduler_parameters_ret = struct(
  "remote_domain_get_scheduler_parameters_ret",
  { params: array(remote_typed_param, REMOTE_DOMAIN_SCHEDULER_PARAMETERS_MAX) },
);
export const remote_domain_get_scheduler_parameters_flags_args = struct(
  "remote_domain_get_scheduler_parameters_flags_args",
  { dom: remote_nonnull_domain, nparams: int, flags: uint },
);
export const remote_domain_get_scheduler_parameters_flags_ret = struct(
  "remote_domain_get_scheduler_parameters_flags_ret",
  { params: array(remote_typed_param, REMOTE_DOMAIN_SCHEDULER_PARAMETERS_MAX) },
);
export const remote_domain_set_scheduler_parameters_args = struct(
  "remote_domain_set_scheduler_parameters_args",
  {
    dom: remote_nonnull_domain,
    params: array(remote_typed_param, REMOTE_DOMAIN_SCHEDULER_PARAMETERS_MAX),
  },
);
export const remote_domain_set_scheduler_parameters_flags_args = struct(
  "remote_domain_set_scheduler_parameters_flags_args",
  {
    dom: remote_nonnull_domain,
    params: array(remote_typed_param, REMOTE_DOMAIN_SCHEDULER_PARAMETERS_MAX),
    flags: uint,
  },
);
export const remote_domain_set_blkio_parameters_args = struct(
  "remote_domain_set_blkio_parameters_args",
  {
    dom: remote_nonnull_domain,
    params: array(remote_typed_param, REMOTE_DOMAIN_BLKIO_PARAMETERS_MAX),
    flags: uint,
  },
);
export const remote_domain_get_blkio_parameters_args = struct(
  "remote_domain_get_blkio_parameters_args",
  { dom: remote_nonnull_domain, nparams: int, flags: uint },
);
export const remote_domain_get_blkio_parameters_ret = struct(
  "remote_domain_get_blkio_parameters_ret",
  { params: array(remote_typed_param, REMOTE_DOMAIN_BLKIO_PARAMETERS_MAX), nparams: int },
);
export const remote_domain_set_memory_parameters_args = struct(
  "remote_domain_set_memory_parameters_args",
  {
    dom: remote_nonnull_domain,
    params: array(remote_typed_param, REMOTE_DOMAIN_MEMORY_PARAMETERS_MAX),
    flags: uint,
  },
);
export const remote_domain_get_memory_parameters_args = struct(
  "remote_domain_get_memory_parameters_args",
  { dom: remote_nonnull_domain, nparams: int, flags: uint },
);
export const remote_domain_get_memory_parameters_ret = struct(
  "remote_domain_get_memory_parameters_ret",
  { params: array(remote_typed_param, REMOTE_DOMAIN_MEMORY_PARAMETERS_MAX), nparams: int },
);
export const remote_domain_block_resize_args = struct("remote_domain_block_resize_args", {
  dom: remote_nonnull_domain,
  disk: remote_nonnull_string,
  size: uhyper,
  flags: uint,
});
export const remote_domain_set_numa_parameters_args = struct(
  "remote_domain_set_numa_parameters_args",
  {
    dom: remote_nonnull_domain,
    params: array(remote_typed_param, REMOTE_DOMAIN_NUMA_PARAMETERS_MAX),
    flags: uint,
  },
);
export const remote_domain_get_numa_parameters_args = struct(
  "remote_domain_get_numa_parameters_args",
  { dom: remote_nonnull_domain, nparams: int, flags: uint },
);
export const remote_domain_get_numa_parameters_ret = struct(
  "remote_domain_get_numa_parameters_ret",
  { params: array(remote_typed_param, REMOTE_DOMAIN_NUMA_PARAMETERS_MAX), nparams: int },
);
export const remote_domain_set_perf_events_args = struct("remote_domain_set_perf_events_args", {
  dom: remote_nonnull_domain,
  params: array(remote_typed_param, REMOTE_DOMAIN_PERF_EVENTS_MAX),
  flags: uint,
});
export const remote_domain_get_perf_events_args = struct("remote_domain_get_perf_events_args", {
  dom: remote_nonnull_domain,
  flags: uint,
});
export const remote_domain_get_perf_events_ret = struct("remote_domain_get_perf_events_ret", {
  params: array(remote_typed_param, REMOTE_DOMAIN_PERF_EVENTS_MAX),
});

// ---- Block and interface statistics, peeking -------------------------------------------
export const remote_domain_block_stats_args = struct("remote_domain_block_stats_args", {
  dom: remote_nonnull_domain,
  path: remote_nonnull_string,
});
export const remote_domain_block_stats_ret = struct("remote_domain_block_stats_ret", {
  rd_req: hyper,
  rd_bytes: hyper,
  wr_req: hyper,
  wr_bytes: hyper,
  errs: hyper,
});
export const remote_domain_block_stats_flags_args = struct(
  "remote_domain_block_stats_flags_args",
  { dom: remote_nonnull_domain, path: remote_nonnull_string, nparams: int, flags: uint },
);
export const remote_domain_block_stats_flags_ret = struct("remote_domain_block_stats_flags_ret", {
  params: array(remote_typed_param, REMOTE_DOMAIN_BLOCK_STATS_PARAMETERS_MAX),
  nparams: int,
});
export const remote_domain_interface_stats_args = struct("remote_domain_interface_stats_args", {
  dom: remote_nonnull_domain,
  device: remote_nonnull_string,
});
export const remote_domain_interface_stats_ret = struct("remote_domain_interface_stats_ret", {
  rx_bytes: hyper,
  rx_packets: hyper,
  rx_errs: hyper,
  rx_drop: hyper,
  tx_bytes: hyper,
  tx_packets: hyper,
  tx_errs: hyper,
  tx_drop: hyper,
});
export const remote_domain_set_interface_parameters_args = struct(
  "remote_domain_set_interface_parameters_args",
  {
    dom: remote_nonnull_domain,
    device: remote_nonnull_string,
    params: array(remote_typed_param, REMOTE_DOMAIN_INTERFACE_PARAMETERS_MAX),
    flags: uint,
  },
);
export const remote_domain_get_interface_parameters_args = struct(
  "remote_domain_get_interface_parameters_args",
  { dom: remote_nonnull_domain, device: remote_nonnull_string, nparams: int, flags: uint },
);
export const remote_domain_get_interface_parameters_ret = struct(
  "remote_domain_get_interface_parameters_ret",
  { params: array(remote_typed_param, REMOTE_DOMAIN_INTERFACE_PARAMETERS_MAX), nparams: int },
);
export const remote_domain_memory_stats_args = struct("remote_domain_memory_stats_args", {
  dom: remote_nonnull_domain,
  maxStats: uint,
  flags: uint,
});
export const remote_domain_memory_stat = struct("remote_domain_memory_stat", {
  tag: int,
  val: uhyper,
});
export const remote_domain_memory_stats_ret = struct("remote_domain_memory_stats_ret", {
  stats: array(remote_domain_memory_stat, REMOTE_DOMAIN_MEMORY_STATS_MAX),
});
export const remote_domain_block_peek_args = struct("remote_domain_block_peek_args", {
  dom: remote_nonnull_domain,
  path: remote_nonnull_string,
  offset: uhyper,
  size: uint,
  flags: uint,
});
export const remote_domain_block_peek_ret = struct("remote_domain_block_peek_ret", {
  buffer: opaque(REMOTE_DOMAIN_BLOCK_PEEK_BUFFER_MAX),
});
export const remote_domain_memory_peek_args = struct("remote_domain_memory_peek_args", {
  dom: remote_nonnull_domain,
  offset: uhyper,
  size: uint,
  flags: uint,
});
export const remote_domain_memory_peek_ret = struct("remote_domain_memory_peek_ret", {
  buffer: opaque(REMOTE_DOMAIN_MEMORY_PEEK_BUFFER_MAX),
});
export const remote_domain_get_block_info_args = struct("remote_domain_get_block_info_args", {
  dom: remote_nonnull_domain,
  path: remote_nonnull_string,
  flags: uint,
});
export const remote_domain_get_block_info_ret = struct("remote_domain_get_block_info_ret", {
  allocation: uhyper,
  capacity: uhyper,
  physical: uhyper,
});

// ---- Creation, lookup, lifecycle -------------------------------------------------------
export const remote_domain_create_xml_args = struct("remote_domain_create_xml_args", {
  xml_desc: remote_nonnull_string,
  flags: uint,
});
export const remote_domain_create_xml_ret = struct("remote_domain_create_xml_ret", {
  dom: remote_nonnull_domain,
});
export const remote_domain_create_xml_with_files_args = struct(
  "remote_domain_create_xml_with_files_args",
  { xml_desc: remote_nonnull_string, flags: uint },
);
export const remote_domain_create_xml_with_files_ret = struct(
  "remote_domain_create_xml_with_files_ret",
  { dom: remote_nonnull_domain },
);
export const remote_domain_lookup_by_id_args = struct("remote_domain_lookup_by_id_args", {
  id: int,
});
export const remote_domain_lookup_by_id_ret = struct("remote_domain_lookup_by_id_ret", {
  dom: remote_nonnull_domain,
});
export const remote_domain_lookup_by_uuid_args = struct("remote_domain_lookup_by_uuid_args", {
  uuid: remote_uuid,
});
export const remote_domain_lookup_by_uuid_ret = struct("remote_domain_lookup_by_uuid_ret", {
  dom: remote_nonnull_domain,
});
export const remote_domain_lookup_by_name_args = struct("remote_domain_lookup_by_name_args", {
  name: remote_nonnull_string,
});
export const remote_domain_lookup_by_name_ret = struct("remote_domain_lookup_by_name_ret", {
  dom: remote_nonnull_domain,
});
export const remote_domain_suspend_args = struct("remote_domain_suspend_args", {
  dom: remote_nonnull_domain,
});
export const remote_domain_resume_args = struct("remote_domain_resume_args", {
  dom: remote_nonnull_domain,
});
export const remote_domain_pm_suspend_for_duration_args = struct(
  "remote_domain_pm_suspend_for_duration_args",
  { dom: remote_nonnull_domain, target: uint, duration: uhyper, flags: uint },
);
export const remote_domain_pm_wakeup_args = struct("remote_domain_pm_wakeup_args", {
  dom: remote_nonnull_domain,
  flags: uint,
});
export const remote_domain_shutdown_args = struct("remote_domain_shutdown_args", {
  dom: remote_nonnull_domain,
});
export const remote_domain_reboot_args = struct("remote_domain_reboot_args", {
  dom: remote_nonnull_domain,
  flags: uint,
});
export const remote_domain_reset_args = struct("remote_domain_reset_args", {
  dom: remote_nonnull_domain,
  flags: uint,
});
export const remote_domain_destroy_args = struct("remote_domain_destroy_args", {
  dom: remote_nonnull_domain,
});
export const remote_domain_destroy_flags_args = struct("remote_domain_destroy_flags_args", {
  dom: remote_nonnull_domain,
  flags: uint,
});
export const remote_domain_get_os_type_args = struct("remote_domain_get_os_type_args", {
  dom: remote_nonnull_domain,
});
export const remote_domain_get_os_type_ret = struct("remote_domain_get_os_type_ret", {
  type: remote_nonnull_string,
});
export const remote_domain_get_max_memory_args = struct("remote_domain_get_max_memory_args", {
  dom: remote_nonnull_domain,
});
export const remote_domain_get_max_memory_ret = struct("remote_domain_get_max_memory_ret", {
  memory: uhyper,
});
export const remote_domain_set_max_memory_args = struct("remote_domain_set_max_memory_args", {
  dom: remote_nonnull_domain,
  memory: uhyper,
});
export const remote_domain_set_memory_args = struct("remote_domain_set_memory_args", {
  dom: remote_nonnull_domain,
  memory: uhyper,
});
export const remote_domain_set_memory_flags_args = struct("remote_domain_set_memory_flags_args", {
  dom: remote_nonnull_domain,
  memory: uhyper,
  flags: uint,
});
export const remote_domain_set_memory_stats_period_args = struct(
  "remote_domain_set_memory_stats_period_args",
  { dom: remote_nonnull_domain, period: int, flags: uint },
);
export const remote_domain_get_info_args = struct("remote_domain_get_info_args", {
  dom: remote_nonnull_domain,
});
export const remote_domain_get_info_ret = struct("remote_domain_get_info_ret", {
  state: uchar,
  maxMem: uhyper,
  memory: uhyper,
  nrVirtCpu: ushort,
  cpuTime: uhyper,
});

// ---- Save, restore, dump, screenshot -------------------------------------------------
export const remote_domain_save_args = struct("remote_domain_save_args", {
  dom: remote_nonnull_domain,
  to: remote_nonnull_string,
});
export const remote_domain_save_flags_args = struct("remote_domain_save_flags_args", {
  dom: remote_nonnull_domain,
  to: remote_nonnull_string,
  dxml: remote_string,
  flags: uint,
});
export const remote_domain_save_params_args = struct("remote_domain_save_params_args", {
  dom: remote_nonnull_domain,
  params: array(remote_typed_param, REMOTE_DOMAIN_SAVE_PARAMS_MAX),
  flags: uint,
});
export const remote_domain_restore_args = struct("remote_domain_restore_args", {
  from: remote_nonnull_string,
});
export const remote_domain_restore_flags_args = struct("remote_domain_restore_flags_args", {
  from: remote_nonnull_string,
  dxml: remote_string,
  flags: uint,
});
export const remote_domain_restore_params_args = struct("remote_domain_restore_params_args", {
  params: array(remote_typed_param, REMOTE_DOMAIN_SAVE_PARAMS_MAX),
  flags: uint,
});
export const remote_domain_save_image_get_xml_desc_args = struct(
  "remote_domain_save_image_get_xml_desc_args",
  { file: remote_nonnull_string, flags: uint },
);
export const remote_domain_save_image_get_xml_desc_ret = struct(
  "remote_domain_save_image_get_xml_desc_ret",
  { xml: remote_nonnull_string },
);
export const remote_domain_save_image_define_xml_args = struct(
  "remote_domain_save_image_define_xml_args",
  { file: remote_nonnull_string, dxml: remote_nonnull_string, flags: uint },
);
export const remote_domain_core_dump_args = struct("remote_domain_core_dump_args", {
  dom: remote_nonnull_domain,
  to: remote_nonnull_string,
  flags: uint,
});
export const remote_domain_core_dump_with_format_args = struct(
  "remote_domain_core_dump_with_format_args",
  { dom: remote_nonnull_domain, to: remote_nonnull_string, dumpformat: uint, flags: uint },
);
export const remote_domain_screenshot_args = struct("remote_domain_screenshot_args", {
  dom: remote_nonnull_domain,
  screen: uint,
  flags: uint,
});
export const remote_domain_screenshot_ret = struct("remote_domain_screenshot_ret", {
  mime: remote_string,
});
export const remote_domain_get_xml_desc_args = struct("remote_domain_get_xml_desc_args", {
  dom: remote_nonnull_domain,
  flags: uint,
});
export const remote_domain_get_xml_desc_ret = struct("remote_domain_get_xml_desc_ret", {
  xml: remote_nonnull_string,
});

// ---- Definition, start, undefine ---------------------------------------------------------
export const remote_domain_create_args = struct("remote_domain_create_args", {
  dom: remote_nonnull_domain,
});
export const remote_domain_create_with_flags_args = struct(
  "remote_domain_create_with_flags_args",
  { dom: remote_nonnull_domain, flags: uint },
);
export const remote_domain_create_with_flags_ret = struct("remote_domain_create_with_flags_ret", {
  dom: remote_nonnull_domain,
});
export const remote_domain_create_with_files_args = struct(
  "remote_domain_create_with_files_args",
  { dom: remote_nonnull_domain, flags: uint },
);
export const remote_domain_create_with_files_ret = struct("remote_domain_create_with_files_ret", {
  dom: remote_nonnull_domain,
});
export const remote_domain_define_xml_args = struct("remote_domain_define_xml_args", {
  xml: remote_nonnull_string,
});
export const remote_domain_define_xml_ret = struct("remote_domain_define_xml_ret", {
  dom: remote_nonnull_domain,
});
export const remote_domain_define_xml_flags_args = struct("remote_domain_define_xml_flags_args", {
  xml: remote_nonnull_string,
  flags: uint,
});
export const remote_domain_define_xml_flags_ret = struct("remote_domain_define_xml_flags_ret", {
  dom: remote_nonnull_domain,
});
export const remote_domain_undefine_args = struct("remote_domain_undefine_args", {
  dom: remote_nonnull_domain,
});
export const remote_domain_undefine_flags_args = struct("remote_domain_undefine_flags_args", {
  dom: remote_nonnull_domain,
  flags: uint,
});
export const remote_domain_inject_nmi_args = struct("remote_domain_inject_nmi_args", {
  dom: remote_nonnull_domain,
  flags: uint,
});
export const remote_domain_send_key_args = struct("remote_domain_send_key_args", {
  dom: remote_nonnull_domain,
  codeset: uint,
  holdtime: uint,
  keycodes: array(uint, REMOTE_DOMAIN_SEND_KEY_MAX),
  flags: uint,
});
export const remote_domain_send_process_signal_args = struct(
  "remote_domain_send_process_signal_args",
  { dom: remote_nonnull_domain, pid_value: hyper, signum: uint, flags: uint },
);

// ---- vCPUs, emulator and IOThread pinning ------------------------------------------------
export const remote_domain_set_vcpus_args = struct("remote_domain_set_vcpus_args", {
  dom: remote_nonnull_domain,
  nvcpus: uint,
});
export const remote_domain_set_vcpus_flags_args = struct("remote_domain_set_vcpus_flags_args", {
  dom: remote_nonnull_domain,
  nvcpus: uint,
  flags: uint,
});
export const remote_domain_get_vcpus_flags_args = struct("remote_domain_get_vcpus_flags_args", {
  dom: remote_nonnull_domain,
  flags: uint,
});
export const remote_domain_get_vcpus_flags_ret = struct("remote_domain_get_vcpus_flags_ret", {
  num: int,
});
export const remote_domain_pin_vcpu_args = struct("remote_domain_pin_vcpu_args", {
  dom: remote_nonnull_domain,
  vcpu: uint,
  cpumap: opaque(REMOTE_CPUMAP_MAX),
});
export const remote_domain_pin_vcpu_flags_args = struct("remote_domain_pin_vcpu_flags_args", {
  dom: remote_nonnull_domain,
  vcpu: uint,
  cpumap: opaque(REMOTE_CPUMAP_MAX),
  flags: uint,
});
export const remote_domain_get_vcpu_pin_info_args = struct(
  "remote_domain_get_vcpu_pin_info_args",
  { dom: remote_nonnull_domain, ncpumaps: int, maplen: int, flags: uint },
);
export const remote_domain_get_vcpu_pin_info_ret = struct("remote_domain_get_vcpu_pin_info_ret", {
  cpumaps: opaque(REMOTE_CPUMAPS_MAX),
  num: int,
});
export const remote_domain_pin_emulator_args = struct("remote_domain_pin_emulator_args", {
  dom: remote_nonnull_domain,
  cpumap: opaque(REMOTE_CPUMAP_MAX),
  flags: uint,
});
export const remote_domain_get_emulator_pin_info_args = struct(
  "remote_domain_get_emulator_pin_info_args",
  { dom: remote_nonnull_domain, maplen: int, flags: uint },
);
export const remote_domain_get_emulator_pin_info_ret = struct(
  "remote_domain_get_emulator_pin_info_ret",
  { cpumaps: opaque(REMOTE_CPUMAPS_MAX), ret: int },
);
export const remote_domain_get_vcpus_args = struct("remote_domain_get_vcpus_args", {
  dom: remote_nonnull_domain,
  maxinfo: int,
  maplen: int,
});
export const remote_domain_get_vcpus_ret = struct("remote_domain_get_vcpus_ret", {
  info: array(remote_vcpu_info, REMOTE_VCPUINFO_MAX),
  cpumaps: opaque(REMOTE_CPUMAPS_MAX),
});
export const remote_domain_get_max_vcpus_args = struct("remote_domain_get_max_vcpus_args", {
  dom: remote_nonnull_domain,
});
export const remote_domain_get_max_vcpus_ret = struct("remote_domain_get_max_vcpus_ret", {
  num: int,
});
export const remote_domain_iothread_info = struct("remote_domain_iothread_info", {
  iothread_id: uint,
  cpumap: opaque(REMOTE_CPUMAP_MAX),
});
export const remote_domain_get_iothread_info_args = struct(
  "remote_domain_get_iothread_info_args",
  { dom: remote_nonnull_domain, flags: uint },
);
export const remote_domain_get_iothread_info_ret = struct("remote_domain_get_iothread_info_ret", {
  info: array(remote_domain_iothread_info, REMOTE_IOTHREAD_INFO_MAX),
  ret: uint,
});
export const remote_domain_pin_iothread_args = struct("remote_domain_pin_iothread_args", {
  dom: remote_nonnull_domain,
  iothreads_id: uint,
  cpumap: opaque(REMOTE_CPUMAP_MAX),
  flags: uint,
});
export const remote_domain_add_iothread_args = struct("remote_domain_add_iothread_args", {
  dom: remote_nonnull_domain,
  iothread_id: uint,
  flags: uint,
});
export const remote_domain_del_iothread_args = struct("remote_domain_del_iothread_args", {
  dom: remote_nonnull_domain,
  iothread_id: uint,
  flags: uint,
});
export const remote_domain_set_iothread_params_args = struct(
  "remote_domain_set_iothread_params_args",
  {
    dom: remote_nonnull_domain,
    iothread_id: uint,
    params: array(remote_typed_param, REMOTE_DOMAIN_IOTHREAD_PARAMS_MAX),
    flags: uint,
  },
);

// ---- Security labels -------------------------------------------------------------------------
export const remote_domain_get_security_label_args = struct(
  "remote_domain_get_security_label_args",
  { dom: remote_nonnull_domain },
);
export const remote_domain_get_security_label_ret = struct(
  "remote_domain_get_security_label_ret",
  { label: charArray(REMOTE_SECURITY_LABEL_MAX), enforcing: int },
);
export const remote_domain_get_security_label_list_args = struct(
  "remote_domain_get_security_label_list_args",
  { dom: remote_nonnull_domain },
);
/** Each list item has the layout of DOMAIN_GET_SECURITY_LABEL's result. */
export const remote_domain_get_security_label_list_ret = struct(
  "remote_domain_get_security_label_list_ret",
  {
    labels: array(remote_domain_get_security_label_ret, REMOTE_SECURITY_LABEL_LIST_MAX),
    ret: int,
  },
);

// ---- Devices, autostart, metadata ------------------------------------------------------------
export const remote_domain_attach_device_args = struct("remote_domain_attach_device_args", {
  dom: remote_nonnull_domain,
  xml: remote_nonnull_string,
});
export const remote_domain_attach_device_flags_args = struct(
  "remote_domain_attach_device_flags_args",
  { dom: remote_nonnull_domain, xml: remote_nonnull_string, flags: uint },
);
export const remote_domain_detach_device_args = struct("remote_domain_detach_device_args", {
  dom: remote_nonnull_domain,
  xml: remote_nonnull_string,
});
export const remote_domain_detach_device_flags_args = struct(
  "remote_domain_detach_device_flags_args",
  { dom: remote_nonnull_domain, xml: remote_nonnull_string, flags: uint },
);
export const remote_domain_update_device_flags_args = struct(
  "remote_domain_update_device_flags_args",
  { dom: remote_nonnull_domain, xml: remote_nonnull_string, flags: uint },
);
export const remote_domain_detach_device_alias_args = struct(
  "remote_domain_detach_device_alias_args",
  { dom: remote_nonnull_domain, alias: remote_nonnull_string, flags: uint },
);
export const remote_domain_get_autostart_args = struct("remote_domain_get_autostart_args", {
  dom: remote_nonnull_domain,
});
export const remote_domain_get_autostart_ret = struct("remote_domain_get_autostart_ret", {
  autostart: int,
});
export const remote_domain_set_autostart_args = struct("remote_domain_set_autostart_args", {
  dom: remote_nonnull_domain,
  autostart: int,
});
export const remote_domain_set_metadata_args = struct("remote_domain_set_metadata_args", {
  dom: remote_nonnull_domain,
  type: int,
  metadata: remote_string,
  key: remote_string,
  uri: remote_string,
  flags: uint,
});
export const remote_domain_get_metadata_args = struct("remote_domain_get_metadata_args", {
  dom: remote_nonnull_domain,
  type: int,
  uri: remote_string,
  flags: uint,
});
export const remote_domain_get_metadata_ret = struct("remote_domain_get_metadata_ret", {
  metadata: remote_nonnull_string,
});

// ---- Block jobs and block I/O tuning -----------------------------------------------------------
export const remote_domain_block_job_abort_args = struct("remote_domain_block_job_abort_args", {
  dom: remote_nonnull_domain,
  path: remote_nonnull_string,
  flags: uint,
});
export const remote_domain_get_block_job_info_args = struct(
  "remote_domain_get_block_job_info_args",
  { dom: remote_nonnull_domain, path: remote_nonnull_string, flags: uint },
);
export const remote_domain_get_block_job_info_ret = struct(
  "remote_domain_get_block_job_info_ret",
  { found: int, type: int, bandwidth: uhyper, cur: uhyper, end: uhyper },
);
export const remote_domain_block_job_set_speed_args = struct(
  "remote_domain_block_job_set_speed_args",
  { dom: remote_nonnull_domain, path: remote_nonnull_string, bandwidth: uhyper, flags: uint },
);
export const remote_domain_block_pull_args = struct("remote_domain_block_pull_args", {
  dom: remote_nonnull_domain,
  path: remote_nonnull_string,
  bandwidth: uhyper,
  flags: uint,
});
export const remote_domain_block_rebase_args = struct("remote_domain_block_rebase_args", {
  dom: remote_nonnull_domain,
  path: remote_nonnull_string,
  base: remote_string,
  bandwidth: uhyper,
  flags: uint,
});
export const remote_domain_block_copy_args = struct("remote_domain_block_copy_args", {
  dom: remote_nonnull_domain,
  path: remote_nonnull_string,
  destxml: remote_nonnull_string,
  params: array(remote_typed_param, REMOTE_DOMAIN_BLOCK_COPY_PARAMETERS_MAX),
  flags: uint,
});
export const remote_domain_block_commit_args = struct("remote_domain_block_commit_args", {
  dom: remote_nonnull_domain,
  disk: remote_nonnull_string,
  base: remote_string,
  top: remote_string,
  bandwidth: uhyper,
  flags: uint,
});
export const remote_domain_set_block_io_tune_args = struct(
  "remote_domain_set_block_io_tune_args",
  {
    dom: remote_nonnull_domain,
    disk: remote_nonnull_string,
    params: array(remote_typed_param, REMOTE_DOMAIN_BLOCK_IO_TUNE_PARAMETERS_MAX),
    flags: uint,
  },
);
export const remote_domain_get_block_io_tune_args = struct(
  "remote_domain_get_block_io_tune_args",
  { dom: remote_nonnull_domain, disk: remote_string, nparams: int, flags: uint },
);
export const remote_domain_get_block_io_tune_ret = struct("remote_domain_get_block_io_tune_ret", {
  params: array(remote_typed_param, REMOTE_DOMAIN_BLOCK_IO_TUNE_PARAMETERS_MAX),
  nparams: int,
});
/** Throttle groups take the block I/O tuning parameters, under the same limit. */
export const remote_domain_set_throttle_group_args = struct(
  "remote_domain_set_throttle_group_args",
  {
    dom: remote_nonnull_domain,
    group: remote_nonnull_string,
    params: array(remote_typed_param, REMOTE_DOMAIN_BLOCK_IO_TUNE_PARAMETERS_MAX),
    flags: uint,
  },
);
export const remote_domain_del_throttle_group_args = struct(
  "remote_domain_del_throttle_group_args",
  { dom: remote_nonnull_domain, group: remote_string, flags: uint },
);
export const remote_domain_get_cpu_stats_args = struct("remote_domain_get_cpu_stats_args", {
  dom: remote_nonnull_domain,
  nparams: uint,
  start_cpu: int,
  ncpus: uint,
  flags: uint,
});
export const remote_domain_get_cpu_stats_ret = struct("remote_domain_get_cpu_stats_ret", {
  params: array(remote_typed_param, REMOTE_DOMAIN_GET_CPU_STATS_MAX),
  nparams: int,
});
export const remote_domain_get_hostname_args = struct("remote_domain_get_hostname_args", {
  dom: remote_nonnull_domain,
  flags: uint,
});
export const remote_domain_get_hostname_ret = struct("remote_domain_get_hostname_ret", {
  hostname: remote_nonnull_string,
});

// ---- State queries, jobs ------------------------------------------------------------------------
export const remote_domain_is_active_args = struct("remote_domain_is_active_args", {
  dom: remote_nonnull_domain,
});
export const remote_domain_is_active_ret = struct("remote_domain_is_active_ret", {
  active: int,
});
export const remote_domain_is_persistent_args = struct("remote_domain_is_persistent_args", {
  dom: remote_nonnull_domain,
});
export const remote_domain_is_persistent_ret = struct("remote_domain_is_persistent_ret", {
  persistent: int,
});
export const remote_domain_is_updated_args = struct("remote_domain_is_updated_args", {
  dom: remote_nonnull_domain,
});
export const remote_domain_is_updated_ret = struct("remote_domain_is_updated_ret", {
  updated: int,
});
export const remote_domain_get_job_info_args = struct("remote_domain_get_job_info_args", {
  dom: remote_nonnull_domain,
});
export const remote_domain_get_job_info_ret = struct("remote_domain_get_job_info_ret", {
  type: int,
  timeElapsed: uhyper,
  timeRemaining: uhyper,
  dataTotal: uhyper,
  dataProcessed: uhyper,
  dataRemaining: uhyper,
  memTotal: uhyper,
  memProcessed: uhyper,
  memRemaining: uhyper,
  fileTotal: uhyper,
  fileProcessed: uhyper,
  fileRemaining: uhyper,
});
export const remote_domain_get_job_stats_args = struct("remote_domain_get_job_stats_args", {
  dom: remote_nonnull_domain,
  flags: uint,
});
export const remote_domain_get_job_stats_ret = struct("remote_domain_get_job_stats_ret", {
  type: int,
  params: array(remote_typed_param, REMOTE_DOMAIN_JOB_STATS_MAX),
});
export const remote_domain_abort_job_args = struct("remote_domain_abort_job_args", {
  dom: remote_nonnull_domain,
});
export const remote_domain_abort_job_flags_args = struct("remote_domain_abort_job_flags_args", {
  dom: remote_nonnull_domain,
  flags: uint,
});

// ---- Managed save ---------------------------------------------------------------------------------
export const remote_domain_managed_save_args = struct("remote_domain_managed_save_args", {
  dom: remote_nonnull_domain,
  flags: uint,
});
export const remote_domain_has_managed_save_image_args = struct(
  "remote_domain_has_managed_save_image_args",
  { dom: remote_nonnull_domain, flags: uint },
);
export const remote_domain_has_managed_save_image_ret = struct(
  "remote_domain_has_managed_save_image_ret",
  { result: int },
);
export const remote_domain_managed_save_remove_args = struct(
  "remote_domain_managed_save_remove_args",
  { dom: remote_nonnull_domain, flags: uint },
);
export const remote_domain_managed_save_get_xml_desc_args = struct(
  "remote_domain_managed_save_get_xml_desc_args",
  { dom: remote_nonnull_domain, flags: uint },
);
export const remote_domain_managed_save_get_xml_desc_ret = struct(
  "remote_domain_managed_save_get_xml_desc_ret",
  { xml: remote_nonnull_string },
);
export const remote_domain_managed_save_define_xml_args = struct(
  "remote_domain_managed_save_define_xml_args",
  { dom: remote_nonnull_domain, dxml: remote_string, flags: uint },
);

// ---- Snapshot and checkpoint procedures named DOMAIN_* (not DOMAIN_SNAPSHOT_*) ----------------
export const remote_domain_list_all_snapshots_args = struct(
  "remote_domain_list_all_snapshots_args",
  { dom: remote_nonnull_domain, need_results: int, flags: uint },
);
export const remote_domain_list_all_snapshots_ret = struct(
  "remote_domain_list_all_snapshots_ret",
  { snapshots: array(remote_nonnull_domain_snapshot, REMOTE_DOMAIN_SNAPSHOT_LIST_MAX), ret: int },
);
export const remote_domain_has_current_snapshot_args = struct(
  "remote_domain_has_current_snapshot_args",
  { dom: remote_nonnull_domain, flags: uint },
);
export const remote_domain_has_current_snapshot_ret = struct(
  "remote_domain_has_current_snapshot_ret",
  { result: int },
);
export const remote_domain_revert_to_snapshot_args = struct(
  "remote_domain_revert_to_snapshot_args",
  { snap: remote_nonnull_domain_snapshot, flags: uint },
);
export const remote_domain_list_all_checkpoints_args = struct(
  "remote_domain_list_all_checkpoints_args",
  { dom: remote_nonnull_domain, need_results: int, flags: uint },
);
export const remote_domain_list_all_checkpoints_ret = struct(
  "remote_domain_list_all_checkpoints_ret",
  {
    checkpoints: array(remote_nonnull_domain_checkpoint, REMOTE_DOMAIN_CHECKPOINT_LIST_MAX),
    ret: int,
  },
);

// ---- Consoles, channels, graphics -----------------------------------------------------------------
export const remote_domain_open_console_args = struct("remote_domain_open_console_args", {
  dom: remote_nonnull_domain,
  dev_name: remote_string,
  flags: uint,
});
export const remote_domain_open_channel_args = struct("remote_domain_open_channel_args", {
  dom: remote_nonnull_domain,
  name: remote_string,
  flags: uint,
});
export const remote_domain_open_graphics_args = struct("remote_domain_open_graphics_args", {
  dom: remote_nonnull_domain,
  idx: uint,
  flags: uint,
});
export const remote_domain_open_graphics_fd_args = struct("remote_domain_open_graphics_fd_args", {
  dom: remote_nonnull_domain,
  idx: uint,
  flags: uint,
});
export const remote_domain_graphics_reload_args = struct("remote_domain_graphics_reload_args", {
  dom: remote_nonnull_domain,
  type: uint,
  flags: uint,
});

// ---- State, control, disk errors ------------------------------------------------------------------
export const remote_domain_get_state_args = struct("remote_domain_get_state_args", {
  dom: remote_nonnull_domain,
  flags: uint,
});
export const remote_domain_get_state_ret = struct("remote_domain_get_state_ret", {
  state: int,
  reason: int,
});
export const remote_domain_get_control_info_args = struct(
  "remote_domain_get_control_info_args",
  { dom: remote_nonnull_domain, flags: uint },
);
export const remote_domain_get_control_info_ret = struct("remote_domain_get_control_info_ret", {
  state: uint,
  details: uint,
  stateTime: uhyper,
});
export const remote_domain_shutdown_flags_args = struct("remote_domain_shutdown_flags_args", {
  dom: remote_nonnull_domain,
  flags: uint,
});
export const remote_domain_get_disk_errors_args = struct("remote_domain_get_disk_errors_args", {
  dom: remote_nonnull_domain,
  maxerrors: uint,
  flags: uint,
});
export const remote_domain_get_disk_errors_ret = struct("remote_domain_get_disk_errors_ret", {
  errors: array(remote_domain_disk_error, REMOTE_DOMAIN_DISK_ERRORS_MAX),
  nerrors: int,
});

// ---- Guest agent: filesystems, time, addresses, users ---------------------------------------------
export const remote_domain_fstrim_args = struct("remote_domain_fstrim_args", {
  dom: remote_nonnull_domain,
  mountPoint: remote_string,
  minimum: uhyper,
  flags: uint,
});
export const remote_domain_get_time_args = struct("remote_domain_get_time_args", {
  dom: remote_nonnull_domain,
  flags: uint,
});
export const remote_domain_get_time_ret = struct("remote_domain_get_time_ret", {
  seconds: hyper,
  nseconds: uint,
});
export const remote_domain_set_time_args = struct("remote_domain_set_time_args", {
  dom: remote_nonnull_domain,
  seconds: hyper,
  nseconds: uint,
  flags: uint,
});
export const remote_domain_fsfreeze_args = struct("remote_domain_fsfreeze_args", {
  dom: remote_nonnull_domain,
  mountpoints: array(remote_nonnull_string, REMOTE_DOMAIN_FSFREEZE_MOUNTPOINTS_MAX),
  flags: uint,
});
export const remote_domain_fsfreeze_ret = struct("remote_domain_fsfreeze_ret", {
  filesystems: int,
});
export const remote_domain_fsthaw_args = struct("remote_domain_fsthaw_args", {
  dom: remote_nonnull_domain,
  mountpoints: array(remote_nonnull_string, REMOTE_DOMAIN_FSFREEZE_MOUNTPOINTS_MAX),
  flags: uint,
});
export const remote_domain_fsthaw_ret = struct("remote_domain_fsthaw_ret", {
  filesystems: int,
});
export const remote_domain_fsinfo = struct("remote_domain_fsinfo", {
  mountpoint: remote_nonnull_string,
  name: remote_nonnull_string,
  fstype: remote_nonnull_string,
  dev_aliases: array(remote_nonnull_string, REMOTE_DOMAIN_FSINFO_DISKS_MAX),
});
export const remote_domain_get_fsinfo_args = struct("remote_domain_get_fsinfo_args", {
  dom: remote_nonnull_domain,
  flags: uint,
});
export const remote_domain_get_fsinfo_ret = struct("remote_domain_get_fsinfo_ret", {
  info: array(remote_domain_fsinfo, REMOTE_DOMAIN_FSINFO_MAX),
  ret: uint,
});
export const remote_domain_ip_addr = struct("remote_domain_ip_addr", {
  type: int,
  addr: remote_nonnull_string,
  prefix: uint,
});
export const remote_domain_interface = struct("remote_domain_interface", {
  name: remote_nonnull_string,
  hwaddr: remote_string,
  addrs: array(remote_domain_ip_addr, REMOTE_DOMAIN_IP_ADDR_MAX),
});
export const remote_domain_interface_addresses_args = struct(
  "remote_domain_interface_addresses_args",
  { dom: remote_nonnull_domain, source: uint, flags: uint },
);
export const remote_domain_interface_addresses_ret = struct(
  "remote_domain_interface_addresses_ret",
  { ifaces: array(remote_domain_interface, REMOTE_DOMAIN_INTERFACE_MAX) },
);
export const remote_domain_set_user_password_args = struct(
  "remote_domain_set_user_password_args",
  { dom: remote_nonnull_domain, user: remote_string, password: remote_string, flags: uint },
);
export const remote_domain_rename_args = struct("remote_domain_rename_args", {
  dom: remote_nonnull_domain,
  new_name: remote_string,
  flags: uint,
});
export const remote_domain_rename_ret = struct("remote_domain_rename_ret", {
  retcode: int,
});
export const remote_domain_get_guest_vcpus_args = struct("remote_domain_get_guest_vcpus_args", {
  dom: remote_nonnull_domain,
  flags: uint,
});
export const remote_domain_get_guest_vcpus_ret = struct("remote_domain_get_guest_vcpus_ret", {
  params: array(remote_typed_param, REMOTE_DOMAIN_GUEST_VCPU_PARAMS_MAX),
});
export const remote_domain_set_guest_vcpus_args = struct("remote_domain_set_guest_vcpus_args", {
  dom: remote_nonnull_domain,
  cpumap: remote_nonnull_string,
  state: int,
  flags: uint,
});
export const remote_domain_set_vcpu_args = struct("remote_domain_set_vcpu_args", {
  dom: remote_nonnull_domain,
  cpumap: remote_nonnull_string,
  state: int,
  flags: uint,
});
export const remote_domain_set_block_threshold_args = struct(
  "remote_domain_set_block_threshold_args",
  { dom: remote_nonnull_domain, dev: remote_nonnull_string, threshold: uhyper, flags: uint },
);
export const remote_domain_set_lifecycle_action_args = struct(
  "remote_domain_set_lifecycle_action_args",
  { dom: remote_nonnull_domain, type: uint, action: uint, flags: uint },
);

// ---- Launch security, guest info, backup, SSH keys, messages ----------------------------------------
export const remote_domain_get_launch_security_info_args = struct(
  "remote_domain_get_launch_security_info_args",
  { dom: remote_nonnull_domain, flags: uint },
);
export const remote_domain_get_launch_security_info_ret = struct(
  "remote_domain_get_launch_security_info_ret",
  { params: array(remote_typed_param, REMOTE_DOMAIN_LAUNCH_SECURITY_INFO_PARAMS_MAX) },
);
export const remote_domain_set_launch_security_state_args = struct(
  "remote_domain_set_launch_security_state_args",
  {
    dom: remote_nonnull_domain,
    params: array(remote_typed_param, REMOTE_DOMAIN_LAUNCH_SECURITY_STATE_PARAMS_MAX),
    flags: uint,
  },
);
export const remote_domain_get_guest_info_args = struct("remote_domain_get_guest_info_args", {
  dom: remote_nonnull_domain,
  types: uint,
  flags: uint,
});
export const remote_domain_get_guest_info_ret = struct("remote_domain_get_guest_info_ret", {
  params: array(remote_typed_param, REMOTE_DOMAIN_GUEST_INFO_PARAMS_MAX),
});
export const remote_domain_agent_set_response_timeout_args = struct(
  "remote_domain_agent_set_response_timeout_args",
  { dom: remote_nonnull_domain, timeout: int, flags: uint },
);
export const remote_domain_agent_set_response_timeout_ret = struct(
  "remote_domain_agent_set_response_timeout_ret",
  { result: int },
);
export const remote_domain_backup_begin_args = struct("remote_domain_backup_begin_args", {
  dom: remote_nonnull_domain,
  backup_xml: remote_nonnull_string,
  checkpoint_xml: remote_string,
  flags: uint,
});
export const remote_domain_backup_get_xml_desc_args = struct(
  "remote_domain_backup_get_xml_desc_args",
  { dom: remote_nonnull_domain, flags: uint },
);
export const remote_domain_backup_get_xml_desc_ret = struct(
  "remote_domain_backup_get_xml_desc_ret",
  { xml: remote_nonnull_string },
);
export const remote_domain_authorized_ssh_keys_get_args = struct(
  "remote_domain_authorized_ssh_keys_get_args",
  { dom: remote_nonnull_domain, user: remote_nonnull_string, flags: uint },
);
export const remote_domain_authorized_ssh_keys_get_ret = struct(
  "remote_domain_authorized_ssh_keys_get_ret",
  { keys: array(remote_nonnull_string, REMOTE_DOMAIN_AUTHORIZED_SSH_KEYS_MAX) },
);
export const remote_domain_authorized_ssh_keys_set_args = struct(
  "remote_domain_authorized_ssh_keys_set_args",
  {
    dom: remote_nonnull_domain,
    user: remote_nonnull_string,
    keys: array(remote_nonnull_string, REMOTE_DOMAIN_AUTHORIZED_SSH_KEYS_MAX),
    flags: uint,
  },
);
export const remote_domain_get_messages_args = struct("remote_domain_get_messages_args", {
  dom: remote_nonnull_domain,
  flags: uint,
});
export const remote_domain_get_messages_ret = struct("remote_domain_get_messages_ret", {
  msgs: array(remote_nonnull_string, REMOTE_DOMAIN_MESSAGES_MAX),
});
export const remote_domain_start_dirty_rate_calc_args = struct(
  "remote_domain_start_dirty_rate_calc_args",
  { dom: remote_nonnull_domain, seconds: int, flags: uint },
);
export const remote_domain_fd_associate_args = struct("remote_domain_fd_associate_args", {
  dom: remote_nonnull_domain,
  name: remote_nonnull_string,
  flags: uint,
});
export const remote_domain_get_autostart_once_args = struct(
  "remote_domain_get_autostart_once_args",
  { dom: remote_nonnull_domain },
);
export const remote_domain_get_autostart_once_ret = struct(
  "remote_domain_get_autostart_once_ret",
  { autostart: int },
);
export const remote_domain_set_autostart_once_args = struct(
  "remote_domain_set_autostart_once_args",
  { dom: remote_nonnull_domain, autostart: int },
);

export const domainDeclarations = [
  declare(REMOTE_PROC_DOMAIN_ATTACH_DEVICE, remote_domain_attach_device_args, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_CREATE, remote_domain_create_args, xdrVoid),
  declare(
    REMOTE_PROC_DOMAIN_CREATE_XML,
    remote_domain_create_xml_args,
    remote_domain_create_xml_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_DEFINE_XML,
    remote_domain_define_xml_args,
    remote_domain_define_xml_ret,
  ),
  declare(REMOTE_PROC_DOMAIN_DESTROY, remote_domain_destroy_args, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_DETACH_DEVICE, remote_domain_detach_device_args, xdrVoid),
  declare(
    REMOTE_PROC_DOMAIN_GET_XML_DESC,
    remote_domain_get_xml_desc_args,
    remote_domain_get_xml_desc_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_GET_AUTOSTART,
    remote_domain_get_autostart_args,
    remote_domain_get_autostart_ret,
  ),
  declare(REMOTE_PROC_DOMAIN_GET_INFO, remote_domain_get_info_args, remote_domain_get_info_ret),
  declare(
    REMOTE_PROC_DOMAIN_GET_MAX_MEMORY,
    remote_domain_get_max_memory_args,
    remote_domain_get_max_memory_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_GET_MAX_VCPUS,
    remote_domain_get_max_vcpus_args,
    remote_domain_get_max_vcpus_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_GET_OS_TYPE,
    remote_domain_get_os_type_args,
    remote_domain_get_os_type_ret,
  ),
  declare(REMOTE_PROC_DOMAIN_GET_VCPUS, remote_domain_get_vcpus_args, remote_domain_get_vcpus_ret),
  declare(
    REMOTE_PROC_DOMAIN_LOOKUP_BY_ID,
    remote_domain_lookup_by_id_args,
    remote_domain_lookup_by_id_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME,
    remote_domain_lookup_by_name_args,
    remote_domain_lookup_by_name_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_LOOKUP_BY_UUID,
    remote_domain_lookup_by_uuid_args,
    remote_domain_lookup_by_uuid_ret,
  ),
  declare(REMOTE_PROC_DOMAIN_PIN_VCPU, remote_domain_pin_vcpu_args, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_REBOOT, remote_domain_reboot_args, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_RESUME, remote_domain_resume_args, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_SET_AUTOSTART, remote_domain_set_autostart_args, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_SET_MAX_MEMORY, remote_domain_set_max_memory_args, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_SET_MEMORY, remote_domain_set_memory_args, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_SET_VCPUS, remote_domain_set_vcpus_args, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_SHUTDOWN, remote_domain_shutdown_args, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_SUSPEND, remote_domain_suspend_args, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_UNDEFINE, remote_domain_undefine_args, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_CORE_DUMP, remote_domain_core_dump_args, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_RESTORE, remote_domain_restore_args, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_SAVE, remote_domain_save_args, xdrVoid),
  declare(
    REMOTE_PROC_DOMAIN_GET_SCHEDULER_TYPE,
    remote_domain_get_scheduler_type_args,
    remote_domain_get_scheduler_type_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_GET_SCHEDULER_PARAMETERS,
    remote_domain_get_scheduler_parameters_args,
    remote_domain_get_scheduler_parameters_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_SET_SCHEDULER_PARAMETERS,
    remote_domain_set_scheduler_parameters_args,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_DOMAIN_BLOCK_STATS,
    remote_domain_block_stats_args,
    remote_domain_block_stats_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_INTERFACE_STATS,
    remote_domain_interface_stats_args,
    remote_domain_interface_stats_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_BLOCK_PEEK,
    remote_domain_block_peek_args,
    remote_domain_block_peek_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_MEMORY_PEEK,
    remote_domain_memory_peek_args,
    remote_domain_memory_peek_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_GET_SECURITY_LABEL,
    remote_domain_get_security_label_args,
    remote_domain_get_security_label_ret,
  ),
  declare(REMOTE_PROC_DOMAIN_IS_ACTIVE, remote_domain_is_active_args, remote_domain_is_active_ret),
  declare(
    REMOTE_PROC_DOMAIN_IS_PERSISTENT,
    remote_domain_is_persistent_args,
    remote_domain_is_persistent_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_MEMORY_STATS,
    remote_domain_memory_stats_args,
    remote_domain_memory_stats_ret,
  ),
  declare(REMOTE_PROC_DOMAIN_ATTACH_DEVICE_FLAGS, remote_domain_attach_device_flags_args, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_DETACH_DEVICE_FLAGS, remote_domain_detach_device_flags_args, xdrVoid),
  declare(
    REMOTE_PROC_DOMAIN_GET_JOB_INFO,
    remote_domain_get_job_info_args,
    remote_domain_get_job_info_ret,
  ),
  declare(REMOTE_PROC_DOMAIN_ABORT_JOB, remote_domain_abort_job_args, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_UPDATE_DEVICE_FLAGS, remote_domain_update_device_flags_args, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_MANAGED_SAVE, remote_domain_managed_save_args, xdrVoid),
  declare(
    REMOTE_PROC_DOMAIN_HAS_MANAGED_SAVE_IMAGE,
    remote_domain_has_managed_save_image_args,
    remote_domain_has_managed_save_image_ret,
  ),
  declare(REMOTE_PROC_DOMAIN_MANAGED_SAVE_REMOVE, remote_domain_managed_save_remove_args, xdrVoid),
  declare(
    REMOTE_PROC_DOMAIN_HAS_CURRENT_SNAPSHOT,
    remote_domain_has_current_snapshot_args,
    remote_domain_has_current_snapshot_ret,
  ),
  declare(REMOTE_PROC_DOMAIN_REVERT_TO_SNAPSHOT, remote_domain_revert_to_snapshot_args, xdrVoid),
  declare(
    REMOTE_PROC_DOMAIN_GET_BLOCK_INFO,
    remote_domain_get_block_info_args,
    remote_domain_get_block_info_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_CREATE_WITH_FLAGS,
    remote_domain_create_with_flags_args,
    remote_domain_create_with_flags_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_SET_MEMORY_PARAMETERS,
    remote_domain_set_memory_parameters_args,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_DOMAIN_GET_MEMORY_PARAMETERS,
    remote_domain_get_memory_parameters_args,
    remote_domain_get_memory_parameters_ret,
  ),
  declare(REMOTE_PROC_DOMAIN_SET_VCPUS_FLAGS, remote_domain_set_vcpus_flags_args, xdrVoid),
  declare(
    REMOTE_PROC_DOMAIN_GET_VCPUS_FLAGS,
    remote_domain_get_vcpus_flags_args,
    remote_domain_get_vcpus_flags_ret,
  ),
  declare(REMOTE_PROC_DOMAIN_OPEN_CONSOLE, remote_domain_open_console_args, xdrVoid),
  declare(
    REMOTE_PROC_DOMAIN_IS_UPDATED,
    remote_domain_is_updated_args,
    remote_domain_is_updated_ret,
  ),
  declare(REMOTE_PROC_DOMAIN_SET_MEMORY_FLAGS, remote_domain_set_memory_flags_args, xdrVoid),
  declare(
    REMOTE_PROC_DOMAIN_SET_BLKIO_PARAMETERS,
    remote_domain_set_blkio_parameters_args,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_DOMAIN_GET_BLKIO_PARAMETERS,
    remote_domain_get_blkio_parameters_args,
    remote_domain_get_blkio_parameters_ret,
  ),
  declare(REMOTE_PROC_DOMAIN_INJECT_NMI, remote_domain_inject_nmi_args, xdrVoid),
  declare(
    REMOTE_PROC_DOMAIN_SCREENSHOT,
    remote_domain_screenshot_args,
    remote_domain_screenshot_ret,
  ),
  declare(REMOTE_PROC_DOMAIN_GET_STATE, remote_domain_get_state_args, remote_domain_get_state_ret),
  declare(
    REMOTE_PROC_DOMAIN_SET_SCHEDULER_PARAMETERS_FLAGS,
    remote_domain_set_scheduler_parameters_flags_args,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_DOMAIN_GET_SCHEDULER_PARAMETERS_FLAGS,
    remote_domain_get_scheduler_parameters_flags_args,
    remote_domain_get_scheduler_parameters_flags_ret,
  ),
  declare(REMOTE_PROC_DOMAIN_PIN_VCPU_FLAGS, remote_domain_pin_vcpu_flags_args, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_SEND_KEY, remote_domain_send_key_args, xdrVoid),
  declare(
    REMOTE_PROC_DOMAIN_GET_CONTROL_INFO,
    remote_domain_get_control_info_args,
    remote_domain_get_control_info_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_GET_VCPU_PIN_INFO,
    remote_domain_get_vcpu_pin_info_args,
    remote_domain_get_vcpu_pin_info_ret,
  ),
  declare(REMOTE_PROC_DOMAIN_UNDEFINE_FLAGS, remote_domain_undefine_flags_args, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_SAVE_FLAGS, remote_domain_save_flags_args, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_RESTORE_FLAGS, remote_domain_restore_flags_args, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_DESTROY_FLAGS, remote_domain_destroy_flags_args, xdrVoid),
  declare(
    REMOTE_PROC_DOMAIN_SAVE_IMAGE_GET_XML_DESC,
    remote_domain_save_image_get_xml_desc_args,
    remote_domain_save_image_get_xml_desc_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_SAVE_IMAGE_DEFINE_XML,
    remote_domain_save_image_define_xml_args,
    xdrVoid,
  ),
  declare(REMOTE_PROC_DOMAIN_BLOCK_JOB_ABORT, remote_domain_block_job_abort_args, xdrVoid),
  declare(
    REMOTE_PROC_DOMAIN_GET_BLOCK_JOB_INFO,
    remote_domain_get_block_job_info_args,
    remote_domain_get_block_job_info_ret,
  ),
  declare(REMOTE_PROC_DOMAIN_BLOCK_JOB_SET_SPEED, remote_domain_block_job_set_speed_args, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_BLOCK_PULL, remote_domain_block_pull_args, xdrVoid),
  declare(
    REMOTE_PROC_DOMAIN_BLOCK_STATS_FLAGS,
    remote_domain_block_stats_flags_args,
    remote_domain_block_stats_flags_ret,
  ),
  declare(REMOTE_PROC_DOMAIN_RESET, remote_domain_reset_args, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_OPEN_GRAPHICS, remote_domain_open_graphics_args, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_BLOCK_RESIZE, remote_domain_block_resize_args, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_SET_BLOCK_IO_TUNE, remote_domain_set_block_io_tune_args, xdrVoid),
  declare(
    REMOTE_PROC_DOMAIN_GET_BLOCK_IO_TUNE,
    remote_domain_get_block_io_tune_args,
    remote_domain_get_block_io_tune_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_SET_NUMA_PARAMETERS,
    remote_domain_set_numa_parameters_args,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_DOMAIN_GET_NUMA_PARAMETERS,
    remote_domain_get_numa_parameters_args,
    remote_domain_get_numa_parameters_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_SET_INTERFACE_PARAMETERS,
    remote_domain_set_interface_parameters_args,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_DOMAIN_GET_INTERFACE_PARAMETERS,
    remote_domain_get_interface_parameters_args,
    remote_domain_get_interface_parameters_ret,
  ),
  declare(REMOTE_PROC_DOMAIN_SHUTDOWN_FLAGS, remote_domain_shutdown_flags_args, xdrVoid),
  declare(
    REMOTE_PROC_DOMAIN_PM_SUSPEND_FOR_DURATION,
    remote_domain_pm_suspend_for_duration_args,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_DOMAIN_GET_CPU_STATS,
    remote_domain_get_cpu_stats_args,
    remote_domain_get_cpu_stats_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_GET_DISK_ERRORS,
    remote_domain_get_disk_errors_args,
    remote_domain_get_disk_errors_ret,
  ),
  declare(REMOTE_PROC_DOMAIN_SET_METADATA, remote_domain_set_metadata_args, xdrVoid),
  declare(
    REMOTE_PROC_DOMAIN_GET_METADATA,
    remote_domain_get_metadata_args,
    remote_domain_get_metadata_ret,
  ),
  declare(REMOTE_PROC_DOMAIN_BLOCK_REBASE, remote_domain_block_rebase_args, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_PM_WAKEUP, remote_domain_pm_wakeup_args, xdrVoid),
  declare(
    REMOTE_PROC_DOMAIN_LIST_ALL_SNAPSHOTS,
    remote_domain_list_all_snapshots_args,
    remote_domain_list_all_snapshots_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_GET_HOSTNAME,
    remote_domain_get_hostname_args,
    remote_domain_get_hostname_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_GET_SECURITY_LABEL_LIST,
    remote_domain_get_security_label_list_args,
    remote_domain_get_security_label_list_ret,
  ),
  declare(REMOTE_PROC_DOMAIN_PIN_EMULATOR, remote_domain_pin_emulator_args, xdrVoid),
  declare(
    REMOTE_PROC_DOMAIN_GET_EMULATOR_PIN_INFO,
    remote_domain_get_emulator_pin_info_args,
    remote_domain_get_emulator_pin_info_ret,
  ),
  declare(REMOTE_PROC_DOMAIN_BLOCK_COMMIT, remote_domain_block_commit_args, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_FSTRIM, remote_domain_fstrim_args, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_SEND_PROCESS_SIGNAL, remote_domain_send_process_signal_args, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_OPEN_CHANNEL, remote_domain_open_channel_args, xdrVoid),
  declare(
    REMOTE_PROC_DOMAIN_GET_JOB_STATS,
    remote_domain_get_job_stats_args,
    remote_domain_get_job_stats_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_SET_MEMORY_STATS_PERIOD,
    remote_domain_set_memory_stats_period_args,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_DOMAIN_CREATE_XML_WITH_FILES,
    remote_domain_create_xml_with_files_args,
    remote_domain_create_xml_with_files_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_CREATE_WITH_FILES,
    remote_domain_create_with_files_args,
    remote_domain_create_with_files_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_CORE_DUMP_WITH_FORMAT,
    remote_domain_core_dump_with_format_args,
    xdrVoid,
  ),
  declare(REMOTE_PROC_DOMAIN_FSFREEZE, remote_domain_fsfreeze_args, remote_domain_fsfreeze_ret),
  declare(REMOTE_PROC_DOMAIN_FSTHAW, remote_domain_fsthaw_args, remote_domain_fsthaw_ret),
  declare(REMOTE_PROC_DOMAIN_GET_TIME, remote_domain_get_time_args, remote_domain_get_time_ret),
  declare(REMOTE_PROC_DOMAIN_SET_TIME, remote_domain_set_time_args, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_OPEN_GRAPHICS_FD, remote_domain_open_graphics_fd_args, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_BLOCK_COPY, remote_domain_block_copy_args, xdrVoid),
  declare(
    REMOTE_PROC_DOMAIN_GET_FSINFO,
    remote_domain_get_fsinfo_args,
    remote_domain_get_fsinfo_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_DEFINE_XML_FLAGS,
    remote_domain_define_xml_flags_args,
    remote_domain_define_xml_flags_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_GET_IOTHREAD_INFO,
    remote_domain_get_iothread_info_args,
    remote_domain_get_iothread_info_ret,
  ),
  declare(REMOTE_PROC_DOMAIN_PIN_IOTHREAD, remote_domain_pin_iothread_args, xdrVoid),
  declare(
    REMOTE_PROC_DOMAIN_INTERFACE_ADDRESSES,
    remote_domain_interface_addresses_args,
    remote_domain_interface_addresses_ret,
  ),
  declare(REMOTE_PROC_DOMAIN_ADD_IOTHREAD, remote_domain_add_iothread_args, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_DEL_IOTHREAD, remote_domain_del_iothread_args, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_SET_USER_PASSWORD, remote_domain_set_user_password_args, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_RENAME, remote_domain_rename_args, remote_domain_rename_ret),
  declare(
    REMOTE_PROC_DOMAIN_GET_PERF_EVENTS,
    remote_domain_get_perf_events_args,
    remote_domain_get_perf_events_ret,
  ),
  declare(REMOTE_PROC_DOMAIN_SET_PERF_EVENTS, remote_domain_set_perf_events_args, xdrVoid),
  declare(
    REMOTE_PROC_DOMAIN_GET_GUEST_VCPUS,
    remote_domain_get_guest_vcpus_args,
    remote_domain_get_guest_vcpus_ret,
  ),
  declare(REMOTE_PROC_DOMAIN_SET_GUEST_VCPUS, remote_domain_set_guest_vcpus_args, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_SET_VCPU, remote_domain_set_vcpu_args, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_SET_BLOCK_THRESHOLD, remote_domain_set_block_threshold_args, xdrVoid),
  declare(
    REMOTE_PROC_DOMAIN_MANAGED_SAVE_GET_XML_DESC,
    remote_domain_managed_save_get_xml_desc_args,
    remote_domain_managed_save_get_xml_desc_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_MANAGED_SAVE_DEFINE_XML,
    remote_domain_managed_save_define_xml_args,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_DOMAIN_SET_LIFECYCLE_ACTION,
    remote_domain_set_lifecycle_action_args,
    xdrVoid,
  ),
  declare(REMOTE_PROC_DOMAIN_DETACH_DEVICE_ALIAS, remote_domain_detach_device_alias_args, xdrVoid),
  declare(
    REMOTE_PROC_DOMAIN_GET_LAUNCH_SECURITY_INFO,
    remote_domain_get_launch_security_info_args,
    remote_domain_get_launch_security_info_ret,
  ),
  declare(REMOTE_PROC_DOMAIN_SET_IOTHREAD_PARAMS, remote_domain_set_iothread_params_args, xdrVoid),
  declare(
    REMOTE_PROC_DOMAIN_LIST_ALL_CHECKPOINTS,
    remote_domain_list_all_checkpoints_args,
    remote_domain_list_all_checkpoints_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_GET_GUEST_INFO,
    remote_domain_get_guest_info_args,
    remote_domain_get_guest_info_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_AGENT_SET_RESPONSE_TIMEOUT,
    remote_domain_agent_set_response_timeout_args,
    remote_domain_agent_set_response_timeout_ret,
  ),
  declare(REMOTE_PROC_DOMAIN_BACKUP_BEGIN, remote_domain_backup_begin_args, xdrVoid),
  declare(
    REMOTE_PROC_DOMAIN_BACKUP_GET_XML_DESC,
    remote_domain_backup_get_xml_desc_args,
    remote_domain_backup_get_xml_desc_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_AUTHORIZED_SSH_KEYS_GET,
    remote_domain_authorized_ssh_keys_get_args,
    remote_domain_authorized_ssh_keys_get_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_AUTHORIZED_SSH_KEYS_SET,
    remote_domain_authorized_ssh_keys_set_args,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_DOMAIN_GET_MESSAGES,
    remote_domain_get_messages_args,
    remote_domain_get_messages_ret,
  ),
  declare(
    REMOTE_PROC_DOMAIN_START_DIRTY_RATE_CALC,
    remote_domain_start_dirty_rate_calc_args,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_DOMAIN_SET_LAUNCH_SECURITY_STATE,
    remote_domain_set_launch_security_state_args,
    xdrVoid,
  ),
  declare(REMOTE_PROC_DOMAIN_SAVE_PARAMS, remote_domain_save_params_args, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_RESTORE_PARAMS, remote_domain_restore_params_args, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_ABORT_JOB_FLAGS, remote_domain_abort_job_flags_args, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_FD_ASSOCIATE, remote_domain_fd_associate_args, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_GRAPHICS_RELOAD, remote_domain_graphics_reload_args, xdrVoid),
  declare(
    REMOTE_PROC_DOMAIN_GET_AUTOSTART_ONCE,
    remote_domain_get_autostart_once_args,
    remote_domain_get_autostart_once_ret,
  ),
  declare(REMOTE_PROC_DOMAIN_SET_AUTOSTART_ONCE, remote_domain_set_autostart_once_args, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_SET_THROTTLE_GROUP, remote_domain_set_throttle_group_args, xdrVoid),
  declare(REMOTE_PROC_DOMAIN_DEL_THROTTLE_GROUP, remote_domain_del_throttle_group_args, xdrVoid),
] as const;
