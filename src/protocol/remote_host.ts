/**
 * Types of the remote program's procedures that are not about domains: the
 * connection, the host node, networks, nwfilters, interfaces, storage, node devices, secrets.
 *
 * @module
 */

import {
  array,
  char,
  fixedArray,
  hyper,
  int,
  opaque,
  struct,
  uchar,
  uhyper,
  uint,
  xdrVoid,
} from "../xdr/mod.ts";
import { declare } from "./program.ts";
import {
  REMOTE_PROC_CONNECT_BASELINE_CPU,
  REMOTE_PROC_CONNECT_BASELINE_HYPERVISOR_CPU,
  REMOTE_PROC_CONNECT_CLOSE,
  REMOTE_PROC_CONNECT_COMPARE_CPU,
  REMOTE_PROC_CONNECT_COMPARE_HYPERVISOR_CPU,
  REMOTE_PROC_CONNECT_EVENT_CONNECTION_CLOSED,
  REMOTE_PROC_CONNECT_FIND_STORAGE_POOL_SOURCES,
  REMOTE_PROC_CONNECT_GET_CAPABILITIES,
  REMOTE_PROC_CONNECT_GET_CPU_MODEL_NAMES,
  REMOTE_PROC_CONNECT_GET_HOSTNAME,
  REMOTE_PROC_CONNECT_GET_LIB_VERSION,
  REMOTE_PROC_CONNECT_GET_MAX_VCPUS,
  REMOTE_PROC_CONNECT_GET_STORAGE_POOL_CAPABILITIES,
  REMOTE_PROC_CONNECT_GET_SYSINFO,
  REMOTE_PROC_CONNECT_GET_TYPE,
  REMOTE_PROC_CONNECT_GET_URI,
  REMOTE_PROC_CONNECT_GET_VERSION,
  REMOTE_PROC_CONNECT_IS_SECURE,
  REMOTE_PROC_CONNECT_LIST_ALL_INTERFACES,
  REMOTE_PROC_CONNECT_LIST_ALL_NETWORKS,
  REMOTE_PROC_CONNECT_LIST_ALL_NODE_DEVICES,
  REMOTE_PROC_CONNECT_LIST_ALL_NWFILTER_BINDINGS,
  REMOTE_PROC_CONNECT_LIST_ALL_NWFILTERS,
  REMOTE_PROC_CONNECT_LIST_ALL_SECRETS,
  REMOTE_PROC_CONNECT_LIST_ALL_STORAGE_POOLS,
  REMOTE_PROC_CONNECT_LIST_DEFINED_INTERFACES,
  REMOTE_PROC_CONNECT_LIST_DEFINED_NETWORKS,
  REMOTE_PROC_CONNECT_LIST_DEFINED_STORAGE_POOLS,
  REMOTE_PROC_CONNECT_LIST_INTERFACES,
  REMOTE_PROC_CONNECT_LIST_NETWORKS,
  REMOTE_PROC_CONNECT_LIST_NWFILTERS,
  REMOTE_PROC_CONNECT_LIST_SECRETS,
  REMOTE_PROC_CONNECT_LIST_STORAGE_POOLS,
  REMOTE_PROC_CONNECT_NETWORK_EVENT_DEREGISTER_ANY,
  REMOTE_PROC_CONNECT_NETWORK_EVENT_REGISTER_ANY,
  REMOTE_PROC_CONNECT_NODE_DEVICE_EVENT_DEREGISTER_ANY,
  REMOTE_PROC_CONNECT_NODE_DEVICE_EVENT_REGISTER_ANY,
  REMOTE_PROC_CONNECT_NUM_OF_DEFINED_INTERFACES,
  REMOTE_PROC_CONNECT_NUM_OF_DEFINED_NETWORKS,
  REMOTE_PROC_CONNECT_NUM_OF_DEFINED_STORAGE_POOLS,
  REMOTE_PROC_CONNECT_NUM_OF_INTERFACES,
  REMOTE_PROC_CONNECT_NUM_OF_NETWORKS,
  REMOTE_PROC_CONNECT_NUM_OF_NWFILTERS,
  REMOTE_PROC_CONNECT_NUM_OF_SECRETS,
  REMOTE_PROC_CONNECT_NUM_OF_STORAGE_POOLS,
  REMOTE_PROC_CONNECT_OPEN,
  REMOTE_PROC_CONNECT_REGISTER_CLOSE_CALLBACK,
  REMOTE_PROC_CONNECT_SECRET_EVENT_DEREGISTER_ANY,
  REMOTE_PROC_CONNECT_SECRET_EVENT_REGISTER_ANY,
  REMOTE_PROC_CONNECT_SET_IDENTITY,
  REMOTE_PROC_CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY,
  REMOTE_PROC_CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY,
  REMOTE_PROC_CONNECT_SUPPORTS_FEATURE,
  REMOTE_PROC_CONNECT_UNREGISTER_CLOSE_CALLBACK,
  REMOTE_PROC_INTERFACE_CHANGE_BEGIN,
  REMOTE_PROC_INTERFACE_CHANGE_COMMIT,
  REMOTE_PROC_INTERFACE_CHANGE_ROLLBACK,
  REMOTE_PROC_INTERFACE_CREATE,
  REMOTE_PROC_INTERFACE_DEFINE_XML,
  REMOTE_PROC_INTERFACE_DESTROY,
  REMOTE_PROC_INTERFACE_GET_XML_DESC,
  REMOTE_PROC_INTERFACE_IS_ACTIVE,
  REMOTE_PROC_INTERFACE_LOOKUP_BY_MAC_STRING,
  REMOTE_PROC_INTERFACE_LOOKUP_BY_NAME,
  REMOTE_PROC_INTERFACE_UNDEFINE,
  REMOTE_PROC_NETWORK_CREATE,
  REMOTE_PROC_NETWORK_CREATE_XML,
  REMOTE_PROC_NETWORK_CREATE_XML_FLAGS,
  REMOTE_PROC_NETWORK_DEFINE_XML,
  REMOTE_PROC_NETWORK_DEFINE_XML_FLAGS,
  REMOTE_PROC_NETWORK_DESTROY,
  REMOTE_PROC_NETWORK_EVENT_CALLBACK_METADATA_CHANGE,
  REMOTE_PROC_NETWORK_EVENT_LIFECYCLE,
  REMOTE_PROC_NETWORK_GET_AUTOSTART,
  REMOTE_PROC_NETWORK_GET_BRIDGE_NAME,
  REMOTE_PROC_NETWORK_GET_DHCP_LEASES,
  REMOTE_PROC_NETWORK_GET_METADATA,
  REMOTE_PROC_NETWORK_GET_XML_DESC,
  REMOTE_PROC_NETWORK_IS_ACTIVE,
  REMOTE_PROC_NETWORK_IS_PERSISTENT,
  REMOTE_PROC_NETWORK_LIST_ALL_PORTS,
  REMOTE_PROC_NETWORK_LOOKUP_BY_NAME,
  REMOTE_PROC_NETWORK_LOOKUP_BY_UUID,
  REMOTE_PROC_NETWORK_PORT_CREATE_XML,
  REMOTE_PROC_NETWORK_PORT_DELETE,
  REMOTE_PROC_NETWORK_PORT_GET_PARAMETERS,
  REMOTE_PROC_NETWORK_PORT_GET_XML_DESC,
  REMOTE_PROC_NETWORK_PORT_LOOKUP_BY_UUID,
  REMOTE_PROC_NETWORK_PORT_SET_PARAMETERS,
  REMOTE_PROC_NETWORK_SET_AUTOSTART,
  REMOTE_PROC_NETWORK_SET_METADATA,
  REMOTE_PROC_NETWORK_UNDEFINE,
  REMOTE_PROC_NETWORK_UPDATE,
  REMOTE_PROC_NODE_ALLOC_PAGES,
  REMOTE_PROC_NODE_DEVICE_CREATE,
  REMOTE_PROC_NODE_DEVICE_CREATE_XML,
  REMOTE_PROC_NODE_DEVICE_DEFINE_XML,
  REMOTE_PROC_NODE_DEVICE_DESTROY,
  REMOTE_PROC_NODE_DEVICE_DETACH_FLAGS,
  REMOTE_PROC_NODE_DEVICE_DETTACH,
  REMOTE_PROC_NODE_DEVICE_EVENT_LIFECYCLE,
  REMOTE_PROC_NODE_DEVICE_EVENT_UPDATE,
  REMOTE_PROC_NODE_DEVICE_GET_AUTOSTART,
  REMOTE_PROC_NODE_DEVICE_GET_PARENT,
  REMOTE_PROC_NODE_DEVICE_GET_XML_DESC,
  REMOTE_PROC_NODE_DEVICE_IS_ACTIVE,
  REMOTE_PROC_NODE_DEVICE_IS_PERSISTENT,
  REMOTE_PROC_NODE_DEVICE_LIST_CAPS,
  REMOTE_PROC_NODE_DEVICE_LOOKUP_BY_NAME,
  REMOTE_PROC_NODE_DEVICE_LOOKUP_SCSI_HOST_BY_WWN,
  REMOTE_PROC_NODE_DEVICE_NUM_OF_CAPS,
  REMOTE_PROC_NODE_DEVICE_RE_ATTACH,
  REMOTE_PROC_NODE_DEVICE_RESET,
  REMOTE_PROC_NODE_DEVICE_SET_AUTOSTART,
  REMOTE_PROC_NODE_DEVICE_UNDEFINE,
  REMOTE_PROC_NODE_DEVICE_UPDATE,
  REMOTE_PROC_NODE_GET_CELLS_FREE_MEMORY,
  REMOTE_PROC_NODE_GET_CPU_MAP,
  REMOTE_PROC_NODE_GET_CPU_STATS,
  REMOTE_PROC_NODE_GET_FREE_MEMORY,
  REMOTE_PROC_NODE_GET_FREE_PAGES,
  REMOTE_PROC_NODE_GET_INFO,
  REMOTE_PROC_NODE_GET_MEMORY_PARAMETERS,
  REMOTE_PROC_NODE_GET_MEMORY_STATS,
  REMOTE_PROC_NODE_GET_SECURITY_MODEL,
  REMOTE_PROC_NODE_GET_SEV_INFO,
  REMOTE_PROC_NODE_LIST_DEVICES,
  REMOTE_PROC_NODE_NUM_OF_DEVICES,
  REMOTE_PROC_NODE_SET_MEMORY_PARAMETERS,
  REMOTE_PROC_NODE_SUSPEND_FOR_DURATION,
  REMOTE_PROC_NWFILTER_BINDING_CREATE_XML,
  REMOTE_PROC_NWFILTER_BINDING_DELETE,
  REMOTE_PROC_NWFILTER_BINDING_GET_XML_DESC,
  REMOTE_PROC_NWFILTER_BINDING_LOOKUP_BY_PORT_DEV,
  REMOTE_PROC_NWFILTER_DEFINE_XML,
  REMOTE_PROC_NWFILTER_DEFINE_XML_FLAGS,
  REMOTE_PROC_NWFILTER_GET_XML_DESC,
  REMOTE_PROC_NWFILTER_LOOKUP_BY_NAME,
  REMOTE_PROC_NWFILTER_LOOKUP_BY_UUID,
  REMOTE_PROC_NWFILTER_UNDEFINE,
  REMOTE_PROC_SECRET_DEFINE_XML,
  REMOTE_PROC_SECRET_EVENT_LIFECYCLE,
  REMOTE_PROC_SECRET_EVENT_VALUE_CHANGED,
  REMOTE_PROC_SECRET_GET_VALUE,
  REMOTE_PROC_SECRET_GET_XML_DESC,
  REMOTE_PROC_SECRET_LOOKUP_BY_USAGE,
  REMOTE_PROC_SECRET_LOOKUP_BY_UUID,
  REMOTE_PROC_SECRET_SET_VALUE,
  REMOTE_PROC_SECRET_UNDEFINE,
  REMOTE_PROC_STORAGE_POOL_BUILD,
  REMOTE_PROC_STORAGE_POOL_CREATE,
  REMOTE_PROC_STORAGE_POOL_CREATE_XML,
  REMOTE_PROC_STORAGE_POOL_DEFINE_XML,
  REMOTE_PROC_STORAGE_POOL_DELETE,
  REMOTE_PROC_STORAGE_POOL_DESTROY,
  REMOTE_PROC_STORAGE_POOL_EVENT_LIFECYCLE,
  REMOTE_PROC_STORAGE_POOL_EVENT_REFRESH,
  REMOTE_PROC_STORAGE_POOL_GET_AUTOSTART,
  REMOTE_PROC_STORAGE_POOL_GET_INFO,
  REMOTE_PROC_STORAGE_POOL_GET_XML_DESC,
  REMOTE_PROC_STORAGE_POOL_IS_ACTIVE,
  REMOTE_PROC_STORAGE_POOL_IS_PERSISTENT,
  REMOTE_PROC_STORAGE_POOL_LIST_ALL_VOLUMES,
  REMOTE_PROC_STORAGE_POOL_LIST_VOLUMES,
  REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_NAME,
  REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_TARGET_PATH,
  REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_UUID,
  REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_VOLUME,
  REMOTE_PROC_STORAGE_POOL_NUM_OF_VOLUMES,
  REMOTE_PROC_STORAGE_POOL_REFRESH,
  REMOTE_PROC_STORAGE_POOL_SET_AUTOSTART,
  REMOTE_PROC_STORAGE_POOL_UNDEFINE,
  REMOTE_PROC_STORAGE_VOL_CREATE_XML,
  REMOTE_PROC_STORAGE_VOL_CREATE_XML_FROM,
  REMOTE_PROC_STORAGE_VOL_DELETE,
  REMOTE_PROC_STORAGE_VOL_DOWNLOAD,
  REMOTE_PROC_STORAGE_VOL_GET_INFO,
  REMOTE_PROC_STORAGE_VOL_GET_INFO_FLAGS,
  REMOTE_PROC_STORAGE_VOL_GET_PATH,
  REMOTE_PROC_STORAGE_VOL_GET_XML_DESC,
  REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_KEY,
  REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_NAME,
  REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_PATH,
  REMOTE_PROC_STORAGE_VOL_RESIZE,
  REMOTE_PROC_STORAGE_VOL_UPLOAD,
  REMOTE_PROC_STORAGE_VOL_WIPE,
  REMOTE_PROC_STORAGE_VOL_WIPE_PATTERN,
} from "./remote_procedure_numbers.ts";
import {
  charArray,
  REMOTE_CONNECT_CPU_MODELS_MAX,
  REMOTE_CPU_BASELINE_MAX,
  REMOTE_CPUMAP_MAX,
  REMOTE_INTERFACE_LIST_MAX,
  remote_network,
  REMOTE_NETWORK_DHCP_LEASES_MAX,
  REMOTE_NETWORK_LIST_MAX,
  REMOTE_NETWORK_PORT_LIST_MAX,
  REMOTE_NETWORK_PORT_PARAMETERS_MAX,
  REMOTE_NODE_CPU_STATS_MAX,
  remote_node_device,
  REMOTE_NODE_DEVICE_CAPS_LIST_MAX,
  REMOTE_NODE_DEVICE_LIST_MAX,
  remote_node_get_cpu_stats,
  remote_node_get_memory_stats,
  REMOTE_NODE_MAX_CELLS,
  REMOTE_NODE_MEMORY_PARAMETERS_MAX,
  REMOTE_NODE_MEMORY_STATS_MAX,
  REMOTE_NODE_SEV_INFO_MAX,
  remote_nonnull_interface,
  remote_nonnull_network,
  remote_nonnull_network_port,
  remote_nonnull_node_device,
  remote_nonnull_nwfilter,
  remote_nonnull_nwfilter_binding,
  remote_nonnull_secret,
  remote_nonnull_storage_pool,
  remote_nonnull_storage_vol,
  remote_nonnull_string,
  REMOTE_NWFILTER_BINDING_LIST_MAX,
  REMOTE_NWFILTER_LIST_MAX,
  remote_secret,
  REMOTE_SECRET_LIST_MAX,
  REMOTE_SECRET_VALUE_MAX,
  REMOTE_SECURITY_DOI_MAX,
  REMOTE_SECURITY_MODEL_MAX,
  remote_storage_pool,
  REMOTE_STORAGE_POOL_LIST_MAX,
  REMOTE_STORAGE_VOL_LIST_MAX,
  remote_string,
  remote_typed_param,
  remote_uuid,
} from "./remote_types.ts";

