// The shared-memory mutex and the lock-order checker: server → client →
// driver → object, and a deliberate inversion caught.

import assert from "node:assert/strict";
import {
  LockOrderError,
  LockTracker,
  RANK_CLIENT,
  RANK_DRIVER,
  RANK_OBJECT,
  RANK_SERVER,
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
      "Cannot take the server lock while holding the client #0 lock: the order is server → client → driver → object → heap",
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
  const src = `
    self.onmessage = (e) => {
      const w = new Int32Array(e.data);
      // Take the lock (0 -> 1), hold it 200 ms, release and notify as SharedMutex does.
      Atomics.compareExchange(w, 0, 0, 1);
      postMessage("held");
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
      if (Atomics.sub(w, 0, 1) !== 1) { Atomics.store(w, 0, 0); Atomics.notify(w, 0, 1); }
      postMessage("released");
    };`;
  const worker = new Worker(`data:text/javascript,${encodeURIComponent(src)}`, { type: "module" });
  const msgs: string[] = [];
  const held = new Promise<void>((r) => {
    worker.onmessage = (e) => {
      msgs.push(e.data);
      if (e.data === "held") r();
    };
  });
  worker.postMessage(words.buffer);
  await held;
  assert.equal(main.tryLock(), null);
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
