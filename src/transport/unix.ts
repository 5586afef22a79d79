/**
 * Listening Unix sockets: replaces a stale socket file left by a crashed
 * run, refuses to steal one another daemon still answers on, and applies the
 * configured permission mode.
 *
 * @module
 */

/** Another daemon answers on the socket path: this one must not start. */
export class SocketInUseError extends Error {
  override readonly name = "SocketInUseError";
  readonly code = "ERR_DENOVIRT_SOCKET_IN_USE";
  readonly path: string;
  constructor(path: string) {
    super(`Cannot listen on ${path}: another daemon is serving it`);
    this.path = path;
  }
}

/** Whether something accepts connections on the socket at `path`. */
async function answers(path: string): Promise<boolean> {
  try {
    const c = await Deno.connect({ transport: "unix", path });
    c.close();
    return true;
  } catch {
    return false;
  }
}

/**
 * Listens on `path` with permission `mode`. An existing socket file nobody
 * answers on is removed first; one that answers raises SocketInUseError.
 */
export async function listenUnix(path: string, mode: number): Promise<Deno.UnixListener> {
  let info: Deno.FileInfo | null = null;
  try {
    info = await Deno.lstat(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  if (info) {
    if (!info.isSocket) {
      throw new Error(`Cannot listen on ${path}: a file that is not a socket is there`);
    }
    if (await answers(path)) throw new SocketInUseError(path);
    await Deno.remove(path);
  }
  const listener = Deno.listen({ transport: "unix", path });
  await Deno.chmod(path, mode);
  return listener;
}
