/**
 * A failed file operation in libvirt's words (virReportSystemError: "WHAT:
 * strerror", code 38, errno in int1). Under `deno task serve --sandbox` a path
 * outside what the daemon may reach fails with Deno's NotCapable, whose own
 * advice ("run again with the --allow-read flag") is wrong for a daemon: it
 * becomes "Permission denied" with the option that allows the path.
 *
 * @module
 */

import { VirError } from "../rpc/error.ts";
import { VIR_ERR_SYSTEM_ERROR } from "../rpc/error_codes.ts";

const EACCES = 13;
const EIO = 5;

/** What a sandboxed daemon answers for `path`, after "Permission denied". */
export function sandboxHint(path: string): string {
  return `denovirt --sandbox: allow '${path}' or a directory above it ` +
    `with --allow-path or sandbox_allow_paths`;
}

/** errno and its text for a failed Deno file operation on `path`. */
export function errnoOf(e: unknown, path: string): [number, string] {
  if (e instanceof Deno.errors.NotCapable) {
    return [EACCES, `Permission denied (${sandboxHint(path)})`];
  }
  // Deno's message: "No such file or directory (os error 2): open '/x'".
  const m = e instanceof Error ? /^(.*?) \(os error (\d+)\)/.exec(e.message) : null;
  if (m) return [Number(m[2]), m[1]!];
  return [EIO, "Input/output error"];
}

/** virReportSystemError: `message: strerror` in `domain`, errno in int1. */
export function systemError(
  domain: number,
  message: string,
  errno: number,
  strerror: string,
): VirError {
  return new VirError({
    code: VIR_ERR_SYSTEM_ERROR,
    domain,
    str1: "%s",
    str2: `${message}: ${strerror}`,
    int1: errno,
  });
}

/** A failed Deno file operation on `path` as virReportSystemError would put it. */
export function fileError(domain: number, message: string, path: string, e: unknown): VirError {
  const [errno, text] = errnoOf(e, path);
  return systemError(domain, message, errno, text);
}

/**
 * Refuses a path the daemon hands to another program (QEMU opens disks and
 * dump files itself, beyond Deno's permissions) when the daemon itself may not
 * reach it: a no-op under the default, the sandbox's limit under --sandbox.
 */
export function requireReach(
  domain: number,
  message: string,
  path: string,
  write: boolean,
): void {
  const ok = (name: "read" | "write") =>
    Deno.permissions.querySync({ name, path }).state === "granted";
  if (ok("read") && (!write || ok("write"))) return;
  throw systemError(domain, message, EACCES, `Permission denied (${sandboxHint(path)})`);
}
