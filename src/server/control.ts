/**
 * Requests a Worker sends the event loop through its mailbox (MAIL_CONTROL)
 * when the admin program changes something only the event loop may touch:
 * Workers to start or retire, a socket to close, logging to reconfigure.
 *
 * @module
 */

export type ControlRequest =
  | { op: "resize"; server: string }
  | { op: "disconnect"; server: string; client: number }
  | { op: "log"; filters: string | null; outputs: string | null };

/**
 * What the admin program's client-info shows of a client: the answer to its
 * I/O request `{op: "client.info", server, client}` (only the event loop
 * knows a connection's peer, certificate and SASL user).
 */
export interface ClientIdentity {
  /** VIR_CLIENT_TRANS_*. */
  transport: number;
  readonly: boolean;
  sockAddr: string | null;
  x509DName: string | null;
  saslUser: string | null;
}
