/**
 * denovirt's daemon (run by `deno task serve`, src/serve.ts): reads the
 * settings, starts the server on its three sockets, prints how to connect,
 * stops cleanly on SIGINT/SIGTERM (or once its launcher is gone, with
 * --parent-pid) and reloads the drivers' state on SIGHUP, as libvirtd does.
 *
 * @module
 */

import { ConfigError, defaultConfig, loadConfig } from "./conf/config.ts";
import { LIBVIRTD_PID_FILE, SYSTEM_CONFIG_FILE, SYSTEM_RUN_DIR } from "./conf/system.ts";
import { ListenError } from "./transport/listen_error.ts";
import { Server } from "./server/server.ts";
import { SocketInUseError } from "./transport/unix.ts";
import { log, setupLogging } from "./log.ts";
import { watchParent } from "./parent_watch.ts";
import { missingV8Flags } from "./conf/v8_flags.ts";
import type { LogLevel } from "@logtape/logtape";

const USAGE =
  `usage: denovirt [--system] [--listen] [--config FILE] [--run-dir DIR] [--lock-check] [--parent-pid PID]

  --system          serve libvirt's standard paths (/run/libvirt, /etc/libvirt; root only)
  --listen          listen for TLS and TCP connections as listen_tls and listen_tcp say
  --config FILE     settings in libvirtd.conf syntax (--system: /etc/libvirt/libvirtd.conf)
  --run-dir DIR     where the sockets go (overrides unix_sock_dir)
  --lock-check      check every lock acquisition against the lock order
  --parent-pid PID  stop, as on SIGTERM, once process PID is no longer this one's parent`;

const LEVELS: Record<number, LogLevel> = { 1: "debug", 2: "info", 3: "warning", 4: "error" };

