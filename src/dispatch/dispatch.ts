/**
 * Runs one call in a Worker: decodes its arguments with the procedure's
 * codec, applies the program's checks, calls the handler and encodes the
 * reply — or the libvirt error that stands in for it.
 *
 * @module
 */

import {
  beginPacket,
  decodeHeader,
  encodePacket,
  finishPacket,
  type Header,
  PAYLOAD_OFFSET,
} from "../rpc/header.ts";
import {
  VIR_NET_CONTINUE,
  VIR_NET_ERROR,
  VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX,
  VIR_NET_OK,
  VIR_NET_REPLY,
  VIR_NET_STREAM,
} from "../rpc/constants.ts";
import { VirError, writeVirError } from "../rpc/error.ts";
import {
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_NO_SUPPORT,
  VIR_FROM_NONE,
  VIR_FROM_RPC,
} from "../rpc/error_codes.ts";
import type { Procedure, ProcedureInfo, Program } from "../protocol/program.ts";
import { XdrError, XdrReader, XdrWriter } from "../xdr/mod.ts";
import type { CallContext, ClientView, Handler, WorkerEnv } from "./context.ts";
import { log } from "../log.ts";

/** How a program's calls are served. */
export interface ProgramService {
  readonly program: Program;
  /**
   * Loads what serving this call needs (a driver module not loaded yet in
   * this Worker), before anything else; the service is then looked up again.
   */
  readonly ready?: (client: ClientView) => Promise<unknown> | undefined;
  /** Checks made before decoding (e.g. "connection not open"); throws a VirError to refuse. */
  readonly admit?: (ctx: CallContext) => void;
  /**
   * The public API's argument checks, made after `admit` and before any
   * handler is looked for (libvirtd runs them even for a call no driver has).
   */
  readonly checkArgs?: (ctx: CallContext, args: unknown) => void;
  /** The handler of a procedure for this call, or undefined when none implements it. */
  readonly handler: (ctx: CallContext) => Handler | undefined;
  /** The error for a procedure nobody implements. */
  readonly unsupported?: (info: ProcedureInfo) => VirError;
}

/** libvirt's "not supported" error, naming the public API function. */
export function noSupport(api: string, domain = VIR_FROM_NONE): VirError {
  return VirError.of(VIR_ERR_NO_SUPPORT, domain, api);
}

export interface DispatchResult {
  /**
   * The reply packet: a view of this thread's reply writer, valid until the
   * next call is dispatched — the Worker copies it into its mailbox at once,
   * so a 4 MiB reply is not copied twice (issue 20).
   */
  reply: Uint8Array;
  /** Close the connection after the reply is written. */
  closeAfter: boolean;
  /** STREAM packets to send after the reply, the last one the empty end-of-data packet. */
  stream: Uint8Array[] | null;
}

/** Splits stream data into STREAM/CONTINUE packets of at most libvirtd's chunk, then an empty one. */
export function streamPackets(h: Header, data: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const head = { ...h, type: VIR_NET_STREAM, status: VIR_NET_CONTINUE };
  for (let off = 0; off < data.length; off += VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX) {
    const chunk = data.subarray(off, off + VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX);
    out.push(encodePacket(head, (w) => w.writeRaw(chunk)));
  }
  out.push(encodePacket(head));
  return out;
}

const writer = new XdrWriter(64 * 1024);

function errorReply(h: Header, err: VirError): Uint8Array {
  beginPacket(writer, { ...h, type: VIR_NET_REPLY, status: VIR_NET_ERROR });
  writeVirError(writer, err);
  return finishPacket(writer);
}

function asVirError(e: unknown, what: string): VirError {
  if (e instanceof VirError) return e;
  log("dispatch").error("{what} failed: {error}", { what, error: e });
  const detail = e instanceof Error ? e.message : String(e);
  return new VirError({
    code: VIR_ERR_INTERNAL_ERROR,
    domain: VIR_FROM_RPC,
    str1: "internal error: %s",
    str2: detail,
  });
}

/**
 * Runs the call in `packet` (length word included) for `client`. The
 * event loop has already checked the header: the program and procedure
 * exist, the type is CALL and the status OK.
 */
export async function dispatchCall(
  packet: Uint8Array,
  client: ClientView,
  services: ReadonlyMap<number, ProgramService>,
  env: WorkerEnv,
): Promise<DispatchResult> {
  const header = decodeHeader(packet);
  let service = services.get(header.prog);
  // Nothing to wait for once loaded: no await on the per-call path then.
  const loading = service?.ready?.(client);
  if (loading) {
    try {
      await loading;
    } catch (e) {
      log("dispatch").error("cannot load what {prog} {proc} needs: {error}", {
        prog: header.prog,
        proc: header.proc,
        error: e,
      });
      return {
        reply: errorReply(header, VirError.internal(VIR_FROM_RPC, "cannot load the driver")),
        closeAfter: false,
        stream: null,
      };
    }
    service = services.get(header.prog);
  }
  let closeAfter = false;
  let streamData: Uint8Array | null = null;
  const done = (reply: Uint8Array): DispatchResult => ({
    reply,
    closeAfter,
    stream: streamData ? streamPackets(header, streamData) : null,
  });
  if (!service) {
    return done(
      errorReply(header, VirError.rpc(`Cannot find program ${header.prog} version ${header.vers}`)),
    );
  }
  const info = service.program.info.get(header.proc);
  if (!info) return done(errorReply(header, VirError.rpc(`unknown procedure: ${header.proc}`)));
  const procedure: Procedure | undefined = service.program.procedures.get(header.proc);
  const ctx: CallContext = {
    header,
    procedure: procedure ?? { ...info, args: undefined!, ret: undefined! },
    client,
    env,
    closeAfterReply() {
      closeAfter = true;
    },
    streamOut(data: Uint8Array) {
      streamData = data;
    },
  };
  try {
    // libvirtd's order: decode the arguments, then the API layer's checks
    // (connection open, read-only), then the driver's implementation.
    if (!procedure) throw service.unsupported?.(info) ?? noSupport(info.name);
    let args: unknown;
    try {
      args = procedure.args.decode(new XdrReader(packet, PAYLOAD_OFFSET));
    } catch (e) {
      if (e instanceof XdrError) throw VirError.rpc("Unable to decode message payload");
      throw e;
    }
    service.admit?.(ctx);
    service.checkArgs?.(ctx, args);
    const handler = service.handler(ctx);
    if (!handler) throw service.unsupported?.(info) ?? noSupport(info.name);
    const ret = await handler(ctx, args);
    beginPacket(writer, { ...header, type: VIR_NET_REPLY, status: VIR_NET_OK });
    procedure.ret.encode(writer, ret);
    return done(finishPacket(writer));
  } catch (e) {
    // A failed call opens no stream, and the driver values it read may have
    // been changed in place without being written back: drop the cached ones.
    streamData = null;
    env.store.forgetAll();
    return done(errorReply(header, asVirError(e, `${service.program.name} ${info.name}`)));
  }
}
