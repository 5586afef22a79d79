/**
 * The C library through Deno's FFI, where the daemon may use it: on Linux,
 * with the FFI permission granted. The permission is asked, never prompted
 * for: under `--sandbox` (no FFI) the callers' fallbacks apply.
 *
 * @module
 */

/** glibc with `symbols` bound, or null (not Linux, no FFI permission, no libc.so.6). */
export function openLibc<const S extends Deno.ForeignLibraryInterface>(
  symbols: S,
): Deno.DynamicLibrary<S> | null {
  if (Deno.build.os !== "linux") return null;
  if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") return null;
  try {
    return Deno.dlopen("libc.so.6", symbols);
  } catch {
    return null;
  }
}
