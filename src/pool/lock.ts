// Mutexes in shared memory, built on Atomics (a futex mutex: 0 free,
// 1 held, 2 held with waiters), each with a rank in the daemon's one lock
// order: server → client → driver → object → heap. With checking on, every
// acquisition is compared with the locks this thread already holds.

import { LOCK_OWNER, LOCK_STATE } from "./layout.ts";

/** The lock order. A thread may only take a lock of a higher rank than all it holds. */
export const RANK_SERVER = 1;
export const RANK_CLIENT = 2;
export const RANK_DRIVER = 3;
export const RANK_OBJECT = 4;
/** The driver store's allocator: a leaf, taken last and held for a few instructions. */
export const RANK_HEAP = 5;

const RANK_NAMES: Record<number, string> = {
  [RANK_SERVER]: "server",
  [RANK_CLIENT]: "client",
  [RANK_DRIVER]: "driver",
  [RANK_OBJECT]: "object",
  [RANK_HEAP]: "heap",
};

/** A lock taken against the declared order (a possible deadlock). */
export class LockOrderError extends Error {
  override readonly name = "LockOrderError";
  readonly code = "ERR_LOCK_ORDER";
  constructor(taking: string, held: string) {
    super(
      `Cannot take the ${taking} lock while holding the ${held} lock: the order is server → client → driver → object → heap`,
    );
  }
}

/** One thread's view of the locks it holds, for order checking. */
export class LockTracker {
  /** Thread id written into a lock's owner word: 1 for the event loop, 2+ for workers. */
  readonly threadId: number;
  /** Whether acquisitions are checked (the control word S_LOCK_CHECK, read once). */
  readonly checking: boolean;
  readonly #held: { rank: number; name: string }[] = [];

  constructor(threadId: number, checking: boolean) {
    this.threadId = threadId;
    this.checking = checking;
  }

  /** Names of the locks held, outermost first (for tests and diagnostics). */
  get held(): readonly string[] {
    return this.#held.map((h) => h.name);
  }

  check(rank: number, name: string): void {
    if (!this.checking) return;
    const top = this.#held[this.#held.length - 1];
    if (top && top.rank >= rank) throw new LockOrderError(name, top.name);
  }

  push(rank: number, name: string): void {
    if (this.checking) this.#held.push({ rank, name });
  }

  pop(name: string): void {
    if (!this.checking) return;
    const i = this.#held.findLastIndex((h) => h.name === name);
    if (i >= 0) this.#held.splice(i, 1);
  }
}

/**
 * A mutex whose two words live at `at` in `words` (a view of a
 * SharedArrayBuffer). `lock()` may sleep in Atomics.wait and so is for
 * Workers only; the event loop uses `tryLock()` and `whenFree()`.
 */
export class SharedMutex {
  readonly #words: Int32Array;
  readonly #state: number;
  readonly #owner: number;
  readonly #rank: number;
  readonly #name: string;
  readonly #tracker: LockTracker;

  constructor(words: Int32Array, at: number, rank: number, label: string, tracker: LockTracker) {
    this.#words = words;
    this.#state = at + LOCK_STATE;
    this.#owner = at + LOCK_OWNER;
    this.#rank = rank;
    this.#name = `${RANK_NAMES[rank] ?? `rank ${rank}`} ${label}`.trim();
    this.#tracker = tracker;
  }

  get name(): string {
    return this.#name;
  }

  /** The thread id that holds the lock, or 0. */
  get owner(): number {
    return Atomics.load(this.#words, this.#owner);
  }

  #acquired(): Disposable {
    // The owner word is informative (diagnostics, dead-holder recovery); the
    // state word's compareExchange is what orders the critical section.
    Atomics.store(this.#words, this.#owner, this.#tracker.threadId);
    this.#tracker.push(this.#rank, this.#name);
    return { [Symbol.dispose]: () => this.unlock() };
  }

  /** Takes the lock, sleeping while another thread holds it. Workers only. */
  lock(): Disposable {
    this.#tracker.check(this.#rank, this.#name);
    const w = this.#words;
    const s = this.#state;
    // Uncontended: 0 → 1 in one compareExchange.
    let c = Atomics.compareExchange(w, s, 0, 1);
    if (c !== 0) {
      // Contended: announce a waiter (2) so the holder's unlock will notify.
      if (c !== 2) c = Atomics.exchange(w, s, 2);
      while (c !== 0) {
        Atomics.wait(w, s, 2);
        c = Atomics.exchange(w, s, 2);
      }
    }
    return this.#acquired();
  }

  /** Takes the lock if it is free; never sleeps. */
  tryLock(): Disposable | null {
    this.#tracker.check(this.#rank, this.#name);
    if (Atomics.compareExchange(this.#words, this.#state, 0, 1) !== 0) return null;
    return this.#acquired();
  }

  /**
   * Resolves when the lock looks free, without taking it and without
   * blocking the thread (Atomics.waitAsync); the event loop then retries
   * `tryLock()`. No lock is ever held across an await.
   */
  async whenFree(): Promise<void> {
    const w = this.#words;
    const s = this.#state;
    for (;;) {
      const c = Atomics.load(w, s);
      if (c === 0) return;
      // Mark a waiter (1 → 2) so the holder's unlock notifies us.
      if (c === 1 && Atomics.compareExchange(w, s, 1, 2) !== 1) continue;
      const r = Atomics.waitAsync(w, s, 2);
      if (r.async) {
        await r.value;
        // An unlock wakes one waiter, and it may have been us, who do not
        // take the lock here: pass the wake on, or a Worker sleeping in
        // lock() could sleep on with the lock free (a lost wake-up).
        Atomics.notify(w, s, 1);
      }
    }
  }

  unlock(): void {
    this.#tracker.pop(this.#name);
    Atomics.store(this.#words, this.#owner, 0);
    // 1 → 0 means nobody waits; 2 means someone may: clear and wake one.
    if (Atomics.sub(this.#words, this.#state, 1) !== 1) {
      Atomics.store(this.#words, this.#state, 0);
      Atomics.notify(this.#words, this.#state, 1);
    }
  }
}
