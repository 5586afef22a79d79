// The drivers' shared store under failure (issue 17, defect 12): an opener
// that joined a reservation whose opener failed does not take the slot's
// next occupant for its own; a dead thread's object locks are recovered
// only where the lock word names it.

import assert from "node:assert/strict";
import { allocateStore, releaseStoreLocks, SharedStore } from "../../src/drivers/shared_store.ts";
import { LockTracker } from "../../src/pool/lock.ts";

const KIND = 42;

/**
 * One round: the main thread reserves shared key "k"; a Worker (thread 9)
 * joins the reservation; the main thread's fill fails, and it at once opens
 * key "other", which takes the first free slot. Returns the slots of
 * "other" and of the Worker's "k", and the directory the Worker found.
 */
async function joinAFailedReservation(): Promise<{ other: number; joined: number; dir: unknown }> {
  const sab = allocateStore();
  const main = new SharedStore(sab, new LockTracker(1, false));
  const url = new URL("../../src/drivers/shared_store.ts", import.meta.url).href;
  const lockUrl = new URL("../../src/pool/lock.ts", import.meta.url).href;
  const src = `
    import { SharedStore } from "${url}";
    import { LockTracker } from "${lockUrl}";
    self.onmessage = (e) => {
      const { sab, go } = e.data;
      const store = new SharedStore(sab, new LockTracker(9, false));
      Atomics.wait(new Int32Array(go), 0, 0);
      const { index } = store.openInstance(${KIND}, "k", true, () => "made by the joiner");
      const lock = store.instanceLock(index);
      lock.lock();
      const dir = store.directoryLocked(index);
      lock.unlock();
      postMessage({ index, dir });
    };`;
  const go = new SharedArrayBuffer(4);
  const worker = new Worker(`data:text/javascript,${encodeURIComponent(src)}`, { type: "module" });
  const answer = new Promise<{ index: number; dir: unknown }>((r) => {
    worker.onmessage = (e) => r(e.data);
  });
  worker.postMessage({ sab, go });
  assert.throws(() =>
    main.openInstance(KIND, "k", true, () => {
      Atomics.store(new Int32Array(go), 0, 1);
      Atomics.notify(new Int32Array(go), 0);
      const until = Date.now() + 5000;
      while (main.instanceRefs(1) < 2 && Date.now() < until) {
        // The Worker is joining.
      }
      assert.equal(main.instanceRefs(1), 2, "the Worker joined the reservation");
      throw new Error("the fill failed");
    }), /the fill failed/);
  const other = main.openInstance(KIND, "other", true, () => "another instance");
  const got = await answer;
  worker.terminate();
  return { other: other.index, joined: got.index, dir: got.dir };
}

Deno.test("issue 17.12: an opener joining a reservation that fails is not handed the slot's next occupant", async () => {
  // The slot freed by the failure goes either to "other" (before the
  // joiner looks again: the case at issue) or back to the joiner.
  let arranged = 0;
  for (let round = 0; round < 40 && arranged < 3; round++) {
    const r = await joinAFailedReservation();
    assert.notEqual(r.joined, r.other, `round ${round}: the joiner took the other key's instance`);
    assert.equal(r.dir, "made by the joiner");
    if (r.other === 1) arranged++;
  }
  assert.ok(arranged > 0, "the other key took the freed slot first at least once");
});

Deno.test("issue 17.12: a dead thread's object lock is recovered; one it only waited for is not", () => {
  const sab = allocateStore();
  const a = new SharedStore(sab, new LockTracker(5, false));
  const b = new SharedStore(sab, new LockTracker(6, false));
  const h1 = a.createObject("one");
  const h2 = a.createObject("two");
  // Thread 5 holds h1; thread 6 holds h2, which thread 5 then tried for.
  assert.ok(a.objectLock(h1).tryLock());
  assert.ok(b.objectLock(h2).tryLock());
  assert.equal(a.objectLock(h2).tryLock(), null);
  releaseStoreLocks(sab, 5);
  assert.ok(b.objectLock(h1).tryLock(), "thread 5's lock was released");
  assert.equal(a.objectLock(h2).tryLock(), null, "thread 6's lock is still held");
  assert.equal(a.deaths(5), 1);
  assert.equal(a.deaths(6), 0);
});

Deno.test("store: bytesInUse and instancesInUse return to where they were", () => {
  const sab = allocateStore();
  const s = new SharedStore(sab, new LockTracker(1, false));
  const [bytes, insts] = [s.bytesInUse, s.instancesInUse];
  const { index } = s.openInstance(KIND, "x", true, () => ({ a: 1 }));
  const h = s.createObject({ big: "x".repeat(10_000) });
  assert.ok(s.bytesInUse > bytes + 10_000);
  assert.equal(s.instancesInUse, insts + 1);
  {
    using _ = s.instanceLock(index).lock();
    s.destroyObject(h);
  }
  assert.ok(s.closeInstance(index));
  s.releaseInstance(index);
  assert.equal(s.bytesInUse, bytes);
  assert.equal(s.instancesInUse, insts);
});

Deno.test("store: an object's text comes back whole, ASCII or not, and frees what it took", () => {
  const sab = allocateStore();
  const s = new SharedStore(sab, new LockTracker(1, false));
  // A second thread's view reads the blob, not a cache.
  const other = new SharedStore(sab, new LockTracker(2, false));
  const bytes = s.bytesInUse;
  for (const text of ["x".repeat(100_000), "é€😀 mixed ".repeat(10_000), ""]) {
    const h = s.createObject({ text });
    {
      using _ = other.objectLock(h).lock();
      assert.equal(other.readLocked<{ text: string }>(h).text, text);
    }
    {
      using _ = s.objectLock(h).lock();
      s.writeLocked(h, { text: text + "ü" });
    }
    {
      using _ = other.objectLock(h).lock();
      assert.equal(other.readLocked<{ text: string }>(h).text, text + "ü");
    }
    const { index } = s.openInstance(KIND, "t", true, () => ({}));
    {
      using _ = s.instanceLock(index).lock();
      s.destroyObject(h);
    }
    s.closeInstance(index);
    s.releaseInstance(index);
  }
  assert.equal(s.bytesInUse, bytes);
});

Deno.test("store: a long string repeated in a value is stored once and comes back everywhere", () => {
  const sab = allocateStore();
  const s = new SharedStore(sab, new LockTracker(1, false));
  const other = new SharedStore(sab, new LockTracker(2, false));
  const bytes = s.bytesInUse;
  const big = "m".repeat(1 << 20);
  const wide = "é€😀".repeat(100_000);
  // As an XML element holds its text: in `text` and in its text node, its child twice.
  const leaf = { text: big, nodes: [{ kind: "text", text: big }], note: wide };
  const value = { meta: { children: [leaf], nodes: [leaf] }, list: [big, "short", wide, 3, null] };
  const h = s.createObject(value);
  // Two copies of 1 MiB would need a 4 MiB block: one copy (plus the wide text) fits in 2 MiB.
  // (And the object record, 32 bytes.)
  assert.ok(s.bytesInUse - bytes <= (2 << 20) + 32, `${s.bytesInUse - bytes} bytes`);
  {
    using _ = other.objectLock(h).lock();
    assert.deepEqual(other.readLocked(h), value);
  }
  const { index } = s.openInstance(KIND, "t", true, () => ({}));
  {
    using _ = s.instanceLock(index).lock();
    s.destroyObject(h);
  }
  s.closeInstance(index);
  s.releaseInstance(index);
  assert.equal(s.bytesInUse, bytes);
});
