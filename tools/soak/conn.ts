// One raw RPC connection of the soak: calls with their serials kept in a
// CallLedger, replies matched to calls as they arrive (so a reply that
// answers no waiting call is caught at once, not left in an inbox).

import { decodeHeader, encodePacket, type Header, PAYLOAD_OFFSET } from "../../src/rpc/header.ts";
import { PacketFramer } from "../../src/rpc/framing.ts";
import { readRemoteError, type RemoteError } from "../../src/rpc/error.ts";
import { VIR_NET_CALL, VIR_NET_ERROR, VIR_NET_OK, VIR_NET_REPLY } from "../../src/rpc/constants.ts";
import { XdrReader, type XdrWriter } from "../../src/xdr/mod.ts";
import { CallLedger } from "./ledger.ts";

export interface Reply {
  header: Header;
  /** The reply's body (after the header). */
  body: Uint8Array;
  /** The remote error, when the status is VIR_NET_ERROR. */
  error: RemoteError | null;
}

/** The connection ended before the call's reply came. */
export class ConnectionClosed extends Error {
  constructor() {
    super("Cannot wait for the reply: the connection closed");
  }
}

export class SoakConn {
  readonly ledger: CallLedger;
  readonly #conn: Deno.UnixConn;
  readonly #framer = new PacketFramer();
  readonly #waiters = new Map<
    number,
    { resolve: (r: Reply) => void; reject: (e: Error) => void }
  >();
  #closed = false;
  /** Writes in order, one at a time: calls from concurrent lanes must not interleave their bytes. */
  #writing: Promise<void> = Promise.resolve();
  /** Resolves when the connection has ended (EOF, reset, or close()). */
  readonly done: Promise<void>;
  /** Packets that are not replies (events, stream data): counted by the caller. */
  onOther: (header: Header, packet: Uint8Array) => void;

  private constructor(conn: Deno.UnixConn, problem: (text: string) => void) {
    this.#conn = conn;
    this.ledger = new CallLedger(problem);
    this.onOther = (h) => problem(`an unexpected packet: type ${h.type}, proc ${h.proc}`);
    this.done = this.#readLoop();
  }

  static async connect(path: string, problem: (text: string) => void): Promise<SoakConn> {
    return new SoakConn(await Deno.connect({ transport: "unix", path }), problem);
  }

  get closed(): boolean {
    return this.#closed;
  }

  async #readLoop(): Promise<void> {
    const buf = new Uint8Array(256 * 1024);
    try {
      for (;;) {
        const n = await this.#conn.read(buf);
        if (n === null) break;
        this.#framer.push(buf.subarray(0, n), (p) => this.#packet(p));
      }
    } catch {
      // Reset by the daemon, or closed by us: the end of the connection either way.
    }
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // Closed already.
    }
    const ws = [...this.#waiters.values()];
    this.#waiters.clear();
    for (const w of ws) w.reject(new ConnectionClosed());
  }

  #packet(p: Uint8Array): void {
    const header = decodeHeader(p);
    if (header.type !== VIR_NET_REPLY) {
      this.onOther(header, p);
      return;
    }
    // Dropped on purpose: replies to the calls then in flight may still be in what was read.
    if (this.ledger.wasAbandoned(header.serial)) return;
    const error = header.status === VIR_NET_ERROR
      ? readRemoteError(new XdrReader(p, PAYLOAD_OFFSET))
      : null;
    const said = () => error ? `error "${error.message}"` : `${p.length} bytes, status OK`;
    if (!this.ledger.answer(header.serial, header.prog, header.proc, said)) return;
    const w = this.#waiters.get(header.serial);
    this.#waiters.delete(header.serial);
    w?.resolve({ header, body: p.subarray(PAYLOAD_OFFSET), error });
  }

  /** Sends a call and resolves with its reply; rejects with ConnectionClosed if none can come. */
  async call(
    prog: number,
    vers: number,
    proc: number,
    what: string,
    body?: (w: XdrWriter) => void,
  ): Promise<Reply> {
    if (this.#closed) throw new ConnectionClosed();
    const serial = this.ledger.send(prog, proc, what);
    const packet = encodePacket(
      { prog, vers, proc, type: VIR_NET_CALL, serial, status: VIR_NET_OK },
      body,
    );
    const reply = new Promise<Reply>((resolve, reject) => {
      this.#waiters.set(serial, { resolve, reject });
    });
    const write = this.#writing.then(async () => {
      let off = 0;
      while (off < packet.length) off += await this.#conn.write(packet.subarray(off));
    }).catch(() => {
      // The read loop sees the end too and rejects the waiter.
    });
    this.#writing = write;
    await write;
    return reply;
  }

  /** Drops the connection on purpose: calls still in flight need no answer. */
  close(): void {
    this.ledger.abandon();
    try {
      this.#conn.close();
    } catch {
      // Closed already.
    }
  }
}
