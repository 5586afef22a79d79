/**
 * Logging through LogTape (the JSR-only @std/log is unreachable here),
 * configured in libvirt's own syntax: a level (1 debug … 4 error), filters
 * like `3:rpc 1:pool` (per-layer levels) and outputs like `2:stderr
 * 1:file:/path` (where records go, each with its own level). Categories are
 * ["denovirt", layer, …].
 *
 * @module
 */

import type { LogLevel, LogRecord, Sink } from "@logtape/logtape";

type LogTape = typeof import("@logtape/logtape");

export const ROOT_CATEGORY = "denovirt";

/** libvirt's levels: 1 debug, 2 info, 3 warning, 4 error. */
const LEVELS: Record<string, LogLevel> = {
  "1": "debug",
  "2": "info",
  "3": "warning",
  "4": "error",
};

const RANK: Record<LogLevel, number> = {
  trace: 0,
  debug: 1,
  info: 2,
  warning: 3,
  error: 4,
  fatal: 5,
};

/** What a layer's code logs through: a message and its properties. */
export interface Logger {
  debug(message: string, props?: Record<string, unknown>): void;
  info(message: string, props?: Record<string, unknown>): void;
  warn(message: string, props?: Record<string, unknown>): void;
  error(message: string, props?: Record<string, unknown>): void;
}

type Method = keyof Logger;
const METHOD_LEVEL: Record<Method, LogLevel> = {
  debug: "debug",
  info: "info",
  warn: "warning",
  error: "error",
};

/**
 * LogTape itself, loaded with the first record that passes the filters (or
 * the first outputs to set up): from npm it brings Deno's Node compatibility
 * into the isolate (its `node` build uses node:util), about 2.3 MB in each
 * Worker, which most Workers never need.
 */
let lib: LogTape | null = null;
/** LogTape is configured: records go straight to it. */
let ready = false;
let loading: Promise<void> | null = null;
/** Records logged while LogTape loads, emitted once it has. */
const queued: [string[], Method, string, Record<string, unknown> | undefined][] = [];

/** The settings last asked for: the level, per-layer levels, outputs. */
let wanted = { level: "warning" as LogLevel, layers: new Map<string, LogLevel>(), outputs: "" };

/** libvirt's rule: a filter sets its layer's level; other records pass at the default level. */
function passes(category: readonly unknown[], level: LogLevel): boolean {
  return RANK[level] >= RANK[wanted.layers.get(String(category[1] ?? "")) ?? wanted.level];
}

function load(): Promise<void> {
  loading ??= (async () => {
    lib = await import("@logtape/logtape");
    await applyInOrder();
    ready = true;
    for (const [category, method, message, props] of queued.splice(0)) {
      lib.getLogger(category)[method](message, props);
    }
  })();
  return loading;
}

/** The logger of one layer, e.g. `log("pool")`. */
export function log(...category: string[]): Logger {
  const full = [ROOT_CATEGORY, ...category];
  const emit = (method: Method) => (message: string, props?: Record<string, unknown>) => {
    if (ready) return lib!.getLogger(full)[method](message, props);
    if (!passes(full, METHOD_LEVEL[method])) return;
    queued.push([full, method, message, props]);
    void load();
  };
  return { debug: emit("debug"), info: emit("info"), warn: emit("warn"), error: emit("error") };
}

/** A sink appending formatted lines to a file (libvirt's `file:` output). */
function fileSink(path: string): Sink {
  const file = Deno.openSync(path, { append: true, create: true, mode: 0o600 });
  const format = lib!.getTextFormatter();
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
  if (items.length === 0) return { stderr: lib!.withFilter(lib!.getConsoleSink(), fallback) };
  items.forEach((item, i) => {
    const m = /^([1-4]):(stderr|file|syslog|journald)(?::(.*))?$/.exec(item);
    if (!m) return;
    const level = LEVELS[m[1]!]!;
    if (m[2] === "stderr") sinks[`out${i}`] = lib!.withFilter(lib!.getConsoleSink(), level);
    else if (m[2] === "file" && m[3]) sinks[`out${i}`] = lib!.withFilter(fileSink(m[3]), level);
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
  const layers = new Map<string, LogLevel>();
  for (const f of filters.trim().split(/\s+/).filter((x) => x)) {
    const m = /^([1-4]):\+?(.+)$/.exec(f);
    if (m) layers.set(m[2]!, LEVELS[m[1]!]!);
  }
  wanted = { level, layers, outputs };
  // Outputs other than the default stderr are opened now (a file must exist
  // as soon as it is configured); else LogTape waits for a record to pass.
  if (!lib && !outputs.trim()) return Promise.resolve();
  if (!lib) return load();
  return applyInOrder();
}

/** LogTape refuses a configure() while one runs: changes are applied one after another. */
function applyInOrder(): Promise<void> {
  const run = pending.then(() => apply());
  pending = run.catch(() => {});
  return run;
}

let pending: Promise<void> = Promise.resolve();

async function apply(): Promise<void> {
  const { level, outputs } = wanted;
  const sinks = outputSinks(outputs, level);
  const libvirtFilter = (r: LogRecord) => passes(r.category, r.level);
  await lib!.configure({
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
