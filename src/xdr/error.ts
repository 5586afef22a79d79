/**
 * The one error every XDR decode (and encode) failure raises: where in the
 * buffer it happened and why, so a caller can answer "Unable to decode".
 *
 * @module
 */

/** A failure to read or write XDR data, with the byte offset it happened at. */
export class XdrError extends Error {
  override readonly name = "XdrError";
  /** Byte offset into the buffer being read or written. */
  readonly offset: number;
  /** Short reason without the offset, e.g. `string length 9 exceeds maximum 8`. */
  readonly reason: string;

  constructor(offset: number, reason: string) {
    super(`Cannot process XDR data at offset ${offset}: ${reason}`);
    this.offset = offset;
    this.reason = reason;
  }
}
