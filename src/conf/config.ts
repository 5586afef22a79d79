/**
 * The daemon's settings, read from a file in libvirtd.conf syntax:
 * `key = value` lines where a value is a "string", an integer or a
 * [ "list", "of", "strings" ], with # comments.
 *
 * @module
 */

import { SYSTEM_RUN_DIR } from "./system.ts";

/**
 * How long an idle Worker keeps its isolate by default (`worker_park_seconds`):
 * an on-demand pool's usual idle timeout (PHP-FPM's `process_idle_timeout`).
 */
export const DEFAULT_WORKER_PARK_SECONDS = 10;

/** One settings key's name, type and checks. */
interface KeySpec {
  type: "string" | "int" | "list";
  min?: number;
  max?: number;
}

const KEYS: Record<string, KeySpec> = {
  unix_sock_dir: { type: "string" },
  unix_sock_rw_perms: { type: "string" },
  unix_sock_ro_perms: { type: "string" },
  unix_sock_admin_perms: { type: "string" },
  unix_sock_group: { type: "string" },
  min_workers: { type: "int", min: 0, max: 1000 },
  max_workers: { type: "int", min: 1, max: 1000 },
  prio_workers: { type: "int", min: 0, max: 1000 },
  max_clients: { type: "int", min: 1, max: 1_000_000 },
  max_queued_clients: { type: "int", min: 0, max: 1_000_000 },
  max_anonymous_clients: { type: "int", min: 0, max: 1_000_000 },
  max_client_requests: { type: "int", min: 1, max: 1000 },
  keepalive_interval: { type: "int", min: -1, max: 1_000_000 },
  keepalive_count: { type: "int", min: 0, max: 1_000_000 },
  log_level: { type: "int", min: 1, max: 4 },
  log_filters: { type: "string" },
  log_outputs: { type: "string" },
  admin_min_workers: { type: "int", min: 0, max: 1000 },
  admin_max_workers: { type: "int", min: 1, max: 1000 },
  admin_max_clients: { type: "int", min: 1, max: 1_000_000 },
  admin_max_queued_clients: { type: "int", min: 0, max: 1_000_000 },
  admin_max_client_requests: { type: "int", min: 1, max: 1000 },
  admin_keepalive_interval: { type: "int", min: -1, max: 1_000_000 },
  admin_keepalive_count: { type: "int", min: 0, max: 1_000_000 },
  stuck_call_warn_seconds: { type: "int", min: 0, max: 1_000_000 },
  stuck_call_kill_seconds: { type: "int", min: 0, max: 1_000_000 },
  dispatch_poll_us: { type: "int", min: 0, max: 10_000 },
  dispatch_spin_us: { type: "int", min: 0, max: 10_000 },
  worker_park_seconds: { type: "int", min: 0, max: 1_000_000 },
  auth_unix_rw: { type: "string" },
  auth_unix_ro: { type: "string" },
  auth_tcp: { type: "string" },
  auth_tls: { type: "string" },
  listen_tls: { type: "int", min: 0, max: 1 },
  listen_tcp: { type: "int", min: 0, max: 1 },
  listen_addr: { type: "string" },
  tls_port: { type: "string" },
  tcp_port: { type: "string" },
  key_file: { type: "string" },
  cert_file: { type: "string" },
  ca_file: { type: "string" },
  crl_file: { type: "string" },
  tls_no_verify_certificate: { type: "int", min: 0, max: 1 },
  tls_no_sanity_certificate: { type: "int", min: 0, max: 1 },
  tls_allowed_dn_list: { type: "list" },
  tls_priority: { type: "string" },
  sasl_allowed_username_list: { type: "list" },
  sasl_users_file: { type: "string" },
  qemu_config_dir: { type: "string" },
  qemu_state_dir: { type: "string" },
  qemu_emulator: { type: "string" },
  qemu_img: { type: "string" },
  qemu_job_wait_seconds: { type: "int", min: 1, max: 3600 },
  sandbox: { type: "int", min: 0, max: 1 },
  sandbox_allow_paths: { type: "list" },
};

