/**
 * A QMP client for the event loop (libvirt's qemuMonitor, JSON only): one
 * Unix-socket connection per running domain, the greeting and capabilities
 * negotiation, commands matched to replies by id, and the asynchronous events
 * QEMU sends in between, handed to a callback. EOF ends every pending command.
 *
 * @module
 */

import { log } from "../../log.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_OPERATION_FAILED,
  VIR_ERR_OPERATION_TIMEOUT,
  VIR_FROM_QEMU,
} from "../../rpc/error_codes.ts";

const logger = log("qemu.qmp");
const utf8e = new TextEncoder();
const utf8d = new TextDecoder();

/** An asynchronous QMP event, e.g. `{ event: "STOP", data: {}, timestamp }`. */
export interface QmpEvent {
  event: string;
  data: Record<string, unknown>;
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: unknown): void;
  timer: ReturnType<typeof setTimeout>;
  cmd: string;
}

/** The monitor of one QEMU process. */
export class QmpMonitor {
  readonly #conn: Deno.UnixConn;
  readonly #pending = new Map<string, Pending>();
  /** Pass-through commands: answered with QEMU's reply as it came. */
  readonly #raw = new Map<
    string,
    { resolve(text: string): void; timer: ReturnType<typeof setTimeout> }
  >();
  #nextId = 1;
  #closed = false;
  #greeting: Record<string, unknown> | null = null;
  #greeted: (() => void) | null = null;
  /** Called for every asynchronous event. */
  onEvent: (e: QmpEvent) => void = () => {};
  /** Called once when the connection ends (QEMU exited, or `close()`). */
  onClose: () => void = () => {};
  readonly done: Promise<void>;

  private constructor(conn: Deno.UnixConn) {
    this.#conn = conn;
    this.done = this.#readLoop();
  }

  /**
   * Connects to a QMP socket, waits for the greeting and negotiates
   * capabilities. Retries while the socket does not exist yet, up to `timeoutMs`.
   */
  static async connect(path: string, timeoutMs = 10_000): Promise<QmpMonitor> {
    const deadline = Date.now() + timeoutMs;
    let conn: Deno.UnixConn | null = null;
    for (;;) {
      try {
        conn = await Deno.connect({ transport: "unix", path });
        break;
      } catch (e) {
        if (Date.now() > deadline) {
          throw VirError.internal(VIR_FROM_QEMU, `monitor socket did not show up: ${e}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    const m = new QmpMonitor(conn);
    const greeted = new Promise<void>((r) => (m.#greeted = r));
    const timer = setTimeout(() => m.close(), Math.max(0, deadline - Date.now()));
    await Promise.race([greeted, m.done]);
    clearTimeout(timer);
    if (!m.#greeting) {
      throw VirError.of(VIR_ERR_OPERATION_FAILED, VIR_FROM_QEMU, "QEMU sent no QMP greeting");
    }
    await m.execute("qmp_capabilities");
    return m;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Runs a command; resolves with its `return` value, rejects with its `error` as a VirError. */
  execute(cmd: string, args?: Record<string, unknown>, timeoutMs = 30_000): Promise<unknown> {
    if (this.#closed) {
      return Promise.reject(
        VirError.of(VIR_ERR_OPERATION_FAILED, VIR_FROM_QEMU, "monitor connection is closed"),
      );
    }
    const id = `denovirt-${this.#nextId++}`;
    const msg = args ? { execute: cmd, arguments: args, id } : { execute: cmd, id };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(
          VirError.of(
            VIR_ERR_OPERATION_TIMEOUT,
            VIR_FROM_QEMU,
            `monitor did not answer '${cmd}' within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer, cmd });
      this.#write(utf8e.encode(JSON.stringify(msg) + "\r\n")).catch((e) => {
        this.#settle(id, null, e);
      });
    });
  }

  /**
   * Passes a client's QMP command (JSON text) through as it is, under an id of
   * ours; resolves with QEMU's whole reply as JSON text, an error reply
   * included (libvirt's qemu-monitor-command does the same).
   */
  executeRaw(json: string, timeoutMs = 30_000): Promise<string> {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(json);
      if (typeof msg !== "object" || msg === null || Array.isArray(msg)) throw new Error();
    } catch {
      return Promise.reject(
        VirError.internal(VIR_FROM_QEMU, `cannot parse json ${json}: not a JSON object`),
      );
    }
    const id = `denovirt-${this.#nextId++}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#raw.delete(id);
        reject(VirError.of(VIR_ERR_OPERATION_TIMEOUT, VIR_FROM_QEMU, "monitor did not answer"));
      }, timeoutMs);
      this.#raw.set(id, { resolve, timer });
      this.#write(utf8e.encode(JSON.stringify({ ...msg, id }) + "\r\n")).catch((e) => {
        clearTimeout(timer);
        this.#raw.delete(id);
        reject(e);
      });
    });
  }

  async #write(bytes: Uint8Array): Promise<void> {
    let off = 0;
    while (off < bytes.length) off += await this.#conn.write(bytes.subarray(off));
  }

  #settle(id: string, value: unknown, error: unknown): void {
    const p = this.#pending.get(id);
    if (!p) return;
    this.#pending.delete(id);
    clearTimeout(p.timer);
    if (error !== null) p.reject(error);
    else p.resolve(value);
  }

