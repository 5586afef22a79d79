/**
 * The V8 flags the daemon runs with. deno.json's serve task passes them, as
 * does serve.ts to the daemon it starts under --sandbox; V8 reads them only
 * from the command line (a flag set once the process runs is ignored).
 *
 * `--no-memory-pool-share-memory-on-teardown`: when a Worker's isolate ends
 * (a pool shrinking, a retired or killed Worker), V8 otherwise hands the
 * memory it pooled to another isolate's task runner to give back later —
 * the event loop's, which runs that task only when it next collects
 * garbage, and an idle daemon does not. Measured (issue 16): with the pool
 * grown to 25 Workers and set back to 5, RSS stayed at 395 MB for good
 * (227 MB at start); with the flag it fell to 243 MB within a second.
 *
 * @module
 */

export const DAEMON_V8_FLAGS = ["--no-memory-pool-share-memory-on-teardown"] as const;

/** The flags as one argument to `deno run`. */
export const DAEMON_V8_FLAGS_ARG = `--v8-flags=${DAEMON_V8_FLAGS.join(",")}`;

/**
 * The daemon's flags missing from this process's command line, or null
 * when it cannot be read (Deno opens /proc only with every permission).
 */
export function missingV8Flags(): string[] | null {
  let cmdline: string;
  try {
    cmdline = Deno.readTextFileSync("/proc/self/cmdline");
  } catch {
    return null;
  }
  const given = cmdline.split("\0").filter((a) => a.startsWith("--v8-flags="))
    .flatMap((a) => a.slice("--v8-flags=".length).split(","));
  return DAEMON_V8_FLAGS.filter((f) => !given.includes(f));
}
