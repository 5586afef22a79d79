/**
 * The admin program (virt-admin): the servers, their Worker pools, their
 * clients and the daemon's logging, read live from shared memory. Changes
 * only the event loop may make (starting/retiring Workers, closing a
 * socket, reconfiguring logging) are sent to it as control requests.
 *
 * @module
 */

import type { Handler } from "./context.ts";
import { handlersOf } from "./handlers.ts";
import type { ProgramService } from "./dispatch.ts";
import { noSupport } from "./dispatch.ts";
import {
  ADMIN_PROC_CLIENT_CLOSE,
  ADMIN_PROC_CLIENT_GET_INFO,
  ADMIN_PROC_CONNECT_CLOSE,
  ADMIN_PROC_CONNECT_GET_LIB_VERSION,
  ADMIN_PROC_CONNECT_GET_LOGGING_FILTERS,
  ADMIN_PROC_CONNECT_GET_LOGGING_OUTPUTS,
  ADMIN_PROC_CONNECT_LIST_SERVERS,
  ADMIN_PROC_CONNECT_LOOKUP_SERVER,
  ADMIN_PROC_CONNECT_OPEN,
  ADMIN_PROC_CONNECT_SET_LOGGING_FILTERS,
  ADMIN_PROC_CONNECT_SET_LOGGING_OUTPUTS,
  ADMIN_PROC_SERVER_GET_CLIENT_LIMITS,
  ADMIN_PROC_SERVER_GET_THREADPOOL_PARAMETERS,
  ADMIN_PROC_SERVER_LIST_CLIENTS,
  ADMIN_PROC_SERVER_LOOKUP_CLIENT,
  ADMIN_PROC_SERVER_SET_CLIENT_LIMITS,
  ADMIN_PROC_SERVER_SET_THREADPOOL_PARAMETERS,
  ADMIN_PROGRAM_DEF,
} from "../protocol/admin.ts";
import { VirError } from "../rpc/error.ts";
import { fileError } from "../drivers/system_error.ts";
import {
  VIR_ERR_INVALID_ARG,
  VIR_ERR_NO_CLIENT,
  VIR_ERR_NO_SERVER,
  VIR_FROM_ADMIN,
  VIR_FROM_NONE,
  VIR_FROM_RPC,
} from "../rpc/error_codes.ts";
import { param, type TypedParam, VIR_TYPED_PARAM_UINT } from "../rpc/typed_params.ts";
import { type TypedParamsWording, validateTypedParams } from "../util/typed_params.ts";
import {
  C_CONN_TIME,
  C_FLAGS,
  C_ID,
  C_SERVICE,
  C_STATE,
  CF_CONN_OPEN,
  CF_INTERNAL,
  CF_READONLY,
  CLIENT_CLOSING,
  CLIENT_OPEN,
  CLIENT_WORDS,
  controlWords,
  S_FREE_WORKERS,
  S_MAX_CLIENTS,
  S_MAX_CLIENTS_UNAUTH,
  S_MAX_WORKERS,
  S_MIN_WORKERS,
  S_N_CLIENTS,
  S_N_CLIENTS_UNAUTH,
  S_N_PRIO,
  S_N_WORKERS,
  S_PRIO_WORKERS,
  S_QUEUE_DEPTH,
  S_STUCK_WORKERS,
  SERVICE_TCP,
  SERVICE_TLS,
} from "../pool/layout.ts";
import type { ServerBuffers } from "../pool/shared.ts";
import { readSetting, type SettingName } from "../server/settings.ts";
import type { ClientIdentity, ControlRequest } from "../server/control.ts";
import { LIBVIR_VERSION_NUMBER } from "./remote.ts";
import {
  VIR_CLIENT_TRANS_TCP,
  VIR_CLIENT_TRANS_TLS,
  VIR_CLIENT_TRANS_UNIX,
} from "../transport/conn.ts";

/** A read-only view of one server's control words. */
class ServerView {
  readonly name: string;
  readonly ctl: Int32Array;
  readonly #clientBase: number;
  readonly #clients: number;

  constructor(b: ServerBuffers) {
    this.name = b.name;
    this.ctl = new Int32Array(b.control);
    this.#clientBase =
      controlWords(b.capacity.jobs, b.capacity.clients, b.capacity.workers).clientBase;
    this.#clients = b.capacity.clients;
  }