export interface DaemonConfig {
  unix_sock_dir: string;
  unix_sock_rw_perms: number;
  unix_sock_ro_perms: number;
  unix_sock_admin_perms: number;
  /**
   * The group (name or number) given the three sockets, as libvirtd's
   * `unix_sock_group` ("": the daemon's own).
   */
  unix_sock_group: string;
  min_workers: number;
  max_workers: number;
  prio_workers: number;
  max_clients: number;
  max_queued_clients: number;
  max_anonymous_clients: number;
  max_client_requests: number;
  keepalive_interval: number;
  keepalive_count: number;
  /** libvirt levels: 1 debug, 2 info, 3 warning, 4 error. */
  log_level: number;
  log_filters: string;
  log_outputs: string;
  /** The admin server's own pool and limits (libvirtd's admin_* keys). */
  admin_min_workers: number;
  admin_max_workers: number;
  admin_max_clients: number;
  admin_max_queued_clients: number;
  admin_max_client_requests: number;
  admin_keepalive_interval: number;
  admin_keepalive_count: number;
  /**
   * denovirt's watchdog: a call running longer than this is logged and a
   * replacement Worker started (0: off).
   */
  stuck_call_warn_seconds: number;
  /** …and longer than this its Worker is terminated and the call answered with an error (0: never). */
  stuck_call_kill_seconds: number;
  /**
   * The longest the event loop polls for the answer to the only call in
   * flight when that procedure usually answers sooner, in µs (0: never poll).
   */
  dispatch_poll_us: number;
  /**
   * How long a normal Worker that has answered a call watches the queue for
   * the next one before it sleeps, in µs (0: it sleeps at once).
   */
  dispatch_spin_us: number;
  /**
   * How long an idle Worker keeps its isolate before it parks (0: for ever);
   * a parked Worker stays in the pool and starts an isolate again for its next call.
   */
  worker_park_seconds: number;
  /** QEMU driver: persistent domain definitions ("": `<unix_sock_dir>/qemu`). */
  qemu_config_dir: string;
  /** QEMU driver: status files, monitor sockets, logs of running domains ("": `<unix_sock_dir>/qemu-run`). */
  qemu_state_dir: string;
  qemu_emulator: string;
  qemu_img: string;
  /** How long a call waits for a domain's job (libvirt's state change lock) before it fails. */
  qemu_job_wait_seconds: number;
  /**
   * `deno task serve` runs the daemon under Deno permissions narrowed to its
   * own directories (as `--sandbox` does): 1, or 0 (the default) for libvirtd's reach.
   */
  sandbox: number;
  /** Under the sandbox, further files and directories the daemon may read and write (`--allow-path`). */
  sandbox_allow_paths: string[];
  /** How clients of each service authenticate: "none" or "sasl" (libvirtd's auth_* keys). */
  auth_unix_rw: AuthScheme;
  auth_unix_ro: AuthScheme;
  auth_tcp: AuthScheme;
  auth_tls: AuthScheme;
  /** Network listeners (only with `--listen`, as libvirtd): TLS on by default, plain TCP off. */
  listen_tls: number;
  listen_tcp: number;
  /** The address they bind ("": every address). */
  listen_addr: string;
  tls_port: string;
  tcp_port: string;
  /** x509 files ("": libvirt's default locations, see src/transport/tls.ts). */
  key_file: string;
  cert_file: string;
  ca_file: string;
  crl_file: string;
  tls_no_verify_certificate: number;
  tls_no_sanity_certificate: number;
  /** Client certificate DNs allowed (fnmatch patterns); empty: any certificate the CA signed. */
  tls_allowed_dn_list: string[];
  tls_priority: string;
  /** SASL user names allowed (fnmatch patterns); empty: any user in the database. */
  sasl_allowed_username_list: string[];
  /** denovirt's SASL user database (`deno task passwd`; "": the default for the mode). */
  sasl_users_file: string;
}

/** A service's authentication scheme. */
export type AuthScheme = "none" | "sasl";

