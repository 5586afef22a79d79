/**
 * Wire constants of libvirt's RPC layer (virnetprotocol.x and the program
 * headers), under libvirt's own names so they can be grepped in its docs.
 *
 * @module
 */

// ---- Programs -------------------------------------------------------------------
export const REMOTE_PROGRAM = 0x20008086;
export const REMOTE_PROTOCOL_VERSION = 1;
export const QEMU_PROGRAM = 0x20008087;
export const QEMU_PROTOCOL_VERSION = 1;
export const LXC_PROGRAM = 0x00068000;
export const LXC_PROTOCOL_VERSION = 1;
export const KEEPALIVE_PROGRAM = 0x6b656570;
export const KEEPALIVE_PROTOCOL_VERSION = 1;
export const ADMIN_PROGRAM = 0x06900690;
export const ADMIN_PROTOCOL_VERSION = 1;

// ---- virNetMessageType ------------------------------------------------------------
export const VIR_NET_CALL = 0;
export const VIR_NET_REPLY = 1;
export const VIR_NET_MESSAGE = 2;
export const VIR_NET_STREAM = 3;
export const VIR_NET_CALL_WITH_FDS = 4;
export const VIR_NET_REPLY_WITH_FDS = 5;
export const VIR_NET_STREAM_HOLE = 6;
export type VirNetMessageType = 0 | 1 | 2 | 3 | 4 | 5 | 6;
export const VIR_NET_MESSAGE_TYPES: readonly VirNetMessageType[] = [0, 1, 2, 3, 4, 5, 6];

// ---- virNetMessageStatus ----------------------------------------------------------
export const VIR_NET_OK = 0;
export const VIR_NET_ERROR = 1;
export const VIR_NET_CONTINUE = 2;
export type VirNetMessageStatus = 0 | 1 | 2;
export const VIR_NET_MESSAGE_STATUSES: readonly VirNetMessageStatus[] = [0, 1, 2];

// ---- Limits ----------------------------------------------------------------------------
/** Initial receive buffer; libvirt grows it ×4 as needed. */
export const VIR_NET_MESSAGE_INITIAL = 65536;
/** Largest packet, header included, length word excluded (libvirt ≥ 8.x: 32 MiB). */
export const VIR_NET_MESSAGE_MAX = 33554432;
/** Bytes of the six header words. */
export const VIR_NET_MESSAGE_HEADER_MAX = 24;
export const VIR_NET_MESSAGE_PAYLOAD_MAX = VIR_NET_MESSAGE_MAX - VIR_NET_MESSAGE_HEADER_MAX;
/** Stream chunk size libvirtd reads and sends per STREAM packet. */
export const VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX = 262120;
/** The length word itself, not counted in VIR_NET_MESSAGE_MAX. */
export const VIR_NET_MESSAGE_LEN_MAX = 4;
export const VIR_NET_MESSAGE_STRING_MAX = 4194304;
export const VIR_NET_MESSAGE_NUM_FDS_MAX = 32;

/** Smallest legal packet: length word plus header. */
export const VIR_NET_MESSAGE_MIN_PACKET = VIR_NET_MESSAGE_LEN_MAX + VIR_NET_MESSAGE_HEADER_MAX;
/** Largest legal value of the length word. */
export const VIR_NET_MESSAGE_MAX_PACKET = VIR_NET_MESSAGE_LEN_MAX + VIR_NET_MESSAGE_MAX;

// ---- Keepalive program procedures -------------------------------------------------------
export const KEEPALIVE_PROC_PING = 1;
export const KEEPALIVE_PROC_PONG = 2;

// ---- Remote features (virDrvFeature) asked through CONNECT_SUPPORTS_FEATURE ---------
export const VIR_DRV_FEATURE_MIGRATION_V1 = 1;
export const VIR_DRV_FEATURE_REMOTE = 2;
export const VIR_DRV_FEATURE_MIGRATION_V2 = 3;
export const VIR_DRV_FEATURE_MIGRATION_P2P = 4;
export const VIR_DRV_FEATURE_MIGRATION_DIRECT = 5;
export const VIR_DRV_FEATURE_MIGRATION_V3 = 6;
export const VIR_DRV_FEATURE_MIGRATE_CHANGE_PROTECTION = 7;
export const VIR_DRV_FEATURE_FD_PASSING = 8;
export const VIR_DRV_FEATURE_TYPED_PARAM_STRING = 9;
export const VIR_DRV_FEATURE_PROGRAM_KEEPALIVE = 10;
export const VIR_DRV_FEATURE_XML_MIGRATABLE = 11;
export const VIR_DRV_FEATURE_MIGRATION_OFFLINE = 12;
export const VIR_DRV_FEATURE_MIGRATION_PARAMS = 13;
export const VIR_DRV_FEATURE_REMOTE_EVENT_CALLBACK = 14;
export const VIR_DRV_FEATURE_REMOTE_CLOSE_CALLBACK = 15;
export const VIR_DRV_FEATURE_NETWORK_UPDATE_HAS_CORRECT_ORDER = 16;

// ---- Auth types (remote_auth_type) -------------------------------------------------------
export const REMOTE_AUTH_NONE = 0;
export const REMOTE_AUTH_SASL = 1;
export const REMOTE_AUTH_POLKIT = 2;

// ---- Connect flags -------------------------------------------------------------------------
export const VIR_CONNECT_RO = 1;
