/**
 * What a procedure handler sees of its call (runs in a Worker): the header,
 * the procedure, and the calling client's shared record, read and changed
 * under the client lock.
 *
 * @module
 */

import type { Header } from "../rpc/header.ts";
import type { Procedure } from "../protocol/program.ts";
import { C_DRIVER, C_FLAGS, C_ID, C_INSTANCE, C_SERVICE } from "../pool/layout.ts";
import type { SharedStore } from "../drivers/shared_store.ts";
import type { ControlRequest } from "../server/control.ts";
import type { SharedMemory } from "../pool/shared.ts";
import type { IoRequest } from "../pool/io.ts";

/** A worker's handle on the client record of the call it runs. */
export class ClientView {
  readonly #mem: SharedMemory;
  readonly index: number;
  /** The record's generation when the call arrived (events are addressed by index + generation). */
  readonly gen: number;
  readonly #base: number;

  constructor(mem: SharedMemory, index: number, gen: number) {
    this.#mem = mem;
    this.index = index;
    this.gen = gen;
    this.#base = mem.client(index);
  }

  get id(): number {
    return Atomics.load(this.#mem.ctl, this.#base + C_ID);
  }

  get service(): number {
    return Atomics.load(this.#mem.ctl, this.#base + C_SERVICE);
  }

  /** The client's CF_* flags (a snapshot; change them with `updateFlags`). */
  get flags(): number {
    return Atomics.load(this.#mem.ctl, this.#base + C_FLAGS);
  }

  get driver(): number {
    return Atomics.load(this.#mem.ctl, this.#base + C_DRIVER);
  }

  /** The driver instance of the open connection (0: none). */
  get instance(): number {
    return Atomics.load(this.#mem.ctl, this.#base + C_INSTANCE);
  }

  /** Sets and clears flags and, if given, the driver and instance, under the client lock. */
  update(set: number, clear: number, driver?: number, instance?: number): void {
    using _ = this.#mem.clientLock(this.index).lock();
    const ctl = this.#mem.ctl;
    const f = Atomics.load(ctl, this.#base + C_FLAGS);
    Atomics.store(ctl, this.#base + C_FLAGS, (f & ~clear) | set);
    if (driver !== undefined) Atomics.store(ctl, this.#base + C_DRIVER, driver);
    if (instance !== undefined) Atomics.store(ctl, this.#base + C_INSTANCE, instance);
  }
}

/** What a Worker lends every call: the drivers' shared store and a way to send events. */
export interface WorkerEnv {
  readonly store: SharedStore;
  /** Queues a MESSAGE packet (an event) for client `index` of generation `gen`. */
  sendMessage(index: number, gen: number, packet: Uint8Array): void;
  /** Asks the event loop to do what only it may (admin program: resize, disconnect, logging). */
  control(req: ControlRequest): void;
  /**
   * Has the event loop do I/O for this call (src/pool/io.ts) and waits for
   * its answer; throws the VirError the event loop answered with.
   */
  io(req: IoRequest): unknown;
}

export interface CallContext {
  readonly header: Header;
  readonly procedure: Procedure;
  readonly client: ClientView;
  readonly env: WorkerEnv;
  /** Ask the event loop to close the connection once this call's reply is written. */
  closeAfterReply(): void;
  /**
   * Sends `data` to the client as the call's stream (a `@readstream`
   * procedure such as DOMAIN_SCREENSHOT): STREAM packets after the reply.
   */
  streamOut(data: Uint8Array): void;
}

/** A procedure's implementation: takes the decoded arguments, returns the result. */
// deno-lint-ignore no-explicit-any
export type Handler = (ctx: CallContext, args: any) => unknown;
