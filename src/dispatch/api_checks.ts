/**
 * The argument checks of libvirt's public API functions, which libvirtd runs
 * on the daemon side for every call, after its dispatcher has decoded the
 * wire arguments and before any driver is asked — so they hold whatever the
 * driver, and even when no driver implements the call. A real libvirt client
 * makes the same checks before sending; raw-protocol clients (go-libvirt,
 * scripts) meet them here.
 *
 * The dispatcher turns an empty array or opaque into a NULL pointer, and a
 * zero-sized result buffer too, which is what most "must not be NULL"
 * refusals below come from. Facts from libvirt 9.0's libvirt-domain.c,
 * libvirt-host.c, libvirt-secret.c and remote_daemon_dispatch.c.
 *
 * @module
 */

import { VirError } from "../rpc/error.ts";
import {
  VIR_ERR_OVERFLOW,
  VIR_FROM_DOMAIN,
  VIR_FROM_RPC,
  VIR_FROM_SECRET,
} from "../rpc/error_codes.ts";
import * as P from "../protocol/remote_procedure_numbers.ts";
import {
  REMOTE_CPUMAPS_MAX,
  REMOTE_DOMAIN_BLOCK_PEEK_BUFFER_MAX,
  REMOTE_DOMAIN_SCHEDULER_PARAMETERS_MAX,
  REMOTE_VCPUINFO_MAX,
} from "../protocol/remote_types.ts";
import { VIR_DOMAIN_AFFECT_CONFIG, VIR_DOMAIN_AFFECT_LIVE } from "../drivers/domain_constants.ts";

// deno-lint-ignore no-explicit-any
type Args = any;
type Check = (a: Args) => void;

/** virCheck…Arg refusals of one API function, in its file's error domain. */
class Api {
  constructor(readonly fn: string, readonly domain = VIR_FROM_DOMAIN) {}
  #fail(arg: string, message: string): never {
    throw VirError.argument(this.domain, this.fn, arg, message);
  }
  nonNull(arg: string, isNull: boolean): void {
    if (isNull) this.#fail(arg, `${arg} in ${this.fn} must not be NULL`);
  }
  nonZero(arg: string, v: number | bigint): void {
    if (v == 0) this.#fail(arg, `${arg} in ${this.fn} must not be zero`);
  }
  positive(arg: string, v: number): void {
    if (v <= 0) this.#fail(arg, `${arg} in ${this.fn} must be greater than zero`);
  }
  nonEmpty(arg: string, s: string): void {
    if (s === "") this.#fail(arg, `string ${arg} in ${this.fn} must not be empty`);
  }
  /** VIR_EXCLUSIVE_FLAGS_GOTO: the macro names the flags by their C names, the argument "ctl". */
  exclusive(flags: number, a: number, b: number, names: [string, string]): void {
    if ((flags & a) && (flags & b)) {
      this.#fail("ctl", `Flags '${names[0]}' and '${names[1]}' are mutually exclusive`);
    }
  }
  /** VIR_REQUIRE_FLAG_GOTO: `a` needs `b` (the message names `b` first). */
  requires(flags: number, a: number, b: number, names: [string, string]): void {
    if ((flags & a) && !(flags & b)) {
      this.#fail("ctl", `Flag '${names[1]}' is required by flag '${names[0]}'`);
    }
  }
}

const AFFECT: [string, string] = ["VIR_DOMAIN_AFFECT_LIVE", "VIR_DOMAIN_AFFECT_CONFIG"];
const VIR_DOMAIN_VCPU_MAXIMUM = 1 << 2;
const VIR_DOMAIN_VCPU_GUEST = 1 << 3;

/** An error the dispatcher raises itself (virReportError in VIR_FROM_RPC). */
function dispatcherError(detail: string): VirError {
  return VirError.internal(VIR_FROM_RPC, detail);
}

/** virDomainSetMemory and its kin: non-zero, and small enough to count in bytes. */
function memoryChecks(fn: string): Check {
  const api = new Api(fn);
  return (a: { memory: bigint }) => {
    api.nonZero("memory", a.memory);
    // LLONG_MAX / 1024: the value must still fit once turned into bytes.
    if (a.memory >= 9007199254740991n) {
      throw VirError.of(VIR_ERR_OVERFLOW, VIR_FROM_DOMAIN, `input too large: ${a.memory}`);
    }
  };
}

/** A call taking a CPU map (an empty one reaches the API as NULL). */
function cpumapCheck(fn: string): Check {
  const api = new Api(fn);
  return (a: { cpumap: Uint8Array }) => api.nonNull("cpumap", a.cpumap.length === 0);
}

