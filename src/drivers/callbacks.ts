/**
 * Event registrations of a driver instance: callback ids come from the
 * instance, so every client of one instance (test:///default, the QEMU
 * driver) shares one numbering, as in libvirtd; a client's registrations go
 * when its connection closes. Also the domain event procedures, for any driver.
 *
 * @module
 */

import { VirError } from "../rpc/error.ts";
import { type HandlerEntry, handlersWith } from "../dispatch/handlers.ts";
import { REMOTE_PROGRAM_DEF } from "../protocol/remote.ts";
import {
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_INVALID_ARG,
  VIR_FROM_NONE,
  VIR_FROM_RPC,
} from "../rpc/error_codes.ts";
import {
  type EventCallback,
  type EventFamily,
  type EventRegistry,
  VIR_DOMAIN_EVENT_ID_LAST,
} from "./events.ts";
import type { CallContext } from "../dispatch/context.ts";
import * as P from "../protocol/remote_procedure_numbers.ts";
import { uuidToString } from "../util/uuid.ts";

/** What registration needs of a driver connection: the call, and its directory under the instance lock. */
export interface RegistryAccess {
  readonly ctx: CallContext;
  dir<T>(fn: (d: EventRegistry, save: () => void) => T): T;
}

const DUPLICATE = () =>
  VirError.of(VIR_ERR_INVALID_ARG, VIR_FROM_NONE, "event callback already tracked");

/** Registers a callback for the calling client; returns its id. */
export function register(
  c: RegistryAccess,
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

/**
 * A …_EVENT_REGISTER_ANY of an object family (network, storage pool, node
 * device, secret): libvirtd's check of the event id, in `words`, then the
 * registration; `filter` names the one object watched, or null.
 */
export function registerAny(
  c: RegistryAccess,
  family: EventFamily,
  eventID: number,
  last: number,
  words: string,
  filter: string | null,
): number {
  if (eventID < 0 || eventID >= last) {
    throw VirError.of(
      VIR_ERR_INTERNAL_ERROR,
      VIR_FROM_RPC,
      `unsupported ${words} event ID ${eventID}`,
    );
  }
  return register(c, family, eventID, filter, false);
}

export function deregister(
  c: RegistryAccess,
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

/**
 * A …_EVENT_DEREGISTER_ANY: drops this client's callback `id` of `family`,
 * or fails as libvirtd does: "`words` event callback N not registered".
 */
export function deregisterAny(
  c: RegistryAccess,
  family: EventFamily,
  id: number,
  words: string,
): void {
  deregister(
    c,
    (cb) => cb.family === family && !cb.legacy && cb.id === id,
    () =>
      VirError.of(
        VIR_ERR_INTERNAL_ERROR,
        VIR_FROM_RPC,
        `${words} event callback ${id} not registered`,
      ),
  );
}

function checkDomainEventID(id: number): void {
  if (id < 0 || id >= VIR_DOMAIN_EVENT_ID_LAST) {
    throw VirError.of(VIR_ERR_INTERNAL_ERROR, VIR_FROM_RPC, `unsupported event ID ${id}`);
  }
}

/** The domain event (de)registration procedures, over a driver's connection type. */
export function domainEventHandlers(
  connOf: (ctx: CallContext) => RegistryAccess,
): HandlerEntry[] {
  const on = handlersWith(REMOTE_PROGRAM_DEF, connOf);
  return [
    on(P.REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY, (c, a) => {
      checkDomainEventID(a.eventID);
      return {
        callbackID: register(
          c,
          "domain",
          a.eventID,
          a.dom ? uuidToString(a.dom.uuid) : null,
          false,
        ),
      };
    }),
    on(P.REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY, (c, a) => {
      deregisterAny(c, "domain", a.callbackID, "domain");
    }),
    on(P.REMOTE_PROC_CONNECT_DOMAIN_EVENT_REGISTER_ANY, (c, a) => {
      checkDomainEventID(a.eventID);
      register(c, "domain", a.eventID, null, true);
    }),
    on(P.REMOTE_PROC_CONNECT_DOMAIN_EVENT_DEREGISTER_ANY, (c, a) => {
      deregister(
        c,
        (cb) => cb.family === "domain" && cb.legacy && cb.eventID === a.eventID,
        () =>
          VirError.of(
            VIR_ERR_INTERNAL_ERROR,
            VIR_FROM_RPC,
            `domain event ${a.eventID} not registered`,
          ),
      );
    }),
    on(P.REMOTE_PROC_CONNECT_DOMAIN_EVENT_REGISTER, (c) => {
      register(c, "domain", 0, null, true);
      // libvirtd answers 0 here even on success.
      return { cb_registered: 0 };
    }),
    on(P.REMOTE_PROC_CONNECT_DOMAIN_EVENT_DEREGISTER, (c) => {
      deregister(
        c,
        (cb) => cb.family === "domain" && cb.legacy && cb.eventID === 0,
        () => VirError.of(VIR_ERR_INTERNAL_ERROR, VIR_FROM_RPC, "domain event 0 not registered"),
      );
      return { cb_registered: 0 };
    }),
  ];
}

/** Drops the calling client's registrations (its connection closes). */
export function dropClientCallbacks(c: RegistryAccess): void {
  c.dir((d, save) => {
    const before = d.callbacks.length;
    d.callbacks = d.callbacks.filter((cb) =>
      !(cb.client === c.ctx.client.index && cb.gen === c.ctx.client.gen)
    );
    if (d.callbacks.length !== before) save();
  });
}
