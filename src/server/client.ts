/**
 * One connected client, on the event loop: reads and frames its packets,
 * checks all six header fields, answers keepalive, turns each CALL into a
 * job, writes replies in order, and stops reading while it has
 * max_client_requests calls outstanding. libvirtd's virNetServerClient.
 *
 * @module
 */

import { FramingError, PacketFramer } from "../rpc/framing.ts";
import type { ClientConn, PeerInfo } from "../transport/conn.ts";
import { logRefusal, SaslRefused, type SaslReply, type SaslSession } from "../transport/sasl.ts";
import { XdrError, XdrReader } from "../xdr/mod.ts";
import {
  REMOTE_PROC_AUTH_LIST,
  REMOTE_PROC_AUTH_POLKIT,
  REMOTE_PROC_AUTH_SASL_INIT,
  REMOTE_PROC_AUTH_SASL_START,
  REMOTE_PROC_AUTH_SASL_STEP,
} from "../protocol/remote_procedure_numbers.ts";
import {
  decodeHeader,
  encodePacket,
  type Header,
  PAYLOAD_OFFSET,
  writeHeaderInto,
} from "../rpc/header.ts";
import {
  KEEPALIVE_PROC_PING,
  KEEPALIVE_PROC_PONG,
  KEEPALIVE_PROGRAM,
  KEEPALIVE_PROTOCOL_VERSION,
  REMOTE_PROGRAM,
  VIR_NET_CALL,
  VIR_NET_CONTINUE,
  VIR_NET_ERROR,
  VIR_NET_MESSAGE,
  VIR_NET_MESSAGE_MAX_PACKET,
  VIR_NET_OK,
  VIR_NET_REPLY,
  VIR_NET_STREAM,
  VIR_NET_STREAM_HOLE,
} from "../rpc/constants.ts";
import { VirError, writeVirError } from "../rpc/error.ts";
import {
  VIR_ERR_AUTH_FAILED,
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_RPC,
  VIR_FROM_RPC,
  VIR_FROM_STREAMS,
} from "../rpc/error_codes.ts";
import type { Program } from "../protocol/program.ts";
import { CF_KEEPALIVE } from "../pool/layout.ts";
import { log } from "../log.ts";

const logger = log("server", "client");

/** What a client needs from its server. */
export interface ClientHost {
  /** Queues a call as a job; false when the pool cannot take it now. */
  submit(client: Client, packet: Uint8Array, prio: boolean): boolean;
  /** The client's connection ended; called once. */
  closed(client: Client): void;
  /** Reads the client's shared flags word. */
  flags(client: Client): number;
  /** The client has authenticated (SASL): it may now make any call. */
  authenticated(client: Client): void;
}

export interface ClientOptions {
  id: number;
  index: number;
  gen: number;
  service: number;
  readonly: boolean;
  /** Programs served on this client's socket, by number. */
  programs: ReadonlyMap<number, Program>;
  maxRequests: number;
  keepaliveInterval: number;
  keepaliveCount: number;
  /** Bytes queued for a client that does not read before it is dropped. */
  maxQueuedBytes: number;
  /** libvirt's transport (VIR_CLIENT_TRANS_*) and, for a network client, its peer. */
  transport: number;
  peer: PeerInfo | null;
  /** The SASL negotiation a client of a `sasl` service must complete first; null: none needed. */
  sasl: SaslSession | null;
}

/** The remote program's SASL procedures: the event loop answers them (the state is the connection's). */
const SASL_PROCS = new Set([
  REMOTE_PROC_AUTH_SASL_INIT,
  REMOTE_PROC_AUTH_SASL_START,
  REMOTE_PROC_AUTH_SASL_STEP,
]);
/** What else an unauthenticated client may call (libvirt's procedures without needAuth). */
const AUTH_PROCS = new Set([REMOTE_PROC_AUTH_LIST, REMOTE_PROC_AUTH_POLKIT]);

function authFailed(): VirError {
  return VirError.of(VIR_ERR_AUTH_FAILED, VIR_FROM_RPC, "authentication failed");
}

