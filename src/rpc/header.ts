/**
 * The six-word header that follows every packet's length word
 * (virNetMessageHeader), and the whole-packet encoder built on it.
 *
 * @module
 */

import { XdrError, XdrReader, XdrWriter } from "../xdr/mod.ts";
import {
  VIR_NET_MESSAGE_HEADER_MAX,
  VIR_NET_MESSAGE_LEN_MAX,
  VIR_NET_MESSAGE_MAX_PACKET,
} from "./constants.ts";

/**
 * A decoded header. `type` and `status` are kept as the raw ints sent, so
 * the server can decide what to do with values it does not know.
 */
export interface Header {
  prog: number;
  vers: number;
  proc: number;
  type: number;
  serial: number;
  status: number;
}

/** Bytes before the payload: the length word and the header. */
export const PAYLOAD_OFFSET = VIR_NET_MESSAGE_LEN_MAX + VIR_NET_MESSAGE_HEADER_MAX;

/**
 * Decodes the header of a packet (`packet` starts with the length word).
 * Fails with XdrError when fewer than 28 bytes are there.
 */
export function decodeHeader(packet: Uint8Array): Header {
  const r = new XdrReader(packet, VIR_NET_MESSAGE_LEN_MAX);
  return {
    prog: r.readUint(),
    vers: r.readUint(),
    proc: r.readInt(),
    type: r.readInt(),
    serial: r.readUint(),
    status: r.readInt(),
  };
}

/** Writes a placeholder length word and the header; `finishPacket` fills the length. */
export function beginPacket(w: XdrWriter, h: Header): void {
  w.reset();
  w.writeUint(0);
  w.writeUint(h.prog);
  w.writeUint(h.vers);
  w.writeInt(h.proc);
  w.writeInt(h.type);
  w.writeUint(h.serial);
  w.writeInt(h.status);
}

/** Patches the length word and returns the packet's bytes (a view of `w`). */
export function finishPacket(w: XdrWriter): Uint8Array {
  if (w.length > VIR_NET_MESSAGE_MAX_PACKET) {
    throw new XdrError(
      w.length,
      `packet of ${w.length} bytes exceeds the ${VIR_NET_MESSAGE_MAX_PACKET}-byte maximum`,
    );
  }
  w.patchUint(0, w.length);
  return w.view();
}

/**
 * Writes the length word (`packet`'s length) and the header into the first
 * 28 bytes of `packet`, whose payload the caller has put in place: a stream's
 * data is read straight into its packet, not copied into one.
 */
export function writeHeaderInto(packet: Uint8Array, h: Header): void {
  const v = new DataView(packet.buffer, packet.byteOffset, PAYLOAD_OFFSET);
  v.setUint32(0, packet.length);
  v.setUint32(4, h.prog);
  v.setUint32(8, h.vers);
  v.setInt32(12, h.proc);
  v.setInt32(16, h.type);
  v.setUint32(20, h.serial);
  v.setInt32(24, h.status);
}

/** Encodes a whole packet: length word, header, then `payload` written by `body`. */
export function encodePacket(h: Header, body?: (w: XdrWriter) => void): Uint8Array {
  const w = new XdrWriter(64);
  beginPacket(w, h);
  body?.(w);
  return finishPacket(w).slice();
}
