/**
 * libvirt's domain states, reasons and lifecycle event codes (libvirt-domain.h),
 * shared by the drivers.
 *
 * @module
 */

/** libvirt's virDomainState. */
/** virKeycodeSet's names, by codeset number (virDomainSendKey's codeset). */
export const KEYCODE_SETS = [
  "linux",
  "xt",
  "atset1",
  "atset2",
  "atset3",
  "os_x",
  "xt_kbd",
  "usb",
  "win32",
  "qnum",
] as const;

export const VIR_DOMAIN_NOSTATE = 0;
export const VIR_DOMAIN_RUNNING = 1;
export const VIR_DOMAIN_BLOCKED = 2;
export const VIR_DOMAIN_PAUSED = 3;
export const VIR_DOMAIN_SHUTDOWN = 4;
export const VIR_DOMAIN_SHUTOFF = 5;
export const VIR_DOMAIN_CRASHED = 6;
export const VIR_DOMAIN_PMSUSPENDED = 7;

/** Reasons (virDomainRunningReason, virDomainPausedReason, virDomainShutoffReason). */
export const VIR_DOMAIN_RUNNING_UNKNOWN = 0;
export const VIR_DOMAIN_RUNNING_BOOTED = 1;
export const VIR_DOMAIN_RUNNING_RESTORED = 3;
export const VIR_DOMAIN_RUNNING_FROM_SNAPSHOT = 4;
export const VIR_DOMAIN_RUNNING_UNPAUSED = 5;
export const VIR_DOMAIN_PAUSED_USER = 1;
export const VIR_DOMAIN_PAUSED_FROM_SNAPSHOT = 7;
export const VIR_DOMAIN_SHUTOFF_UNKNOWN = 0;
export const VIR_DOMAIN_SHUTOFF_SHUTDOWN = 1;
export const VIR_DOMAIN_SHUTOFF_DESTROYED = 2;
export const VIR_DOMAIN_SHUTOFF_SAVED = 5;
export const VIR_DOMAIN_SHUTOFF_FROM_SNAPSHOT = 7;

/** virDomainEventType and details. */
export const VIR_DOMAIN_EVENT_DEFINED = 0;
export const VIR_DOMAIN_EVENT_UNDEFINED = 1;
export const VIR_DOMAIN_EVENT_STARTED = 2;
export const VIR_DOMAIN_EVENT_SUSPENDED = 3;
export const VIR_DOMAIN_EVENT_RESUMED = 4;
export const VIR_DOMAIN_EVENT_STOPPED = 5;
export const VIR_DOMAIN_EVENT_DEFINED_ADDED = 0;
export const VIR_DOMAIN_EVENT_DEFINED_UPDATED = 1;
export const VIR_DOMAIN_EVENT_UNDEFINED_REMOVED = 0;
export const VIR_DOMAIN_EVENT_STARTED_BOOTED = 0;
export const VIR_DOMAIN_EVENT_STARTED_RESTORED = 2;
export const VIR_DOMAIN_EVENT_STARTED_FROM_SNAPSHOT = 3;
export const VIR_DOMAIN_EVENT_SUSPENDED_PAUSED = 0;
export const VIR_DOMAIN_EVENT_RESUMED_UNPAUSED = 0;
export const VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN = 0;
export const VIR_DOMAIN_EVENT_STOPPED_DESTROYED = 1;
export const VIR_DOMAIN_EVENT_STOPPED_SAVED = 4;
export const VIR_DOMAIN_EVENT_STOPPED_FROM_SNAPSHOT = 6;

/** More reasons and event details the QEMU driver reports. */
export const VIR_DOMAIN_PAUSED_UNKNOWN = 0;
export const VIR_DOMAIN_SHUTOFF_CRASHED = 3;
export const VIR_DOMAIN_SHUTOFF_DAEMON = 8;
export const VIR_DOMAIN_EVENT_SHUTDOWN = 6;
export const VIR_DOMAIN_EVENT_SHUTDOWN_FINISHED = 0;
export const VIR_DOMAIN_EVENT_SHUTDOWN_GUEST = 1;
export const VIR_DOMAIN_EVENT_SHUTDOWN_HOST = 2;
export const VIR_DOMAIN_EVENT_STOPPED_CRASHED = 2;
export const VIR_DOMAIN_EVENT_STOPPED_FAILED = 5;
export const VIR_DOMAIN_EVENT_ID_REBOOT = 1;
export const VIR_DOMAIN_SHUTOFF_FAILED = 6;

/** virDomainModificationImpact: which definition a call changes (CURRENT is 0). */
export const VIR_DOMAIN_AFFECT_LIVE = 1 << 0;
export const VIR_DOMAIN_AFFECT_CONFIG = 1 << 1;
/** virDomainMemoryModFlags and virDomainVcpuFlags beyond the AFFECT_ ones. */
export const VIR_DOMAIN_MEM_MAXIMUM = 1 << 2;
export const VIR_DOMAIN_VCPU_MAXIMUM = 1 << 2;
export const VIR_DOMAIN_VCPU_GUEST = 1 << 3;

/** virDomainInterfaceAddressesSource: ask the guest agent. */
export const VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT = 1;
export const VIR_DOMAIN_VCPU_HOTPLUGGABLE = 1 << 4;

/** Migration's reasons and event details (libvirt-domain.h). */
export const VIR_DOMAIN_RUNNING_MIGRATED = 2;
export const VIR_DOMAIN_RUNNING_MIGRATION_CANCELED = 6;
export const VIR_DOMAIN_PAUSED_MIGRATION = 2;
export const VIR_DOMAIN_SHUTOFF_MIGRATED = 4;
export const VIR_DOMAIN_EVENT_STARTED_MIGRATED = 1;
export const VIR_DOMAIN_EVENT_SUSPENDED_MIGRATED = 1;
export const VIR_DOMAIN_EVENT_RESUMED_MIGRATED = 1;
export const VIR_DOMAIN_EVENT_STOPPED_MIGRATED = 3;

/** libvirt 9.0's perf events (virPerfEventType), in its order: GET_PERF_EVENTS lists them all. */
export const PERF_EVENTS = [
  "cmt",
  "mbmt",
  "mbml",
  "cpu_cycles",
  "instructions",
  "cache_references",
  "cache_misses",
  "branch_instructions",
  "branch_misses",
  "bus_cycles",
  "stalled_cycles_frontend",
  "stalled_cycles_backend",
  "ref_cpu_cycles",
  "cpu_clock",
  "task_clock",
  "page_faults",
  "context_switches",
  "cpu_migrations",
  "page_faults_min",
  "page_faults_maj",
  "alignment_faults",
  "emulation_faults",
];