/** SASL data as the protocol's `char data<>` carries it, and back (null for nil). */
function saslBytes(nil: number, data: number[]): Uint8Array | null {
  return nil ? null : Uint8Array.from(data, (b) => b & 0xff);
}

function saslRet(r: SaslReply): { complete: number; nil: number; data: number[] } {
  return { complete: r.complete ? 1 : 0, nil: r.data === null ? 1 : 0, data: [...(r.data ?? [])] };
}

/**
 * An idle client reads into a small buffer of its own (most calls fit); a
 * read that fills it means more is coming, and the next reads borrow a large
 * buffer from a shared free list until a read leaves room again. An idle
 * connection then holds 1 KiB of read buffer, not 64 (issue 16: 10,000 idle
 * clients cheaply), and a busy one still reads in large chunks.
 */
const SMALL_READ = 1024;
const LARGE_READ = 64 * 1024;
const largeBuffers: Uint8Array[] = [];
/**
 * When this much or more of a packet's body is still to come (stream data,
 * a large call), it is read straight into the packet rather than through a
 * read buffer and copied.
 */
const DIRECT_READ = 16 * 1024;
/**
 * Queued packets up to this many bytes together go out in one write (one
 * system call); a larger packet is written on its own rather than copied.
 */
const COALESCE_MAX = 64 * 1024;
/** Stream packet buffers kept for reuse by a client (see Client.#recycled). */
const RECYCLED_MAX = 32;
/** Bytes queued for a client that does not read before it is dropped: two of the largest packets. */
export const MAX_QUEUED_BYTES = 2 * VIR_NET_MESSAGE_MAX_PACKET;

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The daemon's end of a two-way stream (see Client.openDuplex). */
export interface StreamSink {
  /** The call's reply is written: begin sending. */
  start(): void;
  /**
   * Data the client sent; the sink owns it, and calls `release` (when given)
   * once done with it, so its buffer can take the client's next packet.
   */
  write(data: Uint8Array, release?: () => void): void;
  /** The stream is over (either side, or the client left): release everything. */
  close(): void;
  /** The client finished sending: complete the work (flush a file), then release everything. */
  finish?(): Promise<void>;
  /**
   * Asked after each write: a promise when the sink holds as much of the
   * client's data as it may, settled once it has caught up (or closed). The
   * client's socket is not read meanwhile, so a fast sender is held back by
   * the socket rather than buffered (libvirt stops reading a client whose
   * stream queue is full).
   */
  full?(): Promise<void> | null;
  /**
   * A hole of `length` bytes the client skipped (a sparse upload's
   * VIR_NET_STREAM_HOLE); a sink without it is not sparse, and a hole ends
   * its stream with libvirt's "Unexpected stream hole".
   */
  hole?(length: number): void;
}

