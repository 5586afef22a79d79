/**
 * The QEMU driver's event-loop side (main isolate): it owns every QEMU
 * monitor connection and starts and stops QEMU processes, on behalf of the
 * Worker whose call needs it (I/O requests, src/pool/io.ts). What QEMU says on
 * its own — an event, or its monitor closing because it exited — becomes an
 * internal call (INTERNAL_PROC_QEMU_EVENT) run by a Worker through the
 * daemon's own client, one at a time, in the order QEMU sent them.
 *
 * @module
 */

import { log } from "../../log.ts";
import type { IoRequest } from "../../pool/io.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_OPERATION_FAILED,
  VIR_ERR_OPERATION_INVALID,
  VIR_FROM_QEMU,
  VIR_FROM_STORAGE,
  VIR_FROM_STREAMS,
} from "../../rpc/error_codes.ts";
import { fileError } from "../system_error.ts";
import { type Header, PAYLOAD_OFFSET } from "../../rpc/header.ts";
import { VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX } from "../../rpc/constants.ts";
import type { Client, StreamSink } from "../../server/client.ts";
import type { InternalClient } from "../../server/internal.ts";
import {
  INTERNAL_PROC_QEMU_EVENT,
  INTERNAL_PROC_QEMU_INIT,
  INTERNAL_PROC_QEMU_RELOAD,
} from "../../protocol/internal.ts";
import { handleNetworkIo } from "../network/host.ts";
import { QmpMonitor } from "./qmp.ts";
import { type HoleFinder, openHoleFinder } from "../../util/file_holes.ts";
import { aliveAsync, signal } from "./proc.ts";
import type { QemuSettings } from "./state.ts";

const logger = log("qemu");

/** A QEMU event as the internal call carries it. */
export interface QemuEventArg {
  uuid: string;
  pid: number;
  /** A QMP event name, or "EOF" when the monitor closed. */
  event: string;
  data: Record<string, unknown>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Attached {
  monitor: QmpMonitor;
  pid: number;
}

/** What a console may queue either way before its source is held back. */
const CONSOLE_QUEUE_MAX = 1024 * 1024;
/** A console read: the guest's serial port rarely has more at once. */
const CONSOLE_READ = 16 * 1024;

/**
 * A console: the guest's serial port (a socket QEMU serves), shuttled to and
 * from a client's stream by the event loop (libvirt's virChrdevOpen +
 * virFDStream). The guest's output is read straight into stream packets and
 * is not read while the client has CONSOLE_QUEUE_MAX unsent (libvirtd reads
 * a stream's source only once its last packet went out), so a client that
 * stops reading holds the guest's serial port back rather than the daemon's
 * memory; the client's input waiting for the port is bounded the same way.
 */
class SerialConsole implements StreamSink {
  readonly #conn: Deno.UnixConn;
  readonly #client: Client;
  readonly #serial: number;
  #closed = false;
  #writing: Promise<void> = Promise.resolve();
  /** Client input not yet written to the port. */
  #pending = 0;
  #waiters: (() => void)[] = [];

  constructor(conn: Deno.UnixConn, client: Client, serial: number) {
    this.#conn = conn;
    this.#client = client;
    this.#serial = serial;
  }

