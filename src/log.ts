/**
 * Logging through LogTape (the JSR-only @std/log is unreachable here),
 * configured in libvirt's own syntax: a level (1 debug … 4 error), filters
 * like `3:rpc 1:pool` (per-layer levels) and outputs like `2:stderr
 * 1:file:/path` (where records go, each with its own level). Categories are
 * ["denovirt", layer, …].
 *
 * @module
 */

import {
  compareLogLevel,
  configure,
  getConsoleSink,
  getLogger,
  getTextFormatter,
  type Logger,
  type LogLevel,
  type LogRecord,
  type Sink,
  withFilter,
} from "@logtape/logtape";

export const ROOT_CATEGORY = "denovirt";

/** libvirt's levels: 1 debug, 2 info, 3 warning, 4 error. */
const LEVELS: Record<string, LogLevel> = {
  "1": "debug",
  "2": "info",
  "3": "warning",
  "4": "error",
};

/** The logger of one layer, e.g. `log("pool")`. */
export function log(...category: string[]): Logger {
  return getLogger([ROOT_CATEGORY, ...category]);
}

/** A sink appending formatted lines to a file (libvirt's `file:` output). */
function fileSink(path: string): Sink {
  const file = Deno.openSync(path, { append: true, create: true, mode: 0o600 });
  const format = getTextFormatter();
  const enc = new TextEncoder();
  return Object.assign((record: Parameters<Sink>[0]) => {
    file.writeSync(enc.encode(format(record)));
  }, {
    [Symbol.dispose]: () => file.close(),
  });
}

/** Parses `LEVEL:stderr LEVEL:file:PATH …` into LogTape sinks; unknown kinds are skipped. */
function outputSinks(outputs: string, fallback: LogLevel): Record<string, Sink> {
  const sinks: Record<string, Sink> = {};
  const items = outputs.trim().split(/\s+/).filter((x) => x);
  if (items.length === 0) return { stderr: withFilter(getConsoleSink(), fallback) };
  items.forEach((item, i) => {
    const m = /^([1-4]):(stderr|file|syslog|journald)(?::(.*))?$/.exec(item);
    if (!m) return;
    const level = LEVELS[m[1]!]!;
    if (m[2] === "stderr") sinks[`out${i}`] = withFilter(getConsoleSink(), level);
    else if (m[2] === "file" && m[3]) sinks[`out${i}`] = withFilter(fileSink(m[3]), level);
    // syslog and journald have no sink here: records for them are dropped.
  });
  return sinks;
}

/**
 * (Re)configures logging in this isolate. `level` is the default level;
 * `filters` (`3:rpc 1:pool`) lower or raise it per layer; `outputs` choose
 * sinks, each with its own level. Safe to call again at any time (the admin
 * program does).
 */
export function setupLogging(
  level: LogLevel = "warning",
  filters = "",
  outputs = "",
): Promise<void> {
  // LogTape refuses a configure() while one runs: apply changes one after another.
  const run = pending.then(() => apply(level, filters, outputs));
  pending = run.catch(() => {});
  return run;
}

let pending: Promise<void> = Promise.resolve();

async function apply(level: LogLevel, filters: string, outputs: string): Promise<void> {
  const sinks = outputSinks(outputs, level);
  // libvirt's rule: a filter sets its layer's level; other records pass at the default level.
  const layers = new Map<string, LogLevel>();
  for (const f of filters.trim().split(/\s+/).filter((x) => x)) {
    const m = /^([1-4]):\+?(.+)$/.exec(f);
    if (m) layers.set(m[2]!, LEVELS[m[1]!]!);
  }
  const libvirtFilter = (r: LogRecord) =>
    compareLogLevel(r.level, layers.get(String(r.category[1] ?? "")) ?? level) >= 0;
  await configure({
    reset: true,
    sinks,
    filters: { libvirt: libvirtFilter },
    loggers: [
      {
        category: [ROOT_CATEGORY],
        lowestLevel: "debug",
        sinks: Object.keys(sinks),
        filters: ["libvirt"],
      },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: [] },
    ],
  });
}
