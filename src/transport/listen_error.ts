/**
 * The errors of network listeners, apart from tcp.ts and tls.ts: those load
 * node:net, node:tls and node:crypto (Deno's Node compatibility, about 6 MB
 * of the event loop's RSS), which the daemon imports only when it listens on
 * TCP or TLS (issue 16).
 *
 * @module
 */

/** A network listener that cannot be set up: the daemon does not start (libvirtd exits too). */
export class ListenError extends Error {
  override readonly name = "ListenError";
  readonly code = "ERR_DENOVIRT_LISTEN";
}

/** The listener was closed while an accept waited. */
export class ListenerClosedError extends Error {
  override readonly name = "ListenerClosedError";
}
