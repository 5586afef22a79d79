/**
 * A client of a libvirt RPC program over a Unix socket: what the daemon
 * itself uses to call another daemon (the source of a peer-to-peer
 * migration calls the destination, as libvirt's remote driver would). One
 * call at a time is enough for that; a reply's error becomes the VirError
 * the other daemon sent, so it reaches our own client unchanged. Events,
 * streams and keepalive PINGs it receives are dropped (a PING of a daemon
 * that never saw keepalive asked for does not come).
 *
 * @module
 */

import type { Declaration, Program } from "../protocol/program.ts";
import { decodeHeader, encodePacket, PAYLOAD_OFFSET } from "./header.ts";
import { PacketFramer } from "./framing.ts";
import { readRemoteError, VirError } from "./error.ts";
import { VIR_NET_CALL, VIR_NET_ERROR, VIR_NET_OK, VIR_NET_REPLY } from "./constants.ts";
import { VIR_ERR_RPC, VIR_ERR_SYSTEM_ERROR, VIR_FROM_RPC } from "./error_codes.ts";
import { XdrReader } from "../xdr/mod.ts";

// deno-lint-ignore no-explicit-any
type ArgsOf<D> = D extends Declaration<number, infer A, any> ? A : never;
// deno-lint-ignore no-explicit-any
type ResultOf<D> = D extends Declaration<number, any, infer R> ? R : never;

export class RpcClient<M> {
  readonly #conn: Deno.Conn;
  readonly #program: Program<M>;
  readonly #framer = new PacketFramer();
  readonly #inbox: Uint8Array[] = [];
  readonly #buf = new Uint8Array(65536);
  #serial = 0;
  #closed = false;

  private constructor(conn: Deno.Conn, program: Program<M>) {
    this.#conn = conn;
    this.#program = program;
  }

  /** Connects to a daemon's socket; libvirt's "Failed to connect socket" if nobody answers. */
  static async connectUnix<M>(path: string, program: Program<M>): Promise<RpcClient<M>> {
    try {
      return new RpcClient(await Deno.connect({ transport: "unix", path }), program);
    } catch (e) {
      throw VirError.of(
        VIR_ERR_SYSTEM_ERROR,
        VIR_FROM_RPC,
        `Failed to connect socket to '${path}': ${(e as Error).message}`,
      );
    }
  }

  /** Calls `proc` and waits for its reply: its result, or the other side's error thrown. */
  async call<P extends keyof M & number>(proc: P, args: ArgsOf<M[P]>): Promise<ResultOf<M[P]>> {
    const p = this.#program.procedures.get(proc);
    if (!p) throw new RangeError(`Cannot call procedure ${proc}: it is not declared`);
    const serial = this.#serial++;
    const packet = encodePacket({
      prog: this.#program.prog,
      vers: this.#program.vers,
      proc,
      type: VIR_NET_CALL,
      serial,
      status: VIR_NET_OK,
    }, (w) => p.args.encode(w, args));
    let off = 0;
    try {
      while (off < packet.length) off += await this.#conn.write(packet.subarray(off));
    } catch (e) {
      throw this.#lost(e);
    }
    for (;;) {
      const reply = await this.#next();
      const h = decodeHeader(reply);
      if (h.type !== VIR_NET_REPLY || h.serial !== serial || h.prog !== this.#program.prog) {
        continue; // an event or a keepalive message: not ours to act on
      }
      const r = new XdrReader(reply, PAYLOAD_OFFSET);
      if (h.status === VIR_NET_ERROR) throw VirError.fromRemote(readRemoteError(r));
      return p.ret.decode(r) as ResultOf<M[P]>;
    }
  }

  async #next(): Promise<Uint8Array> {
    for (;;) {
      const got = this.#inbox.shift();
      if (got) return got;
      let n: number | null;
      try {
        n = await this.#conn.read(this.#buf);
      } catch (e) {
        throw this.#lost(e);
      }
      if (n === null) throw this.#lost(null);
      this.#framer.push(this.#buf.subarray(0, n), (pkt) => this.#inbox.push(pkt.slice()));
    }
  }

  #lost(e: unknown): VirError {
    return VirError.of(
      VIR_ERR_RPC,
      VIR_FROM_RPC,
      e ? `connection to the peer lost: ${(e as Error).message}` : "End of file while reading data",
    );
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // Closed already.
    }
  }
}
