// Logging through LogTape (the JSR-only @std/log is unreachable here): one
// root category, "denovirt", with a sub-category per layer ("rpc", "pool",
// "server", ...), written to stderr.

import { configure, getConsoleSink, getLogger, type Logger, type LogLevel } from "@logtape/logtape";

export const ROOT_CATEGORY = "denovirt";

/** The logger of one layer, e.g. `log("pool")`. */
export function log(...category: string[]): Logger {
  return getLogger([ROOT_CATEGORY, ...category]);
}

/** Sends every record at `level` or above to stderr. Call once per isolate. */
export async function setupLogging(level: LogLevel = "info"): Promise<void> {
  await configure({
    reset: true,
    sinks: { stderr: getConsoleSink() },
    loggers: [
      { category: [ROOT_CATEGORY], lowestLevel: level, sinks: ["stderr"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["stderr"] },
    ],
  });
}
