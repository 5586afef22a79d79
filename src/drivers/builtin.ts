/**
 * The driver modules denovirt ships, as a Worker knows them before it has
 * loaded them: which driver ids and URIs each serves and which programs
 * besides the remote one. A Worker loads a module the first time a call
 * needs it (issue 16: an idle Worker then holds no driver code — about 9 MB
 * of heap per isolate — and the admin server's Workers never load one).
 *
 * @module
 */

import { QEMU_PROGRAM_DEF } from "../protocol/qemu.ts";
import { DENOVIRT_INTERNAL_PROGRAM_DEF } from "../protocol/internal.ts";
import type { Program } from "../protocol/program.ts";

/** The test driver's id in client records. */
export const TEST_DRIVER_ID = 1;
/** The QEMU driver's id in client records. */
export const QEMU_DRIVER_ID = 2;

/** A driver module loaded on first use. */
export interface LazyModule {
  readonly url: string;
  /** The drivers it registers, and the URIs each opens. */
  readonly drivers: readonly { readonly id: number; accepts(uri: string): boolean }[];
  /** Programs besides the remote one that it serves. */
  readonly programs: readonly Program[];
}

/** `test:///default` and `test:///PATH`. */
export function acceptsTestUri(uri: string): boolean {
  return /^test:\/\//.test(uri);
}

/** `qemu:///system` and `qemu:///session` (other paths are refused by the driver's open). */
export function acceptsQemuUri(uri: string): boolean {
  return /^qemu:\/\/\//.test(uri);
}

export const BUILTIN_MODULES: readonly LazyModule[] = [
  {
    url: new URL("./test/mod.ts", import.meta.url).href,
    drivers: [{ id: TEST_DRIVER_ID, accepts: acceptsTestUri }],
    programs: [],
  },
  {
    url: new URL("./qemu/mod.ts", import.meta.url).href,
    drivers: [{ id: QEMU_DRIVER_ID, accepts: acceptsQemuUri }],
    programs: [QEMU_PROGRAM_DEF, DENOVIRT_INTERNAL_PROGRAM_DEF],
  },
];