  start(): void {
    (async () => {
      const free: Uint8Array[] = [];
      try {
        while (!this.#closed) {
          await this.#client.whenUnsentBelow(CONSOLE_QUEUE_MAX);
          const packet = free.pop() ?? new Uint8Array(PAYLOAD_OFFSET + CONSOLE_READ);
          const n = await this.#conn.read(packet.subarray(PAYLOAD_OFFSET));
          if (n === null || this.#closed) break;
          const sent = this.#client.streamPacket(
            this.#serial,
            packet.subarray(0, PAYLOAD_OFFSET + n),
            () => free.push(packet),
          );
          if (!sent) break;
        }
      } catch {
        // QEMU ended, or the console was closed.
      }
      if (!this.#closed) this.#client.streamEnd(this.#serial);
    })();
  }

  write(data: Uint8Array, release?: () => void): void {
    if (this.#closed) return;
    this.#pending += data.length;
    this.#writing = this.#writing.then(async () => {
      let off = 0;
      while (off < data.length && !this.#closed) {
        off += await this.#conn.write(data.subarray(off));
      }
    }).catch(() => {}).finally(() => {
      this.#pending -= data.length;
      release?.();
      if (this.#pending < CONSOLE_QUEUE_MAX) this.#wake();
    });
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  full(): Promise<void> | null {
    if (this.#pending < CONSOLE_QUEUE_MAX || this.#closed) return null;
    return new Promise((r) => this.#waiters.push(r));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#wake();
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
  }
}

/**
 * How much of a client's upload may wait to be written to the file before
 * the client's socket stops being read (its sender is then held back by the
 * socket): issue 20's bound on what a transfer may make the daemon hold.
 */
const UPLOAD_QUEUE_MAX = 4 * 1024 * 1024;
/** How much of a download may wait to be written to the client's socket. */
const DOWNLOAD_QUEUE_MAX = 4 * 1024 * 1024;

/**
 * vol-upload: the client's data is written to the volume, within `length`
 * (0: no limit). A sparse upload's holes are skipped with a seek and the
 * file cut there (libvirt's virFDStreamThreadDoWrite: lseek, ftruncate), so
 * they read as zeros and take no space; later data extends the file again.
 */
class FileUpload implements StreamSink {
  readonly #file: Deno.FsFile;
  #left: number;
  #closed = false;
  /** Data to write, or (chunk null) a hole of `hole` bytes to skip. */
  readonly #queue: { chunk: Uint8Array | null; hole: number; release?: () => void }[] = [];
  #queued = 0;
  /** The write loop, while it runs. */
  #writer: Promise<void> | null = null;
  #error: unknown = null;
  #waiters: (() => void)[] = [];

  /** Set for a sparse upload: holes are taken (see StreamSink.hole). */
  readonly hole?: (length: number) => void;
  readonly #path: string;
  /** Called once, at the first failed write: the stream ends with the error. */
  readonly #failed: (err: VirError) => void;

  constructor(
    file: Deno.FsFile,
    path: string,
    length: number,
    sparse: boolean,
    failed: (err: VirError) => void,
  ) {
    this.#file = file;
    this.#path = path;
    this.#left = length > 0 ? length : Infinity;
    if (sparse) this.hole = (n) => this.#hole(n);
    this.#failed = failed;
  }

  start(): void {}

  #hole(length: number): void {
    if (this.#closed || this.#error !== null || this.#left <= 0 || length === 0) return;
    const n = Math.min(length, this.#left);
    this.#left -= n;
    this.#queue.push({ chunk: null, hole: n });
    this.#writer ??= this.#drain();
  }

  write(data: Uint8Array, release?: () => void): void {
    if (this.#closed || this.#error !== null || this.#left <= 0) return;
    const chunk = data.length > this.#left ? data.subarray(0, this.#left) : data;
    this.#left -= chunk.length;
    this.#queue.push(release ? { chunk, hole: 0, release } : { chunk, hole: 0 });
    this.#queued += chunk.length;
    this.#writer ??= this.#drain();
  }

  /** Writes what is queued, in order, one chunk at a time (no copies). */
  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0 && !this.#closed) {
        const { chunk, hole, release } = this.#queue.shift()!;
        if (chunk === null) {
          await this.#file.truncate(await this.#file.seek(hole, Deno.SeekMode.Current));
          continue;
        }
        let off = 0;
        while (off < chunk.length) off += await this.#file.write(chunk.subarray(off));
        this.#queued -= chunk.length;
        release?.();
        if (this.#queued <= UPLOAD_QUEUE_MAX / 2) this.#wake();
      }
    } catch (e) {
      // libvirt's virFDStreamThreadDoWrite: "Unable to write PATH: <errno text>".
      this.#error = fileError(VIR_FROM_STREAMS, `Unable to write ${this.#path}`, this.#path, e);
      this.#queue.length = 0;
      this.#queued = 0;
      if (!this.#closed) this.#failed(this.#error as VirError);
    } finally {
      this.#writer = null;
      this.#wake();
    }
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  full(): Promise<void> | null {
    if (this.#queued < UPLOAD_QUEUE_MAX || this.#closed) return null;
    return new Promise((r) => this.#waiters.push(r));
  }

  async finish(): Promise<void> {
    try {
      while (this.#writer) await this.#writer;
      if (this.#error !== null) throw this.#error;
      await this.#file.sync();
    } finally {
      this.close();
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#wake();
    // A write under way finishes first.
    (this.#writer ?? Promise.resolve()).finally(() => this.#file.close()).catch(() => {});
  }
}

/**
 * vol-download: the volume is read straight into stream packets (at most
 * libvirt's VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX of data each, as libvirtd
 * sends), reused once written, pacing itself on the client's unsent bytes.
 */
class FileDownload implements StreamSink {
  readonly #file: Deno.FsFile;
  readonly #client: Client;
  readonly #serial: number;
  #left: number;
  #closed = false;
  /** A sparse download's view of the file's holes (null: all data). */
  readonly #holes: HoleFinder | null;
  readonly #sparse: boolean;
  #pos: number;

  constructor(
    file: Deno.FsFile,
    offset: number,
    length: number,
    client: Client,
    serial: number,
    sparse: { holes: HoleFinder | null } | null,
  ) {
    this.#file = file;
    this.#pos = offset;
    this.#left = length > 0 ? length : Infinity;
    this.#client = client;
    this.#serial = serial;
    this.#sparse = sparse !== null;
    this.#holes = sparse?.holes ?? null;
  }

  /**
   * A sparse download's next section, as libvirtd's daemonStreamHandleRead
   * asks virFileInData before each: its data bytes, or 0 after a hole was
   * sent and skipped; null at the end of the file.
   */
  async #nextSection(): Promise<number | null> {
    if (!this.#holes) return Infinity;
    const s = this.#holes.section(this.#pos);
    const length = Math.min(s.length, this.#left);
    if (length === 0) return null;
    if (s.data) return length;
    if (!this.#client.streamHole(this.#serial, length)) return null;
    this.#pos = await this.#file.seek(length, Deno.SeekMode.Current);
    this.#left -= length;
    return 0;
  }

  start(): void {
    (async () => {
      const free: Uint8Array[] = [];
      const size = PAYLOAD_OFFSET + VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX;
      /** Data bytes left in the section being sent (sparse). */
      let section = 0;
      try {
        while (!this.#closed && this.#left > 0) {
          await this.#client.whenUnsentBelow(DOWNLOAD_QUEUE_MAX);
          if (this.#closed) break;
          if (this.#sparse && section === 0) {
            const next = await this.#nextSection();
            if (next === null) break;
            section = next;
            if (section === 0) continue;
          }
          const packet = free.pop() ?? new Uint8Array(size);
          const want = Math.min(
            VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX,
            this.#left,
            section || Infinity,
          );
          const n = await this.#file.read(packet.subarray(PAYLOAD_OFFSET, PAYLOAD_OFFSET + want));
          if (n === null || this.#closed) break;
          this.#left -= n;
          this.#pos += n;
          if (this.#sparse) section -= n;
          const sent = this.#client.streamPacket(
            this.#serial,
            packet.subarray(0, PAYLOAD_OFFSET + n),
            () => free.push(packet),
          );
          if (!sent) break;
        }
      } catch {
        // Read failed: end the stream.
      }
      if (!this.#closed) this.#client.streamEnd(this.#serial);
    })();
  }

  write(): void {}

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#holes?.close();
    try {
      this.#file.close();
    } catch {
      // Already closed.
    }
  }
}

export class QemuHost {
  readonly #internal: InternalClient;
  readonly #settings: QemuSettings;
  /** Set by the daemon: the connected client of record `index` and generation `gen`. */
  clientAt: (index: number, gen: number) => Client | null = () => null;
  readonly #monitors = new Map<string, Attached>();
  #stopping = false;

  constructor(internal: InternalClient, settings: QemuSettings) {
    this.#internal = internal;
    this.#settings = settings;
  }

  /** Loads the driver's state in a Worker (definitions, running domains); then autostart. */
  async init(): Promise<boolean> {
    // The directories are made when first needed (a definition, a start).
    return await this.#internal.call(INTERNAL_PROC_QEMU_INIT, this.#settings);
  }

  /**
   * SIGHUP: reads the persistent definitions again (libvirt's qemuStateReload),
   * queued behind any QEMU event so it sees the state they leave.
   */
  reload(): Promise<boolean> {
    return this.#internal.call(INTERNAL_PROC_QEMU_RELOAD, {});
  }

  /** Does one I/O request of a Worker. */
  handle(req: IoRequest): Promise<unknown> {
    const uuid = String(req.uuid ?? "");
    switch (req.op) {
      case "qemu.launch":
        return this.#launch(
          uuid,
          String(req.emulator),
          req.args as string[],
          String(req.monitor),
          String(req.pidfile),
          String(req.log),
        );
      case "qemu.attach":
        return this.#attach(uuid, Number(req.pid), String(req.monitor));
      case "qemu.qmp":
        return this.#monitor(uuid).then((m) =>
          m.execute(String(req.cmd), req.args as Record<string, unknown> | undefined)
        );
      case "qemu.monitor":
        return this.#monitor(uuid).then((m) =>
          req.hmp
            ? m.execute("human-monitor-command", { "command-line": String(req.cmd) })
            : m.executeRaw(String(req.cmd))
        );
      case "qemu.console":
        return Promise.resolve(
          this.#console(
            Number(req.client),
            Number(req.gen),
            req.header as Header,
            String(req.path),
          ),
        );
      case "storage.upload":
      case "storage.download":
        return this.#volumeStream(
          req.op === "storage.upload",
          Number(req.client),
          Number(req.gen),
          req.header as Header,
          String(req.path),
          Number(req.offset),
          Number(req.length),
          Boolean(req.sparse),
        );
      case "qemu.kill":
        return this.#kill(uuid, Number(req.pid), Number(req.graceMs ?? 10_000));
      default:
        // Bridges, taps, firewall rules and dnsmasq: the network driver's host work.
        if (req.op.startsWith("net.")) return handleNetworkIo(req);
        return Promise.reject(
          VirError.internal(VIR_FROM_QEMU, `unknown I/O request '${req.op}'`),
        );
    }
  }

  async #launch(
    uuid: string,
    emulator: string,
    args: string[],
    monitor: string,
    pidfile: string,
    logFile: string,
  ): Promise<{ pid: number }> {
    await Deno.mkdir(this.#settings.stateDir, { recursive: true, mode: 0o700 });
    for (const f of [monitor, pidfile]) await Deno.remove(f).catch(() => {});
    const header = `${new Date().toISOString()}: starting up\n${emulator} ${args.join(" ")}\n`;
    await Deno.writeTextFile(logFile, header, { append: true, mode: 0o600 });
    // QEMU daemonizes: the command returns once the guest's process is set up
    // (monitor socket listening), and that process outlives the daemon.
    const out = await new Deno.Command(emulator, {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output().catch((e) => {
      throw launchFailure(-1, `cannot run ${emulator}: ${e instanceof Error ? e.message : e}`);
    });
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    await Deno.writeTextFile(logFile, text, { append: true });
    if (!out.success) throw launchFailure(out.code, text);
    const pid = Number((await Deno.readTextFile(pidfile)).trim());
    try {
      await this.#attach(uuid, pid, monitor);
    } catch (e) {
      await this.#kill(uuid, pid, 1000);
      throw e;
    }
    return { pid };
  }

  async #attach(uuid: string, pid: number, path: string): Promise<{ status: unknown }> {
    this.#monitors.get(uuid)?.monitor.close();
    const monitor = await QmpMonitor.connect(path, 10_000);
    const a: Attached = { monitor, pid };
    this.#monitors.set(uuid, a);
    monitor.onEvent = (e) => this.#post({ uuid, pid, event: e.event, data: e.data });
    monitor.onClose = () => {
      if (this.#monitors.get(uuid) === a) this.#monitors.delete(uuid);
      if (this.#stopping) return;
      // Wait (briefly) for the process to be gone, so the Worker sees it dead.
      (async () => {
        for (let i = 0; i < 100 && (await aliveAsync(pid)); i++) await sleep(20);
        this.#post({ uuid, pid, event: "EOF", data: { alive: await aliveAsync(pid) } });
      })();
    };
    const status = await monitor.execute("query-status");
    return { status };
  }

  /** The open monitor of a running domain. */
  #monitor(uuid: string): Promise<QmpMonitor> {
    const a = this.#monitors.get(uuid);
    if (!a || a.monitor.closed) {
      return Promise.reject(
        VirError.of(VIR_ERR_OPERATION_INVALID, VIR_FROM_QEMU, "domain is not running"),
      );
    }
    return Promise.resolve(a.monitor);
  }

  /**
   * SIGTERM, then SIGKILL after `graceMs` (libvirt's virProcessKillPainfully);
   * resolves once QEMU is gone — its monitor closing tells, or the process table.
   */
  async #kill(uuid: string, pid: number, graceMs: number): Promise<Record<string, never>> {
    const a = this.#monitors.get(uuid);
    const attached = a?.pid === pid ? a : null;
    const gone = async (ms: number): Promise<boolean> => {
      const deadline = Date.now() + ms;
      if (attached && !attached.monitor.closed) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([
          attached.monitor.done,
          new Promise((r) => (timer = setTimeout(r, ms))),
        ]);
        clearTimeout(timer);
        if (attached.monitor.closed) return true;
      }
      while (await aliveAsync(pid)) {
        if (Date.now() >= deadline) return false;
        await sleep(20);
      }
      return true;
    };
    if (pid > 0 && (await signal(pid, "SIGTERM")) && !(await gone(graceMs))) {
      logger.warn("QEMU {pid} ignored SIGTERM; killing it", { pid });
      await signal(pid, "SIGKILL");
      await gone(5000);
    }
    if (attached && this.#monitors.get(uuid) === attached) {
      this.#monitors.delete(uuid);
      attached.monitor.close();
    }
    return {};
  }

  async #console(
    client: number,
    gen: number,
    h: Header,
    path: string,
  ): Promise<Record<string, never>> {
    let conn: Deno.UnixConn;
    try {
      conn = await Deno.connect({ transport: "unix", path });
    } catch (e) {
      throw VirError.of(
        VIR_ERR_OPERATION_FAILED,
        VIR_FROM_QEMU,
        `cannot open console: ${e instanceof Error ? e.message : e}`,
      );
    }
    const c = this.clientAt(client, gen);
    if (!c) {
      conn.close();
      throw VirError.of(VIR_ERR_OPERATION_FAILED, VIR_FROM_QEMU, "the client is gone");
    }
    c.openDuplex(h, new SerialConsole(conn, c, h.serial));
    return {};
  }

  /** A volume upload or download: the event loop streams between the file and the client. */
  async #volumeStream(
    upload: boolean,
    client: number,
    gen: number,
    h: Header,
    path: string,
    offset: number,
    length: number,
    sparse: boolean,
  ): Promise<Record<string, never>> {
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path, upload ? { write: true } : { read: true });
      await file.seek(offset, Deno.SeekMode.Start);
    } catch (e) {
      throw fileError(VIR_FROM_STORAGE, `cannot open volume '${path}'`, path, e);
    }
    const c = this.clientAt(client, gen);
    if (!c) {
      file.close();
      throw VirError.of(VIR_ERR_OPERATION_FAILED, VIR_FROM_QEMU, "the client is gone");
    }
    c.openDuplex(
      h,
      upload
        ? new FileUpload(file, path, length, sparse, (err) => c.streamError(h.serial, err))
        : new FileDownload(
          file,
          offset,
          length,
          c,
          h.serial,
          sparse ? { holes: openHoleFinder(path) } : null,
        ),
    );
    return {};
  }

  /**
   * A request whose Worker died before the answer: a QEMU it launched belongs
   * to no domain (the start never recorded it), so it is ended.
   */
  orphaned(req: IoRequest, value: unknown): void {
    if (req.op !== "qemu.launch") return;
    const pid = (value as { pid?: number } | null)?.pid ?? 0;
    logger.warn("the start of {uuid} lost its Worker: ending QEMU {pid}", { uuid: req.uuid, pid });
    this.#kill(String(req.uuid), pid, 1000).catch(() => {});
  }

  #post(arg: QemuEventArg): void {
    this.#internal.call(INTERNAL_PROC_QEMU_EVENT, arg);
  }

  /** Daemon shutdown: close every monitor; the QEMU processes keep running. */
  stop(): void {
    this.#stopping = true;
    for (const a of this.#monitors.values()) a.monitor.close();
    this.#monitors.clear();
  }

  /** Running domains with a monitor attached (diagnostics and tests). */
  get attached(): number {
    return this.#monitors.size;
  }
}

/** A launch that QEMU refused: its exit status and the end of what it printed. */
export function launchFailure(code: number, stderr: string): VirError {
  const tail = stderr.trim().split("\n").slice(-5).join("\n");
  return VirError.of(
    VIR_ERR_INTERNAL_ERROR,
    VIR_FROM_QEMU,
    `qemu unexpectedly closed the monitor: ${tail || `exit status ${code}`}`,
  );
}
