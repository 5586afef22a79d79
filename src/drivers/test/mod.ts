// libvirt's "test" driver for denovirt: `test:///default`, one state
// shared by every client and rebuilt pristine when the last one leaves.
// Loaded by every Worker (see BUILTIN_MODULES in src/pool/worker.ts).

import type { CallContext, Handler } from "../../dispatch/context.ts";
import type { Driver } from "../driver.ts";
import type { WorkerExtension } from "../../pool/worker.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_INVALID_ARG,
  VIR_FROM_RPC,
  VIR_FROM_TEST,
} from "../../rpc/error_codes.ts";
import { uuidToString } from "../../conf/uuid.ts";
import { defaultTestDomain } from "../../conf/domain_xml.ts";
import { VIR_DOMAIN_EVENT_ID_LAST } from "../events.ts";
import { TestConn } from "./conn.ts";
import { loadNodeFile } from "./node_file.ts";
import { deregister, register } from "./callbacks.ts";
import { defaultDomainObj, domainHandlers } from "./domain.ts";
import { domainExtraHandlers } from "./domain_extra.ts";
import { connectHandlers } from "./connect.ts";
import type { DomainEntry, TestDirectory, TestFamily } from "./state.ts";
import { networkFamily } from "./network.ts";
import { interfaceFamily } from "./interface.ts";
import { storageFamily } from "./storage.ts";
import { nodedevFamily } from "./nodedev.ts";

/** The object families beyond domains, each in its own module. */
const FAMILIES: TestFamily[] = [networkFamily, interfaceFamily, storageFamily, nodedevFamily];

/** The test driver's id in client records. */
export const TEST_DRIVER_ID = 1;
export const TEST_DEFAULT_URI = "test:///default";

/** Builds the pristine state of test:///default (testOpenDefault). */
function defaultDirectory(c: { createObject(v: unknown): number }): TestDirectory {
  const d = pristineDomains(c);
  for (const f of FAMILIES) f.populate(d, (v) => c.createObject(v));
  return d;
}

function pristineDomains(c: { createObject(v: unknown): number }): TestDirectory {
  const def = defaultTestDomain();
  const dom: DomainEntry = {
    name: def.name,
    uuid: def.uuid,
    handle: c.createObject(defaultDomainObj(def)),
    id: 1,
    active: true,
    persistent: true,
  };
  return {
    uri: TEST_DEFAULT_URI,
    // `test` took id 1.
    nextDomId: 2,
    domains: [dom],
    networks: [],
    interfaces: [],
    pools: [],
    nodedevs: [],
    ifaceTransaction: null,
    callbacks: [],
    nextCallbackId: 0,
  };
}

function eventHandler<A>(fn: (c: TestConn, a: A) => unknown): Handler {
  return (ctx, a: A) => fn(new TestConn(ctx), a);
}

function checkDomainEventID(id: number): void {
  if (id < 0 || id >= VIR_DOMAIN_EVENT_ID_LAST) {
    throw VirError.of(VIR_ERR_INTERNAL_ERROR, VIR_FROM_RPC, `unsupported event ID ${id}`);
  }
}

const eventHandlers: [number, Handler][] = [
  [
    P.REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY,
    eventHandler((c, a: { eventID: number; dom: { uuid: Uint8Array } | null }) => {
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
  ],
  [
    P.REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY,
    eventHandler((c, a: { callbackID: number }) => {
      deregister(
        c,
        (cb) => cb.family === "domain" && !cb.legacy && cb.id === a.callbackID,
        () =>
          VirError.of(
            VIR_ERR_INTERNAL_ERROR,
            VIR_FROM_RPC,
            `domain event callback ${a.callbackID} not registered`,
          ),
      );
    }),
  ],
  [
    P.REMOTE_PROC_CONNECT_DOMAIN_EVENT_REGISTER_ANY,
    eventHandler((c, a: { eventID: number }) => {
      checkDomainEventID(a.eventID);
      register(c, "domain", a.eventID, null, true);
    }),
  ],
  [
    P.REMOTE_PROC_CONNECT_DOMAIN_EVENT_DEREGISTER_ANY,
    eventHandler((c, a: { eventID: number }) => {
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
  ],
  [
    P.REMOTE_PROC_CONNECT_DOMAIN_EVENT_REGISTER,
    eventHandler((c) => {
      register(c, "domain", 0, null, true);
      // libvirtd answers 0 here even on success.
      return { cb_registered: 0 };
    }),
  ],
  [
    P.REMOTE_PROC_CONNECT_DOMAIN_EVENT_DEREGISTER,
    eventHandler((c) => {
      deregister(
        c,
        (cb) => cb.family === "domain" && cb.legacy && cb.eventID === 0,
        () => VirError.of(VIR_ERR_INTERNAL_ERROR, VIR_FROM_RPC, "domain event 0 not registered"),
      );
      return { cb_registered: 0 };
    }),
  ],
];

/** Frees every object of a dying instance. Caller holds no lock. */
function destroyInstance(c: TestConn): void {
  c.dir((d) => {
    for (const list of [d.domains, d.networks, d.interfaces, d.pools, d.nodedevs]) {
      for (const e of list) c.store.destroyObject(e.handle);
    }
  });
  c.store.releaseInstance(c.inst);
}

export const testDriver: Driver = {
  id: TEST_DRIVER_ID,
  name: "test",
  accepts(uri: string): boolean {
    return /^test:\/\//.test(uri);
  },
  open(ctx: CallContext, uri: string): number {
    const path = uri.replace(/^test:\/\//, "").replace(/\?.*$/, "");
    if (path !== "/default") {
      // test:///ABSOLUTE_PATH: a node file, private to this connection.
      if (path === "" || path === "/") {
        throw VirError.of(
          VIR_ERR_INVALID_ARG,
          VIR_FROM_TEST,
          "testOpen: supply a path or use test:///default",
        );
      }
      const build = loadNodeFile(path, uri);
      const key = `${path}#${crypto.randomUUID()}`;
      return ctx.env.store.openInstance(
        TEST_DRIVER_ID,
        key,
        false,
        () => build((v) => ctx.env.store.createObject(v)),
      )
        .index;
    }
    const { index } = ctx.env.store.openInstance(
      TEST_DRIVER_ID,
      "default",
      true,
      () => defaultDirectory(ctx.env.store),
    );
    return index;
  },
  close(ctx: CallContext): void {
    const c = new TestConn(ctx);
    // The client's event registrations go with its connection.
    c.dir((d, save) => {
      const before = d.callbacks.length;
      d.callbacks = d.callbacks.filter((cb) =>
        !(cb.client === ctx.client.index && cb.gen === ctx.client.gen)
      );
      if (d.callbacks.length !== before) save();
    });
    if (c.store.closeInstance(c.inst)) destroyInstance(c);
  },
  handlers: new Map<number, Handler>([
    ...connectHandlers,
    ...domainHandlers,
    ...domainExtraHandlers,
    ...eventHandlers,
    ...FAMILIES.flatMap((f) => f.handlers),
  ]),
};

/** Worker extension hook: registers the driver. */
export function setup(ext: WorkerExtension): void {
  ext.drivers.add(testDriver);
}