/** The QEMU driver's directories, defaults filled in. */
export function qemuDirs(
  c: DaemonConfig,
): { configDir: string; stateDir: string; secretsDir: string } {
  const configDir = c.qemu_config_dir || `${c.unix_sock_dir}/qemu`;
  return {
    configDir,
    stateDir: c.qemu_state_dir || `${c.unix_sock_dir}/qemu-run`,
    // The secret driver's, beside the QEMU driver's: /etc/libvirt/secrets for --system.
    secretsDir: `${configDir.replace(/\/+$/, "").replace(/\/[^/]*$/, "")}/secrets`,
  };
}

/** A settings file that cannot be used: names the file, line and key. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly code = "ERR_DENOVIRT_CONFIG";
  readonly file: string;
  readonly line: number;
  constructor(file: string, line: number, reason: string) {
    super(`${file}:${line}: ${reason}`);
    this.file = file;
    this.line = line;
  }
}

/** The run directory used when none is configured: no root needed. */
export function defaultRunDir(): string {
  const xdg = Deno.env.get("XDG_RUNTIME_DIR");
  if (xdg) return `${xdg}/denovirt`;
  const uid = Deno.uid() ?? 0;
  return `${Deno.env.get("TMPDIR") ?? "/tmp"}/denovirt-${uid}`;
}

/**
 * libvirtd's defaults (src/remote/remote_daemon_config.c); with `system`,
 * those of a privileged libvirtd: libvirt's standard run and QEMU paths.
 */
export function defaultConfig(system = false): DaemonConfig {
  return {
    unix_sock_dir: system ? SYSTEM_RUN_DIR : defaultRunDir(),
    unix_sock_rw_perms: 0o700,
    unix_sock_ro_perms: 0o777,
    unix_sock_admin_perms: 0o700,
    unix_sock_group: "",
    min_workers: 5,
    max_workers: 20,
    prio_workers: 5,
    max_clients: 5000,
    max_queued_clients: 1000,
    max_anonymous_clients: 20,
    max_client_requests: 5,
    keepalive_interval: 5,
    keepalive_count: 5,
    log_level: 3,
    log_filters: "",
    log_outputs: "",
    admin_min_workers: 5,
    admin_max_workers: 20,
    admin_max_clients: 5000,
    admin_max_queued_clients: 20,
    admin_max_client_requests: 5,
    admin_keepalive_interval: 5,
    admin_keepalive_count: 5,
    stuck_call_warn_seconds: 60,
    stuck_call_kill_seconds: 0,
    dispatch_poll_us: 100,
    dispatch_spin_us: 0,
    worker_park_seconds: DEFAULT_WORKER_PARK_SECONDS,
    qemu_config_dir: system ? "/etc/libvirt/qemu" : "",
    qemu_state_dir: system ? `${SYSTEM_RUN_DIR}/qemu` : "",
    qemu_emulator: "/usr/bin/qemu-system-x86_64",
    qemu_img: "/usr/bin/qemu-img",
    qemu_job_wait_seconds: 30,
    sandbox: 0,
    sandbox_allow_paths: [],
    auth_unix_rw: "none",
    auth_unix_ro: "none",
    auth_tcp: "sasl",
    auth_tls: "none",
    listen_tls: 1,
    listen_tcp: 0,
    listen_addr: "",
    tls_port: "16514",
    tcp_port: "16509",
    key_file: "",
    cert_file: "",
    ca_file: "",
    crl_file: "",
    tls_no_verify_certificate: 0,
    tls_no_sanity_certificate: 0,
    tls_allowed_dn_list: [],
    tls_priority: "NORMAL",
    sasl_allowed_username_list: [],
    sasl_users_file: system ? "/etc/libvirt/denovirt-sasl-users" : "",
  };
}

type Value = string | number | string[];

