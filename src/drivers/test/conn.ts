/**
 * One call's access to its test-driver instance: the directory under the
 * instance lock, an object under its own lock (taken while the instance
 * lock is held, as libvirt finds an object in its list and locks it), and
 * the events the call raises, sent when it is done.
 *
 * @module
 */

import type { CallContext } from "../../dispatch/context.ts";
import { handlersWith } from "../../dispatch/handlers.ts";
import { REMOTE_PROGRAM_DEF } from "../../protocol/remote.ts";
import type { SharedStore } from "../shared_store.ts";
import {
  DOMAIN_EVENT_CALLBACK_PROCS,
  DOMAIN_EVENT_LEGACY_PROCS,
  encodeEvent,
  type EventFamily,
  type Outgoing,
} from "../events.ts";
import { VirError } from "../../rpc/error.ts";
import { VIR_ERR_NO_DOMAIN, VIR_FROM_TEST } from "../../rpc/error_codes.ts";
import { uuidFromString, uuidToString } from "../../util/uuid.ts";
import type { RemoteDomain } from "../../protocol/remote_types.ts";
import type { DomainEntry, DomainObj, Entry, TestDirectory } from "./state.ts";

/** What an object operation may do besides reading the object. */
export interface ObjectAccess<E extends Entry> {
  readonly entry: E;
  readonly dir: TestDirectory;
  /** Writes the (mutated) object back. */
  save(): void;
  /** Writes the (mutated) directory back; only with `{ dir: true }`. */
  saveDir(): void;
  /** Removes the object from the instance (a transient domain stopped, an undefined one). */
  remove(): void;
}

export class TestConn {
  readonly ctx: CallContext;
  readonly store: SharedStore;
  readonly inst: number;
  readonly #out: Outgoing[] = [];

  constructor(ctx: CallContext) {
    this.ctx = ctx;
    this.store = ctx.env.store;
    this.inst = ctx.client.instance;
  }

  /** Runs `fn` with the directory under the instance lock; `save()` writes it back. */
  dir<T>(fn: (d: TestDirectory, save: () => void) => T): T {
    using _ = this.store.instanceLock(this.inst).lock();
    const d = this.store.directoryLocked<TestDirectory>(this.inst);
    try {
      return fn(d, () => this.store.setDirectoryLocked(this.inst, d));
    } catch (e) {
      // Values may have been changed in place before the failure: re-read them next time.
      this.store.forgetAll();
      throw e;
    }
  }

  /** The wire handle of a domain entry. */
  static wire(e: { name: string; uuid: string; id: number }): RemoteDomain {
    return { name: e.name, uuid: uuidFromString(e.uuid)!, id: e.id };
  }

  /**
   * Finds the domain `ref` names (by UUID, as libvirt does), locks it and runs
   * `fn`. With `{ dir: true }` the instance lock is held throughout, so the
   * directory may change; otherwise it is dropped once the object is locked.
   */
  domain<T>(
    ref: RemoteDomain,
    fn: (o: DomainObj, a: ObjectAccess<DomainEntry>) => T,
    opts: { dir?: boolean } = {},
  ): T {
    const uuid = uuidToString(ref.uuid);
    return this.object<DomainObj, DomainEntry, T>(
      (d) => d.domains,
      (d, list) => (d.domains = list),
      (e) => e.uuid === uuid,
      () =>
        VirError.of(
          VIR_ERR_NO_DOMAIN,
          VIR_FROM_TEST,
          `no domain with matching uuid '${uuid}' (${ref.name})`,
        ),
      fn,
      opts,
    );
  }

