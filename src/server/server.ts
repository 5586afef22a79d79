/**
 * The daemon: its three Unix-socket services and the two servers behind
 * them, as libvirtd has them — "libvirtd" (the rw and ro sockets) and
 * "admin" (the admin socket) — each with its clients (up to its
 * max_clients) and its own Worker pool. libvirtd's virNetDaemon,
 * virNetServer and virNetServerService.
 *
 * @module
 */

import { QEMU_PROGRAM_DEF } from "../protocol/qemu.ts";
import { QemuHost } from "../drivers/qemu/host.ts";
import { InternalClient } from "./internal.ts";
import { errorAnswer, type IoEnvelope, type IoRequest } from "../pool/io.ts";
import type { LogLevel } from "@logtape/logtape";
import { type AuthScheme, type DaemonConfig, qemuDirs } from "../conf/config.ts";
import { groupId, listenUnix } from "../transport/unix.ts";
import {
  type ClientConn,
  formatSockAddr,
  NodeConn,
  type PeerInfo,
  VIR_CLIENT_TRANS_TCP,
  VIR_CLIENT_TRANS_TLS,
  VIR_CLIENT_TRANS_UNIX,
} from "../transport/conn.ts";
import { ListenerClosedError } from "../transport/listen_error.ts";
import { type SaslOptions, SaslSession } from "../transport/sasl.ts";
import { defaultUsersFile } from "../transport/sasl_users.ts";
import { WorkerPool } from "../pool/pool.ts";
import {
  C_CONN_TIME,
  C_DRIVER,
  C_FLAGS,
  C_ID,
  C_INSTANCE,
  C_REFS,
  C_SERVICE,
  CF_AUTH_SASL,
  CF_CONN_OPEN,
  CF_INTERNAL,
  CF_READONLY,
  MAIL_CLOSE_AFTER,
  MAIL_CONTROL,
  MAIL_DROPPED,
  MAIL_IO,
  MAIL_MESSAGE,
  MAIL_REPLY,
  MAIL_STREAM,
  MAIL_STREAM_END,
  S_NEXT_CLIENT_ID,
  SERVICE_ADMIN,
  SERVICE_RO,
  SERVICE_RW,
  SERVICE_TCP,
  SERVICE_TLS,
} from "../pool/layout.ts";
import type { MailRecord } from "../pool/mailbox.ts";
import { Client, type ClientHost, MAX_QUEUED_BYTES } from "./client.ts";
import type { Program } from "../protocol/program.ts";
import { REMOTE_PROGRAM_ROUTES } from "../protocol/remote_info.ts";
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
import { VirError } from "../rpc/error.ts";
import { VIR_FROM_RPC } from "../rpc/error_codes.ts";
import { allocateStore } from "../drivers/shared_store.ts";
import { allocateSettings, readSetting, writeSetting } from "./settings.ts";
import type { ClientIdentity, ControlRequest } from "./control.ts";

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
  /** Reconfigures logging when the admin program sets filters or outputs (the new full strings). */
  onLogSettings?: (filters: string, outputs: string) => Promise<void> | void;
  /** Unread bytes after which a client is dropped (default MAX_QUEUED_BYTES; tests lower it). */
  maxQueuedBytes?: number;
  /** Where the pools' clocks start (ms since the Unix epoch): tests and the soak cross the 2³¹ ms wrap. */
  clockEpochMs?: number;
  /** The libvirtd server's call arena limit in bytes (tests lower it). */
  arenaMaxBytes?: number;
  /** The libvirtd server's running-worker target (default: the CPUs but one; tests set it). */
  runningTarget?: number;
  /** How long idle Workers keep their isolates, in ms (default: `worker_park_seconds`; tests set it finer). */
  parkAfterMs?: number;
  /** Start the network services listen_tls and listen_tcp ask for (libvirtd's --listen). */
  listen?: boolean;
  /** How long a TLS client may take over its handshake (default TLS_HANDSHAKE_TIMEOUT_MS). */
  tlsHandshakeTimeoutMs?: number;
}

