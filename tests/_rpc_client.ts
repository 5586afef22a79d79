// A small raw RPC client for tests: sends packets on a Unix socket and
// collects what comes back, framed, so tests can assert byte-level behaviour.

import { decodeHeader, encodePacket, type Header, PAYLOAD_OFFSET } from "../src/rpc/header.ts";
import { PacketFramer } from "../src/rpc/framing.ts";
import { readRemoteError, type RemoteError } from "../src/rpc/error.ts";
import {
  REMOTE_PROGRAM,
  REMOTE_PROTOCOL_VERSION,
  VIR_NET_CALL,
  VIR_NET_ERROR,
  VIR_NET_OK,
} from "../src/rpc/constants.ts";
import { type Codec, decode, XdrReader, type XdrWriter } from "../src/xdr/mod.ts";

export interface Received {
  header: Header;
  packet: Uint8Array;
}

export class RawClient {
  readonly conn: Deno.UnixConn;
  readonly #framer = new PacketFramer();
  readonly #inbox: Received[] = [];
  #waiters: (() => void)[] = [];
  #eof = false;
  #serial = 0;
  #paused: Promise<void> | null = null;
  #unpause: (() => void) | null = null;
  readonly done: Promise<void>;

  private constructor(conn: Deno.UnixConn) {
    this.conn = conn;
    this.done = this.#readLoop();
  }

  static async connect(path: string): Promise<RawClient> {
    return new RawClient(await Deno.connect({ transport: "unix", path }));
  }

  get eof(): boolean {
    return this.#eof;
  }

  async #readLoop(): Promise<void> {
    const buf = new Uint8Array(65536);
    try {
      for (;;) {
        if (this.#paused) await this.#paused;
        const n = await this.conn.read(buf);
        if (n === null) break;
        this.#framer.push(
          buf.subarray(0, n),
          (p) => this.#inbox.push({ header: decodeHeader(p), packet: p }),
        );
        this.#wake();
      }
    } catch {
      // Reset by the daemon: the same as EOF for tests.
    }
    this.#eof = true;
    this.#wake();
  }

  /**
   * Stops reading from the socket (after a read already waiting, if any),
   * as a client that stops reading would: the daemon's replies and events
   * pile up in the socket and then in the daemon.
   */
  pauseReading(): void {
    this.#paused ??= new Promise<void>((r) => (this.#unpause = r));
  }

  resumeReading(): void {
    this.#unpause?.();
    this.#paused = null;
    this.#unpause = null;
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  async send(bytes: Uint8Array): Promise<void> {
    let off = 0;
    while (off < bytes.length) off += await this.conn.write(bytes.subarray(off));
  }

  /** Sends a CALL and returns its serial. */
  async call(
    proc: number,
    body?: (w: XdrWriter) => void,
    opts: { prog?: number; vers?: number; serial?: number } = {},
  ): Promise<number> {
    const serial = opts.serial ?? this.#serial++;
    await this.send(encodePacket({
      prog: opts.prog ?? REMOTE_PROGRAM,
      vers: opts.vers ?? REMOTE_PROTOCOL_VERSION,
      proc,
      type: VIR_NET_CALL,
      serial,
      status: VIR_NET_OK,
    }, body));
    return serial;
  }

  /**
   * Waits for the first received packet matching `pred`, removing it from the
   * inbox. The deadline is generous: it only bounds how long a broken test
   * hangs, and a loaded machine must not turn a slow answer into a failure.
   */
  async next(pred: (r: Received) => boolean = () => true, timeoutMs = 60_000): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.#inbox.findIndex(pred);
      if (i >= 0) return this.#inbox.splice(i, 1)[0]!;
      if (this.#eof) throw new Error("connection closed before the expected packet");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("timed out waiting for a packet");
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((r) => {
        this.#waiters.push(r);
        timer = setTimeout(r, left);
      });
      clearTimeout(timer);
    }
  }

  /** The reply to `serial`. */
  reply(serial: number, timeoutMs?: number): Promise<Received> {
    return this.next((r) => r.header.serial === serial && r.header.type === 1, timeoutMs);
  }

  /** Calls and decodes the successful result, or throws the remote error. */
  async invoke<T>(
    proc: number,
    ret: Codec<T>,
    body?: (w: XdrWriter) => void,
    prog?: number,
  ): Promise<T> {
    const r = await this.reply(await this.call(proc, body, prog ? { prog } : {}));
    if (r.header.status === VIR_NET_ERROR) throw new RemoteCallError(errorOf(r));
    return decode(ret, r.packet.subarray(PAYLOAD_OFFSET));
  }

  /** Packets received and not taken yet. */
  get pending(): readonly Received[] {
    return this.#inbox;
  }

  /** Resolves when the daemon closes the connection; rejects after `timeoutMs`. */
  async closedByPeer(timeoutMs = 60_000): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        this.done,
        new Promise((
          _,
          rej,
        ) => (timer = setTimeout(() => rej(new Error("still open")), timeoutMs))),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    try {
      this.conn.close();
    } catch {
      // Closed already.
    }
  }
}

export class RemoteCallError extends Error {
  readonly remote: RemoteError;
  constructor(e: RemoteError) {
    super(e.message ?? "remote error");
    this.remote = e;
  }
}

/** The remote_error of an error reply. */
export function errorOf(r: Received): RemoteError {
  return readRemoteError(new XdrReader(r.packet, PAYLOAD_OFFSET));
}
