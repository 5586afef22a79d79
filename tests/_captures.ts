// Reads the packets captured from the reference libvirtd (one per line:
// `#conn dir time hex`) and decodes them with the protocol schema.

import { hex } from "./_hex.ts";
import {
  decodeHeader,
  type Header,
  PAYLOAD_OFFSET,
  remote_error,
  VIR_NET_CALL,
  VIR_NET_ERROR,
  VIR_NET_MESSAGE,
  VIR_NET_OK,
  VIR_NET_REPLY,
  VIR_NET_STREAM,
} from "../src/rpc/mod.ts";
import { PROGRAMS } from "../src/protocol/mod.ts";
import { type Codec, decode, encode } from "../src/xdr/mod.ts";

export interface CapturedPacket {
  file: string;
  conn: string;
  dir: "C>S" | "S>C";
  bytes: Uint8Array;
}

const DIR = new URL("./testdata/captures/", import.meta.url);

export function captureFiles(): string[] {
  return [...Deno.readDirSync(DIR)].filter((e) => e.name.endsWith(".log")).map((e) => e.name)
    .sort();
}

export function readCapture(file: string): CapturedPacket[] {
  const out: CapturedPacket[] = [];
  for (const line of Deno.readTextFileSync(new URL(file, DIR)).split("\n")) {
    const [conn, dir, , data] = line.trim().split(/\s+/);
    if (!conn || !data || data === "EOF" || (dir !== "C>S" && dir !== "S>C")) continue;
    out.push({ file, conn, dir, bytes: hex(data) });
  }
  return out;
}

/** The codec that carries a packet's payload, or null for raw stream data. */
// deno-lint-ignore no-explicit-any
export function payloadCodec(h: Header): Codec<any> | null {
  if (h.type === VIR_NET_STREAM && h.status === VIR_NET_CONTINUE_STATUS) return null;
  if (h.status === VIR_NET_ERROR) return remote_error;
  const prog = PROGRAMS.get(h.prog);
  const proc = prog?.procedures.get(h.proc);
  if (!proc) {
    throw new Error(`no declaration for program 0x${h.prog.toString(16)} procedure ${h.proc}`);
  }
  if (h.type === VIR_NET_CALL || h.type === VIR_NET_MESSAGE) return proc.args;
  if (h.type === VIR_NET_REPLY && h.status === VIR_NET_OK) return proc.ret;
  if (h.type === VIR_NET_STREAM) return null;
  throw new Error(`unexpected packet type ${h.type} status ${h.status}`);
}
const VIR_NET_CONTINUE_STATUS = 2;

/** Decodes a packet's payload with the schema and encodes it again. */
export function roundTrip(
  bytes: Uint8Array,
): { header: Header; value: unknown; again: Uint8Array } {
  const header = decodeHeader(bytes);
  const codec = payloadCodec(header);
  const payload = bytes.subarray(PAYLOAD_OFFSET);
  if (codec === null) return { header, value: payload, again: payload.slice() };
  const value = decode(codec, payload, { exact: true });
  return { header, value, again: encode(codec, value) };
}
