/**
 * Driver state in shared memory, so that any Worker can serve any client:
 * driver instances (one per shared or private connection state), each with
 * a lock and a JSON "directory", and objects (a domain, a network, …), each
 * with its own lock and a JSON blob. Blobs are decoded once per version and
 * cached per Worker; and a memo of host facts worked out once for all
 * Workers. Lock ranks: instance = driver (3), object (4), memo (5), heap (6).
 *
 * @module
 */

import {
  type LockTracker,
  RANK_DRIVER,
  RANK_HEAP,
  RANK_MEMO,
  RANK_OBJECT,
  releaseIfOwner,
  SharedMutex,
  THREAD_SLOTS,
  threadSlot,
} from "../pool/lock.ts";

// ---- Layout (Int32 words at the start of the store buffer) ---------------------------------
const H_LOCK = 0; // 2 words: the heap lock (allocator and instance table)
const H_TOP = 2; // bump pointer, in bytes
const H_STAMP = 3; // the last version stamp handed out (stamps are never reused)
const H_FREE = 4; // free-list heads by size class, FREE_CLASSES words
const FREE_CLASSES = 28;
// The host facts worked out once for the whole daemon (memo): the lock held
// while one is worked out (2 words), the blob handle of their JSON
// dictionary, and its version stamp.
const H_MEMO_LOCK = H_FREE + FREE_CLASSES;
const H_MEMO = H_MEMO_LOCK + 2;
const H_MEMO_VERSION = H_MEMO + 1;
const INST_BASE = H_MEMO + 2; // instance table
export const MAX_INSTANCES = 256;
const INST_WORDS = 9;
const I_LOCK = 0; // 2 words
const I_STATE = 2; // INST_FREE / INST_LIVE / INST_DYING / INST_INIT
const I_REFS = 3;
const I_KIND = 4; // the driver id
const I_KEY = 5; // hash of the instance key (shared instances are found by it)
const I_DIR = 6; // blob handle of the directory
const I_DIR_VERSION = 7;
// Bumped each time the slot is reserved, so an opener that joined a reservation
// can tell the slot was freed and reused while it waited (see openInstance).
const I_GEN = 8;
// Object locks, per thread slot (src/pool/lock.ts): a row of HELD_SLOTS handles,
// written only by the thread in that slot, so the event loop can release a dead
// Worker's object locks (instance locks are found by scanning the instance table).
// A handle is noted before the lock is tried and cleared after it is released;
// recovery releases only locks whose word names the dead thread.
const HELD_BASE = INST_BASE + MAX_INSTANCES * INST_WORDS;
const HELD_SLOTS = 4;
// Per thread slot: bumped when the thread in that slot dies, so something it
// claimed (a QEMU domain's job) can be seen to be orphaned.
const DEATHS_BASE = HELD_BASE + THREAD_SLOTS * HELD_SLOTS;
const HEADER_BYTES = (DEATHS_BASE + THREAD_SLOTS) * 4;

const INST_FREE = 0;
const INST_LIVE = 1;
const INST_DYING = 2;
/** Reserved by an opener that is filling in its directory (see openInstance). */
const INST_INIT = 3;

// An object: 2 lock words, version, blob handle, live flag, job blob handle.
const O_LOCK = 0;
const O_VERSION = 2;
const O_BLOB = 3;
const O_LIVE = 4;
// A small blob of its own (0: none), so taking and ending a domain's job
// neither rewrites the object's blob nor changes its version (issue 20: a
// domain with 4 MiB of metadata was rewritten twice a job, and each Worker's
// cached copy went stale).
const O_JOB = 5;
const OBJ_WORDS = 6;

/** The memo dictionary's key in a Worker's cache of decoded blobs (instances use -index). */
const MEMO_CACHE_KEY = -MAX_INSTANCES;

