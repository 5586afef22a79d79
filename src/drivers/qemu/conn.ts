/**
 * One call's access to the QEMU driver (runs in a Worker): the directory
 * under the instance lock, a domain object under its own lock (found under
 * the instance lock, as libvirt finds an object in its list and locks it),
 * the domain's job for long operations, the event loop's I/O, and the events
 * the call raises, sent once every lock is released.
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
  FAMILY_EVENT_PROCS,
  type Outgoing,
} from "../events.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_NO_DOMAIN,
  VIR_ERR_OPERATION_TIMEOUT,
  VIR_FROM_QEMU,
} from "../../rpc/error_codes.ts";
import { uuidFromString, uuidToString } from "../../util/uuid.ts";
import type { RemoteDomain } from "../../protocol/remote_types.ts";
import type { RegistryAccess } from "../callbacks.ts";
import type { SecretDef } from "../../conf/secret_xml.ts";
import { wireSecret } from "../secret/driver.ts";
import { VIR_SECRET_EVENT_ID_LIFECYCLE } from "../secret/state.ts";
import type { DomainJob, QemuDirectory, QemuDomainEntry, QemuDomainObj } from "./state.ts";

/** A short sleep on a private word (Workers may block). */
export function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export class QemuConn implements RegistryAccess {
  readonly ctx: CallContext;
  readonly store: SharedStore;
  readonly inst: number;
  /** The directory while this call holds the instance lock (inside dir()). */
  #held: QemuDirectory | null = null;
  readonly #events: {
    dom: { name: string; uuid: string; id: number };
    eventID: number;
    msg: Record<string, unknown>;
    flat: boolean;
  }[] = [];
  readonly #netEvents: { net: { name: string; uuid: string }; event: number }[] = [];
  readonly #secretEvents: { def: SecretDef; eventID: number; event: number }[] = [];

  constructor(ctx: CallContext, inst = ctx.client.instance) {
    this.ctx = ctx;
    this.store = ctx.env.store;
    this.inst = inst;
  }

  /** Runs `fn` with the directory under the instance lock; `save()` writes it back. */
  dir<T>(fn: (d: QemuDirectory, save: () => void) => T): T {
    using _ = this.store.instanceLock(this.inst).lock();
    const d = this.store.directoryLocked<QemuDirectory>(this.inst);
    this.#held = d;
    try {
      return fn(d, () => this.store.setDirectoryLocked(this.inst, d));
    } catch (e) {
      this.store.forgetAll();
      throw e;
    } finally {
      this.#held = null;
    }
  }

  static wire(e: { name: string; uuid: string; id: number }): RemoteDomain {
    return { name: e.name, uuid: uuidFromString(e.uuid)!, id: e.id };
  }

  /** The entry of the domain `ref` names (by UUID), or libvirt's "no domain" error. */
  entry(ref: RemoteDomain): QemuDomainEntry {
    const uuid = uuidToString(ref.uuid);
    return this.dir((d) => {
      const e = d.domains.find((x) => x.uuid === uuid);
      if (!e) {
        throw VirError.of(
          VIR_ERR_NO_DOMAIN,
          VIR_FROM_QEMU,
          `no domain with matching uuid '${uuid}' (${ref.name})`,
        );
      }
      return { ...e };
    });
  }

  /**
   * Runs `fn` on the domain object under its lock; `save()` writes it back
   * and refreshes the directory entry (id, active, persistent).
   */
  withObj<T>(entry: QemuDomainEntry, fn: (o: QemuDomainObj, save: () => void) => T): T {
    using _ = this.#lockObj(entry);
    const o = this.store.readLocked<QemuDomainObj>(entry.handle);
    try {
      return fn(o, () => this.store.writeLocked(entry.handle, o));
    } catch (e) {
      this.store.forgetAll();
      throw e;
    }
  }

  /**
   * Takes the domain object's lock without reading its value (a job's begin
   * and end need only the lock: a value not in this Worker's cache would be
   * decoded for nothing).
   */
  #lockObj(entry: QemuDomainEntry): Disposable {
    // The object is found in the directory under the instance lock before its
    // own lock is taken (objects are freed only under the instance lock), so a
    // stopped transient or undefined domain's freed memory is never touched.
    // Inside dir() the instance lock is already this call's.
    const instLock = this.#held ? null : this.store.instanceLock(this.inst);
    instLock?.lock();
    try {
      const d = this.#held ?? this.store.directoryLocked<QemuDirectory>(this.inst);
      if (!d.domains.some((e) => e.handle === entry.handle && e.uuid === entry.uuid)) {
        throw VirError.of(
          VIR_ERR_NO_DOMAIN,
          VIR_FROM_QEMU,
          `no domain with matching uuid '${entry.uuid}' (${entry.name})`,
        );
      }
      return this.store.objectLock(entry.handle).lock();
    } finally {
      instLock?.unlock();
    }
  }

  /** Mirrors an object's id/active/persistent into its directory entry. Takes the instance lock. */
  syncEntry(entry: QemuDomainEntry, o: QemuDomainObj): void {
    this.dir((d, save) => {
      const e = d.domains.find((x) => x.handle === entry.handle);
      if (!e) return;
      e.id = o.id;
      e.active = o.pid !== 0;
      e.persistent = o.persistent;
      save();
    });
  }

  /**
   * Takes the domain's job (libvirt's state change lock) for `owner`, waiting
   * up to the configured time while another call holds it. A job whose holder
   * thread is this one (a nested call) or has been released is free.
   */
  beginJob(entry: QemuDomainEntry, owner: string): void {
    const waitMs = this.dir((d) => d.jobWaitMs);
    const deadline = Date.now() + waitMs;
    const me = this.store.threadId;
    for (;;) {
      const held = this.#tryJob(entry, owner, me);
      if (held === null) return;
      if (Date.now() >= deadline) {
        throw VirError.of(
          VIR_ERR_OPERATION_TIMEOUT,
          VIR_FROM_QEMU,
          `cannot acquire state change lock (held by monitor=${held})`,
        );
      }
      pause(20);
    }
  }

  /** Takes the job if it is free; else returns its holder's name. */
  #tryJob(entry: QemuDomainEntry, owner: string, me: number): string | null {
    using _ = this.#lockObj(entry);
    // A job whose holder died (its thread id's death count moved on) is free.
    const job = this.store.jobLocked<DomainJob>(entry.handle);
    const orphaned = job !== null && this.store.deaths(job.thread) !== job.deaths;
    if (job && job.thread !== me && !orphaned) return job.owner;
    const mine: DomainJob = { owner, thread: me, deaths: this.store.deaths(me), since: Date.now() };
    this.store.setJobLocked(entry.handle, mine);
    return null;
  }

  endJob(entry: QemuDomainEntry): void {
    try {
      using _ = this.#lockObj(entry);
      this.store.setJobLocked(entry.handle, null);
    } catch {
      // The domain is gone (undefined while stopping): nothing to release.
    }
  }

  /** The domain's job, or null when none is held. Caller holds the object's lock (in withObj). */
  jobLocked(entry: QemuDomainEntry): DomainJob | null {
    return this.store.jobLocked<DomainJob>(entry.handle);
  }

  /** Runs `fn` holding the domain's job; events go out after it is released. */
  job<T>(ref: RemoteDomain, owner: string, fn: (entry: QemuDomainEntry) => T): T {
    const entry = this.entry(ref);
    this.beginJob(entry, owner);
    try {
      return fn(entry);
    } finally {
      this.endJob(entry);
    }
  }

  /** Asks the event loop for I/O (src/drivers/qemu/host.ts) and waits for the answer. */
  io(op: string, args: Record<string, unknown>): unknown {
    return this.ctx.env.io({ op, ...args });
  }

  /**
   * Asks the event loop to open a stream it serves for this call (a console,
   * a volume transfer): the client, and the call's header its STREAM packets carry.
   */
  ioStream(op: string, args: Record<string, unknown>): unknown {
    const hd = this.ctx.header;
    return this.io(op, {
      client: this.ctx.client.index,
      gen: this.ctx.client.gen,
      header: {
        prog: hd.prog,
        vers: hd.vers,
        proc: hd.proc,
        type: hd.type,
        serial: hd.serial,
        status: 0,
      },
      ...args,
    });
  }

  // ---- Events ---------------------------------------------------------------------------------

  /**
   * Queues a domain event of `eventID` (`msg` without the callback id). The
   * callbacks it goes to are looked up when the events are sent, after every
   * lock is released, so a caller may hold any lock here.
   */
  /**
   * Queues a domain event. `flat`: the callback message carries the domain
   * beside callbackID rather than in a nested msg (the events added since
   * libvirt 1.2.x, which have no legacy form).
   */
  emitDomain(
    dom: { name: string; uuid: string; id: number },
    eventID: number,
    msg: Record<string, unknown>,
    flat = false,
  ): void {
    this.#events.push({
      dom: { name: dom.name, uuid: dom.uuid, id: dom.id },
      eventID,
      msg,
      flat,
    });
  }

  lifecycle(dom: { name: string; uuid: string; id: number }, event: number, detail: number): void {
    this.emitDomain(dom, 0, { event, detail });
  }

  /** Queues a network lifecycle event (detail 0), as the network driver raises them. */
  emitNetwork(net: { name: string; uuid: string }, event: number): void {
    this.#netEvents.push({ net: { name: net.name, uuid: net.uuid }, event });
  }

  /** Queues a secret event: lifecycle (`event`: defined, undefined; detail 0) or value changed. */
  emitSecret(def: SecretDef, eventID: number, event: number): void {
    this.#secretEvents.push({ def: { ...def }, eventID, event });
  }

  /** Sends the queued events to every registered callback (call with no lock held). */
  flush(): void {
    if (
      this.#events.length === 0 && this.#netEvents.length === 0 && this.#secretEvents.length === 0
    ) return;
    const callbacks = this.dir((d) => d.callbacks);
    const out: Outgoing[] = [];
    for (const { dom, eventID, msg, flat } of this.#events.splice(0)) {
      const wire = QemuConn.wire(dom);
      for (const cb of callbacks) {
        if (cb.family !== "domain" || cb.eventID !== eventID) continue;
        if (cb.filter !== null && cb.filter !== dom.uuid) continue;
        const proc = cb.legacy
          ? DOMAIN_EVENT_LEGACY_PROCS.get(eventID)
          : DOMAIN_EVENT_CALLBACK_PROCS[eventID];
        if (proc === undefined) continue;
        if (cb.legacy && flat) continue;
        const body = cb.legacy
          ? { dom: wire, ...msg }
          : flat
          ? { callbackID: cb.id, dom: wire, ...msg }
          : { callbackID: cb.id, msg: { dom: wire, ...msg } };
        out.push({ client: cb.client, gen: cb.gen, packet: encodeEvent(proc, body) });
      }
    }
    for (const { net, event } of this.#netEvents.splice(0)) {
      const wire = { name: net.name, uuid: uuidFromString(net.uuid)! };
      for (const cb of callbacks) {
        if (cb.family !== "network" || cb.eventID !== 0) continue;
        if (cb.filter !== null && cb.filter !== net.uuid) continue;
        const msg = { callbackID: cb.id, net: wire, event, detail: 0 };
        out.push({
          client: cb.client,
          gen: cb.gen,
          packet: encodeEvent(FAMILY_EVENT_PROCS.network[0]!, msg),
        });
      }
    }
    for (const { def, eventID, event } of this.#secretEvents.splice(0)) {
      const secret = wireSecret(def);
      for (const cb of callbacks) {
        if (cb.family !== "secret" || cb.eventID !== eventID) continue;
        if (cb.filter !== null && cb.filter !== def.uuid) continue;
        const msg = eventID === VIR_SECRET_EVENT_ID_LIFECYCLE
          ? { callbackID: cb.id, secret, event, detail: 0 }
          : { callbackID: cb.id, secret };
        out.push({
          client: cb.client,
          gen: cb.gen,
          packet: encodeEvent(FAMILY_EVENT_PROCS.secret[eventID]!, msg),
        });
      }
    }
    for (const o of out) this.ctx.env.sendMessage(o.client, o.gen, o.packet);
  }
}

export function internalError(detail: string): VirError {
  return VirError.of(VIR_ERR_INTERNAL_ERROR, VIR_FROM_QEMU, detail);
}

/** Registers a typed remote-procedure handler over a QemuConn (its events sent after). */
export const on = handlersWith(REMOTE_PROGRAM_DEF, (ctx) => new QemuConn(ctx));
