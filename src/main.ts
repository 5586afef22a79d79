// denovirt's daemon (run by `deno task serve`, src/serve.ts): reads the
// settings, starts the server on its three sockets, prints how to connect,
// stops cleanly on SIGINT/SIGTERM (or once its launcher is gone, with
// --parent-pid) and reloads the drivers' state on SIGHUP, as libvirtd does.

import { ConfigError, defaultConfig, loadConfig } from "./conf/config.ts";
import { Server } from "./server/server.ts";
import { SocketInUseError } from "./transport/unix.ts";
import { log, setupLogging } from "./log.ts";
import { watchParent } from "./parent_watch.ts";
import type { LogLevel } from "@logtape/logtape";

const USAGE = `usage: denovirt [--config FILE] [--run-dir DIR] [--lock-check] [--parent-pid PID]

  --config FILE     settings in libvirtd.conf syntax
  --run-dir DIR     where the sockets go (overrides unix_sock_dir)
  --lock-check      check every lock acquisition against the lock order
  --parent-pid PID  stop, as on SIGTERM, once process PID is no longer this one's parent`;

const LEVELS: Record<number, LogLevel> = { 1: "debug", 2: "info", 3: "warning", 4: "error" };

export async function main(args: string[]): Promise<number> {
  let configPath: string | null = null;
  let runDir: string | null = null;
  let lockCheck = Deno.env.get("DENOVIRT_LOCK_CHECK") === "1";
  let parentPid: number | null = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--config") configPath = args[++i] ?? null;
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

  const warnings: string[] = [];
  let config;
  try {
    config = configPath ? await loadConfig(configPath, (w) => warnings.push(w)) : defaultConfig();
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

  try {
    server = await Server.start({
      config,
      lockCheck,
      logLevel,
      onLogSettings: (filters, outputs) => setupLogging(logLevel, filters, outputs),
    });
  } catch (e) {
    if (e instanceof SocketInUseError) {
      console.error(`denovirt: ${e.message}; is another denovirt or libvirtd running there?`);
      return 1;
    }
    throw e;
  }
  const running = server;
  const p = running.paths;
  console.log(`denovirt listening in ${config.unix_sock_dir}`);
  console.log(`  virsh -c 'test+unix:///default?socket=${p.rw}'`);
  console.log(`  virsh -r -c 'test+unix:///default?socket=${p.ro}'`);
  console.log(`  virsh -c 'qemu:///system?socket=${p.rw}'`);
  console.log(`  virt-admin -c 'libvirtd+unix:///system?socket=${p.admin}'`);

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

if (import.meta.main) Deno.exit(await main(Deno.args));