/** How long a TLS client may take over its handshake before it is dropped. */
export const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

/** A connection a service accepted, with what is known of its peer. */
interface Accepted {
  conn: ClientConn;
  peer: PeerInfo | null;
}

/** An accepted connection not yet served: `open` starts it (a TLS handshake begins). */
interface Pending {
  open(): Accepted;
  close(): void;
}

/** A listening socket and its policy (libvirtd's virNetServerService). */
interface Service {
  /** rw, ro, admin, tcp, tls. */
  name: string;
  /** The socket file, or `ADDR:PORT` for a network service. */
  path: string;
  kind: number;
  transport: number;
  readonly: boolean;
  auth: AuthScheme;
  programs: ReadonlyMap<number, Program>;
  server: NetServer;
  accept(): Promise<Pending>;
  close(): void;
  /** The Unix socket file removed at stop. */
  file: string | null;
}

/** Limits a server applies to its clients. */
interface ClientLimits {
  maxRequests: number;
  keepaliveInterval: number;
  keepaliveCount: number;
  maxQueuedBytes: number;
}

/** One server: its clients and its Worker pool (libvirtd's virNetServer). */
export class NetServer implements ClientHost {
  readonly name: string;
  readonly pool: WorkerPool;
  readonly #limits: ClientLimits;
  readonly #clients: (Client | null)[];
  #count = 0;
  readonly #waiting: (() => void)[] = [];
  /** The daemon's own clients, by record index. */
  readonly #internal = new Map<number, InternalClient>();
  /** Undoes what an I/O request did for a Worker that died before its answer (the daemon sets it). */
  onOrphanedIo: (req: IoRequest, value: unknown) => void = () => {};
  /** Does a worker's I/O request (MAIL_IO); the daemon sets it. */
  onIo: (req: IoRequest) => Promise<unknown> = (req) =>
    Promise.reject(VirError.internal(VIR_FROM_RPC, `no I/O handler for '${req.op}'`));
  /** Closed clients whose record is marked CLOSING in shared memory. */
  readonly #marked = new Set<Client>();
  /** Closed clients whose driver connection close has been submitted (or was not needed). */
  readonly #driverClosing = new Set<Client>();
  /** Told of the requests Workers send the event loop (admin program). */
  onControl: (req: ControlRequest) => void = () => {};
  /** SASL settings for clients of `sasl` services (the daemon sets them). */
  sasl: Omit<SaslOptions, "secure"> | null = null;
  /** Clients counted in S_N_CLIENTS_UNAUTH: accepted on a `sasl` service, not yet authenticated. */
  readonly #unauth = new Set<Client>();

  constructor(name: string, pool: WorkerPool, capacity: number, limits: ClientLimits) {
    this.name = name;
    this.pool = pool;
    this.#limits = limits;
    this.#clients = new Array(capacity).fill(null);
    pool.onRecord = (r) => this.#onRecord(r);
  }

  get clientCount(): number {
    return this.#count;
  }

  /** The connected clients (diagnostics and tests). */
  get clients(): Client[] {
    return this.#clients.filter((c): c is Client => c !== null);
  }

