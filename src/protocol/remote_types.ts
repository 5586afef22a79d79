/**
 * The remote program's shared types and limits: object handles, strings,
 * typed parameters. Layouts are libvirt's src/remote/remote_protocol.x.
 *
 * @module
 */

import {
  array,
  char,
  type Codec,
  fixedOpaque,
  int,
  optional,
  string,
  struct,
  uhyper,
  uint,
} from "../xdr/mod.ts";
import { typed_param } from "../rpc/typed_params.ts";

// ---- Limits (remote_protocol.x consts) -----------------------------------------
export const REMOTE_STRING_MAX = 4194304;
export const REMOTE_DOMAIN_LIST_MAX = 16384;
export const REMOTE_DOMAIN_ID_LIST_MAX = 16384;
export const REMOTE_DOMAIN_NAME_LIST_MAX = 16384;
export const REMOTE_CPUMAP_MAX = 2048;
export const REMOTE_VCPUINFO_MAX = 16384;
export const REMOTE_CPUMAPS_MAX = 8388608;
export const REMOTE_IOTHREAD_INFO_MAX = 16384;
export const REMOTE_MIGRATE_COOKIE_MAX = 4194304;
export const REMOTE_NETWORK_LIST_MAX = 16384;
export const REMOTE_NETWORK_PORT_LIST_MAX = 16384;
export const REMOTE_INTERFACE_LIST_MAX = 16384;
export const REMOTE_STORAGE_POOL_LIST_MAX = 16384;
export const REMOTE_STORAGE_VOL_LIST_MAX = 16384;
export const REMOTE_NODE_DEVICE_LIST_MAX = 65536;
export const REMOTE_NODE_DEVICE_CAPS_LIST_MAX = 65536;
export const REMOTE_NWFILTER_LIST_MAX = 16384;
export const REMOTE_NWFILTER_BINDING_LIST_MAX = 16384;
export const REMOTE_DOMAIN_SCHEDULER_PARAMETERS_MAX = 16;
export const REMOTE_DOMAIN_BLKIO_PARAMETERS_MAX = 16;
export const REMOTE_DOMAIN_MEMORY_PARAMETERS_MAX = 16;
export const REMOTE_DOMAIN_BLOCK_IO_TUNE_PARAMETERS_MAX = 32;
export const REMOTE_DOMAIN_NUMA_PARAMETERS_MAX = 16;
export const REMOTE_DOMAIN_PERF_EVENTS_MAX = 64;
export const REMOTE_DOMAIN_BLOCK_COPY_PARAMETERS_MAX = 16;
export const REMOTE_NODE_CPU_STATS_MAX = 16;
export const REMOTE_NODE_MEMORY_STATS_MAX = 16;
export const REMOTE_DOMAIN_BLOCK_STATS_PARAMETERS_MAX = 16;
export const REMOTE_NODE_MAX_CELLS = 1024;
export const REMOTE_AUTH_SASL_DATA_MAX = 65536;
export const REMOTE_AUTH_TYPE_LIST_MAX = 20;
export const REMOTE_DOMAIN_MEMORY_STATS_MAX = 1024;
export const REMOTE_DOMAIN_CHECKPOINT_LIST_MAX = 16384;
export const REMOTE_DOMAIN_SNAPSHOT_LIST_MAX = 16384;
export const REMOTE_DOMAIN_BLOCK_PEEK_BUFFER_MAX = 4194304;
export const REMOTE_DOMAIN_MEMORY_PEEK_BUFFER_MAX = 4194304;
export const REMOTE_SECURITY_LABEL_LIST_MAX = 64;
/** VIR_SECURITY_MODEL_BUFLEN (256 + 1). */
export const REMOTE_SECURITY_MODEL_MAX = 257;
/** VIR_SECURITY_LABEL_BUFLEN (4096 + 1). */
export const REMOTE_SECURITY_LABEL_MAX = 4097;
/** VIR_SECURITY_DOI_BUFLEN (256 + 1). */
export const REMOTE_SECURITY_DOI_MAX = 257;
export const REMOTE_SECRET_VALUE_MAX = 65536;
export const REMOTE_SECRET_LIST_MAX = 16384;
export const REMOTE_CPU_BASELINE_MAX = 256;
export const REMOTE_DOMAIN_SEND_KEY_MAX = 16;
export const REMOTE_DOMAIN_INTERFACE_PARAMETERS_MAX = 16;
export const REMOTE_DOMAIN_GET_CPU_STATS_NCPUS_MAX = 128;
export const REMOTE_DOMAIN_GET_CPU_STATS_MAX = 2048;
export const REMOTE_DOMAIN_DISK_ERRORS_MAX = 256;
export const REMOTE_NODE_MEMORY_PARAMETERS_MAX = 64;
export const REMOTE_DOMAIN_MIGRATE_PARAM_LIST_MAX = 64;
export const REMOTE_DOMAIN_JOB_STATS_MAX = 64;
export const REMOTE_CONNECT_CPU_MODELS_MAX = 8192;
export const REMOTE_DOMAIN_FSFREEZE_MOUNTPOINTS_MAX = 256;
export const REMOTE_NETWORK_DHCP_LEASES_MAX = 65536;
export const REMOTE_CONNECT_GET_ALL_DOMAIN_STATS_MAX = 262144;
export const REMOTE_DOMAIN_EVENT_TUNABLE_MAX = 2048;
export const REMOTE_DOMAIN_FSINFO_MAX = 256;
export const REMOTE_DOMAIN_FSINFO_DISKS_MAX = 256;
export const REMOTE_DOMAIN_INTERFACE_MAX = 2048;
export const REMOTE_DOMAIN_IP_ADDR_MAX = 2048;
export const REMOTE_DOMAIN_GUEST_VCPU_PARAMS_MAX = 64;
export const REMOTE_DOMAIN_IOTHREAD_PARAMS_MAX = 64;
export const REMOTE_NODE_SEV_INFO_MAX = 64;
export const REMOTE_DOMAIN_LAUNCH_SECURITY_INFO_PARAMS_MAX = 64;
export const REMOTE_DOMAIN_LAUNCH_SECURITY_STATE_PARAMS_MAX = 64;
export const REMOTE_DOMAIN_GUEST_INFO_PARAMS_MAX = 2048;
export const REMOTE_NETWORK_PORT_PARAMETERS_MAX = 16;
export const REMOTE_DOMAIN_AUTHORIZED_SSH_KEYS_MAX = 2048;
export const REMOTE_DOMAIN_MESSAGES_MAX = 2048;
export const REMOTE_DOMAIN_EVENT_GRAPHICS_IDENTITY_MAX = 20;
export const REMOTE_CONNECT_IDENTITY_PARAMS_MAX = 20;
export const REMOTE_DOMAIN_SAVE_PARAMS_MAX = 64;
/** VIR_UUID_BUFLEN. */
export const VIR_UUID_BUFLEN = 16;

