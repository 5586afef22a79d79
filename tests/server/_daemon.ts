// Starts a real daemon (real sockets, real Workers) in a temporary run
// directory, with the test-only sleep program and lock-order checking on.

import { type DaemonConfig, defaultConfig } from "../../src/conf/config.ts";
import { Server, type ServerOptions } from "../../src/server/server.ts";
import { SLEEP_PROGRAM_DEF } from "../testdata/sleep_program.ts";

export interface TestDaemon {
  server: Server;
  dir: string;
  rw: string;
  ro: string;
  admin: string;
  stop(): Promise<void>;
}

export async function startDaemon(
  overrides: Partial<DaemonConfig> = {},
  extra: Partial<ServerOptions> = {},
): Promise<TestDaemon> {
  const dir = await Deno.makeTempDir({ prefix: "denovirt-test-" });
  const config: DaemonConfig = { ...defaultConfig(), unix_sock_dir: dir, ...overrides };
  const server = await Server.start({
    config,
    modules: [new URL("../testdata/sleep_program.ts", import.meta.url).href],
    extraPrograms: [SLEEP_PROGRAM_DEF],
    lockCheck: true,
    ...extra,
  });
  return {
    server,
    dir,
    ...server.paths,
    async stop() {
      await server.stop(1000);
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** Waits until `cond()` holds, polling; fails after `ms`. */
export async function eventually(
  cond: () => boolean,
  ms = 5000,
  what = "condition",
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