const MIN_CLASS = 5; // 32-byte blocks
/** Strings at least this long are stored beside a blob's JSON, once each. */
const LONG_STRING = 64 * 1024;
/** What stands in the JSON for long string i: no XML text or name holds a NUL. */
const LONG_MARK = "\u0000long\u0000";
const utf8e = new TextEncoder();
const utf8d = new TextDecoder();

/** Puts a blob's long strings back where their markers are (in place). */
function restoreLong(value: unknown, long: readonly string[]): unknown {
  const get = (v: string): string => long[Number(v.slice(LONG_MARK.length))]!;
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return v.startsWith(LONG_MARK) ? get(v) : v;
    if (v === null || typeof v !== "object") return v;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) v[i] = walk(v[i]);
    } else {
      const o = v as Record<string, unknown>;
      for (const key of Object.keys(o)) o[key] = walk(o[key]);
    }
    return v;
  };
  return walk(value);
}

function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h | 0 || 1;
}

/**
 * Releases the store locks a dead thread held — the heap lock, instance
 * locks, and the object locks its row notes — as a robust mutex would, and
 * counts the death in its slot. Event loop only, after the thread is gone.
 */
export function releaseStoreLocks(sab: SharedArrayBuffer, threadId: number): void {
  const w = new Int32Array(sab);
  releaseIfOwner(w, H_LOCK, threadId);
  releaseIfOwner(w, H_MEMO_LOCK, threadId);
  for (let i = 1; i < MAX_INSTANCES; i++) {
    releaseIfOwner(w, INST_BASE + i * INST_WORDS + I_LOCK, threadId);
  }
  const slot = threadSlot(threadId);
  Atomics.add(w, DEATHS_BASE + slot, 1);
  const row = HELD_BASE + slot * HELD_SLOTS;
  for (let k = 0; k < HELD_SLOTS; k++) {
    const handle = Atomics.load(w, row + k);
    if (handle !== 0) releaseIfOwner(w, handle / 4 + 1 + O_LOCK, threadId);
    Atomics.store(w, row + k, 0);
  }
}

/**
 * An object's lock that also notes itself in its thread's row of object
 * locks from just before it is tried until just after it is released (for
 * dead-holder recovery, which checks the lock word's owner, so a death
 * anywhere in between is recovered right). Rows are per thread slot, so
 * plain atomic stores suffice.
 */
class ObjectMutex extends SharedMutex {
  readonly #words: Int32Array;
  readonly #handle: number;
  readonly #row: number;
  readonly #tracker: LockTracker;

  constructor(words: Int32Array, handle: number, tracker: LockTracker) {
    super(words, handle / 4 + 1 + O_LOCK, RANK_OBJECT, `object ${handle}`, tracker);
    this.#words = words;
    this.#handle = handle;
    this.#row = HELD_BASE + threadSlot(tracker.threadId) * HELD_SLOTS;
    this.#tracker = tracker;
  }

  override lock(): Disposable {
    // An ended Worker that ran on stops before it writes the row its
    // successor in the same thread slot now uses.
    this.#tracker.assertCurrent();
    this.#note(0, this.#handle);
    try {
      return super.lock();
    } catch (e) {
      // Ended while it waited for the lock (or taken out of order): not held, not noted.
      this.#note(this.#handle, 0);
      throw e;
    }
  }

  override tryLock(): Disposable | null {
    this.#tracker.assertCurrent();
    this.#note(0, this.#handle);
    let d: Disposable | null = null;
    try {
      d = super.tryLock();
    } finally {
      if (!d) this.#note(this.#handle, 0);
    }
    return d;
  }

  override unlock(): void {
    this.#note(this.#handle, 0);
    super.unlock();
  }