const REMOTE_CONNECT_IDENTITY_PARAMS_MAX = 20;

// ---- Connection -----------------------------------------------------------------------

export const remote_connect_open_args = struct("remote_connect_open_args", {
  name: remote_string,
  flags: uint,
});
export const remote_connect_supports_feature_args = struct(
  "remote_connect_supports_feature_args",
  { feature: int },
);
export const remote_connect_supports_feature_ret = struct("remote_connect_supports_feature_ret", {
  supported: int,
});
export const remote_connect_get_type_ret = struct("remote_connect_get_type_ret", {
  type: remote_nonnull_string,
});
export const remote_connect_get_version_ret = struct("remote_connect_get_version_ret", {
  hv_ver: uhyper,
});
export const remote_connect_get_lib_version_ret = struct("remote_connect_get_lib_version_ret", {
  lib_ver: uhyper,
});
export const remote_connect_get_hostname_ret = struct("remote_connect_get_hostname_ret", {
  hostname: remote_nonnull_string,
});
export const remote_connect_get_sysinfo_args = struct("remote_connect_get_sysinfo_args", {
  flags: uint,
});
export const remote_connect_get_sysinfo_ret = struct("remote_connect_get_sysinfo_ret", {
  sysinfo: remote_nonnull_string,
});
export const remote_connect_get_uri_ret = struct("remote_connect_get_uri_ret", {
  uri: remote_nonnull_string,
});
export const remote_connect_get_max_vcpus_args = struct("remote_connect_get_max_vcpus_args", {
  type: remote_string,
});
export const remote_connect_get_max_vcpus_ret = struct("remote_connect_get_max_vcpus_ret", {
  max_vcpus: int,
});
export const remote_connect_get_capabilities_ret = struct("remote_connect_get_capabilities_ret", {
  capabilities: remote_nonnull_string,
});
export const remote_connect_is_secure_ret = struct("remote_connect_is_secure_ret", {
  secure: int,
});
export const remote_connect_compare_cpu_args = struct("remote_connect_compare_cpu_args", {
  xml: remote_nonnull_string,
  flags: uint,
});
export const remote_connect_compare_cpu_ret = struct("remote_connect_compare_cpu_ret", {
  result: int,
});
export const remote_connect_baseline_cpu_args = struct("remote_connect_baseline_cpu_args", {
  xmlCPUs: array(remote_nonnull_string, REMOTE_CPU_BASELINE_MAX),
  flags: uint,
});
export const remote_connect_baseline_cpu_ret = struct("remote_connect_baseline_cpu_ret", {
  cpu: remote_nonnull_string,
});
export const remote_connect_get_cpu_model_names_args = struct(
  "remote_connect_get_cpu_model_names_args",
  { arch: remote_nonnull_string, need_results: int, flags: uint },
);
export const remote_connect_get_cpu_model_names_ret = struct(
  "remote_connect_get_cpu_model_names_ret",
  { models: array(remote_nonnull_string, REMOTE_CONNECT_CPU_MODELS_MAX), ret: int },
);
export const remote_connect_event_connection_closed_msg = struct(
  "remote_connect_event_connection_closed_msg",
  { reason: int },
);
export const remote_connect_compare_hypervisor_cpu_args = struct(
  "remote_connect_compare_hypervisor_cpu_args",
  {
    emulator: remote_string,
    arch: remote_string,
    machine: remote_string,
    virttype: remote_string,
    xmlCPU: remote_nonnull_string,
    flags: uint,
  },
);
export const remote_connect_compare_hypervisor_cpu_ret = struct(
  "remote_connect_compare_hypervisor_cpu_ret",
  { result: int },
);
export const remote_connect_baseline_hypervisor_cpu_args = struct(
  "remote_connect_baseline_hypervisor_cpu_args",
  {
    emulator: remote_string,
    arch: remote_string,
    machine: remote_string,
    virttype: remote_string,
    xmlCPUs: array(remote_nonnull_string, REMOTE_CPU_BASELINE_MAX),
    flags: uint,
  },
);
export const remote_connect_baseline_hypervisor_cpu_ret = struct(
  "remote_connect_baseline_hypervisor_cpu_ret",
  { cpu: remote_nonnull_string },
);
export const remote_connect_get_storage_pool_capabilities_args = struct(
  "remote_connect_get_storage_pool_capabilities_args",
  { flags: uint },
);
export const remote_connect_get_storage_pool_capabilities_ret = struct(
  "remote_connect_get_storage_pool_capabilities_ret",
  { capabilities: remote_nonnull_string },
);
export const remote_connect_set_identity_args = struct("remote_connect_set_identity_args", {
  params: array(remote_typed_param, REMOTE_CONNECT_IDENTITY_PARAMS_MAX),
  flags: uint,
});

// ---- Host node ------------------------------------------------------------------------

export const remote_node_get_info_ret = struct("remote_node_get_info_ret", {
  model: fixedArray(char, 32),
  memory: uhyper,
  cpus: int,
  mhz: int,
  nodes: int,
  sockets: int,
  cores: int,
  threads: int,
});
export const remote_node_get_cpu_stats_args = struct("remote_node_get_cpu_stats_args", {
  cpuNum: int,
  nparams: int,
  flags: uint,
});
export const remote_node_get_cpu_stats_ret = struct("remote_node_get_cpu_stats_ret", {
  params: array(remote_node_get_cpu_stats, REMOTE_NODE_CPU_STATS_MAX),
  nparams: int,
});
export const remote_node_get_memory_stats_args = struct("remote_node_get_memory_stats_args", {
  nparams: int,
  cellNum: int,
  flags: uint,
});
export const remote_node_get_memory_stats_ret = struct("remote_node_get_memory_stats_ret", {
  params: array(remote_node_get_memory_stats, REMOTE_NODE_MEMORY_STATS_MAX),
  nparams: int,
});
export const remote_node_get_cells_free_memory_args = struct(
  "remote_node_get_cells_free_memory_args",
  { startCell: int, maxcells: int },
);
export const remote_node_get_cells_free_memory_ret = struct(
  "remote_node_get_cells_free_memory_ret",
  { cells: array(uhyper, REMOTE_NODE_MAX_CELLS) },
);
export const remote_node_get_free_memory_ret = struct("remote_node_get_free_memory_ret", {
  freeMem: uhyper,
});
export const remote_node_get_security_model_ret = struct("remote_node_get_security_model_ret", {
  model: charArray(REMOTE_SECURITY_MODEL_MAX),
  doi: charArray(REMOTE_SECURITY_DOI_MAX),
});
export const remote_node_suspend_for_duration_args = struct(
  "remote_node_suspend_for_duration_args",
  { target: uint, duration: uhyper, flags: uint },
);
export const remote_node_set_memory_parameters_args = struct(
  "remote_node_set_memory_parameters_args",
  { params: array(remote_typed_param, REMOTE_NODE_MEMORY_PARAMETERS_MAX), flags: uint },
);
export const remote_node_get_memory_parameters_args = struct(
  "remote_node_get_memory_parameters_args",
  { nparams: int, flags: uint },
);
export const remote_node_get_memory_parameters_ret = struct(
  "remote_node_get_memory_parameters_ret",
  { params: array(remote_typed_param, REMOTE_NODE_MEMORY_PARAMETERS_MAX), nparams: int },
);
export const remote_node_get_cpu_map_args = struct("remote_node_get_cpu_map_args", {
  need_map: int,
  need_online: int,
  flags: uint,
});
export const remote_node_get_cpu_map_ret = struct("remote_node_get_cpu_map_ret", {
  cpumap: opaque(REMOTE_CPUMAP_MAX),
  online: uint,
  ret: int,
});
export const remote_node_get_free_pages_args = struct("remote_node_get_free_pages_args", {
  pages: array(uint, REMOTE_NODE_MAX_CELLS),
  startCell: int,
  cellCount: uint,
  flags: uint,
});
export const remote_node_get_free_pages_ret = struct("remote_node_get_free_pages_ret", {
  counts: array(uhyper, REMOTE_NODE_MAX_CELLS),
});
export const remote_node_alloc_pages_args = struct("remote_node_alloc_pages_args", {
  pageSizes: array(uint, REMOTE_NODE_MAX_CELLS),
  pageCounts: array(uhyper, REMOTE_NODE_MAX_CELLS),
  startCell: int,
  cellCount: uint,
  flags: uint,
});
export const remote_node_alloc_pages_ret = struct("remote_node_alloc_pages_ret", { ret: int });
export const remote_node_get_sev_info_args = struct("remote_node_get_sev_info_args", {
  nparams: int,
  flags: uint,
});
export const remote_node_get_sev_info_ret = struct("remote_node_get_sev_info_ret", {
  params: array(remote_typed_param, REMOTE_NODE_SEV_INFO_MAX),
  nparams: int,
});

