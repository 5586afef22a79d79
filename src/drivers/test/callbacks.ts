// Event registrations of a test-driver instance: callback ids come from the
// instance, so every client of test:///default shares one numbering, as in
// libvirtd; a client's registrations go when its connection closes.

import { VirError } from "../../rpc/error.ts";
import { VIR_ERR_INVALID_ARG, VIR_FROM_NONE } from "../../rpc/error_codes.ts";
import type { EventCallback, EventFamily } from "../events.ts";
import type { TestConn } from "./conn.ts";

const DUPLICATE = () =>
  VirError.of(VIR_ERR_INVALID_ARG, VIR_FROM_NONE, "event callback already tracked");

/** Registers a callback for the calling client; returns its id. */
export function register(
  c: TestConn,
  family: EventFamily,
  eventID: number,
  filter: string | null,
  legacy: boolean,
): number {
  return c.dir((d, save) => {
    const me = c.ctx.client;
    const dup = d.callbacks.some((cb) =>
      cb.client === me.index && cb.gen === me.gen && cb.family === family &&
      cb.eventID === eventID &&
      cb.filter === filter && cb.legacy === legacy
    );
    if (dup) throw DUPLICATE();
    const cb: EventCallback = {
      id: d.nextCallbackId++,
      family,
      eventID,
      client: me.index,
      gen: me.gen,
      filter,
      legacy,
    };
    d.callbacks.push(cb);
    save();
    return cb.id;
  });
}

export function deregister(
  c: TestConn,
  match: (cb: EventCallback) => boolean,
  missing: () => VirError,
): void {
  c.dir((d, save) => {
    const me = c.ctx.client;
    const i = d.callbacks.findIndex((cb) =>
      cb.client === me.index && cb.gen === me.gen && match(cb)
    );
    if (i < 0) throw missing();
    d.callbacks.splice(i, 1);
    save();
  });
}
