/**
 * What a Worker serves: the remote and admin programs, the drivers denovirt
 * ships (as stubs loaded by their first call) and the extension modules.
 * A Worker imports this module when its first job arrives, not at start:
 * the program tables and the dispatch code cost each isolate about 6 MB,
 * and most of the pool's isolates (priority and admin Workers, normal ones
 * beyond the warmest) never run a call in a daemon's usual day.
 *
 * @module
 */

import { dispatchCall, type DispatchResult, type ProgramService } from "./dispatch.ts";
import { remoteService } from "./remote.ts";
import { adminService } from "./admin.ts";
import type { ClientView } from "./context.ts";
import { DriverRegistry } from "../drivers/driver.ts";
import { BUILTIN_MODULES } from "../drivers/builtin.ts";
import type { WorkerExtension, WorkerShared, WorkerStart } from "../pool/worker.ts";

/** Runs one call (the packet, length word included) for a client. */
export type Dispatcher = (packet: Uint8Array, client: ClientView) => Promise<DispatchResult>;

/** Builds the Worker's programs and drivers, loading the extension modules. */
export async function loadDispatcher(
  start: WorkerStart,
  shared: WorkerShared,
): Promise<Dispatcher> {
  const drivers = new DriverRegistry();
  const services = new Map<number, ProgramService>();
  const remote = remoteService(drivers);
  services.set(remote.program.prog, remote);
  const admin = adminService(start.buffers.servers, start.buffers.settings, shared.env.control);
  services.set(admin.program.prog, admin);
  const ext: WorkerExtension = { drivers, services, shared };
  const setup = async (url: string) => (await import(url)).setup?.(ext);
  // The drivers denovirt ships are loaded when a call first needs one.
  for (const m of BUILTIN_MODULES) {
    let loading: Promise<void> | null = null;
    const load = () => loading ??= setup(m.url);
    for (const d of m.drivers) drivers.addStub({ ...d, load });
    for (const program of m.programs) {
      services.set(program.prog, { program, ready: load, handler: () => undefined });
    }
  }
  // Extension modules (tests add programs and drivers) are loaded at once.
  for (const url of start.modules) await setup(url);
  return (packet, client) => dispatchCall(packet, client, services, shared.env);
}