  word(i: number): number {
    return Atomics.load(this.ctl, i);
  }

  /**
   * The server's clients, oldest id first: {id, connection time (s), flags,
   * service}. As in libvirtd, a client that has gone stays listed until its
   * driver connection is closed (libvirtd closes it before dropping the
   * client; here a Worker does, just after): whoever waits for the list to
   * empty then finds shared driver state, test:///default's, let go.
   */
  clients(): { id: number; time: number; flags: number; service: number }[] {
    const out = [];
    for (let i = 0; i < this.#clients; i++) {
      const b = this.#clientBase + i * CLIENT_WORDS;
      const state = Atomics.load(this.ctl, b + C_STATE);
      const driverOpen = (Atomics.load(this.ctl, b + C_FLAGS) & CF_CONN_OPEN) !== 0;
      if (state !== CLIENT_OPEN && !(state === CLIENT_CLOSING && driverOpen)) continue;
      if (Atomics.load(this.ctl, b + C_FLAGS) & CF_INTERNAL) continue;
      out.push({
        id: Atomics.load(this.ctl, b + C_ID),
        time: Atomics.load(this.ctl, b + C_CONN_TIME),
        flags: Atomics.load(this.ctl, b + C_FLAGS),
        service: Atomics.load(this.ctl, b + C_SERVICE),
      });
    }
    return out.sort((a, b) => a.id - b.id);
  }
}

type Srv = { name: string };
type Clnt = { srv: Srv; id: bigint; timestamp: bigint; transport: number };

/** libvirt's transport of a client that came in on a service (virClientTransport). */
function transportOf(service: number): number {
  return service === SERVICE_TLS
    ? VIR_CLIENT_TRANS_TLS
    : service === SERVICE_TCP
    ? VIR_CLIENT_TRANS_TCP
    : VIR_CLIENT_TRANS_UNIX;
}

function noServer(name: string): VirError {
  return VirError.of(VIR_ERR_NO_SERVER, VIR_FROM_RPC, `No server named '${name}'`);
}

function noClient(id: bigint): VirError {
  return VirError.of(VIR_ERR_NO_CLIENT, VIR_FROM_RPC, `No client with matching ID '${id}'`);
}

/** How the admin server words its typed-parameter checks: in the order sent, repeats allowed. */
const ADMIN_PARAMS: TypedParamsWording = {
  wrongType: (field) => `invalid type for parameter '${field}'`,
  inOrder: true,
  repeats: true,
};

/** The values of uint parameters named in `allowed`, checked as the admin server checks them. */
function uintParams(params: TypedParam[], allowed: readonly string[]): Map<string, number> {
  validateTypedParams(
    params,
    Object.fromEntries(allowed.map((name) => [name, VIR_TYPED_PARAM_UINT])),
    ADMIN_PARAMS,
  );
  return new Map(params.map((p) => [p.field, p.value.value as number]));
}

/** Checks libvirt's log filter syntax: `LEVEL:[+]NAME` items separated by spaces. */
function checkFilters(s: string): void {
  for (const f of s.trim().split(/\s+/).filter((x) => x)) {
    if (!/^[1-4]:\+?[^\s:]+$/.test(f)) {
      throw VirError.of(
        VIR_ERR_INVALID_ARG,
        VIR_FROM_NONE,
        `Failed to parse and define log filter ${f}`,
      );
    }
  }
}

/**
 * Checks libvirt's log output syntax: `LEVEL:stderr`, `LEVEL:file:PATH`,
 * `LEVEL:syslog:NAME`, `LEVEL:journald`; a file output's file must open
 * (virLogNewOutputToFile), so the caller hears of one it cannot have.
 */
function checkOutputs(s: string): void {
  for (const o of s.trim().split(/\s+/).filter((x) => x)) {
    if (!/^[1-4]:(stderr|journald|file:\S+|syslog:\S+)$/.test(o)) {
      throw VirError.of(
        VIR_ERR_INVALID_ARG,
        VIR_FROM_NONE,
        `Failed to parse and define log output ${o}`,
      );
    }
    const file = /^[1-4]:file:(\S+)$/.exec(o)?.[1];
    if (file) {
      try {
        Deno.openSync(file, { append: true, create: true, mode: 0o600 }).close();
      } catch (e) {
        throw fileError(VIR_FROM_NONE, `failed to open ${file}`, file, e);
      }
    }
  }
}