export async function main(args: string[]): Promise<number> {
  let configPath: string | null = null;
  let runDir: string | null = null;
  let lockCheck = Deno.env.get("DENOVIRT_LOCK_CHECK") === "1";
  let parentPid: number | null = null;
  let system = false;
  let listen = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--system") system = true;
    else if (a === "--listen") listen = true;
    else if (a === "--config") configPath = args[++i] ?? null;
    else if (a === "--run-dir") runDir = args[++i] ?? null;
    else if (a === "--lock-check") lockCheck = true;
    else if (a === "--parent-pid" && /^\d+$/.test(args[i + 1] ?? "")) parentPid = Number(args[++i]);
    else if (a === "--help" || a === "-h") {
      console.log(USAGE);
      return 0;
    } else {
      console.error(`denovirt: unknown argument ${a}\n${USAGE}`);
      return 2;
    }
  }
  const logger = log("daemon");
  // SIGHUP's default action ends the process: it is taken over before anything
  // slow, and acted on once the drivers are up (libvirtd ignores it until then too).
  let server: Server | null = null;
  let reloading = false;
  let stopping = false;
  Deno.addSignalListener("SIGHUP", () => {
    if (!server || reloading || stopping) {
      logger.warn("drivers are not initialized, reload ignored");
      return;
    }
    reloading = true;
    logger.info("reloading the drivers' state on SIGHUP");
    // libvirtd 9.0 reloads its drivers' state (virStateReload), not its own settings.
    (server.qemu?.reload() ?? Promise.resolve(true))
      .then((ok) => {
        if (!ok) logger.warn("error while reloading drivers");
      })
      .finally(() => reloading = false);
  });

  if (system) {
    const refusal = systemModeRefusal();
    if (refusal) {
      console.error(`denovirt: ${refusal}`);
      return 1;
    }
    if (configPath === null && exists(SYSTEM_CONFIG_FILE)) configPath = SYSTEM_CONFIG_FILE;
  }
  const warnings: string[] = [];
  let config;
  try {
    config = configPath
      ? await loadConfig(configPath, (w) => warnings.push(w), system)
      : defaultConfig(system);
  } catch (e) {
    if (e instanceof ConfigError || e instanceof Deno.errors.NotFound) {
      console.error(`denovirt: ${e.message}`);
      return 1;
    }
    throw e;
  }
  if (runDir) config.unix_sock_dir = runDir;
  const logLevel = LEVELS[config.log_level] ?? "warning";
  // libvirtd's effective output when none is configured: stderr at the log level.
  if (config.log_outputs === "") config.log_outputs = `${config.log_level}:stderr`;
  await setupLogging(logLevel, config.log_filters, config.log_outputs);
  for (const w of warnings) logger.warn(w);
  const missing = missingV8Flags();
  if (missing && missing.length > 0) {
    logger.warn(
      "started without the V8 flag(s) {flags} (deno task serve passes them): the memory of " +
        "Workers that end is given back only when the event loop next collects garbage",
      { flags: missing.join(" ") },
    );
  }

  try {
    server = await Server.start({
      config,
      listen,
      lockCheck,
      logLevel,
      onLogSettings: (filters, outputs) => setupLogging(logLevel, filters, outputs),
    });
  } catch (e) {
    if (e instanceof SocketInUseError) {
      console.error(`denovirt: ${e.message}; is another denovirt or libvirtd running there?`);
      return 1;
    }
    if (e instanceof ListenError) {
      console.error(`denovirt: ${e.message}`);
      return 1;
    }
    throw e;
  }
  const running = server;
  const p = running.paths;
  console.log(`denovirt listening in ${config.unix_sock_dir}`);
  // libvirt's clients find the standard paths by themselves: no ?socket= then.
  const at = (path: string) =>
    path === `${SYSTEM_RUN_DIR}/${basename(path)}` ? "" : `?socket=${path}`;
  const net = running.network;
  if (net.tls) {
    console.log(`  virsh -c 'qemu+tls://${hostOf(net.tls)}/system'  (TLS on ${net.tls})`);
  }
  if (net.tcp) {
    console.log(`  virsh -c 'qemu+tcp://${hostOf(net.tcp)}/system'  (TCP on ${net.tcp})`);
  }
  console.log(`  virsh -c 'test+unix:///default${at(p.rw)}'`);
  console.log(`  virsh -r -c 'test+unix:///default${at(p.ro)}'`);
  console.log(`  virsh -c 'qemu:///system${at(p.rw)}'`);
  console.log(`  virt-admin -c 'libvirtd+unix:///system${at(p.admin)}'`);

  // One stop, however many signals ask for it (a terminal's Ctrl-C reaches the
  // launcher and the daemon alike, and the launcher passes it on too).
  const stopped = Promise.withResolvers<void>();
  let unwatch = () => {};
  const stop = () => {
    if (stopping) return;
    stopping = true;
    logger.info("shutting down");
    unwatch();
    running.stop().then(stopped.resolve, stopped.reject);
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  if (parentPid !== null) {
    unwatch = watchParent(parentPid, () => {
      logger.warn("the launcher (pid {pid}) is gone", { pid: parentPid });
      stop();
    });
  }
  await stopped.promise;
  return 0;
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** A host:port clients can use for a bound ADDR:PORT (the wildcard addresses mean this host). */
function hostOf(addr: string): string {
  const port = addr.slice(addr.lastIndexOf(":") + 1);
  const host = addr.slice(0, addr.lastIndexOf(":"));
  return host === "[::]" || host === "0.0.0.0" ? `${Deno.hostname()}:${port}` : `${host}:${port}`;
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/**
 * Why `--system` cannot start here, or null: it needs root, as libvirt's
 * system paths do, and it must not take them from a running libvirtd (whose
 * sockets would answer; its pid file says so even before they do).
 */
function systemModeRefusal(): string | null {
  if (Deno.uid() !== 0) return "--system needs root: libvirt's system paths belong to root";
  let pid = NaN;
  try {
    pid = Number(Deno.readTextFileSync(LIBVIRTD_PID_FILE).trim());
  } catch {
    return null;
  }
  try {
    const comm = Deno.readTextFileSync(`/proc/${pid}/comm`).trim();
    if (comm === "libvirtd") {
      return `libvirtd is running (pid ${pid}, ${LIBVIRTD_PID_FILE}); stop it before --system`;
    }
  } catch {
    // A stale pid file: no such process.
  }
  return null;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