// ---- Networks -------------------------------------------------------------------------

export const remote_connect_num_of_networks_ret = struct("remote_connect_num_of_networks_ret", {
  num: int,
});
export const remote_connect_list_networks_args = struct("remote_connect_list_networks_args", {
  maxnames: int,
});
export const remote_connect_list_networks_ret = struct("remote_connect_list_networks_ret", {
  names: array(remote_nonnull_string, REMOTE_NETWORK_LIST_MAX),
});
export const remote_connect_num_of_defined_networks_ret = struct(
  "remote_connect_num_of_defined_networks_ret",
  { num: int },
);
export const remote_connect_list_defined_networks_args = struct(
  "remote_connect_list_defined_networks_args",
  { maxnames: int },
);
export const remote_connect_list_defined_networks_ret = struct(
  "remote_connect_list_defined_networks_ret",
  { names: array(remote_nonnull_string, REMOTE_NETWORK_LIST_MAX) },
);
export const remote_network_lookup_by_uuid_args = struct("remote_network_lookup_by_uuid_args", {
  uuid: remote_uuid,
});
export const remote_network_lookup_by_uuid_ret = struct("remote_network_lookup_by_uuid_ret", {
  net: remote_nonnull_network,
});
export const remote_network_lookup_by_name_args = struct("remote_network_lookup_by_name_args", {
  name: remote_nonnull_string,
});
export const remote_network_lookup_by_name_ret = struct("remote_network_lookup_by_name_ret", {
  net: remote_nonnull_network,
});
export const remote_network_create_xml_args = struct("remote_network_create_xml_args", {
  xml: remote_nonnull_string,
});
export const remote_network_create_xml_ret = struct("remote_network_create_xml_ret", {
  net: remote_nonnull_network,
});
export const remote_network_create_xml_flags_args = struct(
  "remote_network_create_xml_flags_args",
  { xml: remote_nonnull_string, flags: uint },
);
export const remote_network_create_xml_flags_ret = struct("remote_network_create_xml_flags_ret", {
  net: remote_nonnull_network,
});
export const remote_network_define_xml_args = struct("remote_network_define_xml_args", {
  xml: remote_nonnull_string,
});
export const remote_network_define_xml_ret = struct("remote_network_define_xml_ret", {
  net: remote_nonnull_network,
});
export const remote_network_define_xml_flags_args = struct(
  "remote_network_define_xml_flags_args",
  { xml: remote_nonnull_string, flags: uint },
);
export const remote_network_define_xml_flags_ret = struct("remote_network_define_xml_flags_ret", {
  net: remote_nonnull_network,
});
export const remote_network_undefine_args = struct("remote_network_undefine_args", {
  net: remote_nonnull_network,
});
export const remote_network_update_args = struct("remote_network_update_args", {
  net: remote_nonnull_network,
  command: uint,
  section: uint,
  parentIndex: int,
  xml: remote_nonnull_string,
  flags: uint,
});
export const remote_network_create_args = struct("remote_network_create_args", {
  net: remote_nonnull_network,
});
export const remote_network_destroy_args = struct("remote_network_destroy_args", {
  net: remote_nonnull_network,
});
export const remote_network_get_xml_desc_args = struct("remote_network_get_xml_desc_args", {
  net: remote_nonnull_network,
  flags: uint,
});
export const remote_network_get_xml_desc_ret = struct("remote_network_get_xml_desc_ret", {
  xml: remote_nonnull_string,
});
export const remote_network_get_bridge_name_args = struct("remote_network_get_bridge_name_args", {
  net: remote_nonnull_network,
});
export const remote_network_get_bridge_name_ret = struct("remote_network_get_bridge_name_ret", {
  name: remote_nonnull_string,
});
export const remote_network_get_autostart_args = struct("remote_network_get_autostart_args", {
  net: remote_nonnull_network,
});
export const remote_network_get_autostart_ret = struct("remote_network_get_autostart_ret", {
  autostart: int,
});
export const remote_network_set_autostart_args = struct("remote_network_set_autostart_args", {
  net: remote_nonnull_network,
  autostart: int,
});
export const remote_network_is_active_args = struct("remote_network_is_active_args", {
  net: remote_nonnull_network,
});
export const remote_network_is_active_ret = struct("remote_network_is_active_ret", {
  active: int,
});
export const remote_network_is_persistent_args = struct("remote_network_is_persistent_args", {
  net: remote_nonnull_network,
});
export const remote_network_is_persistent_ret = struct("remote_network_is_persistent_ret", {
  persistent: int,
});
export const remote_connect_list_all_networks_args = struct(
  "remote_connect_list_all_networks_args",
  { need_results: int, flags: uint },
);
export const remote_connect_list_all_networks_ret = struct(
  "remote_connect_list_all_networks_ret",
  { nets: array(remote_nonnull_network, REMOTE_NETWORK_LIST_MAX), ret: uint },
);
export const remote_connect_network_event_register_any_args = struct(
  "remote_connect_network_event_register_any_args",
  { eventID: int, net: remote_network },
);
export const remote_connect_network_event_register_any_ret = struct(
  "remote_connect_network_event_register_any_ret",
  { callbackID: int },
);
export const remote_connect_network_event_deregister_any_args = struct(
  "remote_connect_network_event_deregister_any_args",
  { callbackID: int },
);
export const remote_network_event_lifecycle_msg = struct("remote_network_event_lifecycle_msg", {
  callbackID: int,
  net: remote_nonnull_network,
  event: int,
  detail: int,
});
export const remote_network_event_callback_metadata_change_msg = struct(
  "remote_network_event_callback_metadata_change_msg",
  { callbackID: int, net: remote_nonnull_network, type: int, nsuri: remote_string },
);
export const remote_network_set_metadata_args = struct("remote_network_set_metadata_args", {
  network: remote_nonnull_network,
  type: int,
  metadata: remote_string,
  key: remote_string,
  uri: remote_string,
  flags: uint,
});
export const remote_network_get_metadata_args = struct("remote_network_get_metadata_args", {
  network: remote_nonnull_network,
  type: int,
  uri: remote_string,
  flags: uint,
});
export const remote_network_get_metadata_ret = struct("remote_network_get_metadata_ret", {
  metadata: remote_nonnull_string,
});
export const remote_network_dhcp_lease = struct("remote_network_dhcp_lease", {
  iface: remote_nonnull_string,
  expirytime: hyper,
  type: int,
  mac: remote_string,
  iaid: remote_string,
  ipaddr: remote_nonnull_string,
  prefix: uint,
  hostname: remote_string,
  clientid: remote_string,
});
export const remote_network_get_dhcp_leases_args = struct("remote_network_get_dhcp_leases_args", {
  net: remote_nonnull_network,
  mac: remote_string,
  need_results: int,
  flags: uint,
});
export const remote_network_get_dhcp_leases_ret = struct("remote_network_get_dhcp_leases_ret", {
  leases: array(remote_network_dhcp_lease, REMOTE_NETWORK_DHCP_LEASES_MAX),
  ret: uint,
});

// ---- Network ports --------------------------------------------------------------------

export const remote_network_list_all_ports_args = struct("remote_network_list_all_ports_args", {
  network: remote_nonnull_network,
  need_results: int,
  flags: uint,
});
export const remote_network_list_all_ports_ret = struct("remote_network_list_all_ports_ret", {
  ports: array(remote_nonnull_network_port, REMOTE_NETWORK_PORT_LIST_MAX),
  ret: uint,
});
export const remote_network_port_lookup_by_uuid_args = struct(
  "remote_network_port_lookup_by_uuid_args",
  { network: remote_nonnull_network, uuid: remote_uuid },
);
export const remote_network_port_lookup_by_uuid_ret = struct(
  "remote_network_port_lookup_by_uuid_ret",
  { port: remote_nonnull_network_port },
);
export const remote_network_port_create_xml_args = struct("remote_network_port_create_xml_args", {
  network: remote_nonnull_network,
  xml: remote_nonnull_string,
  flags: uint,
});
export const remote_network_port_create_xml_ret = struct("remote_network_port_create_xml_ret", {
  port: remote_nonnull_network_port,
});
export const remote_network_port_set_parameters_args = struct(
  "remote_network_port_set_parameters_args",
  {
    port: remote_nonnull_network_port,
    params: array(remote_typed_param, REMOTE_NETWORK_PORT_PARAMETERS_MAX),
    flags: uint,
  },
);
export const remote_network_port_get_parameters_args = struct(
  "remote_network_port_get_parameters_args",
  { port: remote_nonnull_network_port, nparams: int, flags: uint },
);
export const remote_network_port_get_parameters_ret = struct(
  "remote_network_port_get_parameters_ret",
  { params: array(remote_typed_param, REMOTE_NETWORK_PORT_PARAMETERS_MAX), nparams: int },
);
export const remote_network_port_get_xml_desc_args = struct(
  "remote_network_port_get_xml_desc_args",
  { port: remote_nonnull_network_port, flags: uint },
);
export const remote_network_port_get_xml_desc_ret = struct(
  "remote_network_port_get_xml_desc_ret",
  { xml: remote_nonnull_string },
);
export const remote_network_port_delete_args = struct("remote_network_port_delete_args", {
  port: remote_nonnull_network_port,
  flags: uint,
});

// ---- Network filters and bindings -----------------------------------------------------

