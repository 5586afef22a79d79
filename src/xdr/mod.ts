/**
 * XDR (RFC 4506), written for denovirt: the codec every packet goes through.
 *
 * @module
 */

export { XdrError } from "./error.ts";
export { padding, XdrReader } from "./reader.ts";
export { XdrWriter } from "./writer.ts";
export * from "./codec.ts";