/** A Set…Parameters call (an empty list reaches the API as NULL). */
function paramsCheck(fn: string): Check {
  const api = new Api(fn);
  return (a: { params: unknown[] }) => api.nonNull("params", a.params.length === 0);
}

/** Get{Scheduler}Parameters[Flags]: the dispatcher's limit, then params (NULL for nparams 0). */
function schedulerGetCheck(fn: string, exclusive: boolean): Check {
  const api = new Api(fn);
  return (a: { nparams: number; flags?: number }) => {
    if (a.nparams > REMOTE_DOMAIN_SCHEDULER_PARAMETERS_MAX) {
      throw dispatcherError("nparams too large");
    }
    api.nonNull("params", a.nparams === 0);
    api.positive("*nparams", a.nparams);
    if (exclusive) {
      api.exclusive(a.flags ?? 0, VIR_DOMAIN_AFFECT_LIVE, VIR_DOMAIN_AFFECT_CONFIG, AFFECT);
    }
  };
}

const CHECKS = new Map<number, Check>([
  [P.REMOTE_PROC_DOMAIN_SET_MEMORY, memoryChecks("virDomainSetMemory")],
  [P.REMOTE_PROC_DOMAIN_SET_MAX_MEMORY, memoryChecks("virDomainSetMaxMemory")],
  [P.REMOTE_PROC_DOMAIN_SET_MEMORY_FLAGS, memoryChecks("virDomainSetMemoryFlags")],
  [P.REMOTE_PROC_DOMAIN_SET_VCPUS, (a: { nvcpus: number }) => {
    new Api("virDomainSetVcpus").nonZero("nvcpus", a.nvcpus);
  }],
  [P.REMOTE_PROC_DOMAIN_SET_VCPUS_FLAGS, (a: { nvcpus: number; flags: number }) => {
    const api = new Api("virDomainSetVcpusFlags");
    api.requires(a.flags, VIR_DOMAIN_VCPU_MAXIMUM, VIR_DOMAIN_AFFECT_CONFIG, [
      "VIR_DOMAIN_VCPU_MAXIMUM",
      "VIR_DOMAIN_AFFECT_CONFIG",
    ]);
    api.exclusive(a.flags, VIR_DOMAIN_VCPU_GUEST, VIR_DOMAIN_AFFECT_CONFIG, [
      "VIR_DOMAIN_VCPU_GUEST",
      "VIR_DOMAIN_AFFECT_CONFIG",
    ]);
    api.nonZero("nvcpus", a.nvcpus);
  }],
  [P.REMOTE_PROC_DOMAIN_GET_VCPUS, (a: { maxinfo: number; maplen: number }) => {
    if (a.maxinfo > REMOTE_VCPUINFO_MAX) throw dispatcherError("maxinfo > REMOTE_VCPUINFO_MAX");
    if (a.maxinfo * a.maplen > REMOTE_CPUMAPS_MAX) {
      throw dispatcherError("maxinfo * maplen > REMOTE_CPUMAPS_MAX");
    }
    const api = new Api("virDomainGetVcpus");
    api.nonNull("info", a.maxinfo <= 0);
    api.positive("maxinfo", a.maxinfo);
    // Without a map buffer libvirt wants maplen 0, and says so with the non-zero words.
    if (a.maplen > 0) api.positive("maplen", a.maplen);
    else if (a.maplen !== 0) api.nonZero("maplen", 0);
  }],
  [P.REMOTE_PROC_DOMAIN_PIN_VCPU, cpumapCheck("virDomainPinVcpu")],
  [P.REMOTE_PROC_DOMAIN_PIN_VCPU_FLAGS, cpumapCheck("virDomainPinVcpuFlags")],
  [P.REMOTE_PROC_DOMAIN_PIN_EMULATOR, cpumapCheck("virDomainPinEmulator")],
  [P.REMOTE_PROC_DOMAIN_PIN_IOTHREAD, cpumapCheck("virDomainPinIOThread")],
  [
    P.REMOTE_PROC_DOMAIN_GET_VCPU_PIN_INFO,
    (a: { ncpumaps: number; maplen: number; flags: number }) => {
      if (a.ncpumaps > REMOTE_VCPUINFO_MAX) throw dispatcherError("ncpumaps > REMOTE_VCPUINFO_MAX");
      if (a.ncpumaps * a.maplen > REMOTE_CPUMAPS_MAX) {
        throw dispatcherError("maxinfo * maplen > REMOTE_CPUMAPS_MAX");
      }
      const api = new Api("virDomainGetVcpuPinInfo");
      // The map buffer is allocated only for a positive maplen.
      if (a.maplen <= 0 && a.ncpumaps > 0) api.nonNull("cpumaps", true);
      api.positive("ncpumaps", a.ncpumaps);
      api.positive("maplen", a.maplen);
      api.exclusive(a.flags, VIR_DOMAIN_AFFECT_LIVE, VIR_DOMAIN_AFFECT_CONFIG, AFFECT);
    },
  ],
  [P.REMOTE_PROC_DOMAIN_GET_EMULATOR_PIN_INFO, (a: { maplen: number; flags: number }) => {
    const api = new Api("virDomainGetEmulatorPinInfo");
    api.nonNull("cpumap", a.maplen <= 0);
    api.exclusive(a.flags, VIR_DOMAIN_AFFECT_LIVE, VIR_DOMAIN_AFFECT_CONFIG, AFFECT);
  }],
  [P.REMOTE_PROC_DOMAIN_DEL_IOTHREAD, (a: { iothread_id: number }) => {
    new Api("virDomainDelIOThread").nonZero("iothread_id", a.iothread_id);
  }],
  [P.REMOTE_PROC_DOMAIN_SET_IOTHREAD_PARAMS, paramsCheck("virDomainSetIOThreadParams")],
  [P.REMOTE_PROC_DOMAIN_SET_SCHEDULER_PARAMETERS, paramsCheck("virDomainSetSchedulerParameters")],
  [
    P.REMOTE_PROC_DOMAIN_SET_SCHEDULER_PARAMETERS_FLAGS,
    paramsCheck("virDomainSetSchedulerParametersFlags"),
  ],
  [P.REMOTE_PROC_DOMAIN_SET_MEMORY_PARAMETERS, paramsCheck("virDomainSetMemoryParameters")],
  [P.REMOTE_PROC_DOMAIN_SET_BLKIO_PARAMETERS, paramsCheck("virDomainSetBlkioParameters")],
  [P.REMOTE_PROC_DOMAIN_SET_NUMA_PARAMETERS, paramsCheck("virDomainSetNumaParameters")],
  [P.REMOTE_PROC_DOMAIN_SET_INTERFACE_PARAMETERS, paramsCheck("virDomainSetInterfaceParameters")],
  [P.REMOTE_PROC_DOMAIN_SET_PERF_EVENTS, paramsCheck("virDomainSetPerfEvents")],
  [P.REMOTE_PROC_DOMAIN_SET_LAUNCH_SECURITY_STATE, paramsCheck("virDomainSetLaunchSecurityState")],
  // nparams before params here.
  [P.REMOTE_PROC_DOMAIN_SET_BLOCK_IO_TUNE, (a: { params: unknown[] }) => {
    new Api("virDomainSetBlockIoTune").positive("nparams", a.params.length);
  }],
  [
    P.REMOTE_PROC_DOMAIN_GET_SCHEDULER_PARAMETERS,
    schedulerGetCheck("virDomainGetSchedulerParameters", false),
  ],
  [
    P.REMOTE_PROC_DOMAIN_GET_SCHEDULER_PARAMETERS_FLAGS,
    schedulerGetCheck("virDomainGetSchedulerParametersFlags", true),
  ],
  [P.REMOTE_PROC_DOMAIN_BLOCK_PEEK, (a: { path: string; size: number }) => {
    if (a.size > REMOTE_DOMAIN_BLOCK_PEEK_BUFFER_MAX) {
      throw dispatcherError("size > maximum buffer size");
    }
    new Api("virDomainBlockPeek").nonEmpty("disk", a.path);
  }],
  [P.REMOTE_PROC_DOMAIN_GET_BLOCK_INFO, (a: { path: string }) => {
    new Api("virDomainGetBlockInfo").nonEmpty("disk", a.path);
  }],
  [P.REMOTE_PROC_DOMAIN_RENAME, (a: { new_name: string | null }) => {
    new Api("virDomainRename").nonNull("new_name", a.new_name === null);
  }],
  [P.REMOTE_PROC_DOMAIN_SEND_PROCESS_SIGNAL, (a: { pid_value: bigint }) => {
    new Api("virDomainSendProcessSignal").nonZero("pid_value", a.pid_value);
  }],
  // No file descriptors travel over denovirt's sockets: the call always comes with none.
  [P.REMOTE_PROC_DOMAIN_FD_ASSOCIATE, () => {
    new Api("virDomainFDAssociate").nonZero("nfds", 0);
  }],
  [P.REMOTE_PROC_DOMAIN_OPEN_GRAPHICS, () => {
    throw VirError.internal(VIR_FROM_RPC, "No FD available at slot 0");
  }],
  [P.REMOTE_PROC_NODE_SET_MEMORY_PARAMETERS, paramsCheck("virNodeSetMemoryParameters")],
  [P.REMOTE_PROC_CONNECT_BASELINE_HYPERVISOR_CPU, (a: { xmlCPUs: string[] }) => {
    new Api("virConnectBaselineHypervisorCPU").nonNull("xmlCPUs", a.xmlCPUs.length === 0);
  }],
  [P.REMOTE_PROC_SECRET_SET_VALUE, (a: { value: Uint8Array }) => {
    new Api("virSecretSetValue", VIR_FROM_SECRET).nonNull("value", a.value.length === 0);
  }],
]);

