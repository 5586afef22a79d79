/**
 * What a client's connection is to the event loop, whatever carries it: a
 * Unix socket (a Deno.Conn as it is), a TCP socket or a TLS session (a
 * node:net / node:tls socket adapted by NodeConn), and who is at the other end.
 *
 * @module
 */

/** The three operations `Client` needs of a connection (a `Deno.Conn` has them). */
export interface ClientConn {
  /** Reads into `p`: the bytes read, or null at end of stream. */
  read(p: Uint8Array): Promise<number | null>;
  /** Writes from `p`: the bytes taken (all of them for NodeConn). */
  write(p: Uint8Array): Promise<number>;
  close(): void;
}

/** libvirt's client transports, as the admin program reports them (virClientTransport). */
export const VIR_CLIENT_TRANS_UNIX = 0;
export const VIR_CLIENT_TRANS_TCP = 1;
export const VIR_CLIENT_TRANS_TLS = 2;

/** The peer of a network connection, as virt-admin's client-info shows it. */
export interface PeerInfo {
  /** `ADDR:PORT` (`[ADDR]:PORT` for IPv6), libvirt's form. */
  sockAddr: string;
  /** The client certificate's distinguished name (TLS with a certificate), gnutls's form. */
  x509DName: string | null;
}

/** `ADDR:PORT`, with IPv6 addresses in brackets (and IPv4-mapped ones as plain IPv4). */
export function formatSockAddr(address: string | undefined, port: number | undefined): string {
  const a = (address ?? "").replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, "$1");
  return a.includes(":") ? `[${a}]:${port}` : `${a}:${port}`;
}

/** The socket side of node:net and node:tls sockets that NodeConn uses. */
export interface NodeSocket {
  on(event: "data", f: (chunk: Uint8Array) => void): unknown;
  on(event: "end" | "close", f: () => void): unknown;
  on(event: "error", f: (e: Error) => void): unknown;
  write(p: Uint8Array, cb: (e?: Error | null) => void): boolean;
  pause(): unknown;
  resume(): unknown;
  destroy(): unknown;
  readonly destroyed: boolean;
}

/** Unread bytes past which NodeConn stops the socket reading (the client is not keeping up). */
const HIGH_WATER = 256 * 1024;

/**
 * A node:net or node:tls socket as a ClientConn: 'data' chunks are queued
 * and handed out by `read`; the socket is paused while more than HIGH_WATER
 * bytes wait, so a client that floods the daemon is throttled by TCP as a
 * Unix-socket client is by not being read.
 */
export class NodeConn implements ClientConn {
  readonly #sock: NodeSocket;
  readonly #chunks: Uint8Array[] = [];
  #offset = 0;
  #buffered = 0;
  #paused = false;
  #ended = false;
  #error: Error | null = null;
  #wake: (() => void) | null = null;

  constructor(sock: NodeSocket) {
    this.#sock = sock;
    sock.on("data", (chunk) => {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
      if (this.#buffered > HIGH_WATER && !this.#paused) {
        this.#paused = true;
        sock.pause();
      }
      this.#notify();
    });
    sock.on("end", () => {
      this.#ended = true;
      this.#notify();
    });
    sock.on("close", () => {
      this.#ended = true;
      this.#notify();
    });
    sock.on("error", (e) => {
      this.#error ??= e;
      this.#notify();
    });
  }

  #notify(): void {
    const w = this.#wake;
    this.#wake = null;
    w?.();
  }

  async read(p: Uint8Array): Promise<number | null> {
    while (this.#chunks.length === 0) {
      if (this.#error) throw this.#error;
      if (this.#ended || this.#sock.destroyed) return null;
      await new Promise<void>((r) => (this.#wake = r));
    }
    let n = 0;
    while (n < p.length && this.#chunks.length > 0) {
      const c = this.#chunks[0]!;
      const take = Math.min(p.length - n, c.length - this.#offset);
      p.set(c.subarray(this.#offset, this.#offset + take), n);
      n += take;
      this.#offset += take;
      if (this.#offset === c.length) {
        this.#chunks.shift();
        this.#offset = 0;
      }
    }
    this.#buffered -= n;
    if (this.#paused && this.#buffered <= HIGH_WATER / 2) {
      this.#paused = false;
      this.#sock.resume();
    }
    return n;
  }

  write(p: Uint8Array): Promise<number> {
    if (this.#sock.destroyed) return Promise.reject(new Deno.errors.BadResource("socket closed"));
    return new Promise((resolve, reject) => {
      this.#sock.write(p, (e) => e ? reject(e) : resolve(p.length));
    });
  }

  close(): void {
    this.#sock.destroy();
    this.#ended = true;
    this.#notify();
  }
}