/** Parses one value: "string", 'string', integer, or [ list of strings ]. */
function parseValue(src: string, fail: (why: string) => never): Value {
  const s = src.trim();
  if (s.startsWith('"') || s.startsWith("'")) {
    const q = s[0]!;
    const end = s.indexOf(q, 1);
    if (end < 0) fail("unterminated string");
    if (s.slice(end + 1).trim() !== "") {
      fail(`unexpected text after string: ${s.slice(end + 1).trim()}`);
    }
    return s.slice(1, end);
  }
  if (s.startsWith("[")) {
    if (!s.endsWith("]")) fail("unterminated list");
    // Items are split at commas outside quotes; as in virconf, the last may be followed by one.
    const items: string[] = [];
    let item = "";
    let quote = "";
    for (const c of s.slice(1, -1)) {
      if (quote) {
        if (c === quote) quote = "";
      } else if (c === '"' || c === "'") {
        quote = c;
      } else if (c === ",") {
        items.push(item);
        item = "";
        continue;
      }
      item += c;
    }
    if (item.trim() !== "") items.push(item);
    const out: string[] = [];
    for (const part of items) {
      const v = parseValue(part, fail);
      if (typeof v !== "string") fail("a list holds only strings");
      out.push(v);
    }
    return out;
  }
  if (/^-?\d+$/.test(s)) return Number(s);
  return fail(`cannot parse value: ${s}`);
}

/** Strips a # comment that is not inside a string. */
function stripComment(line: string): string {
  let quote = "";
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = "";
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === "#") {
      return line.slice(0, i);
    }
  }
  return line;
}

function parsePerms(v: string, fail: (why: string) => never): number {
  if (!/^0?[0-7]{3,4}$/.test(v)) fail(`not an octal permission mode: "${v}"`);
  return parseInt(v, 8);
}

/**
 * Parses settings text; `warn` is told of unknown keys. Bad values throw
 * ConfigError naming the file, line and key.
 */
export function parseConfig(
  text: string,
  file: string,
  warn: (msg: string) => void = () => {},
  system = false,
): DaemonConfig {
  const cfg = defaultConfig(system);
  const rec = cfg as unknown as Record<string, Value>;
  const lines = text.split("\n");
  // A list may span lines: join continuation lines until its ']' closes it.
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    let line = stripComment(lines[i]!).trim();
    if (line === "") continue;
    const fail = (why: string): never => {
      throw new ConfigError(file, lineNo, why);
    };
    const eq = line.indexOf("=");
    if (eq < 0) fail(`expected "key = value": ${line}`);
    const key = line.slice(0, eq).trim();
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) fail(`bad key name: ${key}`);
    while (line.slice(eq + 1).trim().startsWith("[") && !line.trimEnd().endsWith("]")) {
      i++;
      if (i >= lines.length) fail(`unterminated list for ${key}`);
      line += " " + stripComment(lines[i]!).trim();
    }
    const value = parseValue(line.slice(eq + 1), (why) => fail(`${key}: ${why}`));
    const spec = KEYS[key];
    if (!spec) {
      warn(`${file}:${lineNo}: unknown setting ${key} ignored`);
      continue;
    }
    const typeOf = Array.isArray(value) ? "list" : typeof value === "number" ? "int" : "string";
    if (typeOf !== spec.type) fail(`${key}: expected ${spec.type}, got ${typeOf}`);
    if (typeof value === "number") {
      if (
        (spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)
      ) {
        fail(`${key}: ${value} is outside ${spec.min}..${spec.max}`);
      }
    }
    if (key.endsWith("_perms") && typeof value === "string") {
      rec[key] = parsePerms(value, (why) => fail(`${key}: ${why}`));
    } else if (key.startsWith("auth_") && value !== "none" && value !== "sasl") {
      // polkit is libvirtd's too, but not built here.
      fail(`${key}: unsupported auth ${value}`);
    } else if (key.endsWith("_port") && !/^\d+$/.test(String(value))) {
      fail(`${key}: not a port number: "${value}"`);
    } else if (key in cfg) {
      rec[key] = value;
    }
  }
  if (cfg.min_workers > cfg.max_workers) {
    throw new ConfigError(file, 0, "min_workers cannot be larger than max_workers");
  }
  if (cfg.max_clients < cfg.max_anonymous_clients) {
    throw new ConfigError(file, 0, "max_anonymous_clients must be less than max_clients");
  }
  return cfg;
}

export async function loadConfig(
  path: string,
  warn?: (msg: string) => void,
  system = false,
): Promise<DaemonConfig> {
  return parseConfig(await Deno.readTextFile(path), path, warn, system);
}