export class Client {
  readonly id: number;
  readonly index: number;
  readonly gen: number;
  readonly service: number;
  readonly readonly: boolean;
  readonly transport: number;
  readonly peer: PeerInfo | null;
  readonly connectedAt = Date.now();
  readonly #conn: ClientConn;
  readonly #host: ClientHost;
  readonly #opts: ClientOptions;
  readonly #framer = new PacketFramer((n) => this.#packetBuffer(n));
  /**
   * Buffers of stream packets a sink is done with, all of `#recycledSize`
   * bytes: the next packets of that size (an upload sends them all alike)
   * are read into them, so a transfer does not leave a trail of garbage
   * (issue 20: RSS growth during a transfer).
   */
  #recycled: Uint8Array[] = [];
  #recycledSize = 0;
  /** Calls read and not yet answered on the wire (libvirt's nrequests). */
  #outstanding = 0;
  /** Calls handed to the pool whose mailbox record has not come back. */
  inflight = 0;
  #resume: (() => void) | null = null;
  /** Server → client streams whose data is all sent, waiting for the client's finish, by serial. */
  readonly #streams = new Map<number, Header>();
  /**
   * Two-way streams the event loop itself serves (a domain console), by
   * serial: pending until the call's reply is written, then live.
   */
  readonly #duplex = new Map<
    number,
    { h: Header; sink: StreamSink; live: boolean; eof: boolean }
  >();
  /** Calls read past the limit (several can arrive in one read): handled as replies go out. */
  readonly #backlog: Uint8Array[] = [];
  readonly #queue: {
    bytes: Uint8Array;
    tracked: boolean;
    closeAfter: boolean;
    /** Called once the bytes are written (or dropped): the sender may reuse its buffer. */
    release?: () => void;
  }[] = [];
  /** Senders waiting for the unsent bytes to drop (streams pace on it): threshold and wake-up. */
  #drainWaiters: { below: number; wake: () => void }[] = [];
  /** Set while a stream's sink is full: the socket is not read until it settles. */
  #hold: Promise<void> | null = null;
  #writing = false;
  #queuedBytes = 0;
  #closing = false;
  #closeAfterNext = false;
  #lastRx = Date.now();
  #kaTimer: ReturnType<typeof setInterval> | null = null;
  #kaUnanswered = 0;
  readonly #sasl: SaslSession | null;
  /** Only the auth procedures are served until the client has authenticated. */
  #authPending: boolean;

  constructor(conn: ClientConn, host: ClientHost, opts: ClientOptions) {
    this.#conn = conn;
    this.#host = host;
    this.#opts = opts;
    this.id = opts.id;
    this.index = opts.index;
    this.gen = opts.gen;
    this.service = opts.service;
    this.readonly = opts.readonly;
    this.transport = opts.transport;
    this.peer = opts.peer;
    this.#sasl = opts.sasl;
    this.#authPending = opts.sasl !== null;
  }

  /** The client has yet to authenticate (counted among the server's unauthenticated clients). */
  get authPending(): boolean {
    return this.#authPending;
  }

  /** The SASL user the client authenticated as, if it did. */
  get saslUser(): string | null {
    return this.#sasl?.identity ?? null;
  }

  get closing(): boolean {
    return this.#closing;
  }

  /** Bytes queued for this client and not yet handed to the socket (streams pace on it). */
  get unsentBytes(): number {
    return this.#queuedBytes;
  }

  /** Flow-control state, for diagnostics and tests. */
  get flow(): {
    outstanding: number;
    backlog: number;
    inflight: number;
    queued: number;
    writing: boolean;
  } {
    return {
      outstanding: this.#outstanding,
      backlog: this.#backlog.length,
      inflight: this.inflight,
      queued: this.#queue.length,
      writing: this.#writing,
    };
  }

  /** Reads until EOF, error or close. */
  async run(): Promise<void> {
    const small = new Uint8Array(SMALL_READ);
    let large: Uint8Array | null = null;
    try {
      while (!this.#closing) {
        if (this.#outstanding >= this.#opts.maxRequests || this.#backlog.length > 0) {
          // At the limit libvirtd simply stops reading until a reply is written.
          await new Promise<void>((r) => (this.#resume = r));
          this.#resume = null;
          continue;
        }
        if (this.#hold) {
          await this.#hold;
          this.#hold = null;
          continue;
        }
        const body = this.#framer.window();
        if (body && body.length >= DIRECT_READ) {
          const n = await this.#conn.read(body);
          if (n === null) break;
          this.#framer.commit(n, (p) => this.#onPacket(p));
          continue;
        }
        const buf: Uint8Array = large ?? small;
        const n = await this.#conn.read(buf);
        if (n === null) break;
        // The framer copies what it keeps: the buffer is free again after this.
        this.#framer.push(buf.subarray(0, n), (p) => this.#onPacket(p));
        if (large) largeBuffers.push(large);
        large = n === buf.length ? largeBuffers.pop() ?? new Uint8Array(LARGE_READ) : null;
      }
    } catch (e) {
      if (e instanceof FramingError) {
        logger.warn("client {id}: {message}; closing", { id: this.id, message: e.message });
      } else if (!this.#closing && !(e instanceof Deno.errors.BadResource)) {
        logger.debug("client {id}: read failed: {error}", { id: this.id, error: e });
      }
    }
    this.close();
  }

  #packetBuffer(n: number): Uint8Array {
    return (n === this.#recycledSize ? this.#recycled.pop() : undefined) ?? new Uint8Array(n);
  }

  /** A stream packet's buffer is free again (see #recycled). */
  #recycle(packet: Uint8Array): void {
    if (packet.length !== this.#recycledSize) {
      this.#recycled = [];
      this.#recycledSize = packet.length;
    }
    if (this.#recycled.length < RECYCLED_MAX && !this.#closing) this.#recycled.push(packet);
  }

  #onPacket(packet: Uint8Array): void {
    // As in libvirtd, a complete packet (not a byte) proves the client alive.
    this.#lastRx = Date.now();
    this.#kaUnanswered = 0;
    const h = decodeHeader(packet);
    if (
      h.prog !== KEEPALIVE_PROGRAM &&
      (this.#outstanding >= this.#opts.maxRequests || this.#backlog.length > 0)
    ) {
      // libvirtd reads one packet at a time and stops at the limit; we may
      // have read further in one chunk, so hold the rest back in order.
      this.#backlog.push(packet);
      return;
    }
    this.#handle(packet, h);
  }

  #handle(packet: Uint8Array, h: Header): void {
    if (h.prog === KEEPALIVE_PROGRAM) {
      // Keepalive never reaches a worker: PING gets a PONG from right here.
      if (
        h.vers === KEEPALIVE_PROTOCOL_VERSION && h.type === VIR_NET_MESSAGE &&
        h.proc === KEEPALIVE_PROC_PING
      ) {
        this.#send(this.#keepalivePacket(KEEPALIVE_PROC_PONG), false);
      }
      return;
    }
    if (h.type === VIR_NET_STREAM) {
      this.#onStream(h, packet);
      return;
    }
    if (h.type === VIR_NET_STREAM_HOLE && h.status === VIR_NET_CONTINUE) {
      this.#onStreamHole(h, packet);
      return;
    }
    if (h.type !== VIR_NET_CALL) {
      // REPLY, MESSAGE, STREAM for no stream, HOLE, unknown types: dropped, as libvirtd does.
      logger.debug("client {id}: dropped packet type {type}", { id: this.id, type: h.type });
      return;
    }
    const program = this.#opts.programs.get(h.prog);
    if (!program || program.vers !== h.vers) {
      this.#rejectCall(h, VirError.rpc(`Cannot find program ${h.prog} version ${h.vers}`));
      return;
    }
    const info = h.proc <= program.lastProc ? program.info.get(h.proc) : undefined;
    if (!info || info.message) {
      this.#rejectCall(h, VirError.rpc(`unknown procedure: ${h.proc}`));
      return;
    }
    if (h.status !== VIR_NET_OK) {
      this.#rejectCall(h, VirError.rpc(`Unexpected message status ${h.status}`));
      return;
    }
    if (h.prog === REMOTE_PROGRAM && SASL_PROCS.has(h.proc)) {
      this.#saslCall(h, packet, program);
      return;
    }
    if (this.#authPending && !(h.prog === REMOTE_PROGRAM && AUTH_PROCS.has(h.proc))) {
      this.#rejectCall(h, VirError.rpc("authentication required"));
      return;
    }
    this.#outstanding++;
    this.inflight++;
    if (!this.#host.submit(this, packet, info.priority === "high")) {
      this.inflight--;
      this.#outstanding--;
      this.#rejectCall(h, VirError.rpc("too many outstanding calls: the daemon is overloaded"));
    }
  }

  /**
   * A SASL call, answered here: the negotiation's state belongs to the
   * connection (as keepalive's does), so a Worker never sees a call of a
   * client that has not authenticated. Counts as a request until written.
   */
  #saslCall(h: Header, packet: Uint8Array, program: Program): void {
    this.#outstanding++;
    const answer = (build: Uint8Array) => this.#send(build, true);
    const procedure = program.procedures.get(h.proc);
    let args: unknown;
    try {
      args = procedure!.args.decode(new XdrReader(packet, PAYLOAD_OFFSET));
    } catch (e) {
      if (!(e instanceof XdrError)) throw e;
      answer(this.#errorPacket(h, VirError.rpc("Unable to decode message payload")));
      return;
    }
    this.#saslAnswer(h.proc, args).then(
      (ret) =>
        answer(
          encodePacket({ ...h, type: VIR_NET_REPLY, status: VIR_NET_OK }, (w) =>
            procedure!.ret.encode(w, ret)),
        ),
      (e) => {
        if (e instanceof SaslRefused) logRefusal(this.id, e);
        else if (!(e instanceof VirError)) {
          logger.error("client {id}: SASL: {error}", { id: this.id, error: e });
        }
        answer(this.#errorPacket(h, e instanceof VirError ? e : authFailed()));
      },
    );
  }

  async #saslAnswer(proc: number, args: unknown): Promise<unknown> {
    const sasl = this.#sasl;
    // libvirtd: SASL calls from a client whose service is not `sasl` (or that
    // has authenticated already) are invalid requests.
    if (!sasl || !this.#authPending) throw authFailed();
    if (proc === REMOTE_PROC_AUTH_SASL_INIT) return { mechlist: sasl.init() };
    const a = args as { mech?: string; nil: number; data: number[] };
    const r = proc === REMOTE_PROC_AUTH_SASL_START
      ? await sasl.start(a.mech!, saslBytes(a.nil, a.data))
      : await sasl.step(saslBytes(a.nil, a.data));
    if (r.complete && !this.#closing) {
      this.#authPending = false;
      this.#host.authenticated(this);
    }
    return saslRet(r);
  }

  #errorPacket(h: Header, err: VirError): Uint8Array {
    return encodePacket(
      { ...h, type: VIR_NET_REPLY, status: VIR_NET_ERROR },
      (w) => writeVirError(w, err),
    );
  }

  /** An error answered by the event loop itself; it still counts as a request until written. */
  #rejectCall(h: Header, err: VirError): void {
    this.#outstanding++;
    this.#send(this.#errorPacket(h, err), true);
  }

  #keepalivePacket(proc: number): Uint8Array {
    return encodePacket({
      prog: KEEPALIVE_PROGRAM,
      vers: KEEPALIVE_PROTOCOL_VERSION,
      proc,
      type: VIR_NET_MESSAGE,
      serial: 0,
      status: VIR_NET_OK,
    });
  }

  /** A reply from a worker: write it, and learn what the call changed. */
  deliverReply(reply: Uint8Array): void {
    this.inflight--;
    this.#send(reply, true);
    if (this.#duplex.size > 0) {
      // A two-way stream opened by this call starts once its reply is on its way.
      const h = decodeHeader(reply);
      const d = this.#duplex.get(h.serial);
      if (d && !d.live) {
        if (h.status === VIR_NET_OK) {
          d.live = true;
          d.sink.start();
        } else {
          this.#duplex.delete(h.serial);
          d.sink.close();
        }
      }
    }
    if (this.#kaTimer === null && (this.#host.flags(this) & CF_KEEPALIVE)) this.#startKeepalive();
  }

  /** A job of this client was abandoned (the client is closing). */
  dropped(): void {
    this.inflight--;
    this.#outstanding--;
    this.#drainBacklog();
  }

  /**
   * The last packet of a server → client stream: sent, then the stream waits
   * for the client's STREAM/OK (finish), which the event loop answers itself.
   */
  deliverStreamEnd(packet: Uint8Array): void {
    const h = decodeHeader(packet);
    this.#streams.set(h.serial, h);
    this.#send(packet, false);
  }

  /**
   * Opens a two-way stream for the call `h` (its reply not yet written): once
   * the reply goes out, `sink` is started and gets the client's data; it
   * sends with `streamPacket` (and `streamHole`) and ends with `streamEnd`.
   */
  openDuplex(h: Header, sink: StreamSink): void {
    if (this.#closing) {
      sink.close();
      return;
    }
    this.#duplex.get(h.serial)?.sink.close();
    this.#duplex.set(h.serial, { h, sink, live: false, eof: false });
  }

  /**
   * Resolves once fewer than `below` bytes wait to be handed to the socket
   * (at once if that is so now, or when the client closes): a stream's sender
   * waits on it rather than piling packets up for a slow reader.
   */
  whenUnsentBelow(below: number): Promise<void> {
    if (this.#queuedBytes < below || this.#closing) return Promise.resolve();
    return new Promise((wake) => this.#drainWaiters.push({ below, wake }));
  }

  /**
   * Sends stream data the caller has put in place after `PAYLOAD_OFFSET` in
   * `packet` (at most VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX bytes, as libvirtd
   * sends): the header is written into it and the packet queued as it is,
   * with no copy; `release` is called once it has been written. False when
   * the stream is not live (the packet is not sent).
   */
  streamPacket(serial: number, packet: Uint8Array, release?: () => void): boolean {
    const d = this.#duplex.get(serial);
    if (!d || !d.live || d.eof || this.#closing) return false;
    writeHeaderInto(packet, { ...d.h, type: VIR_NET_STREAM, status: VIR_NET_CONTINUE });
    this.#send(packet, false, release);
    return true;
  }

  /**
   * Tells the client that the next `length` bytes of a stream are a hole
   * (libvirt's VIR_NET_STREAM_HOLE: a hyper length and flags 0), as a sparse
   * download sends instead of zeros. False when the stream is not live.
   */
  streamHole(serial: number, length: number): boolean {
    const d = this.#duplex.get(serial);
    if (!d || !d.live || d.eof || this.#closing) return false;
    this.#send(
      encodePacket({ ...d.h, type: VIR_NET_STREAM_HOLE, status: VIR_NET_CONTINUE }, (w) => {
        w.writeHyper(BigInt(length));
        w.writeUint(0);
      }),
      false,
    );
    return true;
  }

  /**
   * Ends a stream on the daemon's side with an error (a volume write that
   * failed): a STREAM/ERROR carrying it, as libvirtd sends when its end of a
   * stream fails, after which the client's packets for it are dropped.
   */
  streamError(serial: number, err: VirError): void {
    const d = this.#duplex.get(serial);
    if (!d) return;
    this.#duplex.delete(serial);
    d.sink.close();
    if (!d.live) return;
    this.#send(
      encodePacket(
        { ...d.h, type: VIR_NET_STREAM, status: VIR_NET_ERROR },
        (w) => writeVirError(w, err),
      ),
      false,
    );
  }

  /**
   * Ends the daemon's side of a two-way stream (the guest's end closed, the
   * file is all sent): an empty STREAM/CONTINUE, libvirt's end of data; the
   * stream then waits for the client's finish, which is confirmed.
   */
  streamEnd(serial: number): void {
    const d = this.#duplex.get(serial);
    if (!d || d.eof) return;
    d.sink.close();
    if (!d.live) {
      this.#duplex.delete(serial);
      return;
    }
    d.eof = true;
    this.#send(encodePacket({ ...d.h, type: VIR_NET_STREAM, status: VIR_NET_CONTINUE }), false);
  }

  /** A STREAM packet from the client for a stream it knows. */
  #onStream(h: Header, packet: Uint8Array): void {
    const d = this.#duplex.get(h.serial);
    if (d && d.live && d.h.proc === h.proc && d.h.prog === h.prog) {
      if (h.status === VIR_NET_CONTINUE) {
        if (d.eof) return;
        // The framer made this packet for us alone: its payload is passed on, not copied.
        d.sink.write(packet.subarray(PAYLOAD_OFFSET), () => this.#recycle(packet));
        const full = d.sink.full?.();
        if (full) this.#hold = full;
        return;
      }
      this.#duplex.delete(h.serial);
      // Finish (OK) is confirmed with an empty STREAM/OK once the sink has
      // taken everything (an upload is on disk); an abort (ERROR) at once.
      const confirm = () => {
        if (!this.#closing) {
          this.#send(encodePacket({ ...d.h, type: VIR_NET_STREAM, status: VIR_NET_OK }), false);
        }
      };
      if (h.status === VIR_NET_OK && d.sink.finish && !d.eof) {
        // A finish the sink cannot complete (the last writes failed) is answered with the error.
        d.sink.finish().then(confirm, (e) => {
          d.sink.close();
          if (this.#closing) return;
          const err = e instanceof VirError
            ? e
            : VirError.of(VIR_ERR_INTERNAL_ERROR, VIR_FROM_STREAMS, String(e));
          this.#send(
            encodePacket(
              { ...d.h, type: VIR_NET_STREAM, status: VIR_NET_ERROR },
              (w) => writeVirError(w, err),
            ),
            false,
          );
        });
      } else {
        d.sink.close();
        this.#confirmStreamEnd(h, d.h, confirm);
      }
      return;
    }
    const s = this.#streams.get(h.serial);
    if (!s || s.proc !== h.proc || s.prog !== h.prog) return; // no such stream: dropped, as libvirtd does
    this.#streams.delete(h.serial);
    this.#confirmStreamEnd(
      h,
      s,
      () => this.#send(encodePacket({ ...s, type: VIR_NET_STREAM, status: VIR_NET_OK }), false),
    );
  }

  /**
   * A hole the client skipped in a stream it sends (virsh vol-upload
   * --sparse). libvirtd refuses one on a stream not opened sparse, and a
   * hole it cannot decode, with a STREAM/ERROR that ends the stream.
   */
  #onStreamHole(h: Header, packet: Uint8Array): void {
    const d = this.#duplex.get(h.serial);
    if (!d || !d.live || d.eof || d.h.proc !== h.proc || d.h.prog !== h.prog) return;
    let length = -1;
    try {
      const r = new XdrReader(packet, PAYLOAD_OFFSET);
      length = Number(r.readHyper());
      r.readUint(); // flags: none defined
    } catch (e) {
      if (!(e instanceof XdrError)) throw e;
    }
    if (!d.sink.hole || length < 0) {
      this.#duplex.delete(h.serial);
      d.sink.close();
      const err = !d.sink.hole
        ? VirError.of(VIR_ERR_RPC, VIR_FROM_STREAMS, "Unexpected stream hole")
        : VirError.rpc("Unable to decode message payload");
      this.#send(
        encodePacket(
          { ...d.h, type: VIR_NET_STREAM, status: VIR_NET_ERROR },
          (w) => writeVirError(w, err),
        ),
        false,
      );
      return;
    }
    d.sink.hole(length);
    const full = d.sink.full?.();
    if (full) this.#hold = full;
  }

  /**
   * The client ended a stream: a finish (OK) or an abort (ERROR) is
   * confirmed with an empty STREAM/OK, as libvirtd confirms both (the
   * client's libvirt waits for it); any other status is refused with an
   * error reply to the stream's call.
   */
  #confirmStreamEnd(h: Header, call: Header, confirm: () => void): void {
    if (h.status === VIR_NET_OK || h.status === VIR_NET_ERROR) {
      confirm();
      return;
    }
    this.#send(
      encodePacket(
        { ...call, type: VIR_NET_REPLY, status: VIR_NET_ERROR },
        (w) => writeVirError(w, VirError.rpc(`stream aborted with unexpected status ${h.status}`)),
      ),
      false,
    );
  }

  /** Sends an unsolicited packet (an event). */
  deliverMessage(packet: Uint8Array): void {
    this.#send(packet, false);
  }

  /** Close the connection once the next tracked reply has been written. */
  closeAfterReply(): void {
    this.#closeAfterNext = true;
  }

  #send(bytes: Uint8Array, tracked: boolean, release?: () => void): void {
    if (this.#closing) return;
    const closeAfter = tracked && this.#closeAfterNext;
    if (closeAfter) this.#closeAfterNext = false;
    this.#queue.push(
      release ? { bytes, tracked, closeAfter, release } : { bytes, tracked, closeAfter },
    );
    this.#queuedBytes += bytes.length;
    if (this.#queuedBytes > this.#opts.maxQueuedBytes) {
      // A client that does not read what it is sent (events pile up) is dropped,
      // as libvirtd drops one whose transmit queue overflows.
      logger.warn("client {id}: {n} bytes unread; closing", { id: this.id, n: this.#queuedBytes });
      this.close();
      return;
    }
    if (!this.#writing) this.#writeLoop();
  }

  async #writeLoop(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#queue.length > 0 && !this.#closing) {
        // Everything queued goes out in one write (one system call), up to a close-after.
        let n = 0;
        while (n < this.#queue.length && !this.#queue[n]!.closeAfter) n++;
        const items = this.#queue.splice(0, Math.min(n + 1, this.#queue.length));
        // Small packets together in one write; a large one (stream data) alone, not copied.
        for (let i = 0; i < items.length;) {
          let j = i + 1;
          let size = items[i]!.bytes.length;
          while (j < items.length && size + items[j]!.bytes.length <= COALESCE_MAX) {
            size += items[j++]!.bytes.length;
          }
          const bytes = j === i + 1
            ? items[i]!.bytes
            : concat(items.slice(i, j).map((x) => x.bytes));
          let off = 0;
          while (off < bytes.length) off += await this.#conn.write(bytes.subarray(off));
          // Counted as unsent until written, so a stream's sender paces on the socket.
          this.#queuedBytes -= size;
          for (let k = i; k < j; k++) items[k]!.release?.();
          this.#wakeDrainWaiters();
          i = j;
        }
        let tracked = 0;
        for (const item of items) if (item.tracked) tracked++;
        if (tracked > 0) {
          this.#outstanding -= tracked;
          this.#drainBacklog();
          if (this.#backlog.length === 0) this.#resume?.();
        }
        if (items[items.length - 1]!.closeAfter) {
          this.close();
          return;
        }
      }
    } catch (e) {
      if (!this.#closing) {
        logger.debug("client {id}: write failed: {error}", { id: this.id, error: e });
      }
      this.close();
    } finally {
      this.#writing = false;
    }
  }

  #wakeDrainWaiters(): void {
    if (this.#drainWaiters.length === 0) return;
    const waiting = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const w of waiting) {
      if (this.#queuedBytes < w.below || this.#closing) w.wake();
      else this.#drainWaiters.push(w);
    }
  }

  #drainBacklog(): void {
    while (
      this.#backlog.length > 0 && this.#outstanding < this.#opts.maxRequests && !this.#closing
    ) {
      const p = this.#backlog.shift()!;
      this.#handle(p, decodeHeader(p));
    }
  }

  #startKeepalive(): void {
    const interval = this.#opts.keepaliveInterval;
    if (interval <= 0) return;
    const ms = interval * 1000;
    this.#kaTimer = setInterval(() => {
      if (Date.now() - this.#lastRx < ms) return;
      if (this.#kaUnanswered >= this.#opts.keepaliveCount) {
        logger.info("client {id}: no answer to {n} keepalive probes; closing", {
          id: this.id,
          n: this.#kaUnanswered,
        });
        this.close();
        return;
      }
      this.#kaUnanswered++;
      this.#send(this.#keepalivePacket(KEEPALIVE_PROC_PING), false);
    }, ms);
  }

  /** Closes the socket (once) and tells the server. */
  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    for (const d of this.#duplex.values()) d.sink.close();
    this.#duplex.clear();
    this.#wakeDrainWaiters();
    if (this.#kaTimer !== null) clearInterval(this.#kaTimer);
    this.#kaTimer = null;
    this.#resume?.();
    try {
      this.#conn.close();
    } catch {
      // Already closed by the peer.
    }
    this.#host.closed(this);
  }
}