  /**
   * Resolves when the server may take another client (below its
   * max_clients). Woken when a client leaves; it also looks again every
   * 100 ms, since the admin program may raise the limit from a Worker.
   */
  async roomForClient(stopping: () => boolean): Promise<void> {
    while (!stopping() && (this.#count >= this.pool.maxClients || this.pool.unauthFull)) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((r) => {
        this.#waiting.push(r);
        timer = setTimeout(r, 100);
      });
      clearTimeout(timer);
    }
  }

  /** Wakes the accept loops waiting for room (a client left, or the daemon stops). */
  wake(): void {
    const ws = this.#waiting.splice(0);
    for (const w of ws) w();
  }

  addClient(acc: Accepted, sv: Service): void {
    const { conn } = acc;
    const ctl = this.pool.ctl;
    const id = Atomics.add(ctl, S_NEXT_CLIENT_ID, 1) + 1;
    const sasl = sv.auth === "sasl";
    const rec = this.pool.openClient((base) => {
      Atomics.store(ctl, base + C_REFS, 0);
      Atomics.store(
        ctl,
        base + C_FLAGS,
        (sv.readonly ? CF_READONLY : 0) | (sasl ? CF_AUTH_SASL : 0),
      );
      Atomics.store(ctl, base + C_DRIVER, 0);
      Atomics.store(ctl, base + C_INSTANCE, 0);
      Atomics.store(ctl, base + C_SERVICE, sv.kind);
      Atomics.store(ctl, base + C_ID, id);
      Atomics.store(ctl, base + C_CONN_TIME, Math.floor(Date.now() / 1000));
    });
    if (!rec) {
      logger.warn("no client record free; refusing a connection on {path}", { path: sv.path });
      conn.close();
      return;
    }
    const client = new Client(conn, this, {
      id,
      index: rec.index,
      gen: rec.gen,
      service: sv.kind,
      readonly: sv.readonly,
      programs: sv.programs,
      ...this.#limits,
      transport: sv.transport,
      peer: acc.peer,
      // Plain TCP is not private: SASL there must fail as libvirtd's does (src/transport/sasl.ts).
      sasl: sasl && this.sasl
        ? new SaslSession({ ...this.sasl, secure: sv.kind !== SERVICE_TCP })
        : null,
    });
    this.#clients[rec.index] = client;
    this.#count++;
    this.pool.countClient(1);
    if (client.authPending) {
      this.#unauth.add(client);
      this.pool.countUnauthClient(1);
    }
    logger.debug("client {id} connected on {service}", { id, service: sv.name });
    client.run();
  }

  /**
   * Opens the daemon's own client (src/server/internal.ts): a record with no
   * socket whose calls drivers make. Not counted against max_clients.
   */
  openInternalClient(): InternalClient {
    const ctl = this.pool.ctl;
    // Id 0: client ids the admin program shows stay libvirtd's (1 for the first socket client).
    const id = 0;
    const rec = this.pool.openClient((base) => {
      Atomics.store(ctl, base + C_REFS, 0);
      Atomics.store(ctl, base + C_FLAGS, CF_INTERNAL);
      Atomics.store(ctl, base + C_DRIVER, 0);
      Atomics.store(ctl, base + C_INSTANCE, 0);
      Atomics.store(ctl, base + C_SERVICE, SERVICE_RW);
      Atomics.store(ctl, base + C_ID, id);
      Atomics.store(ctl, base + C_CONN_TIME, Math.floor(Date.now() / 1000));
    });
    if (!rec) throw new RangeError("Cannot open the daemon's own client: no client record free");
    const ic = new InternalClient(
      rec.index,
      rec.gen,
      (packet) => this.pool.submit(rec.index, rec.gen, packet, false),
    );
    this.#internal.set(rec.index, ic);
    return ic;
  }

  /** The connected client of record `index` and generation `gen`, if it is still there. */
  clientAt(index: number, gen: number): Client | null {
    const c = this.#clients[index];
    return c && c.gen === gen && !c.closing ? c : null;
  }

  /** Closes the client with daemon-wide id `id` (admin client-disconnect); false if none. */
  closeClient(id: number): boolean {
    const c = this.#clients.find((x) => x !== null && x.id === id && !x.closing);
    if (!c) return false;
    c.close();
    return true;
  }

  // ---- ClientHost -----------------------------------------------------------------------------

  submit(client: Client, packet: Uint8Array, prio: boolean): boolean {
    return this.pool.submit(client.index, client.gen, packet, prio);
  }

  flags(client: Client): number {
    return Atomics.load(this.pool.ctl, this.pool.mem.client(client.index) + C_FLAGS);
  }

  closed(client: Client): void {
    this.#uncountUnauth(client);
    this.#markClosing(client);
  }

  authenticated(client: Client): void {
    this.#uncountUnauth(client);
    this.#clearAuthFlag(client);
    logger.info("client {id} authenticated as SASL user '{user}'", {
      id: client.id,
      user: client.saslUser,
    });
  }

  #uncountUnauth(client: Client): void {
    if (!this.#unauth.delete(client)) return;
    this.pool.countUnauthClient(-1);
    // Below max_anonymous_clients again: the services may accept.
    this.wake();
  }

  #clearAuthFlag(client: Client): void {
    if (client.closing) return;
    if (!this.pool.clearClientFlags(client.index, client.gen, CF_AUTH_SASL)) {
      // A worker holds the client lock this instant (an AUTH_LIST): try again on the next turn.
      setTimeout(() => this.#clearAuthFlag(client), 0);
    }
  }

  /** What the admin program's client-info shows of the client with id `id`, or null. */
  identity(id: number): ClientIdentity | null {
    const c = this.#clients.find((x) => x !== null && x.id === id && !x.closing);
    if (!c) return null;
    return {
      transport: c.transport,
      readonly: c.readonly,
      sockAddr: c.peer?.sockAddr ?? null,
      x509DName: c.peer?.x509DName ?? null,
      saslUser: c.saslUser,
    };
  }

  #markClosing(client: Client): void {
    if (!this.pool.markClosing(client.index, client.gen)) {
      // A worker holds the client lock this instant; try again on the next turn.
      setTimeout(() => this.#markClosing(client), 0);
      return;
    }
    this.#marked.add(client);
    this.#maybeFinalize(client);
  }

  /**
   * Frees a closed client's record once no job of it is queued or running —
   * after its driver connection is closed. The record is freed only after it
   * was marked closing (so no queued job of this client can run).
   */
  #maybeFinalize(client: Client): void {
    if (!client.closing || client.inflight > 0 || !this.#marked.has(client)) return;
    if (this.#clients[client.index] !== client) return;
    if (this.pool.clientRefs(client.index) !== 0) return;
    if (!this.#driverClosing.has(client)) {
      // Every call of the client has come back, so a CONNECT_OPEN or an event
      // registration that was still running at the disconnect is done and
      // seen: now a Worker closes the driver connection, as libvirtd's client
      // close hook does (shared driver state drops its reference, event
      // registrations go).
      this.#driverClosing.add(client);
      if (this.flags(client) & CF_CONN_OPEN) {
        client.inflight++;
        if (!this.pool.submit(client.index, client.gen, CONNECT_CLOSE_CALL, true)) {
          // Every job slot or the arena is taken this instant: try again soon.
          client.inflight--;
          this.#driverClosing.delete(client);
          setTimeout(() => this.#maybeFinalize(client), 10);
        }
        return;
      }
    }
    this.#clients[client.index] = null;
    this.#marked.delete(client);
    this.#driverClosing.delete(client);
    this.pool.freeClient(client.index);
    this.#count--;
    this.pool.countClient(-1);
    logger.debug("client {id} gone", { id: client.id });
    this.wake();
  }

  #onRecord(r: MailRecord): void {
    if (r.kind === MAIL_IO) {
      let env: IoEnvelope;
      try {
        env = JSON.parse(new TextDecoder().decode(r.bytes)) as IoEnvelope;
      } catch (e) {
        logger.error("bad I/O request from a worker: {error}", { error: e });
        return;
      }
      const worker = r.slot;
      // The isolate that asked: answers go to it alone (a successor in the
      // same record has its own request and answer box contents).
      const asker = this.pool.isolateOf(worker);
      this.onIo(env.req).then(
        (value) => {
          // The Worker that asked died meanwhile (the watchdog ended it): nobody
          // will account for what was done on its behalf, so it is undone.
          if (!this.pool.answerIo(worker, asker, { id: env.id, value: value ?? null })) {
            this.onOrphanedIo(env.req, value);
          }
        },
        (e) => this.pool.answerIo(worker, asker, errorAnswer(env.id, e)),
      );
      return;
    }
    if (r.kind === MAIL_CONTROL) {
      try {
        this.onControl(JSON.parse(new TextDecoder().decode(r.bytes)) as ControlRequest);
      } catch (e) {
        logger.error("bad control request from a worker: {error}", { error: e });
      }
      return;
    }
    const client = this.#clients[r.client];
    if (!client || client.gen !== r.clientGen) {
      // The daemon's own client has a record but no socket (not on the per-call path).
      const internal = this.#internal.get(r.client);
      if (internal && internal.gen === r.clientGen) {
        if (r.kind === MAIL_REPLY) internal.replied(r.bytes);
        else if (r.kind === MAIL_DROPPED) internal.replied(null);
      }
      return;
    }
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
      case MAIL_STREAM:
        client.deliverMessage(r.bytes);
        break;
      case MAIL_STREAM_END:
        client.deliverStreamEnd(r.bytes);
        break;
    }
    if (client.closing) this.#maybeFinalize(client);
  }

  /** Waits (bounded) for in-flight calls, then closes every client and stops the pool. */
  async stop(graceMs: number): Promise<void> {
    this.wake();
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && this.#clients.some((c) => c !== null && c.inflight > 0)) {
      await new Promise((r) => setTimeout(r, 10));
    }
    for (const c of this.#clients) c?.close();
    await this.pool.stop(graceMs);
  }
}

