// The daemon's server: its three Unix-socket services, the clients they
// accept (up to max_clients), and the Worker pool their calls go to.
// libvirtd's virNetServer + virNetServerService.

import type { LogLevel } from "@logtape/logtape";
import type { DaemonConfig } from "../conf/config.ts";
import { listenUnix } from "../transport/unix.ts";
import { WorkerPool } from "../pool/pool.ts";
import {
  C_CONN_TIME,
  C_DRIVER,
  C_FLAGS,
  C_ID,
  C_REFS,
  C_SERVICE,
  CF_CONN_OPEN,
  CF_READONLY,
  MAIL_CLOSE_AFTER,
  MAIL_DROPPED,
  MAIL_MESSAGE,
  MAIL_REPLY,
  MAIL_STREAM,
  MAIL_STREAM_END,
  S_NEXT_CLIENT_ID,
  SERVICE_ADMIN,
  SERVICE_RO,
  SERVICE_RW,
} from "../pool/layout.ts";
import type { MailRecord } from "../pool/mailbox.ts";
import { Client, type ClientHost } from "./client.ts";
import type { Program } from "../protocol/program.ts";
import { REMOTE_PROGRAM_DEF } from "../protocol/remote.ts";
import { ADMIN_PROGRAM_DEF } from "../protocol/admin.ts";
import { log } from "../log.ts";
import { encodePacket } from "../rpc/header.ts";
import {
  REMOTE_PROGRAM,
  REMOTE_PROTOCOL_VERSION,
  VIR_NET_CALL,
  VIR_NET_OK,
} from "../rpc/constants.ts";
import { REMOTE_PROC_CONNECT_CLOSE } from "../protocol/remote_procedure_numbers.ts";

const logger = log("server");

/** The call a Worker runs to close a disconnected client's driver connection. */
const CONNECT_CLOSE_CALL = encodePacket({
  prog: REMOTE_PROGRAM,
  vers: REMOTE_PROTOCOL_VERSION,
  proc: REMOTE_PROC_CONNECT_CLOSE,
  type: VIR_NET_CALL,
  serial: 0,
  status: VIR_NET_OK,
});

export interface ServerOptions {
  config: DaemonConfig;
  /** Extension modules the Workers load (drivers; tests add test-only programs). */
  modules?: string[];
  /** Programs served on the rw and ro sockets besides the remote program (tests). */
  extraPrograms?: Program[];
  /** Check every lock acquisition against the lock order. */
  lockCheck?: boolean;
  logLevel?: LogLevel;
}

interface Service {
  name: string;
  path: string;
  kind: number;
  readonly: boolean;
  programs: ReadonlyMap<number, Program>;
  listener: Deno.UnixListener;
}

/** A running daemon: its sockets, clients and pool. */
export class Server implements ClientHost {
  readonly config: DaemonConfig;
  readonly pool: WorkerPool;
  readonly #services: Service[] = [];
  readonly #clients: (Client | null)[];
  #count = 0;
  #slotFree: (() => void) | null = null;
  #stopping = false;
  readonly #acceptLoops: Promise<void>[] = [];

  private constructor(opts: ServerOptions) {
    this.config = opts.config;
    const c = opts.config;
    const clients = c.max_clients * 2;
    this.pool = new WorkerPool({
      minWorkers: c.min_workers,
      maxWorkers: c.max_workers,
      prioWorkers: c.prio_workers,
      capacity: {
        clients,
        jobs: clients * c.max_client_requests,
        workers: Math.max(c.max_workers + c.prio_workers, 64),
      },
      modules: opts.modules ?? [],
      lockCheck: opts.lockCheck ?? false,
      logLevel: opts.logLevel ?? "warning",
    });
    this.#clients = new Array(clients).fill(null);
    this.pool.onRecord = (r) => this.#onRecord(r);
  }