export const remote_connect_num_of_nwfilters_ret = struct("remote_connect_num_of_nwfilters_ret", {
  num: int,
});
export const remote_connect_list_nwfilters_args = struct("remote_connect_list_nwfilters_args", {
  maxnames: int,
});
export const remote_connect_list_nwfilters_ret = struct("remote_connect_list_nwfilters_ret", {
  names: array(remote_nonnull_string, REMOTE_NWFILTER_LIST_MAX),
});
export const remote_nwfilter_lookup_by_uuid_args = struct("remote_nwfilter_lookup_by_uuid_args", {
  uuid: remote_uuid,
});
export const remote_nwfilter_lookup_by_uuid_ret = struct("remote_nwfilter_lookup_by_uuid_ret", {
  nwfilter: remote_nonnull_nwfilter,
});
export const remote_nwfilter_lookup_by_name_args = struct("remote_nwfilter_lookup_by_name_args", {
  name: remote_nonnull_string,
});
export const remote_nwfilter_lookup_by_name_ret = struct("remote_nwfilter_lookup_by_name_ret", {
  nwfilter: remote_nonnull_nwfilter,
});
export const remote_nwfilter_define_xml_args = struct("remote_nwfilter_define_xml_args", {
  xml: remote_nonnull_string,
});
export const remote_nwfilter_define_xml_ret = struct("remote_nwfilter_define_xml_ret", {
  nwfilter: remote_nonnull_nwfilter,
});
export const remote_nwfilter_define_xml_flags_args = struct(
  "remote_nwfilter_define_xml_flags_args",
  { xml: remote_nonnull_string, flags: uint },
);
export const remote_nwfilter_define_xml_flags_ret = struct(
  "remote_nwfilter_define_xml_flags_ret",
  { nwfilter: remote_nonnull_nwfilter },
);
export const remote_nwfilter_undefine_args = struct("remote_nwfilter_undefine_args", {
  nwfilter: remote_nonnull_nwfilter,
});
export const remote_nwfilter_get_xml_desc_args = struct("remote_nwfilter_get_xml_desc_args", {
  nwfilter: remote_nonnull_nwfilter,
  flags: uint,
});
export const remote_nwfilter_get_xml_desc_ret = struct("remote_nwfilter_get_xml_desc_ret", {
  xml: remote_nonnull_string,
});
export const remote_connect_list_all_nwfilters_args = struct(
  "remote_connect_list_all_nwfilters_args",
  { need_results: int, flags: uint },
);
export const remote_connect_list_all_nwfilters_ret = struct(
  "remote_connect_list_all_nwfilters_ret",
  { filters: array(remote_nonnull_nwfilter, REMOTE_NWFILTER_LIST_MAX), ret: uint },
);
export const remote_nwfilter_binding_lookup_by_port_dev_args = struct(
  "remote_nwfilter_binding_lookup_by_port_dev_args",
  { name: remote_nonnull_string },
);
export const remote_nwfilter_binding_lookup_by_port_dev_ret = struct(
  "remote_nwfilter_binding_lookup_by_port_dev_ret",
  { nwfilter: remote_nonnull_nwfilter_binding },
);
export const remote_nwfilter_binding_create_xml_args = struct(
  "remote_nwfilter_binding_create_xml_args",
  { xml: remote_nonnull_string, flags: uint },
);
export const remote_nwfilter_binding_create_xml_ret = struct(
  "remote_nwfilter_binding_create_xml_ret",
  { nwfilter: remote_nonnull_nwfilter_binding },
);
export const remote_nwfilter_binding_delete_args = struct("remote_nwfilter_binding_delete_args", {
  nwfilter: remote_nonnull_nwfilter_binding,
});
export const remote_nwfilter_binding_get_xml_desc_args = struct(
  "remote_nwfilter_binding_get_xml_desc_args",
  { nwfilter: remote_nonnull_nwfilter_binding, flags: uint },
);
export const remote_nwfilter_binding_get_xml_desc_ret = struct(
  "remote_nwfilter_binding_get_xml_desc_ret",
  { xml: remote_nonnull_string },
);
export const remote_connect_list_all_nwfilter_bindings_args = struct(
  "remote_connect_list_all_nwfilter_bindings_args",
  { need_results: int, flags: uint },
);
export const remote_connect_list_all_nwfilter_bindings_ret = struct(
  "remote_connect_list_all_nwfilter_bindings_ret",
  { bindings: array(remote_nonnull_nwfilter_binding, REMOTE_NWFILTER_BINDING_LIST_MAX), ret: uint },
);

// ---- Host interfaces ------------------------------------------------------------------

export const remote_connect_num_of_interfaces_ret = struct("remote_connect_num_of_interfaces_ret", {
  num: int,
});
export const remote_connect_list_interfaces_args = struct("remote_connect_list_interfaces_args", {
  maxnames: int,
});
export const remote_connect_list_interfaces_ret = struct("remote_connect_list_interfaces_ret", {
  names: array(remote_nonnull_string, REMOTE_INTERFACE_LIST_MAX),
});
export const remote_connect_num_of_defined_interfaces_ret = struct(
  "remote_connect_num_of_defined_interfaces_ret",
  { num: int },
);
export const remote_connect_list_defined_interfaces_args = struct(
  "remote_connect_list_defined_interfaces_args",
  { maxnames: int },
);
export const remote_connect_list_defined_interfaces_ret = struct(
  "remote_connect_list_defined_interfaces_ret",
  { names: array(remote_nonnull_string, REMOTE_INTERFACE_LIST_MAX) },
);
export const remote_interface_lookup_by_name_args = struct("remote_interface_lookup_by_name_args", {
  name: remote_nonnull_string,
});
export const remote_interface_lookup_by_name_ret = struct("remote_interface_lookup_by_name_ret", {
  iface: remote_nonnull_interface,
});
export const remote_interface_lookup_by_mac_string_args = struct(
  "remote_interface_lookup_by_mac_string_args",
  { mac: remote_nonnull_string },
);
export const remote_interface_lookup_by_mac_string_ret = struct(
  "remote_interface_lookup_by_mac_string_ret",
  { iface: remote_nonnull_interface },
);
export const remote_interface_get_xml_desc_args = struct("remote_interface_get_xml_desc_args", {
  iface: remote_nonnull_interface,
  flags: uint,
});
export const remote_interface_get_xml_desc_ret = struct("remote_interface_get_xml_desc_ret", {
  xml: remote_nonnull_string,
});
export const remote_interface_define_xml_args = struct("remote_interface_define_xml_args", {
  xml: remote_nonnull_string,
  flags: uint,
});
export const remote_interface_define_xml_ret = struct("remote_interface_define_xml_ret", {
  iface: remote_nonnull_interface,
});
export const remote_interface_undefine_args = struct("remote_interface_undefine_args", {
  iface: remote_nonnull_interface,
});
export const remote_interface_create_args = struct("remote_interface_create_args", {
  iface: remote_nonnull_interface,
  flags: uint,
});
export const remote_interface_destroy_args = struct("remote_interface_destroy_args", {
  iface: remote_nonnull_interface,
  flags: uint,
});
export const remote_interface_change_begin_args = struct("remote_interface_change_begin_args", {
  flags: uint,
});
export const remote_interface_change_commit_args = struct("remote_interface_change_commit_args", {
  flags: uint,
});
export const remote_interface_change_rollback_args = struct(
  "remote_interface_change_rollback_args",
  { flags: uint },
);
export const remote_interface_is_active_args = struct("remote_interface_is_active_args", {
  iface: remote_nonnull_interface,
});
export const remote_interface_is_active_ret = struct("remote_interface_is_active_ret", {
  active: int,
});
export const remote_connect_list_all_interfaces_args = struct(
  "remote_connect_list_all_interfaces_args",
  { need_results: int, flags: uint },
);
export const remote_connect_list_all_interfaces_ret = struct(
  "remote_connect_list_all_interfaces_ret",
  { ifaces: array(remote_nonnull_interface, REMOTE_INTERFACE_LIST_MAX), ret: uint },
);

// ---- Storage pools --------------------------------------------------------------------

export const remote_connect_num_of_storage_pools_ret = struct(
  "remote_connect_num_of_storage_pools_ret",
  { num: int },
);
export const remote_connect_list_storage_pools_args = struct(
  "remote_connect_list_storage_pools_args",
  { maxnames: int },
);
export const remote_connect_list_storage_pools_ret = struct(
  "remote_connect_list_storage_pools_ret",
  { names: array(remote_nonnull_string, REMOTE_STORAGE_POOL_LIST_MAX) },
);
export const remote_connect_num_of_defined_storage_pools_ret = struct(
  "remote_connect_num_of_defined_storage_pools_ret",
  { num: int },
);
export const remote_connect_list_defined_storage_pools_args = struct(
  "remote_connect_list_defined_storage_pools_args",
  { maxnames: int },
);
export const remote_connect_list_defined_storage_pools_ret = struct(
  "remote_connect_list_defined_storage_pools_ret",
  { names: array(remote_nonnull_string, REMOTE_STORAGE_POOL_LIST_MAX) },
);
export const remote_connect_find_storage_pool_sources_args = struct(
  "remote_connect_find_storage_pool_sources_args",
  { type: remote_nonnull_string, srcSpec: remote_string, flags: uint },
);
export const remote_connect_find_storage_pool_sources_ret = struct(
  "remote_connect_find_storage_pool_sources_ret",
  { xml: remote_nonnull_string },
);
export const remote_storage_pool_lookup_by_uuid_args = struct(
  "remote_storage_pool_lookup_by_uuid_args",
  { uuid: remote_uuid },
);
export const remote_storage_pool_lookup_by_uuid_ret = struct(
  "remote_storage_pool_lookup_by_uuid_ret",
  { pool: remote_nonnull_storage_pool },
);
export const remote_storage_pool_lookup_by_name_args = struct(
  "remote_storage_pool_lookup_by_name_args",
  { name: remote_nonnull_string },
);
export const remote_storage_pool_lookup_by_name_ret = struct(
  "remote_storage_pool_lookup_by_name_ret",
  { pool: remote_nonnull_storage_pool },
);
export const remote_storage_pool_lookup_by_volume_args = struct(
  "remote_storage_pool_lookup_by_volume_args",
  { vol: remote_nonnull_storage_vol },
);
export const remote_storage_pool_lookup_by_volume_ret = struct(
  "remote_storage_pool_lookup_by_volume_ret",
  { pool: remote_nonnull_storage_pool },
);
export const remote_storage_pool_lookup_by_target_path_args = struct(
  "remote_storage_pool_lookup_by_target_path_args",
  { path: remote_nonnull_string },
);
export const remote_storage_pool_lookup_by_target_path_ret = struct(
  "remote_storage_pool_lookup_by_target_path_ret",
  { pool: remote_nonnull_storage_pool },
);
export const remote_storage_pool_create_xml_args = struct("remote_storage_pool_create_xml_args", {
  xml: remote_nonnull_string,
  flags: uint,
});
export const remote_storage_pool_create_xml_ret = struct("remote_storage_pool_create_xml_ret", {
  pool: remote_nonnull_storage_pool,
});
export const remote_storage_pool_define_xml_args = struct("remote_storage_pool_define_xml_args", {
  xml: remote_nonnull_string,
  flags: uint,
});
export const remote_storage_pool_define_xml_ret = struct("remote_storage_pool_define_xml_ret", {
  pool: remote_nonnull_storage_pool,
});
export const remote_storage_pool_build_args = struct("remote_storage_pool_build_args", {
  pool: remote_nonnull_storage_pool,
  flags: uint,
});
export const remote_storage_pool_undefine_args = struct("remote_storage_pool_undefine_args", {
  pool: remote_nonnull_storage_pool,
});
export const remote_storage_pool_create_args = struct("remote_storage_pool_create_args", {
  pool: remote_nonnull_storage_pool,
  flags: uint,
});
export const remote_storage_pool_destroy_args = struct("remote_storage_pool_destroy_args", {
  pool: remote_nonnull_storage_pool,
});
export const remote_storage_pool_delete_args = struct("remote_storage_pool_delete_args", {
  pool: remote_nonnull_storage_pool,
  flags: uint,
});
export const remote_storage_pool_refresh_args = struct("remote_storage_pool_refresh_args", {
  pool: remote_nonnull_storage_pool,
  flags: uint,
});
export const remote_storage_pool_get_xml_desc_args = struct(
  "remote_storage_pool_get_xml_desc_args",
  { pool: remote_nonnull_storage_pool, flags: uint },
);
export const remote_storage_pool_get_xml_desc_ret = struct(
  "remote_storage_pool_get_xml_desc_ret",
  { xml: remote_nonnull_string },
);
export const remote_storage_pool_get_info_args = struct("remote_storage_pool_get_info_args", {
  pool: remote_nonnull_storage_pool,
});
export const remote_storage_pool_get_info_ret = struct("remote_storage_pool_get_info_ret", {
  state: uchar,
  capacity: uhyper,
  allocation: uhyper,
  available: uhyper,
});
export const remote_storage_pool_get_autostart_args = struct(
  "remote_storage_pool_get_autostart_args",
  { pool: remote_nonnull_storage_pool },
);
export const remote_storage_pool_get_autostart_ret = struct(
  "remote_storage_pool_get_autostart_ret",
  { autostart: int },
);
export const remote_storage_pool_set_autostart_args = struct(
  "remote_storage_pool_set_autostart_args",
  { pool: remote_nonnull_storage_pool, autostart: int },
);
export const remote_storage_pool_num_of_volumes_args = struct(
  "remote_storage_pool_num_of_volumes_args",
  { pool: remote_nonnull_storage_pool },
);
export const remote_storage_pool_num_of_volumes_ret = struct(
  "remote_storage_pool_num_of_volumes_ret",
  { num: int },
);
export const remote_storage_pool_list_volumes_args = struct(
  "remote_storage_pool_list_volumes_args",
  { pool: remote_nonnull_storage_pool, maxnames: int },
);
export const remote_storage_pool_list_volumes_ret = struct(
  "remote_storage_pool_list_volumes_ret",
  { names: array(remote_nonnull_string, REMOTE_STORAGE_VOL_LIST_MAX) },
);
export const remote_storage_pool_is_active_args = struct("remote_storage_pool_is_active_args", {
  pool: remote_nonnull_storage_pool,
});
export const remote_storage_pool_is_active_ret = struct("remote_storage_pool_is_active_ret", {
  active: int,
});
export const remote_storage_pool_is_persistent_args = struct(
  "remote_storage_pool_is_persistent_args",
  { pool: remote_nonnull_storage_pool },
);
export const remote_storage_pool_is_persistent_ret = struct(
  "remote_storage_pool_is_persistent_ret",
  { persistent: int },
);
export const remote_connect_list_all_storage_pools_args = struct(
  "remote_connect_list_all_storage_pools_args",
  { need_results: int, flags: uint },
);
export const remote_connect_list_all_storage_pools_ret = struct(
  "remote_connect_list_all_storage_pools_ret",
  { pools: array(remote_nonnull_storage_pool, REMOTE_STORAGE_POOL_LIST_MAX), ret: uint },
);
export const remote_storage_pool_list_all_volumes_args = struct(
  "remote_storage_pool_list_all_volumes_args",
  { pool: remote_nonnull_storage_pool, need_results: int, flags: uint },
);
export const remote_storage_pool_list_all_volumes_ret = struct(
  "remote_storage_pool_list_all_volumes_ret",
  { vols: array(remote_nonnull_storage_vol, REMOTE_STORAGE_VOL_LIST_MAX), ret: uint },
);
export const remote_connect_storage_pool_event_register_any_args = struct(
  "remote_connect_storage_pool_event_register_any_args",
  { eventID: int, pool: remote_storage_pool },
);
export const remote_connect_storage_pool_event_register_any_ret = struct(
  "remote_connect_storage_pool_event_register_any_ret",
  { callbackID: int },
);
export const remote_connect_storage_pool_event_deregister_any_args = struct(
  "remote_connect_storage_pool_event_deregister_any_args",
  { callbackID: int },
);
export const remote_storage_pool_event_lifecycle_msg = struct(
  "remote_storage_pool_event_lifecycle_msg",
  { callbackID: int, pool: remote_nonnull_storage_pool, event: int, detail: int },
);
export const remote_storage_pool_event_refresh_msg = struct(
  "remote_storage_pool_event_refresh_msg",
  { callbackID: int, pool: remote_nonnull_storage_pool },
);

