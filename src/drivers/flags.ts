// libvirt's virCheckFlags, for every driver: a flag outside those a driver
// function accepts is refused with code 8, the driver's error domain, the
// function's name in str1 and "flags" in str2.

import { VirError } from "../rpc/error.ts";
import { VIR_ERR_INVALID_ARG } from "../rpc/error_codes.ts";

export function checkFlagsIn(domain: number, fn: string, flags: number, allowed: number): void {
  const bad = (flags & ~allowed) >>> 0;
  if (bad === 0) return;
  const e = new VirError({
    code: VIR_ERR_INVALID_ARG,
    domain,
    str1: fn,
    str2: "flags",
    int1: 0,
    int2: 0,
  });
  e.message = `unsupported flags (0x${bad.toString(16)}) in function ${fn}`;
  throw e;
}