  /** Starts the pool and listens on the three sockets of the run directory. */
  static async start(opts: ServerOptions): Promise<Server> {
    const s = new Server(opts);
    const c = opts.config;
    await Deno.mkdir(c.unix_sock_dir, { recursive: true, mode: 0o755 });
    const remote = new Map<number, Program>([[REMOTE_PROGRAM_DEF.prog, REMOTE_PROGRAM_DEF]]);
    for (const p of opts.extraPrograms ?? []) remote.set(p.prog, p);
    const admin = new Map<number, Program>([[ADMIN_PROGRAM_DEF.prog, ADMIN_PROGRAM_DEF]]);
    const specs = [
      {
        name: "rw",
        file: "libvirt-sock",
        mode: c.unix_sock_rw_perms,
        kind: SERVICE_RW,
        ro: false,
        programs: remote,
      },
      {
        name: "ro",
        file: "libvirt-sock-ro",
        mode: c.unix_sock_ro_perms,
        kind: SERVICE_RO,
        ro: true,
        programs: remote,
      },
      {
        name: "admin",
        file: "libvirt-admin-sock",
        mode: c.unix_sock_admin_perms,
        kind: SERVICE_ADMIN,
        ro: false,
        programs: admin,
      },
    ];
    try {
      for (const sp of specs) {
        const path = `${c.unix_sock_dir}/${sp.file}`;
        const listener = await listenUnix(path, sp.mode);
        s.#services.push({
          name: sp.name,
          path,
          kind: sp.kind,
          readonly: sp.ro,
          programs: sp.programs,
          listener,
        });
      }
    } catch (e) {
      for (const sv of s.#services) sv.listener.close();
      throw e;
    }
    s.pool.start();
    for (const sv of s.#services) s.#acceptLoops.push(s.#acceptLoop(sv));
    return s;
  }

  /** Socket paths by service name (rw, ro, admin). */
  get paths(): { rw: string; ro: string; admin: string } {
    const p = (n: string) => this.#services.find((s) => s.name === n)!.path;
    return { rw: p("rw"), ro: p("ro"), admin: p("admin") };
  }

  get clientCount(): number {
    return this.#count;
  }

  async #acceptLoop(sv: Service): Promise<void> {
    while (!this.#stopping) {
      if (this.#count >= this.config.max_clients) {
        // At max_clients every service stops accepting until a client leaves.
        await new Promise<void>((r) => (this.#slotFree = r));
        continue;
      }
      let conn: Deno.UnixConn;
      try {
        conn = await sv.listener.accept();
      } catch (e) {
        if (!this.#stopping) {
          logger.error("accept on {path} failed: {error}", { path: sv.path, error: e });
        }
        return;
      }
      if (this.#stopping) {
        conn.close();
        return;
      }
      this.#addClient(conn, sv);
    }
  }

  #addClient(conn: Deno.UnixConn, sv: Service): void {
    const ctl = this.pool.ctl;
    const id = Atomics.add(ctl, S_NEXT_CLIENT_ID, 1) + 1;
    const rec = this.pool.openClient((base) => {
      Atomics.store(ctl, base + C_REFS, 0);
      Atomics.store(ctl, base + C_FLAGS, sv.readonly ? CF_READONLY : 0);
      Atomics.store(ctl, base + C_DRIVER, 0);
      Atomics.store(ctl, base + C_SERVICE, sv.kind);
      Atomics.store(ctl, base + C_ID, id);
      Atomics.store(ctl, base + C_CONN_TIME, Math.floor(Date.now() / 1000));
    });
    if (!rec) {
      logger.warn("no client record free; refusing a connection on {path}", { path: sv.path });
      conn.close();
      return;
    }
    const c = this.config;
    const client = new Client(conn, this, {
      id,
      index: rec.index,
      gen: rec.gen,
      service: sv.kind,
      readonly: sv.readonly,
      programs: sv.programs,
      maxRequests: c.max_client_requests,
      keepaliveInterval: c.keepalive_interval,
      keepaliveCount: c.keepalive_count,
    });
    this.#clients[rec.index] = client;
    this.#count++;
    logger.debug("client {id} connected on {service}", { id, service: sv.name });
    client.run();
  }

  // ---- ClientHost -----------------------------------------------------------------------------

  submit(client: Client, packet: Uint8Array, prio: boolean): boolean {
    return this.pool.submit(client.index, client.gen, packet, prio);
  }

  flags(client: Client): number {
    return Atomics.load(this.pool.ctl, this.pool.mem.client(client.index) + C_FLAGS);
  }

  closed(client: Client): void {
    this.#markClosing(client);
  }

  #markClosing(client: Client): void {
    if (!this.pool.markClosing(client.index)) {
      // A worker holds the client lock this instant; try again on the next turn.
      setTimeout(() => this.#markClosing(client), 0);
      return;
    }
    if (this.flags(client) & CF_CONN_OPEN) {
      // A Worker closes the driver connection for it, as libvirtd's client
      // close hook does: shared driver state drops its reference, event
      // registrations go.
      client.inflight++;
      if (!this.pool.submit(client.index, client.gen, CONNECT_CLOSE_CALL, true, true)) {
        client.inflight--;
      }
    }
    this.#maybeFinalize(client);
  }

  /** Frees a closed client's record once no job of it is queued or running. */
  #maybeFinalize(client: Client): void {
    if (!client.closing || client.inflight > 0) return;
    if (this.#clients[client.index] !== client) return;
    if (this.pool.clientRefs(client.index) !== 0) return;
    this.#clients[client.index] = null;
    this.pool.freeClient(client.index);
    this.#count--;
    logger.debug("client {id} gone", { id: client.id });
    const wake = this.#slotFree;
    this.#slotFree = null;
    wake?.();
  }

  #onRecord(r: MailRecord): void {
    const client = this.#clients[r.client];
    if (!client || client.gen !== r.clientGen) return;
    switch (r.kind) {
      case MAIL_CLOSE_AFTER:
        client.closeAfterReply();
        break;
      case MAIL_REPLY:
        client.deliverReply(r.bytes);
        break;
      case MAIL_DROPPED:
        client.dropped();
        break;
      case MAIL_MESSAGE:
        client.deliverMessage(r.bytes);
        break;
      case MAIL_STREAM:
        client.deliverMessage(r.bytes);
        break;
      case MAIL_STREAM_END:
        client.deliverStreamEnd(r.bytes);
        break;
    }
    if (client.closing) this.#maybeFinalize(client);
  }

  /**
   * Stops: no new clients, in-flight calls get `graceMs` to finish and be
   * written, then every client is closed, the sockets removed, the pool stopped.
   */
  async stop(graceMs = 2000): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    for (const sv of this.#services) {
      try {
        sv.listener.close();
      } catch {
        // Already closed.
      }
    }
    this.#slotFree?.();
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && this.#clients.some((c) => c !== null && c.inflight > 0)) {
      await new Promise((r) => setTimeout(r, 10));
    }
    for (const c of this.#clients) c?.close();
    await Promise.allSettled(this.#acceptLoops);
    await this.pool.stop(graceMs);
    for (const sv of this.#services) {
      try {
        await Deno.remove(sv.path);
      } catch {
        // Gone already.
      }
    }
  }
}