/** The path arguments the API makes absolute (g_canonicalize_filename) before the driver sees them. */
const PATH_ARGS = new Map<number, string>([
  [P.REMOTE_PROC_DOMAIN_SAVE, "to"],
  [P.REMOTE_PROC_DOMAIN_SAVE_FLAGS, "to"],
  [P.REMOTE_PROC_DOMAIN_RESTORE, "from"],
  [P.REMOTE_PROC_DOMAIN_RESTORE_FLAGS, "from"],
  [P.REMOTE_PROC_DOMAIN_CORE_DUMP, "to"],
  [P.REMOTE_PROC_DOMAIN_CORE_DUMP_WITH_FORMAT, "to"],
  [P.REMOTE_PROC_DOMAIN_SAVE_IMAGE_GET_XML_DESC, "file"],
  [P.REMOTE_PROC_DOMAIN_SAVE_IMAGE_DEFINE_XML, "file"],
]);

/**
 * glib's g_canonicalize_filename: `path` made absolute against `cwd`, then
 * tidied by its text alone — "." and empty segments dropped, ".." taking
 * one segment off (never above the root), no trailing slash; exactly two
 * leading slashes are kept, as POSIX lets them mean something else.
 */
export function canonicalizeFilename(path: string, cwd: string): string {
  const full = path.startsWith("/") ? path : `${cwd}/${path}`;
  const lead = /^\/\/(?!\/)/.test(full) ? "//" : "/";
  const out: string[] = [];
  for (const seg of full.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") out.pop();
    else out.push(seg);
  }
  return lead + out.join("/");
}