  /** Replaces the first slot of this thread's row holding `from` with `to`. */
  #note(from: number, to: number): void {
    for (let k = 0; k < HELD_SLOTS; k++) {
      if (Atomics.load(this.#words, this.#row + k) === from) {
        Atomics.store(this.#words, this.#row + k, to);
        return;
      }
    }
  }
}

export function allocateStore(): SharedArrayBuffer {
  const sab = new SharedArrayBuffer(1 << 20, { maxByteLength: 1 << 30 });
  const words = new Int32Array(sab);
  Atomics.store(words, H_TOP, HEADER_BYTES);
  return sab;
}

/** A Worker's view of the driver store. */
export class SharedStore {
  readonly #sab: SharedArrayBuffer;
  readonly #words: Int32Array;
  readonly #bytes: Uint8Array;
  readonly #tracker: LockTracker;
  readonly #heap: SharedMutex;
  readonly #memoLock: SharedMutex;
  readonly #cache = new Map<number, { version: number; value: unknown }>();

  constructor(sab: SharedArrayBuffer, tracker: LockTracker) {
    this.#sab = sab;
    this.#words = new Int32Array(sab);
    this.#bytes = new Uint8Array(sab);
    this.#tracker = tracker;
    this.#heap = new SharedMutex(this.#words, H_LOCK, RANK_HEAP, "store", tracker);
    this.#memoLock = new SharedMutex(this.#words, H_MEMO_LOCK, RANK_MEMO, "store", tracker);
  }

  /** The calling thread's id (src/pool/lock.ts: unique to its isolate). */
  get threadId(): number {
    return this.#tracker.threadId;
  }

  /**
   * How many threads in `threadId`'s slot have died so far: a claim recorded
   * with (thread id, this count) is orphaned once the count has moved on.
   */
  deaths(threadId: number): number {
    return Atomics.load(this.#words, DEATHS_BASE + threadSlot(threadId));
  }

  // ---- Heap (caller holds the heap lock) ------------------------------------------------

  #allocLocked(n: number): number {
    const cls = Math.max(MIN_CLASS, Math.ceil(Math.log2(n + 4)));
    if (cls >= FREE_CLASSES) {
      throw new RangeError(
        `Cannot allocate ${n} bytes: larger than the driver store's largest block`,
      );
    }
    const w = this.#words;
    const head = Atomics.load(w, H_FREE + cls);
    let off: number;
    if (head !== 0) {
      off = head;
      Atomics.store(w, H_FREE + cls, Atomics.load(w, off / 4 + 1));
    } else {
      off = Atomics.load(w, H_TOP);
      const end = off + (1 << cls);
      if (end > this.#sab.byteLength) {
        let size = this.#sab.byteLength;
        while (size < end) size *= 2;
        if (size > this.#sab.maxByteLength) {
          throw new RangeError("Cannot allocate: the driver store is full");
        }
        this.#sab.grow(size);
      }
      Atomics.store(w, H_TOP, end);
    }
    Atomics.store(w, off / 4, cls);
    return off;
  }

  #freeLocked(off: number): void {
    const w = this.#words;
    const cls = Atomics.load(w, off / 4);
    Atomics.store(w, off / 4 + 1, Atomics.load(w, H_FREE + cls));
    Atomics.store(w, H_FREE + cls, off);
  }

