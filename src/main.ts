// denovirt's entry point (`deno task serve`): reads the settings, starts
// the server on its three sockets, prints how to connect, and stops cleanly
// on SIGINT/SIGTERM.

import { ConfigError, defaultConfig, loadConfig } from "./conf/config.ts";
import { Server } from "./server/server.ts";
import { SocketInUseError } from "./transport/unix.ts";
import { log, setupLogging } from "./log.ts";
import type { LogLevel } from "@logtape/logtape";

const USAGE = `usage: denovirt [--config FILE] [--run-dir DIR] [--lock-check]

  --config FILE   settings in libvirtd.conf syntax
  --run-dir DIR   where the sockets go (overrides unix_sock_dir)
  --lock-check    check every lock acquisition against the lock order`;

const LEVELS: Record<number, LogLevel> = { 1: "debug", 2: "info", 3: "warning", 4: "error" };

export async function main(args: string[]): Promise<number> {
  let configPath: string | null = null;
  let runDir: string | null = null;
  let lockCheck = Deno.env.get("DENOVIRT_LOCK_CHECK") === "1";
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--config") configPath = args[++i] ?? null;
    else if (a === "--run-dir") runDir = args[++i] ?? null;
    else if (a === "--lock-check") lockCheck = true;
    else if (a === "--help" || a === "-h") {
      console.log(USAGE);
      return 0;
    } else {
      console.error(`denovirt: unknown argument ${a}\n${USAGE}`);
      return 2;
    }
  }
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
  const logger = log("daemon");
  for (const w of warnings) logger.warn(w);

  let server: Server;
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
  const p = server.paths;
  console.log(`denovirt listening in ${config.unix_sock_dir}`);
  console.log(`  virsh -c 'test+unix:///default?socket=${p.rw}'`);
  console.log(`  virsh -r -c 'test+unix:///default?socket=${p.ro}'`);
  console.log(`  virsh -c 'qemu:///system?socket=${p.rw}'`);
  console.log(`  virt-admin -c 'libvirtd+unix:///system?socket=${p.admin}'`);

  const stopped = new Promise<void>((resolve) => {
    const stop = () => {
      logger.info("shutting down");
      server.stop().then(resolve);
    };
    Deno.addSignalListener("SIGINT", stop);
    Deno.addSignalListener("SIGTERM", stop);
  });
  await stopped;
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
