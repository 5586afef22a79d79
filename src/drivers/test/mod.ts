/**
 * libvirt's "test" driver for denovirt: `test:///default`, one state
 * shared by every client and rebuilt pristine when the last one leaves.
 * Loaded by every Worker (see BUILTIN_MODULES in src/pool/worker.ts).
 *
 * @module
 */

import type { CallContext, Handler } from "../../dispatch/context.ts";
import type { Driver } from "../driver.ts";
import { acceptsTestUri, TEST_DRIVER_ID } from "../builtin.ts";
import type { WorkerExtension } from "../../pool/worker.ts";
import { VirError } from "../../rpc/error.ts";
import { VIR_ERR_INVALID_ARG, VIR_FROM_TEST } from "../../rpc/error_codes.ts";
import { TestConn } from "./conn.ts";
import { loadNodeFile } from "./node_file.ts";
import { domainEventHandlers, dropClientCallbacks } from "../callbacks.ts";
import { defaultDomainObj, domainHandlers } from "./domain.ts";
import { snapshotHandlers } from "./snapshot.ts";
import { checkpointHandlers } from "./checkpoint.ts";
import { saveHandlers } from "./save.ts";
import { tuneHandlers } from "./tune.ts";
import { statsHandlers } from "./stats.ts";
import { vcpuHandlers } from "./vcpu.ts";
import { metadataHandlers } from "./metadata.ts";
import { miscHandlers } from "./domain_misc.ts";
import { connectHandlers } from "./connect.ts";
import type { DomainEntry, TestDirectory, TestFamily } from "./state.ts";
import { networkFamily } from "./network.ts";
import { interfaceFamily } from "./interface.ts";
import { storageFamily } from "./storage.ts";
import { nodedevFamily } from "./nodedev.ts";
import { defaultTestDomain } from "./defaults.ts";

/** The object families beyond domains, each in its own module. */
const FAMILIES: TestFamily[] = [networkFamily, interfaceFamily, storageFamily, nodedevFamily];

/** The test driver's id in client records. */
export { TEST_DRIVER_ID };
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

const eventHandlers = domainEventHandlers((ctx) => new TestConn(ctx));

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
  accepts: acceptsTestUri,
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
    dropClientCallbacks(c);
    if (c.store.closeInstance(c.inst)) destroyInstance(c);
  },
  handlers: new Map<number, Handler>([
    ...connectHandlers,
    ...domainHandlers,
    ...snapshotHandlers,
    ...checkpointHandlers,
    ...saveHandlers,
    ...tuneHandlers,
    ...statsHandlers,
    ...vcpuHandlers,
    ...metadataHandlers,
    ...miscHandlers,
    ...eventHandlers,
    ...FAMILIES.flatMap((f) => f.handlers),
  ]),
};

/** Worker extension hook: registers the driver. */
export function setup(ext: WorkerExtension): void {
  ext.drivers.add(testDriver);
}
