/**
 * The interface between the remote program and a hypervisor driver. Every
 * Worker loads the same drivers; a client's open connection is named by the
 * driver's id in its shared client record, so any Worker can serve it.
 *
 * @module
 */

import type { CallContext, Handler } from "../dispatch/context.ts";

export interface Driver {
  /** Stored in the client record (C_DRIVER); 0 means "no connection". */
  readonly id: number;
  readonly name: string;
  /** Whether this driver serves the URI (`test:///default`, `qemu:///system`, …). */
  accepts(uri: string): boolean;
  /**
   * Opens a connection for the calling client and returns the driver
   * instance (shared state) it uses; throws a VirError to refuse.
   */
  open(ctx: CallContext, uri: string, flags: number): number | Promise<number>;
  /** Closes the calling client's connection (CONNECT_CLOSE or disconnect). */
  close(ctx: CallContext): void | Promise<void>;
  /** The remote procedures this driver implements, by procedure number. */
  readonly handlers: ReadonlyMap<number, Handler>;
  /**
   * virDrvFeatures this driver supports beyond the remote program's own
   * (CONNECT_SUPPORTS_FEATURE answers 1 for them on its connections).
   */
  readonly features?: ReadonlySet<number>;
}

/** A driver not loaded yet: its id, the URIs it opens, and how to load it. */
export interface DriverStub {
  readonly id: number;
  accepts(uri: string): boolean;
  /** Loads the driver's module, which registers the driver (see src/drivers/builtin.ts). */
  load(): Promise<void>;
}

/** The drivers a Worker can open connections on, by id, loaded or to be loaded on first use. */
export class DriverRegistry {
  readonly #byId = new Map<number, Driver>();
  readonly #stubs = new Map<number, DriverStub>();

  add(d: Driver): void {
    if (d.id <= 0 || this.#byId.has(d.id)) {
      throw new RangeError(`Cannot register driver ${d.name}: id ${d.id} is taken or invalid`);
    }
    this.#byId.set(d.id, d);
    this.#stubs.delete(d.id);
  }

  /** Registers a driver whose module is loaded the first time a call needs it. */
  addStub(s: DriverStub): void {
    if (!this.#byId.has(s.id)) this.#stubs.set(s.id, s);
  }

  /** The loaded driver of this id (see `need` to load it). */
  get(id: number): Driver | undefined {
    return this.#byId.get(id);
  }

  /** The driver of this id, its module loaded first if need be. */
  async need(id: number): Promise<Driver | undefined> {
    const stub = this.#stubs.get(id);
    if (stub) await stub.load();
    return this.#byId.get(id);
  }

  /** The driver that opens `uri`, its module loaded first if need be. */
  async find(uri: string): Promise<Driver | undefined> {
    for (const d of this.#byId.values()) if (d.accepts(uri)) return d;
    for (const s of this.#stubs.values()) if (s.accepts(uri)) return await this.need(s.id);
    return undefined;
  }

  get size(): number {
    return this.#byId.size;
  }
}