// ---- Storage volumes ------------------------------------------------------------------

export const remote_storage_vol_lookup_by_name_args = struct(
  "remote_storage_vol_lookup_by_name_args",
  { pool: remote_nonnull_storage_pool, name: remote_nonnull_string },
);
export const remote_storage_vol_lookup_by_name_ret = struct(
  "remote_storage_vol_lookup_by_name_ret",
  { vol: remote_nonnull_storage_vol },
);
export const remote_storage_vol_lookup_by_key_args = struct(
  "remote_storage_vol_lookup_by_key_args",
  { key: remote_nonnull_string },
);
export const remote_storage_vol_lookup_by_key_ret = struct(
  "remote_storage_vol_lookup_by_key_ret",
  { vol: remote_nonnull_storage_vol },
);
export const remote_storage_vol_lookup_by_path_args = struct(
  "remote_storage_vol_lookup_by_path_args",
  { path: remote_nonnull_string },
);
export const remote_storage_vol_lookup_by_path_ret = struct(
  "remote_storage_vol_lookup_by_path_ret",
  { vol: remote_nonnull_storage_vol },
);
export const remote_storage_vol_create_xml_args = struct("remote_storage_vol_create_xml_args", {
  pool: remote_nonnull_storage_pool,
  xml: remote_nonnull_string,
  flags: uint,
});
export const remote_storage_vol_create_xml_ret = struct("remote_storage_vol_create_xml_ret", {
  vol: remote_nonnull_storage_vol,
});
export const remote_storage_vol_create_xml_from_args = struct(
  "remote_storage_vol_create_xml_from_args",
  {
    pool: remote_nonnull_storage_pool,
    xml: remote_nonnull_string,
    clonevol: remote_nonnull_storage_vol,
    flags: uint,
  },
);
export const remote_storage_vol_create_xml_from_ret = struct(
  "remote_storage_vol_create_xml_from_ret",
  { vol: remote_nonnull_storage_vol },
);
export const remote_storage_vol_delete_args = struct("remote_storage_vol_delete_args", {
  vol: remote_nonnull_storage_vol,
  flags: uint,
});
export const remote_storage_vol_wipe_args = struct("remote_storage_vol_wipe_args", {
  vol: remote_nonnull_storage_vol,
  flags: uint,
});
export const remote_storage_vol_wipe_pattern_args = struct(
  "remote_storage_vol_wipe_pattern_args",
  { vol: remote_nonnull_storage_vol, algorithm: uint, flags: uint },
);
export const remote_storage_vol_get_xml_desc_args = struct(
  "remote_storage_vol_get_xml_desc_args",
  { vol: remote_nonnull_storage_vol, flags: uint },
);
export const remote_storage_vol_get_xml_desc_ret = struct("remote_storage_vol_get_xml_desc_ret", {
  xml: remote_nonnull_string,
});
export const remote_storage_vol_get_info_args = struct("remote_storage_vol_get_info_args", {
  vol: remote_nonnull_storage_vol,
});
export const remote_storage_vol_get_info_ret = struct("remote_storage_vol_get_info_ret", {
  type: char,
  capacity: uhyper,
  allocation: uhyper,
});
export const remote_storage_vol_get_info_flags_args = struct(
  "remote_storage_vol_get_info_flags_args",
  { vol: remote_nonnull_storage_vol, flags: uint },
);
export const remote_storage_vol_get_info_flags_ret = struct(
  "remote_storage_vol_get_info_flags_ret",
  { type: char, capacity: uhyper, allocation: uhyper },
);
export const remote_storage_vol_get_path_args = struct("remote_storage_vol_get_path_args", {
  vol: remote_nonnull_storage_vol,
});
export const remote_storage_vol_get_path_ret = struct("remote_storage_vol_get_path_ret", {
  name: remote_nonnull_string,
});
export const remote_storage_vol_resize_args = struct("remote_storage_vol_resize_args", {
  vol: remote_nonnull_storage_vol,
  capacity: uhyper,
  flags: uint,
});
export const remote_storage_vol_upload_args = struct("remote_storage_vol_upload_args", {
  vol: remote_nonnull_storage_vol,
  offset: uhyper,
  length: uhyper,
  flags: uint,
});
export const remote_storage_vol_download_args = struct("remote_storage_vol_download_args", {
  vol: remote_nonnull_storage_vol,
  offset: uhyper,
  length: uhyper,
  flags: uint,
});

// ---- Node devices ---------------------------------------------------------------------

export const remote_node_num_of_devices_args = struct("remote_node_num_of_devices_args", {
  cap: remote_string,
  flags: uint,
});
export const remote_node_num_of_devices_ret = struct("remote_node_num_of_devices_ret", {
  num: int,
});
export const remote_node_list_devices_args = struct("remote_node_list_devices_args", {
  cap: remote_string,
  maxnames: int,
  flags: uint,
});
export const remote_node_list_devices_ret = struct("remote_node_list_devices_ret", {
  names: array(remote_nonnull_string, REMOTE_NODE_DEVICE_LIST_MAX),
});
export const remote_node_device_lookup_by_name_args = struct(
  "remote_node_device_lookup_by_name_args",
  { name: remote_nonnull_string },
);
export const remote_node_device_lookup_by_name_ret = struct(
  "remote_node_device_lookup_by_name_ret",
  { dev: remote_nonnull_node_device },
);
export const remote_node_device_lookup_scsi_host_by_wwn_args = struct(
  "remote_node_device_lookup_scsi_host_by_wwn_args",
  { wwnn: remote_nonnull_string, wwpn: remote_nonnull_string, flags: uint },
);
export const remote_node_device_lookup_scsi_host_by_wwn_ret = struct(
  "remote_node_device_lookup_scsi_host_by_wwn_ret",
  { dev: remote_nonnull_node_device },
);
export const remote_node_device_get_xml_desc_args = struct(
  "remote_node_device_get_xml_desc_args",
  { name: remote_nonnull_string, flags: uint },
);
export const remote_node_device_get_xml_desc_ret = struct("remote_node_device_get_xml_desc_ret", {
  xml: remote_nonnull_string,
});
export const remote_node_device_get_parent_args = struct("remote_node_device_get_parent_args", {
  name: remote_nonnull_string,
});
export const remote_node_device_get_parent_ret = struct("remote_node_device_get_parent_ret", {
  parentName: remote_string,
});
export const remote_node_device_num_of_caps_args = struct("remote_node_device_num_of_caps_args", {
  name: remote_nonnull_string,
});
export const remote_node_device_num_of_caps_ret = struct("remote_node_device_num_of_caps_ret", {
  num: int,
});
export const remote_node_device_list_caps_args = struct("remote_node_device_list_caps_args", {
  name: remote_nonnull_string,
  maxnames: int,
});
export const remote_node_device_list_caps_ret = struct("remote_node_device_list_caps_ret", {
  names: array(remote_nonnull_string, REMOTE_NODE_DEVICE_CAPS_LIST_MAX),
});
export const remote_node_device_dettach_args = struct("remote_node_device_dettach_args", {
  name: remote_nonnull_string,
});
export const remote_node_device_detach_flags_args = struct(
  "remote_node_device_detach_flags_args",
  { name: remote_nonnull_string, driverName: remote_string, flags: uint },
);
export const remote_node_device_re_attach_args = struct("remote_node_device_re_attach_args", {
  name: remote_nonnull_string,
});
export const remote_node_device_reset_args = struct("remote_node_device_reset_args", {
  name: remote_nonnull_string,
});
export const remote_node_device_create_xml_args = struct("remote_node_device_create_xml_args", {
  xml_desc: remote_nonnull_string,
  flags: uint,
});
export const remote_node_device_create_xml_ret = struct("remote_node_device_create_xml_ret", {
  dev: remote_nonnull_node_device,
});
export const remote_node_device_destroy_args = struct("remote_node_device_destroy_args", {
  name: remote_nonnull_string,
});
export const remote_node_device_define_xml_args = struct("remote_node_device_define_xml_args", {
  xml_desc: remote_nonnull_string,
  flags: uint,
});
export const remote_node_device_define_xml_ret = struct("remote_node_device_define_xml_ret", {
  dev: remote_nonnull_node_device,
});
export const remote_node_device_undefine_args = struct("remote_node_device_undefine_args", {
  name: remote_nonnull_string,
  flags: uint,
});
export const remote_node_device_create_args = struct("remote_node_device_create_args", {
  name: remote_nonnull_string,
  flags: uint,
});
export const remote_node_device_get_autostart_args = struct(
  "remote_node_device_get_autostart_args",
  { name: remote_nonnull_string },
);
export const remote_node_device_get_autostart_ret = struct(
  "remote_node_device_get_autostart_ret",
  { autostart: int },
);
export const remote_node_device_set_autostart_args = struct(
  "remote_node_device_set_autostart_args",
  { name: remote_nonnull_string, autostart: int },
);
export const remote_node_device_is_persistent_args = struct(
  "remote_node_device_is_persistent_args",
  { name: remote_nonnull_string },
);
export const remote_node_device_is_persistent_ret = struct(
  "remote_node_device_is_persistent_ret",
  { persistent: int },
);
export const remote_node_device_is_active_args = struct("remote_node_device_is_active_args", {
  name: remote_nonnull_string,
});
export const remote_node_device_is_active_ret = struct("remote_node_device_is_active_ret", {
  active: int,
});
export const remote_node_device_update_args = struct("remote_node_device_update_args", {
  name: remote_nonnull_string,
  xml_desc: remote_nonnull_string,
  flags: uint,
});
export const remote_connect_list_all_node_devices_args = struct(
  "remote_connect_list_all_node_devices_args",
  { need_results: int, flags: uint },
);
export const remote_connect_list_all_node_devices_ret = struct(
  "remote_connect_list_all_node_devices_ret",
  { devices: array(remote_nonnull_node_device, REMOTE_NODE_DEVICE_LIST_MAX), ret: uint },
);
export const remote_connect_node_device_event_register_any_args = struct(
  "remote_connect_node_device_event_register_any_args",
  { eventID: int, dev: remote_node_device },
);
export const remote_connect_node_device_event_register_any_ret = struct(
  "remote_connect_node_device_event_register_any_ret",
  { callbackID: int },
);
export const remote_connect_node_device_event_deregister_any_args = struct(
  "remote_connect_node_device_event_deregister_any_args",
  { callbackID: int },
);
export const remote_node_device_event_lifecycle_msg = struct(
  "remote_node_device_event_lifecycle_msg",
  { callbackID: int, dev: remote_nonnull_node_device, event: int, detail: int },
);
export const remote_node_device_event_update_msg = struct("remote_node_device_event_update_msg", {
  callbackID: int,
  dev: remote_nonnull_node_device,
});