/** A running daemon: its sockets and its two servers. */
export class Server {
  readonly config: DaemonConfig;
  /** The "libvirtd" server (rw and ro sockets). */
  readonly main: NetServer;
  /** The "admin" server (admin socket). */
  readonly admin: NetServer;
  readonly settings: SharedArrayBuffer;
  readonly #services: Service[] = [];
  #stopping = false;
  readonly #acceptLoops: Promise<void>[] = [];
  readonly #onLogSettings: ServerOptions["onLogSettings"];
  /** The QEMU driver's event-loop side (monitors, processes). */
  qemu: QemuHost | null = null;

  private constructor(opts: ServerOptions) {
    this.config = opts.config;
    const c = opts.config;
    this.#onLogSettings = opts.onLogSettings;
    const store = allocateStore();
    this.settings = allocateSettings();
    writeSetting(this.settings, "log_filters", c.log_filters);
    writeSetting(this.settings, "log_outputs", c.log_outputs);
    const common = {
      parkAfterMs: opts.parkAfterMs ?? c.worker_park_seconds * 1000,
      lockCheck: opts.lockCheck ?? false,
      logLevel: opts.logLevel ?? "warning",
      store,
      settings: this.settings,
    };
    const clients = c.max_clients * 2;
    const mainWorkers = Math.max(c.max_workers + c.prio_workers, 64);
    const epochMs = opts.clockEpochMs ?? Date.now();
    const mainPool = new WorkerPool({
      ...common,
      name: "libvirtd",
      stuckWarnSeconds: c.stuck_call_warn_seconds,
      stuckKillSeconds: c.stuck_call_kill_seconds,
      pollMicros: c.dispatch_poll_us,
      spinMicros: c.dispatch_spin_us,
      minWorkers: c.min_workers,
      maxWorkers: c.max_workers,
      prioWorkers: c.prio_workers,
      maxClients: c.max_clients,
      maxAnonymousClients: c.max_anonymous_clients,
      capacity: {
        clients,
        jobs: clients * c.max_client_requests,
        workers: mainWorkers,
      },
      // Thread slot 1 is the event loop; each pool's Workers have their own
      // slots (both pools use the drivers' store, whose locks name them).
      threadSlotBase: 2,
      epochMs,
      arenaMaxBytes: opts.arenaMaxBytes ?? 1 << 30,
      ...(opts.runningTarget ? { runningTarget: opts.runningTarget } : {}),
      modules: opts.modules ?? [],
    });
    const adminClients = c.admin_max_clients * 2;
    const adminPool = new WorkerPool({
      ...common,
      name: "admin",
      minWorkers: c.admin_min_workers,
      maxWorkers: c.admin_max_workers,
      prioWorkers: 0,
      maxClients: c.admin_max_clients,
      maxAnonymousClients: 0,
      capacity: {
        clients: adminClients,
        jobs: adminClients * c.admin_max_client_requests,
        workers: Math.max(c.admin_max_workers, 32),
      },
      threadSlotBase: 2 + mainWorkers,
      epochMs,
      modules: [],
    });
    for (const p of [mainPool, adminPool]) p.servers.push(mainPool.buffers, adminPool.buffers);
    this.main = new NetServer("libvirtd", mainPool, clients, {
      maxRequests: c.max_client_requests,
      keepaliveInterval: c.keepalive_interval,
      keepaliveCount: c.keepalive_count,
      maxQueuedBytes: opts.maxQueuedBytes ?? MAX_QUEUED_BYTES,
    });
    this.admin = new NetServer("admin", adminPool, adminClients, {
      maxRequests: c.admin_max_client_requests,
      keepaliveInterval: c.admin_keepalive_interval,
      keepaliveCount: c.admin_keepalive_count,
      maxQueuedBytes: opts.maxQueuedBytes ?? MAX_QUEUED_BYTES,
    });
    for (const s of [this.main, this.admin]) s.onControl = (req) => this.#control(req);
  }

