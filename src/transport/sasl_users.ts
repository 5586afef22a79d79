/**
 * denovirt's SASL user database (libvirtd keeps Cyrus SASL's sasldb): one
 * line per user and mechanism holding the SCRAM verifier — never the
 * password — written by `deno task passwd` and read by the daemon at each
 * authentication, so a new password counts at once.
 *
 *   # comment
 *   alice:SCRAM-SHA-256:4096:<salt>:<StoredKey>:<ServerKey>     (base64)
 *
 * @module
 */

import {
  deriveVerifier,
  fromBase64,
  SCRAM_ITERATIONS,
  SCRAM_MECHANISMS,
  type ScramMechanism,
  type ScramVerifier,
  toBase64,
} from "./scram.ts";

/** The database file used when sasl_users_file is not set (outside --system). */
export function defaultUsersFile(): string {
  const base = Deno.env.get("XDG_CONFIG_HOME") ?? `${Deno.env.get("HOME") ?? "/root"}/.config`;
  return `${base}/denovirt/sasl-users`;
}

/** A user name the file can hold (no separator, no control characters). */
export function checkUserName(user: string): void {
  if (user === "" || [...user].some((c) => c === ":" || c <= " " || c === "\x7f")) {
    throw new RangeError(
      `Cannot use user name ${JSON.stringify(user)}: empty, or a ':', space or control character`,
    );
  }
}

type Entries = Map<string, Map<ScramMechanism, ScramVerifier>>;

export function parseUsers(text: string): Entries {
  const out: Entries = new Map();
  for (const [i, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const f = line.split(":");
    const mech = f[1] as ScramMechanism;
    if (f.length !== 6 || !SCRAM_MECHANISMS.includes(mech) || !/^\d+$/.test(f[2]!)) {
      throw new SyntaxError(`Cannot parse SASL user database: line ${i + 1} is malformed`);
    }
    const user = f[0]!;
    if (!out.has(user)) out.set(user, new Map());
    out.get(user)!.set(mech, {
      iterations: Number(f[2]),
      salt: fromBase64(f[3]!),
      storedKey: fromBase64(f[4]!),
      serverKey: fromBase64(f[5]!),
    });
  }
  return out;
}

export function formatUsers(entries: Entries): string {
  const lines = ["# denovirt SASL users: SCRAM verifiers written by `deno task passwd`"];
  for (const [user, mechs] of entries) {
    for (const [mech, v] of mechs) {
      lines.push(
        [user, mech, v.iterations, toBase64(v.salt), toBase64(v.storedKey), toBase64(v.serverKey)]
          .join(":"),
      );
    }
  }
  return lines.join("\n") + "\n";
}

/** The verifier of `user` for `mech` in `file`, or null (no such user, or no file). */
export async function lookupVerifier(
  file: string,
  user: string,
  mech: ScramMechanism,
): Promise<ScramVerifier | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
  return parseUsers(text).get(user)?.get(mech) ?? null;
}

/**
 * Sets `user`'s password (a verifier for every mechanism), creating the file
 * (mode 0600) and its directory as needed; the file is replaced whole.
 */
export async function setPassword(file: string, user: string, password: string): Promise<void> {
  checkUserName(user);
  let entries: Entries = new Map();
  try {
    entries = parseUsers(await Deno.readTextFile(file));
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const mechs = new Map<ScramMechanism, ScramVerifier>();
  for (const mech of SCRAM_MECHANISMS) {
    const salt = crypto.getRandomValues(new Uint8Array(16));
    mechs.set(mech, await deriveVerifier(mech, password, salt, SCRAM_ITERATIONS));
  }
  entries.set(user, mechs);
  await Deno.mkdir(file.slice(0, file.lastIndexOf("/")) || "/", { recursive: true, mode: 0o700 });
  const tmp = `${file}.new`;
  await Deno.writeTextFile(tmp, formatUsers(entries), { mode: 0o600 });
  await Deno.chmod(tmp, 0o600);
  await Deno.rename(tmp, file);
}

/** Removes `user`; false if there was none. */
export async function removeUser(file: string, user: string): Promise<boolean> {
  let entries: Entries;
  try {
    entries = parseUsers(await Deno.readTextFile(file));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
  if (!entries.delete(user)) return false;
  const tmp = `${file}.new`;
  await Deno.writeTextFile(tmp, formatUsers(entries), { mode: 0o600 });
  await Deno.rename(tmp, file);
  return true;
}
