// The interface between the remote program and a hypervisor driver. Every
// Worker loads the same drivers; a client's open connection is named by the
// driver's id in its shared client record, so any Worker can serve it.

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
}

/** The drivers a Worker can open connections on, by id. */
export class DriverRegistry {
  readonly #byId = new Map<number, Driver>();

  add(d: Driver): void {
    if (d.id <= 0 || this.#byId.has(d.id)) {
      throw new RangeError(`Cannot register driver ${d.name}: id ${d.id} is taken or invalid`);
    }
    this.#byId.set(d.id, d);
  }

  get(id: number): Driver | undefined {
    return this.#byId.get(id);
  }

  find(uri: string): Driver | undefined {
    for (const d of this.#byId.values()) if (d.accepts(uri)) return d;
    return undefined;
  }

  get size(): number {
    return this.#byId.size;
  }
}
