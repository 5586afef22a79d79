/**
 * Listening TCP sockets (libvirtd's tcp_port and tls_port services), on
 * node:net so that a TLS session can be layered on an accepted socket with
 * node:tls. Accepted sockets stay paused — nothing is read — until the
 * server takes them, as a connection waits in libvirtd's listen backlog while
 * its services are suspended at max_clients.
 *
 * @module
 */

import * as net from "node:net";

import { ListenerClosedError, ListenError } from "./listen_error.ts";

export { ListenerClosedError, ListenError } from "./listen_error.ts";

export class TcpListener {
  readonly #server: net.Server;
  readonly #queue: net.Socket[] = [];
  readonly #maxQueued: number;
  #waiter: { resolve: (s: net.Socket) => void; reject: (e: Error) => void } | null = null;
  #closed = false;
  /** `ADDR:PORT` as bound, for logs and the banner. */
  readonly address: string;

  private constructor(server: net.Server, maxQueued: number, address: string) {
    this.#server = server;
    this.#maxQueued = maxQueued;
    this.address = address;
    server.on("connection", (sock: net.Socket) => this.#onConnection(sock));
  }

  /**
   * Listens on `host` ("" for every address) and `port`. `maxQueued`
   * (max_queued_clients) bounds the connections accepted and not yet taken:
   * past it a new one is closed, as a full listen backlog refuses it.
   */
  static listen(host: string, port: number, maxQueued: number): Promise<TcpListener> {
    const server = net.createServer({ pauseOnConnect: true });
    return new Promise((resolve, reject) => {
      server.once("error", (e: Error & { code?: string }) => {
        const why = e.code === "EADDRINUSE"
          ? "Address already in use"
          : e.code === "EADDRNOTAVAIL"
          ? "Cannot assign requested address"
          : e.code === "EACCES"
          ? "Permission denied"
          : e.message;
        reject(new ListenError(`Unable to bind to port ${port}: ${why}`));
      });
      server.listen({ port, ...(host ? { host } : {}), backlog: Math.max(maxQueued, 1) }, () => {
        const a = server.address() as net.AddressInfo;
        const shown = a.family === "IPv6" ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
        resolve(new TcpListener(server, maxQueued, shown));
      });
    });
  }

  #onConnection(sock: net.Socket): void {
    sock.setNoDelay(true);
    // A connection reset while it waits must not end the daemon.
    sock.on("error", () => {});
    if (this.#closed) {
      sock.destroy();
      return;
    }
    const w = this.#waiter;
    if (w) {
      this.#waiter = null;
      w.resolve(sock);
      return;
    }
    if (this.#queue.length >= this.#maxQueued) {
      sock.destroy();
      return;
    }
    this.#queue.push(sock);
  }

  /** The next accepted connection (paused); rejects with ListenerClosedError once closed. */
  accept(): Promise<net.Socket> {
    for (;;) {
      const s = this.#queue.shift();
      if (!s) break;
      if (!s.destroyed) return Promise.resolve(s);
    }
    if (this.#closed) return Promise.reject(new ListenerClosedError("listener closed"));
    return new Promise((resolve, reject) => (this.#waiter = { resolve, reject }));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#server.close();
    for (const s of this.#queue.splice(0)) s.destroy();
    this.#waiter?.reject(new ListenerClosedError("listener closed"));
    this.#waiter = null;
  }
}