function count(s: string): number {
  return s.trim().split(/\s+/).filter((x) => x).length;
}

/** The admin program's service, over every server's buffers and the settings. */
export function adminService(
  servers: readonly ServerBuffers[],
  settings: SharedArrayBuffer,
  control: (req: ControlRequest) => void,
): ProgramService {
  const views = new Map(servers.map((b) => [b.name, new ServerView(b)]));
  const server = (srv: Srv): ServerView => {
    const v = views.get(srv.name);
    if (!v) throw noServer(srv.name);
    return v;
  };
  const setting = (n: SettingName) => readSetting(settings, n);
  const client = (c: Clnt) => {
    const v = server(c.srv);
    const found = v.clients().find((x) => BigInt(x.id) === c.id);
    if (!found) throw noClient(c.id);
    return { v, found };
  };
  const wire = (v: ServerView, c: { id: number; time: number; service: number }): Clnt => ({
    srv: { name: v.name },
    id: BigInt(c.id),
    timestamp: BigInt(c.time),
    transport: transportOf(c.service),
  });

  const on = handlersOf(ADMIN_PROGRAM_DEF);
  const handlers = new Map<number, Handler>([
    on(ADMIN_PROC_CONNECT_OPEN, () => undefined),
    on(ADMIN_PROC_CONNECT_CLOSE, (ctx) => ctx.closeAfterReply()),
    on(ADMIN_PROC_CONNECT_GET_LIB_VERSION, () => ({ libVer: BigInt(LIBVIR_VERSION_NUMBER) })),
    on(ADMIN_PROC_CONNECT_LIST_SERVERS, (_ctx, a) => {
      const names = [...views.keys()].map((name) => ({ name }));
      return { servers: a.need_results ? names : [], ret: names.length };
    }),
    on(ADMIN_PROC_CONNECT_LOOKUP_SERVER, (_ctx, a) => ({ srv: { name: server(a).name } })),
    on(ADMIN_PROC_SERVER_GET_THREADPOOL_PARAMETERS, (_ctx, a) => {
      const v = server(a.srv);
      return {
        params: [
          param.uint("minWorkers", v.word(S_MIN_WORKERS)),
          param.uint("maxWorkers", v.word(S_MAX_WORKERS)),
          param.uint("nWorkers", v.word(S_N_WORKERS)),
          param.uint("freeWorkers", v.word(S_FREE_WORKERS)),
          param.uint("prioWorkers", v.word(S_N_PRIO)),
          param.uint("jobQueueDepth", v.word(S_QUEUE_DEPTH)),
          // denovirt's watchdog: shown only when some call is stuck.
          ...(v.word(S_STUCK_WORKERS) > 0
            ? [param.uint("stuckWorkers", v.word(S_STUCK_WORKERS))]
            : []),
        ],
      };
    }),
    on(ADMIN_PROC_SERVER_SET_THREADPOOL_PARAMETERS, (_ctx, a) => {
      const v = server(a.srv);
      const p = uintParams(a.params, ["minWorkers", "maxWorkers", "prioWorkers"]);
      const min = p.get("minWorkers") ?? v.word(S_MIN_WORKERS);
      const max = p.get("maxWorkers") ?? v.word(S_MAX_WORKERS);
      if (min > max) {
        throw VirError.of(
          VIR_ERR_INVALID_ARG,
          VIR_FROM_NONE,
          "minWorkers cannot be larger than maxWorkers",
        );
      }
      if (max === 0) {
        throw VirError.of(VIR_ERR_INVALID_ARG, VIR_FROM_NONE, "maxWorkers must not be 0");
      }
      Atomics.store(v.ctl, S_MIN_WORKERS, min);
      Atomics.store(v.ctl, S_MAX_WORKERS, max);
      const prio = p.get("prioWorkers");
      if (prio !== undefined) Atomics.store(v.ctl, S_PRIO_WORKERS, prio);
      control({ op: "resize", server: v.name });
    }),
    on(ADMIN_PROC_SERVER_LIST_CLIENTS, (_ctx, a) => {
      const v = server(a.srv);
      const list = v.clients().map((c) => wire(v, c));
      return { clients: a.need_results ? list : [], ret: list.length };
    }),
    on(ADMIN_PROC_SERVER_LOOKUP_CLIENT, (_ctx, a) => {
      const { v, found } = client({ srv: a.srv, id: a.id, timestamp: 0n, transport: 0 });
      return { clnt: wire(v, found) };
    }),
    on(ADMIN_PROC_CLIENT_GET_INFO, (ctx, a) => {
      const { v, found } = client(a.clnt);
      // Who is at the other end is the event loop's to know (addresses, the
      // x509 DN, the SASL user): asked in libvirtd's order of parameters.
      const who = ctx.env.io({ op: "client.info", server: v.name, client: found.id }) as
        | ClientIdentity
        | null;
      const params = [param.boolean("readonly", (found.flags & CF_READONLY) !== 0)];
      if (who?.saslUser) params.push(param.string("sasl_user_name", who.saslUser));
      if (who && who.transport !== VIR_CLIENT_TRANS_UNIX) {
        params.push(param.string("sock_addr", who.sockAddr ?? ""));
        if (who.x509DName) params.push(param.string("tls_x509_dname", who.x509DName));
      }
      // Deno exposes no SO_PEERCRED: a Unix client's uid/gid/pid are not known here.
      return { params };
    }),
    on(ADMIN_PROC_CLIENT_CLOSE, (_ctx, a) => {
      const { v } = client(a.clnt);
      control({ op: "disconnect", server: v.name, client: Number(a.clnt.id) });
    }),
    on(ADMIN_PROC_SERVER_GET_CLIENT_LIMITS, (_ctx, a) => {
      const v = server(a.srv);
      return {
        params: [
          param.uint("nclients_max", v.word(S_MAX_CLIENTS)),
          param.uint("nclients", v.word(S_N_CLIENTS)),
          param.uint("nclients_unauth_max", v.word(S_MAX_CLIENTS_UNAUTH)),
          param.uint("nclients_unauth", v.word(S_N_CLIENTS_UNAUTH)),
        ],
      };
    }),
    on(ADMIN_PROC_SERVER_SET_CLIENT_LIMITS, (_ctx, a) => {
      const v = server(a.srv);
      const p = uintParams(a.params, ["nclients_max", "nclients_unauth_max"]);
      const max = p.get("nclients_max") ?? v.word(S_MAX_CLIENTS);
      const unauth = p.get("nclients_unauth_max") ?? v.word(S_MAX_CLIENTS_UNAUTH);
      if (max < unauth) {
        throw VirError.of(
          VIR_ERR_INVALID_ARG,
          VIR_FROM_NONE,
          "The overall maximum number of clients must be greater than the maximum number of clients waiting for authentication",
        );
      }
      // The event loop reads the limit before each accept: it applies at once.
      Atomics.store(v.ctl, S_MAX_CLIENTS, max);
      Atomics.store(v.ctl, S_MAX_CLIENTS_UNAUTH, unauth);
    }),
    on(ADMIN_PROC_CONNECT_GET_LOGGING_OUTPUTS, () => {
      const o = setting("log_outputs");
      return { outputs: o, noutputs: count(o) };
    }),
    on(ADMIN_PROC_CONNECT_GET_LOGGING_FILTERS, () => {
      const f = setting("log_filters");
      return { filters: f === "" ? null : f, nfilters: count(f) };
    }),
    on(ADMIN_PROC_CONNECT_SET_LOGGING_OUTPUTS, (_ctx, a) => {
      if (a.outputs) checkOutputs(a.outputs);
      control({ op: "log", filters: null, outputs: a.outputs ?? "" });
    }),
    on(ADMIN_PROC_CONNECT_SET_LOGGING_FILTERS, (_ctx, a) => {
      if (a.filters) checkFilters(a.filters);
      control({ op: "log", filters: a.filters ?? "", outputs: null });
    }),
  ]);

  return {
    program: ADMIN_PROGRAM_DEF,
    handler: (ctx) => handlers.get(ctx.header.proc),
    unsupported: (info) =>
      noSupport(
        "virAdm" + info.name.split("_").map((w) => w.charAt(0) + w.slice(1).toLowerCase()).join(""),
        VIR_FROM_ADMIN,
      ),
  };
}