  /** Allocates a block of at least `n` usable bytes (after a 4-byte class word). */
  #alloc(n: number): number {
    using _ = this.#heap.lock();
    return this.#allocLocked(n);
  }

  #free(off: number): void {
    using _ = this.#heap.lock();
    this.#freeLocked(off);
  }

  // ---- Blobs: [class word][JSON length][long-string count k][k lengths][JSON][long strings] ----

  #writeBlob(value: unknown): number {
    // A long string (a domain's 4 MiB metadata element: issue 20) is kept out
    // of the JSON: stored once however often the value repeats it (an XML
    // element holds its text twice, in `text` and its text node, and its
    // children twice, in `children` and `nodes`), and copied without JSON's
    // escaping on the way in and out. The JSON holds a marker in its place.
    const long: string[] = [];
    let index: Map<string, number> | null = null;
    const json = JSON.stringify(value, (_k, v) => {
      if (typeof v !== "string" || v.length < LONG_STRING) return v;
      index ??= new Map();
      let i = index.get(v);
      if (i === undefined) {
        i = long.length;
        index.set(v, i);
        long.push(v);
      }
      return LONG_MARK + i;
    });
    const parts = [json, ...long];
    const head = 8 + 4 * long.length;
    // Mostly ASCII: encoded straight into a block of one byte a character,
    // without a copy; only a text that does not fit goes through encoded copies.
    const chars = parts.reduce((n, p) => n + p.length, 0);
    let off = this.#alloc(head + chars);
    let at = off + 4 + head;
    const lens: number[] = [];
    for (const p of parts) {
      const r = utf8e.encodeInto(p, this.#bytes.subarray(at, at + p.length));
      if (r.read !== p.length) break;
      lens.push(r.written);
      at += r.written;
    }
    if (lens.length !== parts.length) {
      this.#free(off);
      const enc = parts.map((p) => utf8e.encode(p));
      off = this.#alloc(head + enc.reduce((n, b) => n + b.length, 0));
      at = off + 4 + head;
      lens.length = 0;
      for (const b of enc) {
        this.#bytes.set(b, at);
        lens.push(b.length);
        at += b.length;
      }
    }
    const w = off / 4 + 1;
    Atomics.store(this.#words, w, lens[0]!);
    Atomics.store(this.#words, w + 1, long.length);
    for (let i = 0; i < long.length; i++) Atomics.store(this.#words, w + 2 + i, lens[i + 1]!);
    return off;
  }

  /**
   * A fresh version stamp. Stamps come from one daemon-wide counter, so a
   * Worker's cache can never mistake a reused handle or instance for the old one.
   */
  #stamp(): number {
    return Atomics.add(this.#words, H_STAMP, 1) + 1;
  }

  #readBlob(off: number): unknown {
    const w = off / 4 + 1;
    const len = Atomics.load(this.#words, w);
    const k = Atomics.load(this.#words, w + 1);
    let at = off + 4 + 8 + 4 * k;
    // Decoded from the shared view: Deno's TextDecoder copies it itself, faster
    // than a slice() would (a 4 MiB string: 0.7 ms against 3, issue 20).
    const value = JSON.parse(utf8d.decode(this.#bytes.subarray(at, at + len)));
    if (k === 0) return value;
    at += len;
    const long: string[] = [];
    for (let i = 0; i < k; i++) {
      const n = Atomics.load(this.#words, w + 2 + i);
      long.push(utf8d.decode(this.#bytes.subarray(at, at + n)));
      at += n;
    }
    return restoreLong(value, long);
  }

  /**
   * The decoded value, shared with this Worker's cache (no copy): a caller
   * that changes it must write it back, or call `forget` — TestConn does the
   * latter whenever a call fails, so a half-changed value never lingers.
   */
  #cached<T>(blob: number, version: number, key: number): T {
    const hit = this.#cache.get(key);
    if (hit && hit.version === version) return hit.value as T;
    const value = this.#readBlob(blob);
    this.#cache.set(key, { version, value });
    return value as T;
  }

  /**
   * Drops every cached value of this Worker: after a failed call, anything it
   * read may have been changed in place and not written back.
   */
  forgetAll(): void {
    this.#cache.clear();
  }

  // ---- Memo: facts about the host, computed once per daemon -----------------------------------

  /**
   * The value stored under `key`, or else `compute()`'s, stored for every
   * Worker: a fact about the host that each Worker would otherwise work out
   * for itself at a cost in time and memory (what an emulator binary offers,
   * the host's CPU model). One Worker computes at a time, under the memo
   * lock, so Workers asking at once wait for the first one's answer; a
   * caller may hold instance and object locks, and `compute` must not ask
   * the memo again. Values must be JSON: what comes back is what JSON.parse
   * gives, or the computed value itself. Entries stay for the daemon's life
   * (a few per emulator binary).
   */
  memo(key: string, compute: () => unknown): unknown {
    const known = this.#memoRead();
    if (Object.hasOwn(known, key)) return known[key];
    using _ = this.#memoLock.lock();
    const dict = this.#memoRead();
    if (Object.hasOwn(dict, key)) return dict[key];
    const value = compute();
    const next = this.#writeBlob({ ...dict, [key]: value });
    using _h = this.#heap.lock();
    const w = this.#words;
    const old = Atomics.load(w, H_MEMO);
    Atomics.store(w, H_MEMO_VERSION, this.#stamp());
    Atomics.store(w, H_MEMO, next);
    if (old) this.#freeLocked(old);
    return value;
  }

  /** The memo's dictionary, read under the heap lock (a Worker storing a new one frees the old). */
  #memoRead(): Record<string, unknown> {
    using _ = this.#heap.lock();
    const w = this.#words;
    const blob = Atomics.load(w, H_MEMO);
    return blob ? this.#cached(blob, Atomics.load(w, H_MEMO_VERSION), MEMO_CACHE_KEY) : {};
  }

  /** Bytes the memo's dictionary takes (its block): the soak counts them apart from leaks. */
  get memoBytes(): number {
    using _ = this.#heap.lock();
    const blob = Atomics.load(this.#words, H_MEMO);
    return blob ? 1 << Atomics.load(this.#words, blob / 4) : 0;
  }

  // ---- Instances ----------------------------------------------------------------------------

  #inst(i: number): number {
    return INST_BASE + i * INST_WORDS;
  }

  /** The lock of instance `i` (rank: driver). */
  instanceLock(i: number): SharedMutex {
    return new SharedMutex(
      this.#words,
      this.#inst(i) + I_LOCK,
      RANK_DRIVER,
      `instance ${i}`,
      this.#tracker,
    );
  }

  /**
   * Opens an instance: a live shared one with the same key gets one more
   * reference; otherwise a new one is made with `init()`'s directory.
   * Returns the instance index and whether it was created.
   *
   * A new instance's slot is reserved (INIT) under the heap lock, and its
   * directory filled under its own lock afterwards (init() allocates, which
   * takes the heap lock). A second open of the same shared key meanwhile
   * joins it and waits until it is LIVE — it must not take another slot
   * (two "default" states), nor the reserved one (two owners of one slot,
   * one reference: found by 32 clients connecting and disconnecting).
   */
  openInstance(
    kind: number,
    key: string,
    shared: boolean,
    init: () => unknown,
  ): { index: number; created: boolean } {
    const w = this.#words;
    const h = hashKey(key);
    for (;;) {
      let index = -1;
      let joined = false;
      let gen = 0;
      {
        using _ = this.#heap.lock();
        if (shared) {
          for (let i = 1; i < MAX_INSTANCES; i++) {
            const b = this.#inst(i);
            const state = Atomics.load(w, b + I_STATE);
            if (
              (state === INST_LIVE || state === INST_INIT) &&
              Atomics.load(w, b + I_KIND) === kind &&
              Atomics.load(w, b + I_KEY) === h
            ) {
              Atomics.add(w, b + I_REFS, 1);
              if (state === INST_LIVE) return { index: i, created: false };
              index = i;
              joined = true;
              gen = Atomics.load(w, b + I_GEN);
              break;
            }
          }
        }
        if (!joined) {
          for (let i = 1; i < MAX_INSTANCES; i++) {
            const b = this.#inst(i);
            if (Atomics.load(w, b + I_STATE) === INST_FREE) {
              index = i;
              Atomics.add(w, b + I_GEN, 1);
              Atomics.store(w, b + I_STATE, INST_INIT);
              Atomics.store(w, b + I_REFS, 1);
              Atomics.store(w, b + I_KIND, kind);
              Atomics.store(w, b + I_KEY, shared ? h : 0);
              Atomics.store(w, b + I_DIR, 0);
              Atomics.store(w, b + I_DIR_VERSION, 0);
              break;
            }
          }
        }
      }
      if (index < 0) throw new RangeError("Cannot open a driver instance: all are in use");
      const state = this.#inst(index) + I_STATE;
      if (joined) {
        // The opener that reserved it is filling it in: wait for LIVE. If it
        // failed, the slot went back to FREE (our reference with it) and may
        // have been reserved again by then — for another key: the
        // generation tells. Either way, start over.
        const genWord = this.#inst(index) + I_GEN;
        for (;;) {
          let now: number;
          {
            // Both words under the heap lock, where slots are reserved and freed.
            using _ = this.#heap.lock();
            now = Atomics.load(w, genWord) === gen ? Atomics.load(w, state) : INST_FREE;
          }
          if (now === INST_LIVE) return { index, created: false };
          if (now !== INST_INIT) break;
          Atomics.wait(w, state, INST_INIT, 10);
        }
        continue;
      }
      try {
        using _ = this.instanceLock(index).lock();
        this.#setDirectoryLocked(index, init());
      } catch (e) {
        using _ = this.#heap.lock();
        Atomics.store(w, state, INST_FREE);
        Atomics.notify(w, state);
        throw e;
      }
      // LIVE under the heap lock, where openers look.
      {
        using _ = this.#heap.lock();
        Atomics.store(w, state, INST_LIVE);
      }
      Atomics.notify(w, state);
      return { index, created: true };
    }
  }

  /**
   * Drops a reference. The last one makes the instance DYING and returns
   * true: the caller then frees its objects (`destroyObject`) and calls
   * `releaseInstance`.
   */
  closeInstance(index: number): boolean {
    const b = this.#inst(index);
    using _ = this.#heap.lock();
    if (Atomics.sub(this.#words, b + I_REFS, 1) !== 1) return false;
    Atomics.store(this.#words, b + I_STATE, INST_DYING);
    return true;
  }

  /** Frees a DYING instance's directory and its table slot. */
  releaseInstance(index: number): void {
    const b = this.#inst(index);
    {
      using _ = this.instanceLock(index).lock();
      const dir = Atomics.load(this.#words, b + I_DIR);
      if (dir) this.#free(dir);
      Atomics.store(this.#words, b + I_DIR, 0);
    }
    using _ = this.#heap.lock();
    Atomics.store(this.#words, b + I_STATE, INST_FREE);
  }

  /** Instance slots in use (reserved, live or dying): diagnostics, tests and the soak. */
  get instancesInUse(): number {
    let n = 0;
    for (let i = 1; i < MAX_INSTANCES; i++) {
      if (Atomics.load(this.#words, this.#inst(i) + I_STATE) !== INST_FREE) n++;
    }
    return n;
  }

  /**
   * Bytes of the heap handed out and not freed (blocks, with their class
   * words): diagnostics, tests and the soak, which checks it returns to its
   * baseline. Walks the free lists under the heap lock.
   */
  get bytesInUse(): number {
    using _ = this.#heap.lock();
    const w = this.#words;
    let free = 0;
    for (let cls = 0; cls < FREE_CLASSES; cls++) {
      for (let off = Atomics.load(w, H_FREE + cls); off !== 0; off = Atomics.load(w, off / 4 + 1)) {
        free += 1 << cls;
      }
    }
    return Atomics.load(w, H_TOP) - HEADER_BYTES - free;
  }

  instanceRefs(index: number): number {
    return Atomics.load(this.#words, this.#inst(index) + I_REFS);
  }

  /** The directory of an instance. Caller holds the instance lock. */
  directoryLocked<T>(index: number): T {
    const b = this.#inst(index);
    const blob = Atomics.load(this.#words, b + I_DIR);
    return this.#cached<T>(blob, Atomics.load(this.#words, b + I_DIR_VERSION), -index);
  }

  /** Replaces the directory. Caller holds the instance lock. */
  #setDirectoryLocked(index: number, dir: unknown): void {
    const b = this.#inst(index);
    const old = Atomics.load(this.#words, b + I_DIR);
    const blob = this.#writeBlob(dir);
    // The stamp before the handle: a Worker dying between the two leaves the
    // old value under a new stamp (caches miss and read the old value), never
    // a new value under the stamp other Workers' caches trust.
    Atomics.store(this.#words, b + I_DIR_VERSION, this.#stamp());
    Atomics.store(this.#words, b + I_DIR, blob);
    this.#cache.delete(-index);
    if (old) this.#free(old);
  }

  setDirectoryLocked(index: number, dir: unknown): void {
    this.#setDirectoryLocked(index, dir);
  }

  // ---- Objects --------------------------------------------------------------------------------

  /** Creates an object holding `value`; returns its handle. */
  createObject(value: unknown): number {
    const off = this.#alloc(OBJ_WORDS * 4);
    const o = off / 4 + 1;
    const w = this.#words;
    Atomics.store(w, o + O_LOCK, 0);
    Atomics.store(w, o + O_LOCK + 1, 0);
    Atomics.store(w, o + O_VERSION, this.#stamp());
    Atomics.store(w, o + O_BLOB, this.#writeBlob(value));
    Atomics.store(w, o + O_LIVE, 1);
    Atomics.store(w, o + O_JOB, 0);
    return off;
  }

  /** The lock of object `handle` (rank: object). */
  objectLock(handle: number): SharedMutex {
    return new ObjectMutex(this.#words, handle, this.#tracker);
  }

  /** Reads an object. Caller holds its lock. */
  readLocked<T>(handle: number): T {
    const o = handle / 4 + 1;
    return this.#cached<T>(
      Atomics.load(this.#words, o + O_BLOB),
      Atomics.load(this.#words, o + O_VERSION),
      handle,
    );
  }

  /** Replaces an object's value. Caller holds its lock. */
  writeLocked(handle: number, value: unknown): void {
    const o = handle / 4 + 1;
    const w = this.#words;
    const old = Atomics.load(w, o + O_BLOB);
    const blob = this.#writeBlob(value);
    // The stamp first (see #setDirectoryLocked).
    Atomics.store(w, o + O_VERSION, this.#stamp());
    Atomics.store(w, o + O_BLOB, blob);
    this.#cache.delete(handle);
    this.#free(old);
  }

  /** The object's job record (not part of its value), or null. Caller holds its lock. */
  jobLocked<T>(handle: number): T | null {
    const blob = Atomics.load(this.#words, handle / 4 + 1 + O_JOB);
    return blob === 0 ? null : this.#readBlob(blob) as T;
  }

  /** Sets or (null) clears the object's job record. Caller holds its lock. */
  setJobLocked(handle: number, job: unknown): void {
    const word = handle / 4 + 1 + O_JOB;
    const old = Atomics.load(this.#words, word);
    Atomics.store(this.#words, word, job === null ? 0 : this.#writeBlob(job));
    if (old) this.#free(old);
  }

  /** Whether the object still exists (false once destroyed). Caller holds its lock. */
  liveLocked(handle: number): boolean {
    return Atomics.load(this.#words, handle / 4 + 1 + O_LIVE) === 1;
  }

  /** Frees an object. Caller holds the owning instance's lock (so nobody can find it anew). */
  destroyObject(handle: number): void {
    const o = handle / 4 + 1;
    {
      using _ = this.objectLock(handle).lock();
      Atomics.store(this.#words, o + O_LIVE, 0);
      this.#free(Atomics.load(this.#words, o + O_BLOB));
      const job = Atomics.exchange(this.#words, o + O_JOB, 0);
      if (job) this.#free(job);
    }
    this.#cache.delete(handle);
    this.#free(handle);
  }
}