  /**
   * The generic form: finds an entry in one of the directory's lists, locks
   * its object (under the instance lock, as libvirt locks an object found in
   * its list) and runs `fn` on the object's value.
   */
  object<O, E extends Entry, T>(
    list: (d: TestDirectory) => E[],
    setList: (d: TestDirectory, l: E[]) => void,
    match: (e: E) => boolean,
    notFound: () => VirError,
    fn: (o: O, a: ObjectAccess<E>) => T,
    opts: { dir?: boolean } = {},
  ): T {
    const instLock = this.store.instanceLock(this.inst);
    instLock.lock();
    let instHeld = true;
    try {
      const dir = this.store.directoryLocked<TestDirectory>(this.inst);
      const entry = list(dir).find(match);
      if (!entry) throw notFound();
      const objLock = this.store.objectLock(entry.handle);
      objLock.lock();
      let objHeld = true;
      try {
        if (!opts.dir) {
          instLock.unlock();
          instHeld = false;
        }
        const o = this.store.readLocked<O>(entry.handle);
        let removed = false;
        const access: ObjectAccess<E> = {
          entry,
          dir,
          save: () => {
            if (!removed) this.store.writeLocked(entry.handle, o);
          },
          saveDir: () => {
            if (!instHeld) throw new Error("saveDir() needs { dir: true }");
            this.store.setDirectoryLocked(this.inst, dir);
          },
          remove: () => {
            if (!instHeld) throw new Error("remove() needs { dir: true }");
            removed = true;
            setList(dir, list(dir).filter((e) => e !== entry));
            this.store.setDirectoryLocked(this.inst, dir);
          },
        };
        let r: T;
        try {
          r = fn(o, access);
        } catch (e) {
          // Values may have been changed in place before the failure.
          this.store.forgetAll();
          throw e;
        }
        if (removed) {
          // Still under the instance lock: nobody can find the object any more.
          objLock.unlock();
          objHeld = false;
          this.store.destroyObject(entry.handle);
        }
        return r;
      } finally {
        if (objHeld) objLock.unlock();
      }
    } finally {
      if (instHeld) instLock.unlock();
    }
  }

  /** Reads every object of a list, each under its own lock (call inside `dir()`). */
  readAll<O, E extends Entry>(entries: E[]): { entry: E; obj: O }[] {
    return entries.map((entry) => {
      using _ = this.store.objectLock(entry.handle).lock();
      return { entry, obj: this.store.readLocked<O>(entry.handle) };
    });
  }

  /** Creates an object and returns its handle (call inside `dir()`, then add the entry). */
  create(value: unknown): number {
    return this.store.createObject(value);
  }

  /** Replaces the value of an object found in the directory (call inside `dir()`). */
  update<O>(handle: number, fn: (o: O) => void): O {
    using _ = this.store.objectLock(handle).lock();
    const o = this.store.readLocked<O>(handle);
    fn(o);
    this.store.writeLocked(handle, o);
    return o;
  }

  // ---- Events ---------------------------------------------------------------------------------

  /** Queues `msgOf(callbackId)` for every callback of `family`/`eventID` matching `filter`. */
  emit(
    dir: TestDirectory,
    family: EventFamily,
    eventID: number,
    filter: string,
    msgOf: (callbackID: number, legacy: boolean) => { proc: number; msg: unknown } | null,
  ): void {
    for (const cb of dir.callbacks) {
      if (cb.family !== family || cb.eventID !== eventID) continue;
      if (cb.filter !== null && cb.filter !== filter) continue;
      const m = msgOf(cb.id, cb.legacy);
      if (m) this.#out.push({ client: cb.client, gen: cb.gen, packet: encodeEvent(m.proc, m.msg) });
    }
  }

  /** A domain lifecycle event (VIR_DOMAIN_EVENT_ID_LIFECYCLE). */
  lifecycle(
    dir: TestDirectory,
    dom: { name: string; uuid: string; id: number },
    event: number,
    detail: number,
  ): void {
    const wire = TestConn.wire(dom);
    this.emit(
      dir,
      "domain",
      0,
      dom.uuid,
      (callbackID, legacy) =>
        legacy ? { proc: DOMAIN_EVENT_LEGACY_PROCS.get(0)!, msg: { dom: wire, event, detail } } : {
          proc: DOMAIN_EVENT_CALLBACK_PROCS[0]!,
          msg: { callbackID, msg: { dom: wire, event, detail } },
        },
    );
  }

  /** Sends the queued events (after every lock is released). */
  flush(): void {
    for (const o of this.#out) this.ctx.env.sendMessage(o.client, o.gen, o.packet);
    this.#out.length = 0;
  }
}

/** Registers a typed remote-procedure handler over a TestConn (its events flushed after). */
export const on = handlersWith(REMOTE_PROGRAM_DEF, (ctx) => new TestConn(ctx));