// ---- Secrets --------------------------------------------------------------------------

export const remote_connect_num_of_secrets_ret = struct("remote_connect_num_of_secrets_ret", {
  num: int,
});
export const remote_connect_list_secrets_args = struct("remote_connect_list_secrets_args", {
  maxuuids: int,
});
export const remote_connect_list_secrets_ret = struct("remote_connect_list_secrets_ret", {
  uuids: array(remote_nonnull_string, REMOTE_SECRET_LIST_MAX),
});
export const remote_secret_lookup_by_uuid_args = struct("remote_secret_lookup_by_uuid_args", {
  uuid: remote_uuid,
});
export const remote_secret_lookup_by_uuid_ret = struct("remote_secret_lookup_by_uuid_ret", {
  secret: remote_nonnull_secret,
});
export const remote_secret_define_xml_args = struct("remote_secret_define_xml_args", {
  xml: remote_nonnull_string,
  flags: uint,
});
export const remote_secret_define_xml_ret = struct("remote_secret_define_xml_ret", {
  secret: remote_nonnull_secret,
});
export const remote_secret_get_xml_desc_args = struct("remote_secret_get_xml_desc_args", {
  secret: remote_nonnull_secret,
  flags: uint,
});
export const remote_secret_get_xml_desc_ret = struct("remote_secret_get_xml_desc_ret", {
  xml: remote_nonnull_string,
});
export const remote_secret_set_value_args = struct("remote_secret_set_value_args", {
  secret: remote_nonnull_secret,
  value: opaque(REMOTE_SECRET_VALUE_MAX),
  flags: uint,
});
export const remote_secret_get_value_args = struct("remote_secret_get_value_args", {
  secret: remote_nonnull_secret,
  flags: uint,
});
export const remote_secret_get_value_ret = struct("remote_secret_get_value_ret", {
  value: opaque(REMOTE_SECRET_VALUE_MAX),
});
export const remote_secret_undefine_args = struct("remote_secret_undefine_args", {
  secret: remote_nonnull_secret,
});
export const remote_secret_lookup_by_usage_args = struct("remote_secret_lookup_by_usage_args", {
  usageType: int,
  usageID: remote_nonnull_string,
});
export const remote_secret_lookup_by_usage_ret = struct("remote_secret_lookup_by_usage_ret", {
  secret: remote_nonnull_secret,
});
export const remote_connect_list_all_secrets_args = struct(
  "remote_connect_list_all_secrets_args",
  { need_results: int, flags: uint },
);
export const remote_connect_list_all_secrets_ret = struct("remote_connect_list_all_secrets_ret", {
  secrets: array(remote_nonnull_secret, REMOTE_SECRET_LIST_MAX),
  ret: uint,
});
export const remote_connect_secret_event_register_any_args = struct(
  "remote_connect_secret_event_register_any_args",
  { eventID: int, secret: remote_secret },
);
export const remote_connect_secret_event_register_any_ret = struct(
  "remote_connect_secret_event_register_any_ret",
  { callbackID: int },
);
export const remote_connect_secret_event_deregister_any_args = struct(
  "remote_connect_secret_event_deregister_any_args",
  { callbackID: int },
);
export const remote_secret_event_lifecycle_msg = struct("remote_secret_event_lifecycle_msg", {
  callbackID: int,
  secret: remote_nonnull_secret,
  event: int,
  detail: int,
});
export const remote_secret_event_value_changed_msg = struct(
  "remote_secret_event_value_changed_msg",
  { callbackID: int, secret: remote_nonnull_secret },
);