/**
 * The daemon's working directory, "/" when it may not be read (libvirtd's
 * own, once daemonised, is "/").
 */
function daemonCwd(): string {
  try {
    return Deno.cwd();
  } catch {
    return "/";
  }
}

/**
 * The APIs that check their arguments before read-only access (the others
 * check read-only access first), and the dispatcher's own refusals, which
 * come before any API.
 */
const ARGS_BEFORE_READ_ONLY = new Set([
  P.REMOTE_PROC_CONNECT_BASELINE_HYPERVISOR_CPU,
  P.REMOTE_PROC_DOMAIN_FD_ASSOCIATE,
  P.REMOTE_PROC_DOMAIN_OPEN_GRAPHICS,
  P.REMOTE_PROC_DOMAIN_RENAME,
  P.REMOTE_PROC_DOMAIN_SEND_PROCESS_SIGNAL,
  P.REMOTE_PROC_DOMAIN_SET_LAUNCH_SECURITY_STATE,
]);

/**
 * What libvirt's public API function for procedure `proc` does in the
 * daemon before the driver: its read-only check (`readOnlyCheck`, which
 * throws for a refused read-only connection) and its argument checks
 * (throwing the refusal libvirtd sends) in the API's order, then relative
 * paths made absolute against the daemon's working directory, in place.
 */
export function apiPreamble(
  proc: number,
  args: unknown,
  readOnlyCheck: () => void = () => {},
): void {
  const check = CHECKS.get(proc);
  if (ARGS_BEFORE_READ_ONLY.has(proc)) {
    check?.(args);
    readOnlyCheck();
  } else {
    readOnlyCheck();
    check?.(args);
  }
  const field = PATH_ARGS.get(proc);
  if (field) {
    const a = args as Record<string, string>;
    a[field] = canonicalizeFilename(a[field]!, a[field]!.startsWith("/") ? "/" : daemonCwd());
  }
}