  /** The "libvirtd" server's pool (where remote-program calls run). */
  get pool(): WorkerPool {
    return this.main.pool;
  }

  /** Clients of the "libvirtd" server. */
  get clientCount(): number {
    return this.main.clientCount;
  }

  #server(name: string): NetServer | undefined {
    return name === "libvirtd" ? this.main : name === "admin" ? this.admin : undefined;
  }

  /** Acts on a Worker's request: the admin program's changes that need the event loop. */
  #control(req: ControlRequest): void {
    switch (req.op) {
      case "resize":
        this.#server(req.server)?.pool.resize();
        break;
      case "disconnect":
        this.#server(req.server)?.closeClient(req.client);
        break;
      case "log": {
        if (req.filters !== null) writeSetting(this.settings, "log_filters", req.filters);
        if (req.outputs !== null) writeSetting(this.settings, "log_outputs", req.outputs);
        const filters = readSetting(this.settings, "log_filters");
        const outputs = readSetting(this.settings, "log_outputs");
        Promise.resolve(this.#onLogSettings?.(filters, outputs)).catch((e) =>
          logger.error("cannot apply log settings: {error}", { error: e })
        );
        break;
      }
    }
  }

  /**
   * Starts the pools and listens on the three sockets of the run directory,
   * and — with `listen` — on the network services listen_tls and listen_tcp
   * ask for.
   */
  static async start(opts: ServerOptions): Promise<Server> {
    const s = new Server(opts);
    const c = opts.config;
    await Deno.mkdir(c.unix_sock_dir, { recursive: true, mode: 0o755 });
    const remote = new Map<number, Program>([[REMOTE_PROGRAM_ROUTES.prog, REMOTE_PROGRAM_ROUTES]]);
    remote.set(QEMU_PROGRAM_DEF.prog, QEMU_PROGRAM_DEF);
    for (const p of opts.extraPrograms ?? []) remote.set(p.prog, p);
    const admin = new Map<number, Program>([[ADMIN_PROGRAM_DEF.prog, ADMIN_PROGRAM_DEF]]);
    s.main.sasl = {
      usersFile: c.sasl_users_file || defaultUsersFile(),
      allowedUsers: c.sasl_allowed_username_list,
      secret: crypto.getRandomValues(new Uint8Array(32)),
    };
    const specs = [
      {
        name: "rw",
        file: "libvirt-sock",
        mode: c.unix_sock_rw_perms,
        kind: SERVICE_RW,
        ro: false,
        auth: c.auth_unix_rw,
        programs: remote,
        server: s.main,
      },
      {
        name: "ro",
        file: "libvirt-sock-ro",
        mode: c.unix_sock_ro_perms,
        kind: SERVICE_RO,
        ro: true,
        auth: c.auth_unix_ro,
        programs: remote,
        server: s.main,
      },
      {
        // libvirtd's admin socket has no authentication setting: its mode guards it.
        name: "admin",
        file: "libvirt-admin-sock",
        mode: c.unix_sock_admin_perms,
        kind: SERVICE_ADMIN,
        ro: false,
        auth: "none" as const,
        programs: admin,
        server: s.admin,
      },
    ];
    // As libvirtd: unix_sock_group is given to all three sockets.
    const gid = c.unix_sock_group === "" ? null : groupId(c.unix_sock_group);
    try {
      for (const sp of specs) {
        const path = `${c.unix_sock_dir}/${sp.file}`;
        const listener = await listenUnix(path, sp.mode, gid);
        s.#services.push({
          name: sp.name,
          path,
          kind: sp.kind,
          transport: VIR_CLIENT_TRANS_UNIX,
          readonly: sp.ro,
          auth: sp.auth,
          programs: sp.programs,
          server: sp.server,
          accept: async () => {
            const conn = await listener.accept();
            return { open: () => ({ conn, peer: null }), close: () => conn.close() };
          },
          close: () => listener.close(),
          file: path,
        });
      }
      if (opts.listen) await s.#listenNetwork(remote, opts.tlsHandshakeTimeoutMs);
    } catch (e) {
      for (const sv of s.#services) sv.close();
      for (const sv of s.#services) if (sv.file) await Deno.remove(sv.file).catch(() => {});
      throw e;
    }
    s.main.pool.start();
    s.admin.pool.start();
    // The admin program's client-info asks the event loop who a client is.
    s.admin.onIo = (req) => s.#adminIo(req);
    // The QEMU driver's event-loop side; its start-up (definitions, running
    // domains adopted, autostart) runs before the sockets accept anyone.
    const dirs = qemuDirs(c);
    s.qemu = new QemuHost(s.main.openInternalClient(), {
      ...dirs,
      emulator: c.qemu_emulator,
      qemuImg: c.qemu_img,
      jobWaitMs: c.qemu_job_wait_seconds * 1000,
    });
    const qemu = s.qemu;
    s.main.onIo = (req) => qemu.handle(req);
    s.main.onOrphanedIo = (req, value) => qemu.orphaned(req, value);
    qemu.clientAt = (index, gen) => s.main.clientAt(index, gen);
    if (!(await qemu.init())) logger.error("the QEMU driver did not start; see above");
    for (const sv of s.#services) s.#acceptLoops.push(s.#acceptLoop(sv));
    return s;
  }

  /**
   * The TLS (listen_tls, tls_port) and TCP (listen_tcp, tcp_port) services,
   * both on listen_addr, serving the libvirtd server's programs read-write.
   * Bad credentials or a port in use end the start (ListenError).
   */
  async #listenNetwork(
    programs: ReadonlyMap<number, Program>,
    handshakeMs?: number,
  ): Promise<void> {
    const c = this.config;
    const common = { readonly: false, programs, server: this.main, file: null };
    // Loaded only here: node:net, node:tls and node:crypto cost the event loop ~6 MB (issue 16).
    const { TcpListener } = await import("../transport/tcp.ts");
    if (c.listen_tls) {
      const { TlsContext } = await import("../transport/tls.ts");
      const tls = TlsContext.create(c, Deno.uid() === 0);
      const listener = await TcpListener.listen(
        c.listen_addr,
        Number(c.tls_port),
        c.max_queued_clients,
      );
      logger.info("TLS service on {addr} (CA {ca}, certificate {cert})", {
        addr: listener.address,
        ca: tls.files.ca,
        cert: tls.files.cert,
      });
      this.#services.push({
        ...common,
        name: "tls",
        path: listener.address,
        kind: SERVICE_TLS,
        transport: VIR_CLIENT_TRANS_TLS,
        auth: c.auth_tls,
        accept: async () => {
          const raw = await listener.accept();
          return {
            // The handshake starts only once the server takes the connection.
            open: () => {
              const session = tls.accept(raw, handshakeMs ?? TLS_HANDSHAKE_TIMEOUT_MS);
              const sockAddr = formatSockAddr(raw.remoteAddress, raw.remotePort);
              return {
                conn: session,
                peer: {
                  sockAddr,
                  get x509DName() {
                    return session.x509DName;
                  },
                },
              };
            },
            close: () => void raw.destroy(),
          };
        },
        close: () => listener.close(),
      });
    }
    if (c.listen_tcp) {
      if (c.auth_tcp === "none") {
        logger.warn(
          'plain TCP on port {port} with auth_tcp = "none": anyone who reaches it has full control of the daemon, unencrypted',
          { port: c.tcp_port },
        );
      }
      const listener = await TcpListener.listen(
        c.listen_addr,
        Number(c.tcp_port),
        c.max_queued_clients,
      );
      logger.info("TCP service on {addr}", { addr: listener.address });
      this.#services.push({
        ...common,
        name: "tcp",
        path: listener.address,
        kind: SERVICE_TCP,
        transport: VIR_CLIENT_TRANS_TCP,
        auth: c.auth_tcp,
        accept: async () => {
          const raw = await listener.accept();
          return {
            open: () => {
              const conn = new NodeConn(raw);
              raw.resume();
              return {
                conn,
                peer: {
                  sockAddr: formatSockAddr(raw.remoteAddress, raw.remotePort),
                  x509DName: null,
                },
              };
            },
            close: () => void raw.destroy(),
          };
        },
        close: () => listener.close(),
      });
    }
  }

  /** The admin program's requests of the event loop (client-info). */
  #adminIo(req: IoRequest): Promise<unknown> {
    if (req.op === "client.info") {
      const srv = this.#server(String(req.server));
      return Promise.resolve(srv?.identity(Number(req.client)) ?? null);
    }
    return Promise.reject(VirError.internal(VIR_FROM_RPC, `no I/O handler for '${req.op}'`));
  }

  /** Socket paths by service name (rw, ro, admin). */
  get paths(): { rw: string; ro: string; admin: string } {
    const p = (n: string) => this.#services.find((s) => s.name === n)!.path;
    return { rw: p("rw"), ro: p("ro"), admin: p("admin") };
  }

  /** The network services' addresses, by name (tls, tcp): `ADDR:PORT`. */
  get network(): { tls?: string; tcp?: string } {
    const out: { tls?: string; tcp?: string } = {};
    for (const sv of this.#services) {
      if (sv.name === "tls" || sv.name === "tcp") out[sv.name] = sv.path;
    }
    return out;
  }

  async #acceptLoop(sv: Service): Promise<void> {
    const stopping = () => this.#stopping;
    while (!this.#stopping) {
      // At max_clients (or max_anonymous_clients waiting to authenticate) the
      // server's services stop accepting until a client leaves or authenticates.
      await sv.server.roomForClient(stopping);
      if (this.#stopping) return;
      let pending: Pending;
      try {
        pending = await sv.accept();
      } catch (e) {
        if (!this.#stopping && !(e instanceof ListenerClosedError)) {
          logger.error("accept on {path} failed: {error}", { path: sv.path, error: e });
        }
        return;
      }
      if (this.#stopping) {
        pending.close();
        return;
      }
      // The limit may have been lowered (admin) while accept() waited: the
      // connection then waits unserved, as one in libvirtd's backlog would.
      await sv.server.roomForClient(stopping);
      if (this.#stopping) {
        pending.close();
        return;
      }
      sv.server.addClient(pending.open(), sv);
    }
  }

  /**
   * Stops: no new clients, in-flight calls get `graceMs` to finish and be
   * written, then every client is closed, the sockets removed, the pools stopped.
   */
  async stop(graceMs = 2000): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    for (const sv of this.#services) {
      try {
        sv.close();
      } catch {
        // Already closed.
      }
    }
    await Promise.all([this.main.stop(graceMs), this.admin.stop(graceMs)]);
    // Running QEMU processes outlive the daemon; their monitors are taken back at the next start.
    this.qemu?.stop();
    await Promise.allSettled(this.#acceptLoops);
    for (const sv of this.#services) {
      if (!sv.file) continue;
      try {
        await Deno.remove(sv.file);
      } catch {
        // Gone already.
      }
    }
  }
}