export const hostDeclarations = [
  declare(REMOTE_PROC_CONNECT_OPEN, remote_connect_open_args, xdrVoid),
  declare(REMOTE_PROC_CONNECT_CLOSE, xdrVoid, xdrVoid),
  declare(REMOTE_PROC_CONNECT_GET_TYPE, xdrVoid, remote_connect_get_type_ret),
  declare(REMOTE_PROC_CONNECT_GET_VERSION, xdrVoid, remote_connect_get_version_ret),
  declare(
    REMOTE_PROC_CONNECT_GET_MAX_VCPUS,
    remote_connect_get_max_vcpus_args,
    remote_connect_get_max_vcpus_ret,
  ),
  declare(REMOTE_PROC_NODE_GET_INFO, xdrVoid, remote_node_get_info_ret),
  declare(REMOTE_PROC_CONNECT_GET_CAPABILITIES, xdrVoid, remote_connect_get_capabilities_ret),
  declare(
    REMOTE_PROC_CONNECT_LIST_DEFINED_NETWORKS,
    remote_connect_list_defined_networks_args,
    remote_connect_list_defined_networks_ret,
  ),
  declare(
    REMOTE_PROC_CONNECT_LIST_NETWORKS,
    remote_connect_list_networks_args,
    remote_connect_list_networks_ret,
  ),
  declare(REMOTE_PROC_NETWORK_CREATE, remote_network_create_args, xdrVoid),
  declare(
    REMOTE_PROC_NETWORK_CREATE_XML,
    remote_network_create_xml_args,
    remote_network_create_xml_ret,
  ),
  declare(
    REMOTE_PROC_NETWORK_DEFINE_XML,
    remote_network_define_xml_args,
    remote_network_define_xml_ret,
  ),
  declare(REMOTE_PROC_NETWORK_DESTROY, remote_network_destroy_args, xdrVoid),
  declare(
    REMOTE_PROC_NETWORK_GET_XML_DESC,
    remote_network_get_xml_desc_args,
    remote_network_get_xml_desc_ret,
  ),
  declare(
    REMOTE_PROC_NETWORK_GET_AUTOSTART,
    remote_network_get_autostart_args,
    remote_network_get_autostart_ret,
  ),
  declare(
    REMOTE_PROC_NETWORK_GET_BRIDGE_NAME,
    remote_network_get_bridge_name_args,
    remote_network_get_bridge_name_ret,
  ),
  declare(
    REMOTE_PROC_NETWORK_LOOKUP_BY_NAME,
    remote_network_lookup_by_name_args,
    remote_network_lookup_by_name_ret,
  ),
  declare(
    REMOTE_PROC_NETWORK_LOOKUP_BY_UUID,
    remote_network_lookup_by_uuid_args,
    remote_network_lookup_by_uuid_ret,
  ),
  declare(REMOTE_PROC_NETWORK_SET_AUTOSTART, remote_network_set_autostart_args, xdrVoid),
  declare(REMOTE_PROC_NETWORK_UNDEFINE, remote_network_undefine_args, xdrVoid),
  declare(
    REMOTE_PROC_CONNECT_NUM_OF_DEFINED_NETWORKS,
    xdrVoid,
    remote_connect_num_of_defined_networks_ret,
  ),
  declare(REMOTE_PROC_CONNECT_NUM_OF_NETWORKS, xdrVoid, remote_connect_num_of_networks_ret),
  declare(REMOTE_PROC_CONNECT_GET_HOSTNAME, xdrVoid, remote_connect_get_hostname_ret),
  declare(
    REMOTE_PROC_CONNECT_SUPPORTS_FEATURE,
    remote_connect_supports_feature_args,
    remote_connect_supports_feature_ret,
  ),
  declare(
    REMOTE_PROC_CONNECT_NUM_OF_STORAGE_POOLS,
    xdrVoid,
    remote_connect_num_of_storage_pools_ret,
  ),
  declare(
    REMOTE_PROC_CONNECT_LIST_STORAGE_POOLS,
    remote_connect_list_storage_pools_args,
    remote_connect_list_storage_pools_ret,
  ),
  declare(
    REMOTE_PROC_CONNECT_NUM_OF_DEFINED_STORAGE_POOLS,
    xdrVoid,
    remote_connect_num_of_defined_storage_pools_ret,
  ),
  declare(
    REMOTE_PROC_CONNECT_LIST_DEFINED_STORAGE_POOLS,
    remote_connect_list_defined_storage_pools_args,
    remote_connect_list_defined_storage_pools_ret,
  ),
  declare(
    REMOTE_PROC_CONNECT_FIND_STORAGE_POOL_SOURCES,
    remote_connect_find_storage_pool_sources_args,
    remote_connect_find_storage_pool_sources_ret,
  ),
  declare(
    REMOTE_PROC_STORAGE_POOL_CREATE_XML,
    remote_storage_pool_create_xml_args,
    remote_storage_pool_create_xml_ret,
  ),
  declare(
    REMOTE_PROC_STORAGE_POOL_DEFINE_XML,
    remote_storage_pool_define_xml_args,
    remote_storage_pool_define_xml_ret,
  ),
  declare(REMOTE_PROC_STORAGE_POOL_CREATE, remote_storage_pool_create_args, xdrVoid),
  declare(REMOTE_PROC_STORAGE_POOL_BUILD, remote_storage_pool_build_args, xdrVoid),
  declare(REMOTE_PROC_STORAGE_POOL_DESTROY, remote_storage_pool_destroy_args, xdrVoid),
  declare(REMOTE_PROC_STORAGE_POOL_DELETE, remote_storage_pool_delete_args, xdrVoid),
  declare(REMOTE_PROC_STORAGE_POOL_UNDEFINE, remote_storage_pool_undefine_args, xdrVoid),
  declare(REMOTE_PROC_STORAGE_POOL_REFRESH, remote_storage_pool_refresh_args, xdrVoid),
  declare(
    REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_NAME,
    remote_storage_pool_lookup_by_name_args,
    remote_storage_pool_lookup_by_name_ret,
  ),
  declare(
    REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_UUID,
    remote_storage_pool_lookup_by_uuid_args,
    remote_storage_pool_lookup_by_uuid_ret,
  ),
  declare(
    REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_VOLUME,
    remote_storage_pool_lookup_by_volume_args,
    remote_storage_pool_lookup_by_volume_ret,
  ),
  declare(
    REMOTE_PROC_STORAGE_POOL_GET_INFO,
    remote_storage_pool_get_info_args,
    remote_storage_pool_get_info_ret,
  ),
  declare(
    REMOTE_PROC_STORAGE_POOL_GET_XML_DESC,
    remote_storage_pool_get_xml_desc_args,
    remote_storage_pool_get_xml_desc_ret,
  ),
  declare(
    REMOTE_PROC_STORAGE_POOL_GET_AUTOSTART,
    remote_storage_pool_get_autostart_args,
    remote_storage_pool_get_autostart_ret,
  ),
  declare(REMOTE_PROC_STORAGE_POOL_SET_AUTOSTART, remote_storage_pool_set_autostart_args, xdrVoid),
  declare(
    REMOTE_PROC_STORAGE_POOL_NUM_OF_VOLUMES,
    remote_storage_pool_num_of_volumes_args,
    remote_storage_pool_num_of_volumes_ret,
  ),
  declare(
    REMOTE_PROC_STORAGE_POOL_LIST_VOLUMES,
    remote_storage_pool_list_volumes_args,
    remote_storage_pool_list_volumes_ret,
  ),
  declare(
    REMOTE_PROC_STORAGE_VOL_CREATE_XML,
    remote_storage_vol_create_xml_args,
    remote_storage_vol_create_xml_ret,
  ),
  declare(REMOTE_PROC_STORAGE_VOL_DELETE, remote_storage_vol_delete_args, xdrVoid),
  declare(
    REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_NAME,
    remote_storage_vol_lookup_by_name_args,
    remote_storage_vol_lookup_by_name_ret,
  ),
  declare(
    REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_KEY,
    remote_storage_vol_lookup_by_key_args,
    remote_storage_vol_lookup_by_key_ret,
  ),
  declare(
    REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_PATH,
    remote_storage_vol_lookup_by_path_args,
    remote_storage_vol_lookup_by_path_ret,
  ),
  declare(
    REMOTE_PROC_STORAGE_VOL_GET_INFO,
    remote_storage_vol_get_info_args,
    remote_storage_vol_get_info_ret,
  ),
  declare(
    REMOTE_PROC_STORAGE_VOL_GET_XML_DESC,
    remote_storage_vol_get_xml_desc_args,
    remote_storage_vol_get_xml_desc_ret,
  ),
  declare(
    REMOTE_PROC_STORAGE_VOL_GET_PATH,
    remote_storage_vol_get_path_args,
    remote_storage_vol_get_path_ret,
  ),
  declare(
    REMOTE_PROC_NODE_GET_CELLS_FREE_MEMORY,
    remote_node_get_cells_free_memory_args,
    remote_node_get_cells_free_memory_ret,
  ),
  declare(REMOTE_PROC_NODE_GET_FREE_MEMORY, xdrVoid, remote_node_get_free_memory_ret),
  declare(REMOTE_PROC_CONNECT_GET_URI, xdrVoid, remote_connect_get_uri_ret),
  declare(
    REMOTE_PROC_NODE_NUM_OF_DEVICES,
    remote_node_num_of_devices_args,
    remote_node_num_of_devices_ret,
  ),
  declare(
    REMOTE_PROC_NODE_LIST_DEVICES,
    remote_node_list_devices_args,
    remote_node_list_devices_ret,
  ),
  declare(
    REMOTE_PROC_NODE_DEVICE_LOOKUP_BY_NAME,
    remote_node_device_lookup_by_name_args,
    remote_node_device_lookup_by_name_ret,
  ),
  declare(
    REMOTE_PROC_NODE_DEVICE_GET_XML_DESC,
    remote_node_device_get_xml_desc_args,
    remote_node_device_get_xml_desc_ret,
  ),
  declare(
    REMOTE_PROC_NODE_DEVICE_GET_PARENT,
    remote_node_device_get_parent_args,
    remote_node_device_get_parent_ret,
  ),
  declare(
    REMOTE_PROC_NODE_DEVICE_NUM_OF_CAPS,
    remote_node_device_num_of_caps_args,
    remote_node_device_num_of_caps_ret,
  ),
  declare(
    REMOTE_PROC_NODE_DEVICE_LIST_CAPS,
    remote_node_device_list_caps_args,
    remote_node_device_list_caps_ret,
  ),
  declare(REMOTE_PROC_NODE_DEVICE_DETTACH, remote_node_device_dettach_args, xdrVoid),
  declare(REMOTE_PROC_NODE_DEVICE_RE_ATTACH, remote_node_device_re_attach_args, xdrVoid),
  declare(REMOTE_PROC_NODE_DEVICE_RESET, remote_node_device_reset_args, xdrVoid),
  declare(REMOTE_PROC_NODE_GET_SECURITY_MODEL, xdrVoid, remote_node_get_security_model_ret),
  declare(
    REMOTE_PROC_NODE_DEVICE_CREATE_XML,
    remote_node_device_create_xml_args,
    remote_node_device_create_xml_ret,
  ),
  declare(REMOTE_PROC_NODE_DEVICE_DESTROY, remote_node_device_destroy_args, xdrVoid),
  declare(
    REMOTE_PROC_STORAGE_VOL_CREATE_XML_FROM,
    remote_storage_vol_create_xml_from_args,
    remote_storage_vol_create_xml_from_ret,
  ),
  declare(REMOTE_PROC_CONNECT_NUM_OF_INTERFACES, xdrVoid, remote_connect_num_of_interfaces_ret),
  declare(
    REMOTE_PROC_CONNECT_LIST_INTERFACES,
    remote_connect_list_interfaces_args,
    remote_connect_list_interfaces_ret,
  ),
  declare(
    REMOTE_PROC_INTERFACE_LOOKUP_BY_NAME,
    remote_interface_lookup_by_name_args,
    remote_interface_lookup_by_name_ret,
  ),
  declare(
    REMOTE_PROC_INTERFACE_LOOKUP_BY_MAC_STRING,
    remote_interface_lookup_by_mac_string_args,
    remote_interface_lookup_by_mac_string_ret,
  ),
  declare(
    REMOTE_PROC_INTERFACE_GET_XML_DESC,
    remote_interface_get_xml_desc_args,
    remote_interface_get_xml_desc_ret,
  ),
  declare(
    REMOTE_PROC_INTERFACE_DEFINE_XML,
    remote_interface_define_xml_args,
    remote_interface_define_xml_ret,
  ),
  declare(REMOTE_PROC_INTERFACE_UNDEFINE, remote_interface_undefine_args, xdrVoid),
  declare(REMOTE_PROC_INTERFACE_CREATE, remote_interface_create_args, xdrVoid),
  declare(REMOTE_PROC_INTERFACE_DESTROY, remote_interface_destroy_args, xdrVoid),
  declare(
    REMOTE_PROC_CONNECT_NUM_OF_DEFINED_INTERFACES,
    xdrVoid,
    remote_connect_num_of_defined_interfaces_ret,
  ),
  declare(
    REMOTE_PROC_CONNECT_LIST_DEFINED_INTERFACES,
    remote_connect_list_defined_interfaces_args,
    remote_connect_list_defined_interfaces_ret,
  ),
  declare(REMOTE_PROC_CONNECT_NUM_OF_SECRETS, xdrVoid, remote_connect_num_of_secrets_ret),
  declare(
    REMOTE_PROC_CONNECT_LIST_SECRETS,
    remote_connect_list_secrets_args,
    remote_connect_list_secrets_ret,
  ),
  declare(
    REMOTE_PROC_SECRET_LOOKUP_BY_UUID,
    remote_secret_lookup_by_uuid_args,
    remote_secret_lookup_by_uuid_ret,
  ),
  declare(
    REMOTE_PROC_SECRET_DEFINE_XML,
    remote_secret_define_xml_args,
    remote_secret_define_xml_ret,
  ),
  declare(
    REMOTE_PROC_SECRET_GET_XML_DESC,
    remote_secret_get_xml_desc_args,
    remote_secret_get_xml_desc_ret,
  ),
  declare(REMOTE_PROC_SECRET_SET_VALUE, remote_secret_set_value_args, xdrVoid),
  declare(REMOTE_PROC_SECRET_GET_VALUE, remote_secret_get_value_args, remote_secret_get_value_ret),
  declare(REMOTE_PROC_SECRET_UNDEFINE, remote_secret_undefine_args, xdrVoid),
  declare(
    REMOTE_PROC_SECRET_LOOKUP_BY_USAGE,
    remote_secret_lookup_by_usage_args,
    remote_secret_lookup_by_usage_ret,
  ),
  declare(REMOTE_PROC_CONNECT_IS_SECURE, xdrVoid, remote_connect_is_secure_ret),
  declare(
    REMOTE_PROC_NETWORK_IS_ACTIVE,
    remote_network_is_active_args,
    remote_network_is_active_ret,
  ),
  declare(
    REMOTE_PROC_NETWORK_IS_PERSISTENT,
    remote_network_is_persistent_args,
    remote_network_is_persistent_ret,
  ),
  declare(
    REMOTE_PROC_STORAGE_POOL_IS_ACTIVE,
    remote_storage_pool_is_active_args,
    remote_storage_pool_is_active_ret,
  ),
  declare(
    REMOTE_PROC_STORAGE_POOL_IS_PERSISTENT,
    remote_storage_pool_is_persistent_args,
    remote_storage_pool_is_persistent_ret,
  ),
  declare(
    REMOTE_PROC_INTERFACE_IS_ACTIVE,
    remote_interface_is_active_args,
    remote_interface_is_active_ret,
  ),
  declare(REMOTE_PROC_CONNECT_GET_LIB_VERSION, xdrVoid, remote_connect_get_lib_version_ret),
  declare(
    REMOTE_PROC_CONNECT_COMPARE_CPU,
    remote_connect_compare_cpu_args,
    remote_connect_compare_cpu_ret,
  ),
  declare(
    REMOTE_PROC_CONNECT_BASELINE_CPU,
    remote_connect_baseline_cpu_args,
    remote_connect_baseline_cpu_ret,
  ),
  declare(REMOTE_PROC_STORAGE_VOL_WIPE, remote_storage_vol_wipe_args, xdrVoid),
  declare(
    REMOTE_PROC_NWFILTER_LOOKUP_BY_NAME,
    remote_nwfilter_lookup_by_name_args,
    remote_nwfilter_lookup_by_name_ret,
  ),
  declare(
    REMOTE_PROC_NWFILTER_LOOKUP_BY_UUID,
    remote_nwfilter_lookup_by_uuid_args,
    remote_nwfilter_lookup_by_uuid_ret,
  ),
  declare(
    REMOTE_PROC_NWFILTER_GET_XML_DESC,
    remote_nwfilter_get_xml_desc_args,
    remote_nwfilter_get_xml_desc_ret,
  ),
  declare(REMOTE_PROC_CONNECT_NUM_OF_NWFILTERS, xdrVoid, remote_connect_num_of_nwfilters_ret),
  declare(
    REMOTE_PROC_CONNECT_LIST_NWFILTERS,
    remote_connect_list_nwfilters_args,
    remote_connect_list_nwfilters_ret,
  ),
  declare(
    REMOTE_PROC_NWFILTER_DEFINE_XML,
    remote_nwfilter_define_xml_args,
    remote_nwfilter_define_xml_ret,
  ),
  declare(REMOTE_PROC_NWFILTER_UNDEFINE, remote_nwfilter_undefine_args, xdrVoid),
  declare(
    REMOTE_PROC_CONNECT_GET_SYSINFO,
    remote_connect_get_sysinfo_args,
    remote_connect_get_sysinfo_ret,
  ),
  declare(REMOTE_PROC_STORAGE_VOL_UPLOAD, remote_storage_vol_upload_args, xdrVoid),
  declare(REMOTE_PROC_STORAGE_VOL_DOWNLOAD, remote_storage_vol_download_args, xdrVoid),
  declare(REMOTE_PROC_INTERFACE_CHANGE_BEGIN, remote_interface_change_begin_args, xdrVoid),
  declare(REMOTE_PROC_INTERFACE_CHANGE_COMMIT, remote_interface_change_commit_args, xdrVoid),
  declare(REMOTE_PROC_INTERFACE_CHANGE_ROLLBACK, remote_interface_change_rollback_args, xdrVoid),
  declare(
    REMOTE_PROC_NODE_GET_CPU_STATS,
    remote_node_get_cpu_stats_args,
    remote_node_get_cpu_stats_ret,
  ),
  declare(
    REMOTE_PROC_NODE_GET_MEMORY_STATS,
    remote_node_get_memory_stats_args,
    remote_node_get_memory_stats_ret,
  ),
  declare(REMOTE_PROC_NODE_SUSPEND_FOR_DURATION, remote_node_suspend_for_duration_args, xdrVoid),
  declare(REMOTE_PROC_STORAGE_VOL_WIPE_PATTERN, remote_storage_vol_wipe_pattern_args, xdrVoid),
  declare(REMOTE_PROC_STORAGE_VOL_RESIZE, remote_storage_vol_resize_args, xdrVoid),
  declare(
    REMOTE_PROC_CONNECT_LIST_ALL_STORAGE_POOLS,
    remote_connect_list_all_storage_pools_args,
    remote_connect_list_all_storage_pools_ret,
  ),
  declare(
    REMOTE_PROC_STORAGE_POOL_LIST_ALL_VOLUMES,
    remote_storage_pool_list_all_volumes_args,
    remote_storage_pool_list_all_volumes_ret,
  ),
  declare(
    REMOTE_PROC_CONNECT_LIST_ALL_NETWORKS,
    remote_connect_list_all_networks_args,
    remote_connect_list_all_networks_ret,
  ),
  declare(
    REMOTE_PROC_CONNECT_LIST_ALL_INTERFACES,
    remote_connect_list_all_interfaces_args,
    remote_connect_list_all_interfaces_ret,
  ),
  declare(
    REMOTE_PROC_CONNECT_LIST_ALL_NODE_DEVICES,
    remote_connect_list_all_node_devices_args,
    remote_connect_list_all_node_devices_ret,
  ),
  declare(
    REMOTE_PROC_CONNECT_LIST_ALL_NWFILTERS,
    remote_connect_list_all_nwfilters_args,
    remote_connect_list_all_nwfilters_ret,
  ),
  declare(
    REMOTE_PROC_CONNECT_LIST_ALL_SECRETS,
    remote_connect_list_all_secrets_args,
    remote_connect_list_all_secrets_ret,
  ),
  declare(REMOTE_PROC_NODE_SET_MEMORY_PARAMETERS, remote_node_set_memory_parameters_args, xdrVoid),
  declare(
    REMOTE_PROC_NODE_GET_MEMORY_PARAMETERS,
    remote_node_get_memory_parameters_args,
    remote_node_get_memory_parameters_ret,
  ),
  declare(REMOTE_PROC_NETWORK_UPDATE, remote_network_update_args, xdrVoid),
  declare(REMOTE_PROC_NODE_GET_CPU_MAP, remote_node_get_cpu_map_args, remote_node_get_cpu_map_ret),
  declare(
    REMOTE_PROC_NODE_DEVICE_LOOKUP_SCSI_HOST_BY_WWN,
    remote_node_device_lookup_scsi_host_by_wwn_args,
    remote_node_device_lookup_scsi_host_by_wwn_ret,
  ),
  declare(REMOTE_PROC_NODE_DEVICE_DETACH_FLAGS, remote_node_device_detach_flags_args, xdrVoid),
  declare(
    REMOTE_PROC_CONNECT_GET_CPU_MODEL_NAMES,
    remote_connect_get_cpu_model_names_args,
    remote_connect_get_cpu_model_names_ret,
  ),
  declare(
    REMOTE_PROC_CONNECT_NETWORK_EVENT_REGISTER_ANY,
    remote_connect_network_event_register_any_args,
    remote_connect_network_event_register_any_ret,
  ),
  declare(
    REMOTE_PROC_CONNECT_NETWORK_EVENT_DEREGISTER_ANY,
    remote_connect_network_event_deregister_any_args,
    xdrVoid,
  ),
  declare(REMOTE_PROC_NETWORK_EVENT_LIFECYCLE, remote_network_event_lifecycle_msg, xdrVoid),
  declare(
    REMOTE_PROC_NODE_GET_FREE_PAGES,
    remote_node_get_free_pages_args,
    remote_node_get_free_pages_ret,
  ),
  declare(
    REMOTE_PROC_NETWORK_GET_DHCP_LEASES,
    remote_network_get_dhcp_leases_args,
    remote_network_get_dhcp_leases_ret,
  ),
  declare(REMOTE_PROC_NODE_ALLOC_PAGES, remote_node_alloc_pages_args, remote_node_alloc_pages_ret),
  declare(REMOTE_PROC_CONNECT_REGISTER_CLOSE_CALLBACK, xdrVoid, xdrVoid),
  declare(REMOTE_PROC_CONNECT_UNREGISTER_CLOSE_CALLBACK, xdrVoid, xdrVoid),
  declare(
    REMOTE_PROC_CONNECT_EVENT_CONNECTION_CLOSED,
    remote_connect_event_connection_closed_msg,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY,
    remote_connect_storage_pool_event_register_any_args,
    remote_connect_storage_pool_event_register_any_ret,
  ),
  declare(
    REMOTE_PROC_CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY,
    remote_connect_storage_pool_event_deregister_any_args,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_STORAGE_POOL_EVENT_LIFECYCLE,
    remote_storage_pool_event_lifecycle_msg,
    xdrVoid,
  ),
  declare(REMOTE_PROC_STORAGE_POOL_EVENT_REFRESH, remote_storage_pool_event_refresh_msg, xdrVoid),
  declare(
    REMOTE_PROC_CONNECT_NODE_DEVICE_EVENT_REGISTER_ANY,
    remote_connect_node_device_event_register_any_args,
    remote_connect_node_device_event_register_any_ret,
  ),
  declare(
    REMOTE_PROC_CONNECT_NODE_DEVICE_EVENT_DEREGISTER_ANY,
    remote_connect_node_device_event_deregister_any_args,
    xdrVoid,
  ),
  declare(REMOTE_PROC_NODE_DEVICE_EVENT_LIFECYCLE, remote_node_device_event_lifecycle_msg, xdrVoid),
  declare(REMOTE_PROC_NODE_DEVICE_EVENT_UPDATE, remote_node_device_event_update_msg, xdrVoid),
  declare(
    REMOTE_PROC_STORAGE_VOL_GET_INFO_FLAGS,
    remote_storage_vol_get_info_flags_args,
    remote_storage_vol_get_info_flags_ret,
  ),
  declare(
    REMOTE_PROC_CONNECT_SECRET_EVENT_REGISTER_ANY,
    remote_connect_secret_event_register_any_args,
    remote_connect_secret_event_register_any_ret,
  ),
  declare(
    REMOTE_PROC_CONNECT_SECRET_EVENT_DEREGISTER_ANY,
    remote_connect_secret_event_deregister_any_args,
    xdrVoid,
  ),
  declare(REMOTE_PROC_SECRET_EVENT_LIFECYCLE, remote_secret_event_lifecycle_msg, xdrVoid),
  declare(REMOTE_PROC_SECRET_EVENT_VALUE_CHANGED, remote_secret_event_value_changed_msg, xdrVoid),
  declare(
    REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_TARGET_PATH,
    remote_storage_pool_lookup_by_target_path_args,
    remote_storage_pool_lookup_by_target_path_ret,
  ),
  declare(
    REMOTE_PROC_CONNECT_COMPARE_HYPERVISOR_CPU,
    remote_connect_compare_hypervisor_cpu_args,
    remote_connect_compare_hypervisor_cpu_ret,
  ),
  declare(
    REMOTE_PROC_CONNECT_BASELINE_HYPERVISOR_CPU,
    remote_connect_baseline_hypervisor_cpu_args,
    remote_connect_baseline_hypervisor_cpu_ret,
  ),
  declare(
    REMOTE_PROC_NODE_GET_SEV_INFO,
    remote_node_get_sev_info_args,
    remote_node_get_sev_info_ret,
  ),
  declare(
    REMOTE_PROC_NWFILTER_BINDING_LOOKUP_BY_PORT_DEV,
    remote_nwfilter_binding_lookup_by_port_dev_args,
    remote_nwfilter_binding_lookup_by_port_dev_ret,
  ),
  declare(
    REMOTE_PROC_NWFILTER_BINDING_GET_XML_DESC,
    remote_nwfilter_binding_get_xml_desc_args,
    remote_nwfilter_binding_get_xml_desc_ret,
  ),
  declare(
    REMOTE_PROC_NWFILTER_BINDING_CREATE_XML,
    remote_nwfilter_binding_create_xml_args,
    remote_nwfilter_binding_create_xml_ret,
  ),
  declare(REMOTE_PROC_NWFILTER_BINDING_DELETE, remote_nwfilter_binding_delete_args, xdrVoid),
  declare(
    REMOTE_PROC_CONNECT_LIST_ALL_NWFILTER_BINDINGS,
    remote_connect_list_all_nwfilter_bindings_args,
    remote_connect_list_all_nwfilter_bindings_ret,
  ),
  declare(
    REMOTE_PROC_CONNECT_GET_STORAGE_POOL_CAPABILITIES,
    remote_connect_get_storage_pool_capabilities_args,
    remote_connect_get_storage_pool_capabilities_ret,
  ),
  declare(
    REMOTE_PROC_NETWORK_LIST_ALL_PORTS,
    remote_network_list_all_ports_args,
    remote_network_list_all_ports_ret,
  ),
  declare(
    REMOTE_PROC_NETWORK_PORT_LOOKUP_BY_UUID,
    remote_network_port_lookup_by_uuid_args,
    remote_network_port_lookup_by_uuid_ret,
  ),
  declare(
    REMOTE_PROC_NETWORK_PORT_CREATE_XML,
    remote_network_port_create_xml_args,
    remote_network_port_create_xml_ret,
  ),
  declare(
    REMOTE_PROC_NETWORK_PORT_GET_PARAMETERS,
    remote_network_port_get_parameters_args,
    remote_network_port_get_parameters_ret,
  ),
  declare(
    REMOTE_PROC_NETWORK_PORT_SET_PARAMETERS,
    remote_network_port_set_parameters_args,
    xdrVoid,
  ),
  declare(
    REMOTE_PROC_NETWORK_PORT_GET_XML_DESC,
    remote_network_port_get_xml_desc_args,
    remote_network_port_get_xml_desc_ret,
  ),
  declare(REMOTE_PROC_NETWORK_PORT_DELETE, remote_network_port_delete_args, xdrVoid),
  declare(REMOTE_PROC_CONNECT_SET_IDENTITY, remote_connect_set_identity_args, xdrVoid),
  declare(
    REMOTE_PROC_NODE_DEVICE_DEFINE_XML,
    remote_node_device_define_xml_args,
    remote_node_device_define_xml_ret,
  ),
  declare(REMOTE_PROC_NODE_DEVICE_UNDEFINE, remote_node_device_undefine_args, xdrVoid),
  declare(REMOTE_PROC_NODE_DEVICE_CREATE, remote_node_device_create_args, xdrVoid),
  declare(
    REMOTE_PROC_NWFILTER_DEFINE_XML_FLAGS,
    remote_nwfilter_define_xml_flags_args,
    remote_nwfilter_define_xml_flags_ret,
  ),
  declare(
    REMOTE_PROC_NETWORK_DEFINE_XML_FLAGS,
    remote_network_define_xml_flags_args,
    remote_network_define_xml_flags_ret,
  ),
  declare(
    REMOTE_PROC_NODE_DEVICE_GET_AUTOSTART,
    remote_node_device_get_autostart_args,
    remote_node_device_get_autostart_ret,
  ),
  declare(REMOTE_PROC_NODE_DEVICE_SET_AUTOSTART, remote_node_device_set_autostart_args, xdrVoid),
  declare(
    REMOTE_PROC_NODE_DEVICE_IS_PERSISTENT,
    remote_node_device_is_persistent_args,
    remote_node_device_is_persistent_ret,
  ),
  declare(
    REMOTE_PROC_NODE_DEVICE_IS_ACTIVE,
    remote_node_device_is_active_args,
    remote_node_device_is_active_ret,
  ),
  declare(
    REMOTE_PROC_NETWORK_CREATE_XML_FLAGS,
    remote_network_create_xml_flags_args,
    remote_network_create_xml_flags_ret,
  ),
  declare(REMOTE_PROC_NETWORK_SET_METADATA, remote_network_set_metadata_args, xdrVoid),
  declare(
    REMOTE_PROC_NETWORK_GET_METADATA,
    remote_network_get_metadata_args,
    remote_network_get_metadata_ret,
  ),
  declare(
    REMOTE_PROC_NETWORK_EVENT_CALLBACK_METADATA_CHANGE,
    remote_network_event_callback_metadata_change_msg,
    xdrVoid,
  ),
  declare(REMOTE_PROC_NODE_DEVICE_UPDATE, remote_node_device_update_args, xdrVoid),
] as const;
