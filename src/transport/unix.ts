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
 * The gid of `group` as libvirt's virGetGroupID finds it: a name in the
 * group database (/etc/group), else a number; a leading "+" means a number
 * only. Throws libvirt's "Failed to parse group" when it is neither.
 */
export function groupId(group: string, groupFile = "/etc/group"): number {
  const numeric = group.startsWith("+");
  const name = numeric ? group.slice(1) : group;
  if (!numeric) {
    let text = "";
    try {
      text = Deno.readTextFileSync(groupFile);
    } catch {
      // No group database: only a number can name the group.
    }
    for (const line of text.split("\n")) {
      const [n, , gid] = line.split(":");
      if (n === name && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
    }
  }
  if (/^\d+$/.test(name) && Number(name) <= 0xffffffff) return Number(name);
  throw new Error(`Failed to parse group '${group}'`);
}

/**
 * Listens on `path` with permission `mode` and, when `gid` is given, that
 * group (libvirtd's unix_sock_group). An existing socket file nobody answers
 * on is removed first; one that answers raises SocketInUseError.
 */
export async function listenUnix(
  path: string,
  mode: number,
  gid: number | null = null,
): Promise<Deno.UnixListener> {
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
  try {
    if (gid !== null) {
      try {
        await Deno.chown(path, null, gid);
      } catch (e) {
        throw new Error(
          `Failed to change ownership of '${path}' to -1:${gid}: ${(e as Error).message}`,
        );
      }
    }
    await Deno.chmod(path, mode);
  } catch (e) {
    listener.close();
    await Deno.remove(path).catch(() => {});
    throw e;
  }
  return listener;
}