// ---- Basic types ------------------------------------------------------------------------
export const remote_nonnull_string: Codec<string> = string(REMOTE_STRING_MAX);
export const remote_string = optional(remote_nonnull_string);
export const remote_uuid = fixedOpaque(VIR_UUID_BUFLEN);

// ---- Object handles -----------------------------------------------------------------------
export const remote_nonnull_domain = struct("remote_nonnull_domain", {
  name: remote_nonnull_string,
  uuid: remote_uuid,
  id: int,
});
export const remote_nonnull_network = struct("remote_nonnull_network", {
  name: remote_nonnull_string,
  uuid: remote_uuid,
});
export const remote_nonnull_network_port = struct("remote_nonnull_network_port", {
  net: remote_nonnull_network,
  uuid: remote_uuid,
});
export const remote_nonnull_nwfilter = struct("remote_nonnull_nwfilter", {
  name: remote_nonnull_string,
  uuid: remote_uuid,
});
export const remote_nonnull_nwfilter_binding = struct("remote_nonnull_nwfilter_binding", {
  portdev: remote_nonnull_string,
  filtername: remote_nonnull_string,
});
export const remote_nonnull_interface = struct("remote_nonnull_interface", {
  name: remote_nonnull_string,
  mac: remote_nonnull_string,
});
export const remote_nonnull_storage_pool = struct("remote_nonnull_storage_pool", {
  name: remote_nonnull_string,
  uuid: remote_uuid,
});
export const remote_nonnull_storage_vol = struct("remote_nonnull_storage_vol", {
  pool: remote_nonnull_string,
  name: remote_nonnull_string,
  key: remote_nonnull_string,
});
export const remote_nonnull_node_device = struct("remote_nonnull_node_device", {
  name: remote_nonnull_string,
});
export const remote_nonnull_secret = struct("remote_nonnull_secret", {
  uuid: remote_uuid,
  usageType: int,
  usageID: remote_nonnull_string,
});
export const remote_nonnull_domain_checkpoint = struct("remote_nonnull_domain_checkpoint", {
  name: remote_nonnull_string,
  dom: remote_nonnull_domain,
});
export const remote_nonnull_domain_snapshot = struct("remote_nonnull_domain_snapshot", {
  name: remote_nonnull_string,
  dom: remote_nonnull_domain,
});

export const remote_domain = optional(remote_nonnull_domain);
export const remote_network = optional(remote_nonnull_network);
export const remote_network_port = optional(remote_nonnull_network_port);
export const remote_nwfilter = optional(remote_nonnull_nwfilter);
export const remote_nwfilter_binding = optional(remote_nonnull_nwfilter_binding);
export const remote_storage_pool = optional(remote_nonnull_storage_pool);
export const remote_storage_vol = optional(remote_nonnull_storage_vol);
export const remote_node_device = optional(remote_nonnull_node_device);
export const remote_secret = optional(remote_nonnull_secret);

export type RemoteDomain = ReturnType<typeof remote_nonnull_domain.decode>;
export type RemoteNetwork = ReturnType<typeof remote_nonnull_network.decode>;
export type RemoteStoragePool = ReturnType<typeof remote_nonnull_storage_pool.decode>;
export type RemoteStorageVol = ReturnType<typeof remote_nonnull_storage_vol.decode>;

// ---- Shared value types ----------------------------------------------------------------------
export { typed_param as remote_typed_param };

/** `char x<max>`: rpcgen widens every char to 4 bytes, so this is an int array. */
export function charArray(max: number): Codec<number[]> {
  return array(char, max);
}

export const remote_vcpu_info = struct("remote_vcpu_info", {
  number: uint,
  state: int,
  cpu_time: uhyper,
  cpu: int,
});
export const remote_node_get_cpu_stats = struct("remote_node_get_cpu_stats", {
  field: remote_nonnull_string,
  value: uhyper,
});
export const remote_node_get_memory_stats = struct("remote_node_get_memory_stats", {
  field: remote_nonnull_string,
  value: uhyper,
});
export const remote_domain_disk_error = struct("remote_domain_disk_error", {
  disk: remote_nonnull_string,
  error: int,
});
