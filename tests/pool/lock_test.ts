// The shared-memory mutex and the lock-order checker: server → client →
// driver → object, and a deliberate inversion caught.

import assert from "node:assert/strict";
import {
  LOCK_WAITERS,
  LockOrderError,
  LockTracker,
  RANK_CLIENT,
  RANK_DRIVER,
  RANK_OBJECT,
  RANK_SERVER,
  releaseIfOwner,
  SharedMutex,
} from "../../src/pool/lock.ts";

function locks(checking: boolean) {
  const words = new Int32Array(new SharedArrayBuffer(64));
  const t = new LockTracker(1, checking);
  return {
    words,
    tracker: t,
    server: new SharedMutex(words, 0, RANK_SERVER, "", t),
    client: new SharedMutex(words, 2, RANK_CLIENT, "#0", t),
    driver: new SharedMutex(words, 4, RANK_DRIVER, "test", t),
    object: new SharedMutex(words, 6, RANK_OBJECT, "domain", t),
  };
}

Deno.test("locks taken in the declared order pass the checker", () => {
  const l = locks(true);
  using _s = l.server.tryLock()!;
  using _c = l.client.tryLock()!;
  using _d = l.driver.tryLock()!;
  using _o = l.object.tryLock()!;
  assert.deepEqual(l.tracker.held, ["server", "client #0", "driver test", "object domain"]);
});

Deno.test("a deliberate inversion (client, then server) fails with LockOrderError", () => {
  const l = locks(true);
  using _c = l.client.tryLock()!;
  assert.throws(() => l.server.tryLock(), (e: unknown) => {
    assert.ok(e instanceof LockOrderError);
    assert.equal(
      e.message,
      "Cannot take the server lock while holding the client #0 lock: the order is server → client → driver → object → memo → heap",
    );
    return true;
  });
  // The refused lock was not taken.
  assert.equal(Atomics.load(l.words, 0), 0);
});

Deno.test("two locks of the same rank at once are refused (client #0 then client #1)", () => {
  const l = locks(true);
  const other = new SharedMutex(l.words, 8, RANK_CLIENT, "#1", l.tracker);
  using _c = l.client.tryLock()!;
  assert.throws(() => other.tryLock(), LockOrderError);
});

Deno.test("without checking an inversion is not detected (the checker is what catches it)", () => {
  const l = locks(false);
  using _c = l.client.tryLock()!;
  using s = l.server.tryLock();
  assert.ok(s);
});

Deno.test("tryLock() fails while held and succeeds after unlock; the owner word names the holder", () => {
  const l = locks(true);
  const g = l.server.tryLock()!;
  assert.equal(l.server.owner, 1);
  const other = new SharedMutex(l.words, 0, RANK_SERVER, "", new LockTracker(2, true));
  assert.equal(other.tryLock(), null);
  g[Symbol.dispose]();
  assert.equal(l.server.owner, 0);
  const g2 = other.tryLock();
  assert.ok(g2);
  assert.equal(l.server.owner, 2);
  g2[Symbol.dispose]();
});

Deno.test("whenFree() resolves when a Worker releases the lock, without blocking the event loop", async () => {
  const words = new Int32Array(new SharedArrayBuffer(16));
  const main = new SharedMutex(words, 0, RANK_SERVER, "", new LockTracker(1, true));
  // A Worker takes the lock as thread 9, holds it 200 ms and releases it as
  // SharedMutex does (notifying when the waiters bit is set).
  const src = `
    self.onmessage = (e) => {
      const w = new Int32Array(e.data);
      Atomics.compareExchange(w, 0, 0, 9);
      postMessage("held");
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
      if (Atomics.compareExchange(w, 0, 9, 0) !== 9) { Atomics.store(w, 0, 0); Atomics.notify(w, 0, 1); }
      postMessage("released");
    };`;
  const worker = new Worker(`data:text/javascript,${encodeURIComponent(src)}`, { type: "module" });
  const held = new Promise<void>((r) => {
    worker.onmessage = (e) => {
      if (e.data === "held") r();
    };
  });
  worker.postMessage(words.buffer);
  await held;
  assert.equal(main.tryLock(), null);
  assert.equal(main.owner, 9);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  await main.whenFree();
  clearInterval(timer);
  assert.ok(ticks > 0, "the event loop kept running while waiting");
  const g = main.tryLock();
  assert.ok(g);
  g[Symbol.dispose]();
  worker.terminate();
});

// Issue 17, defect 9: recovering a dead thread's lock.

/** One lock word and a mutex on it for each of three threads (ids 5, 6, 7). */
function threeThreads() {
  const words = new Int32Array(new SharedArrayBuffer(16));
  const [a, b, c] = [5, 6, 7].map((id) =>
    new SharedMutex(words, 0, RANK_SERVER, "", new LockTracker(id, false))
  );
  return { words, a: a!, b: b!, c: c! };
}

Deno.test("issue 17.9: a late unlock from a thread whose lock was recovered leaves the new holder's lock held", () => {
  const { words, a, b, c } = threeThreads();
  a.tryLock();
  // Thread 5 is taken for dead; its lock is recovered and thread 6 takes it.
  assert.ok(releaseIfOwner(words, 0, 5));
  assert.ok(b.tryLock());
  // Thread 5's isolate was not quite gone: its unlock runs now.
  a.unlock();
  assert.equal(b.owner, 6, "thread 6 still holds the lock");
  assert.equal(c.tryLock(), null, "nobody else can take it");
});

Deno.test("issue 17.9: the lock word names its holder from the compare-exchange that takes it", () => {
  const { words, a, b } = threeThreads();
  // Taken, and its holder dies at once: there is no moment without an owner to recover.
  a.tryLock();
  assert.equal(Atomics.load(words, 0), 5);
  assert.equal(releaseIfOwner(words, 0, 6), false, "not thread 6's to release");
  assert.equal(a.owner, 5);
  assert.ok(releaseIfOwner(words, 0, 5));
  assert.equal(Atomics.load(words, 0), 0);
  assert.ok(b.tryLock());
});

Deno.test("issue 17.9: recovering a dead holder's lock wakes the thread sleeping on it", async () => {
  const { words, a } = threeThreads();
  a.tryLock();
  // A Worker (thread 8) sleeps in lock() on it.
  const url = new URL("../../src/pool/lock.ts", import.meta.url).href;
  const src = `
    import { LockTracker, SharedMutex } from "${url}";
    self.onmessage = (e) => {
      const m = new SharedMutex(new Int32Array(e.data), 0, 1, "", new LockTracker(8, false));
      postMessage("waiting");
      m.lock();
      postMessage("took it");
      m.unlock();
    };`;
  const worker = new Worker(`data:text/javascript,${encodeURIComponent(src)}`, { type: "module" });
  const msgs: string[] = [];
  const got = new Promise<void>((r) => {
    worker.onmessage = (e) => {
      msgs.push(e.data);
      if (e.data === "took it") r();
    };
  });
  worker.postMessage(words.buffer);
  // Its waiters bit appears once it sleeps.
  const until = Date.now() + 5000;
  while (!(Atomics.load(words, 0) & LOCK_WAITERS) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.ok(Atomics.load(words, 0) & LOCK_WAITERS, "the Worker sleeps on the lock");
  assert.ok(releaseIfOwner(words, 0, 5));
  await got;
  assert.deepEqual(msgs, ["waiting", "took it"]);
  worker.terminate();
});
