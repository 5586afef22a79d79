/**
 * libvirt's virCheckFlags (internal.h): a flag outside those a function
 * accepts is refused with code 8 (VIR_ERR_INVALID_ARG) in the caller's
 * error domain, the function's name in str1 and "flags" in str2.
 *
 * @example
 * ```ts
 * import { checkFlagsIn } from "./flags.ts";
 * checkFlagsIn(12, "testNetworkGetXMLDesc", 0, 0); // passes
 * // checkFlagsIn(12, "testNetworkGetXMLDesc", 4, 0) throws
 * // "unsupported flags (0x4) in function testNetworkGetXMLDesc"
 * ```
 *
 * @module
 */

import { VirError } from "../rpc/error.ts";

/** Throws libvirt's error when `flags` holds a bit outside `allowed`. */
export function checkFlagsIn(domain: number, fn: string, flags: number, allowed: number): void {
  const bad = (flags & ~allowed) >>> 0;
  if (bad === 0) return;
  throw VirError.argument(
    domain,
    fn,
    "flags",
    `unsupported flags (0x${bad.toString(16)}) in function ${fn}`,
  );
}
