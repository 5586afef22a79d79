/**
 * Where a file's holes are: libvirt's virFileInData (lseek with SEEK_DATA and
 * SEEK_HOLE), which a sparse volume download asks before each section. Deno
 * has no SEEK_DATA, so this calls libc through FFI; without the FFI
 * permission (`--sandbox`) there is no finder, and the file reads as all
 * data, as libvirt reads a block device.
 *
 * @example
 * ```ts
 * import { openHoleFinder } from "./file_holes.ts";
 * const f = openHoleFinder("/var/lib/libvirt/images/disk.img");
 * const s = f?.section(0); // { data: false, length: 1048576 }: a 1 MiB hole first
 * f?.close();
 * ```
 *
 * @module
 */

import { openLibc } from "./libc.ts";

const SEEK_END = 2;
const SEEK_DATA = 3;
const SEEK_HOLE = 4;
const O_RDONLY = 0;
const O_CLOEXEC = 0o2000000;

const SYMBOLS = {
  open: { parameters: ["buffer", "i32"], result: "i32" },
  lseek: { parameters: ["i32", "i64", "i32"], result: "i64" },
  close: { parameters: ["i32"], result: "i32" },
} as const;

let libc: Deno.DynamicLibrary<typeof SYMBOLS> | null | undefined;

function loadLibc(): Deno.DynamicLibrary<typeof SYMBOLS> | null {
  if (libc !== undefined) return libc;
  libc = openLibc(SYMBOLS);
  return libc;
}

/** A section of a file from some offset: data or a hole, and how long it runs. */
export interface FileSection {
  data: boolean;
  /** Bytes to the section's end; 0 at the end of the file. */
  length: number;
}

/** A file opened to find its holes (its own descriptor: no read position is moved). */
export class HoleFinder {
  readonly #lib: Deno.DynamicLibrary<typeof SYMBOLS>;
  #fd: number;

  constructor(lib: Deno.DynamicLibrary<typeof SYMBOLS>, fd: number) {
    this.#lib = lib;
    this.#fd = fd;
  }

  /**
   * The section at `offset`, as virFileInData reports it: in data, up to the
   * next hole; in a hole, up to the next data or the end of the file.
   */
  section(offset: number): FileSection {
    const s = this.#lib.symbols;
    const at = BigInt(offset);
    const data = s.lseek(this.#fd, at, SEEK_DATA);
    if (data < 0n) {
      // ENXIO: no data after `offset` — a trailing hole, or the end.
      const end = s.lseek(this.#fd, 0n, SEEK_END);
      return { data: false, length: Math.max(0, Number(end - at)) };
    }
    if (data > at) return { data: false, length: Number(data - at) };
    const hole = s.lseek(this.#fd, at, SEEK_HOLE);
    return { data: true, length: Number(hole - at) };
  }

  close(): void {
    if (this.#fd < 0) return;
    this.#lib.symbols.close(this.#fd);
    this.#fd = -1;
  }
}

/** A finder for `path`, or null when holes cannot be found here (no FFI, or it cannot open). */
export function openHoleFinder(path: string): HoleFinder | null {
  const lib = loadLibc();
  if (!lib) return null;
  const fd = lib.symbols.open(new TextEncoder().encode(path + "\0"), O_RDONLY | O_CLOEXEC);
  return fd < 0 ? null : new HoleFinder(lib, fd);
}
