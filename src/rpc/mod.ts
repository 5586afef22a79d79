/**
 * libvirt's RPC layer: constants, framing, the header, errors, typed
 * parameters. It never acts on a payload; programs do.
 *
 * @module
 */

export * from "./constants.ts";
export * from "./error_codes.ts";
export * from "./error.ts";
export * from "./framing.ts";
export * from "./header.ts";
export * from "./typed_params.ts";
