// What the soak's actors share: the daemon's addresses, the clock of the
// run, the counts the summary prints, and the problems that fail it.

import { Rng } from "../../tests/fuzz/_fuzz.ts";

export interface Addresses {
  /** The run directory (sockets, QEMU dirs, pool, files the clients write). */
  dir: string;
  rw: string;
  ro: string;
  admin: string;
  /** URIs as a user types them. */
  testUri: string;
  testRoUri: string;
  qemuUri: string;
  adminUri: string;
}

/** The soak's limits for the stuck-call watchdog (stuck_call_warn/kill_seconds). */
export const WARN_SECONDS = 3;
export const KILL_SECONDS = 6;
/** The reply a call gets when its Worker is killed. */
export const WORKER_DIED = "internal error: the worker running this call died";

export class SoakContext {
  readonly at: Addresses;
  readonly rng: Rng;
  /** performance.now() at the start of the load. */
  readonly t0 = performance.now();
  readonly durationMs: number;
  #running = true;
  readonly #wakers = new Set<() => void>();
  readonly problems: string[] = [];
  /** Counts by name, for the summary. */
  readonly counts = new Map<string, number>();

  constructor(at: Addresses, seed: number, durationMs: number) {
    this.at = at;
    this.rng = new Rng(seed);
    this.durationMs = durationMs;
  }

  get running(): boolean {
    return this.#running;
  }

  /** Seconds since the load began, for reports. */
  get t(): number {
    return (performance.now() - this.t0) / 1000;
  }

  stop(): void {
    this.#running = false;
    for (const w of this.#wakers) w();
  }

  /** Waits `ms`, or less if the load stops meanwhile. */
  async pause(ms: number): Promise<void> {
    if (!this.#running) return;
    let wake = () => {};
    let timer: ReturnType<typeof setTimeout> | undefined;
    await new Promise<void>((r) => {
      wake = r;
      this.#wakers.add(r);
      timer = setTimeout(r, ms);
    });
    clearTimeout(timer);
    this.#wakers.delete(wake);
  }

  /** A whole number of ms in [lo, hi]. */
  between(lo: number, hi: number): number {
    return lo + this.rng.int(hi - lo + 1);
  }

  count(name: string, n = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + n);
  }

  get(name: string): number {
    return this.counts.get(name) ?? 0;
  }

  problem(text: string): void {
    this.problems.push(`[${this.t.toFixed(1)} s] ${text}`);
    console.log(`  problem at ${this.t.toFixed(1)} s: ${text}`);
  }
}

/** A one-holder lock for the actors that must not overlap on the QEMU guest. */
export class AsyncMutex {
  #tail: Promise<void> = Promise.resolve();

  async hold<T>(fn: () => Promise<T>): Promise<T> {
    const prev = this.#tail;
    let release = () => {};
    this.#tail = new Promise<void>((r) => (release = r));
    await prev;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
