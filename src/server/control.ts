// Requests a Worker sends the event loop through its mailbox (MAIL_CONTROL)
// when the admin program changes something only the event loop may touch:
// Workers to start or retire, a socket to close, logging to reconfigure.

export type ControlRequest =
  | { op: "resize"; server: string }
  | { op: "disconnect"; server: string; client: number }
  | { op: "log"; filters: string | null; outputs: string | null };