  #onLine(line: string): void {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line);
    } catch {
      logger.warn("unparsable monitor line: {line}", { line: line.slice(0, 200) });
      return;
    }
    if ("QMP" in msg) {
      this.#greeting = msg.QMP as Record<string, unknown>;
      this.#greeted?.();
      return;
    }
    if (typeof msg.event === "string") {
      try {
        this.onEvent({ event: msg.event, data: (msg.data ?? {}) as Record<string, unknown> });
      } catch (e) {
        logger.error("monitor event handler failed: {error}", { error: e });
      }
      return;
    }
    const id = typeof msg.id === "string" ? msg.id : "";
    const raw = this.#raw.get(id);
    if (raw) {
      this.#raw.delete(id);
      clearTimeout(raw.timer);
      // libvirt hands the reply back re-serialized, compact (virJSONValueToString).
      raw.resolve(JSON.stringify(msg));
      return;
    }
    if ("return" in msg) this.#settle(id, msg.return, null);
    else if ("error" in msg) {
      const err = msg.error as { class?: string; desc?: string };
      const cmd = this.#pending.get(id)?.cmd ?? "?";
      this.#settle(
        id,
        null,
        VirError.internal(
          VIR_FROM_QEMU,
          `unable to execute QEMU command '${cmd}': ${err.desc ?? err.class ?? "unknown error"}`,
        ),
      );
    }
  }

  async #readLoop(): Promise<void> {
    const buf = new Uint8Array(64 * 1024);
    let text = "";
    try {
      for (;;) {
        const n = await this.#conn.read(buf);
        if (n === null) break;
        text += utf8d.decode(buf.subarray(0, n), { stream: true });
        let nl: number;
        while ((nl = text.indexOf("\n")) >= 0) {
          const line = text.slice(0, nl).trim();
          text = text.slice(nl + 1);
          if (line) this.#onLine(line);
        }
      }
    } catch (e) {
      if (!this.#closed) logger.debug("monitor read ended: {error}", { error: e });
    }
    this.#shutdown();
  }

  #shutdown(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
    for (const id of [...this.#pending.keys()]) {
      this.#settle(
        id,
        null,
        VirError.of(VIR_ERR_OPERATION_FAILED, VIR_FROM_QEMU, "QEMU closed its monitor"),
      );
    }
    this.onClose();
  }

  /** Closes the connection (QEMU keeps running). */
  close(): void {
    this.#shutdown();
  }
}
