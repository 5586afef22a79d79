/**
 * The test driver's own errors (VIR_FROM_TEST), as libvirt 9.0's
 * src/test/test_driver.c raises them.
 *
 * @module
 */

import { VIR_FROM_TEST } from "../../rpc/error_codes.ts";
import { checkFlagsIn } from "../../util/flags.ts";

/** virCheckFlags in the test driver: any flag outside `allowed` is refused, naming `fn`. */
export function checkFlags(fn: string, flags: number, allowed: number): void {
  checkFlagsIn(VIR_FROM_TEST, fn, flags, allowed);
}
