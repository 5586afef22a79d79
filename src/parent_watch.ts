/**
 * Noticing that the process which started this one is gone, so the daemon
 * does not outlive its launcher (`deno task`, or `serve.ts --sandbox`) as an
 * orphan still serving its sockets after a `kill -9`, an OOM kill or a
 * supervisor's stop timeout — none of which the launcher can forward.
 *
 * How: poll getppid() (`Deno.ppid`) against the pid that started us. When a
 * parent dies, the kernel hands its children to init or to the nearest
 * subreaper, both alive and with other pids, so the value never comes back to
 * the old one: no false alarm from pid reuse. It costs one syscall per
 * interval and needs no Deno permission. Not chosen: PR_SET_PDEATHSIG, which
 * needs FFI (a permission the sandbox should not hold) and fires when the
 * *thread* that forked dies — Deno forks from runtime threads that may end;
 * nor a pipe whose EOF the child watches, which only our own launcher could
 * provide (`deno task` hands its child the terminal's stdin).
 *
 * @module
 */

/** How often the parent is checked: a stopped launcher is noticed within this. */
export const PARENT_POLL_MS = 500;

/**
 * Calls `gone()` once, as soon as `parent` is no longer this process's parent
 * (at once if it already is not). Returns a function that stops watching.
 */
export function watchParent(parent: number, gone: () => void): () => void {
  let timer: ReturnType<typeof setInterval> | undefined;
  const check = () => {
    if (Deno.ppid === parent) return false;
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
    gone();
    return true;
  };
  if (!check()) timer = setInterval(check, PARENT_POLL_MS);
  return () => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  };
}
