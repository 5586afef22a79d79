/**
 * The errors the test driver raises, as libvirt 9.0 raises them: its own
 * (VIR_FROM_TEST: virCheckFlags, virReportError, virReportSystemError), the remote
 * dispatcher's limits, and the error of a driver that failed without one.
 *
 * @module
 */

import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_INTERNAL_ERROR,
  VIR_FROM_NONE,
  VIR_FROM_RPC,
  VIR_FROM_TEST,
} from "../../rpc/error_codes.ts";
import { checkFlagsIn } from "../../util/flags.ts";
import { systemError } from "../system_error.ts";

/** virCheckFlags in the test driver: any flag outside `allowed` is refused, naming `fn`. */
export function checkFlags(fn: string, flags: number, allowed: number): void {
  checkFlagsIn(VIR_FROM_TEST, fn, flags, allowed);
}

export function testError(code: number, detail: string): VirError {
  return VirError.of(code, VIR_FROM_TEST, detail);
}

/** virReportSystemError in the test driver. */
export function testSystemError(message: string, errno: number, strerror: string): VirError {
  return systemError(VIR_FROM_TEST, message, errno, strerror);
}

/** The error libvirt raises when a driver fails without setting one (virErrorGenericFailure). */
export function unknownError(): VirError {
  const e = new VirError({
    code: VIR_ERR_INTERNAL_ERROR,
    domain: VIR_FROM_NONE,
    str1: "%s",
    int1: 0,
    int2: 0,
  });
  e.message = "An error occurred, but the cause is unknown";
  Object.assign(e, { str1: null });
  return e;
}

/** An RPC-layer limit the remote dispatcher enforces (VIR_ERR_INTERNAL_ERROR in VIR_FROM_RPC). */
export function rpcLimit(detail: string): VirError {
  return VirError.of(VIR_ERR_INTERNAL_ERROR, VIR_FROM_RPC, detail);
}
