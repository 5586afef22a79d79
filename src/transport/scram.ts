/**
 * SCRAM (RFC 5802; SHA-256 per RFC 7677) on the server side, with WebCrypto:
 * the SASL mechanisms denovirt offers. The server keeps only the verifier
 * (salt, iteration count, StoredKey, ServerKey), never the password; a
 * client proves it knows the password without sending it, and the server
 * proves it knows the verifier. SCRAM has no security layer, so it is
 * offered only where the channel is already private (Unix sockets, TLS).
 *
 * @module
 */

export type ScramMechanism = "SCRAM-SHA-256" | "SCRAM-SHA-1";

/** In the order the daemon lists them (the stronger first). */
export const SCRAM_MECHANISMS: readonly ScramMechanism[] = ["SCRAM-SHA-256", "SCRAM-SHA-1"];

const HASH: Record<ScramMechanism, { name: string; bytes: number }> = {
  "SCRAM-SHA-256": { name: "SHA-256", bytes: 32 },
  "SCRAM-SHA-1": { name: "SHA-1", bytes: 20 },
};

/** RFC 5802's minimum for Hi() and Cyrus SASL's default. */
export const SCRAM_ITERATIONS = 4096;

/** What the server stores for one user and mechanism. */
export interface ScramVerifier {
  iterations: number;
  salt: Uint8Array;
  storedKey: Uint8Array;
  serverKey: Uint8Array;
}

/** A SCRAM exchange that cannot go on: the client is refused (the reason is for the log only). */
export class ScramError extends Error {
  override readonly name = "ScramError";
  readonly code = "ERR_DENOVIRT_SCRAM";
}

const utf8e = new TextEncoder();
const utf8d = new TextDecoder("utf-8", { fatal: true });

/** A copy on its own ArrayBuffer, as WebCrypto's BufferSource wants. */
const own = (b: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(b);

async function hmac(hash: string, key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey("raw", own(key), { name: "HMAC", hash }, false, [
    "sign",
  ]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, own(data)));
}

async function digest(hash: string, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest(hash, own(data)));
}

export function toBase64(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s);
}

export function fromBase64(s: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) {
    throw new ScramError(`not base64: ${JSON.stringify(s.slice(0, 40))}`);
  }
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
}

/**
 * SASLprep (RFC 4013) as far as it changes real passwords: non-ASCII spaces
 * become spaces, "mapped to nothing" characters go, then NFKC.
 */
export function saslPrep(s: string): string {
  return s
    .replace(/[\u00A0\u1680\u2000-\u200B\u202F\u205F\u3000]/g, " ")
    .replace(/[\u00AD\u034F\u1806\u180B-\u180D\u200C\u200D\u2060\uFE00-\uFE0F\uFEFF]/g, "")
    .normalize("NFKC");
}

/** Derives the verifier of `password` (Hi = PBKDF2 with the mechanism's HMAC). */
export async function deriveVerifier(
  mech: ScramMechanism,
  password: string,
  salt: Uint8Array,
  iterations = SCRAM_ITERATIONS,
): Promise<ScramVerifier> {
  const h = HASH[mech];
  const base = await crypto.subtle.importKey(
    "raw",
    utf8e.encode(saslPrep(password)),
    "PBKDF2",
    false,
    ["deriveBits"],
  );
  const salted = new Uint8Array(
    await crypto.subtle.deriveBits(
      { name: "PBKDF2", hash: h.name, salt: own(salt), iterations },
      base,
      h.bytes * 8,
    ),
  );
  const clientKey = await hmac(h.name, salted, utf8e.encode("Client Key"));
  return {
    iterations,
    salt,
    storedKey: await digest(h.name, clientKey),
    serverKey: await hmac(h.name, salted, utf8e.encode("Server Key")),
  };
}

/** A saslname's value: "=2C" is ",", "=3D" is "="; any other "=" is malformed. */
function unescapeName(s: string): string {
  if (/=(?!2C|3D)/.test(s)) throw new ScramError(`bad escape in name ${JSON.stringify(s)}`);
  return s.replace(/=2C/g, ",").replace(/=3D/g, "=");
}

/** `k=value` attributes of a message, in order. */
function attributes(msg: string): [string, string][] {
  return msg.split(",").map((part) => {
    if (!/^[A-Za-z]=/.test(part)) throw new ScramError(`bad attribute ${JSON.stringify(part)}`);
    return [part[0]!, part.slice(2)];
  });
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

export interface ScramServerOptions {
  /** The verifier of a user, or null for one the daemon does not know. */
  lookup: (user: string) => Promise<ScramVerifier | null>;
  /** A per-daemon secret from which unknown users get a stable fake salt (no user probing). */
  secret: Uint8Array;
  /** The server's nonce part (tests; default: 24 random bytes, base64). */
  nonce?: string;
}

/**
 * One SCRAM exchange, server side: `first` takes the client-first-message
 * and returns the server-first-message; `final` takes the client-final
 * message and returns the server-final one once the proof checks out.
 */
export class ScramServer {
  readonly mechanism: ScramMechanism;
  readonly #opts: ScramServerOptions;
  #step: "first" | "final" | "done" = "first";
  #user = "";
  #gs2Header = "";
  #clientFirstBare = "";
  #serverFirst = "";
  #nonce = "";
  #verifier: ScramVerifier | null = null;

  constructor(mechanism: ScramMechanism, opts: ScramServerOptions) {
    this.mechanism = mechanism;
    this.#opts = opts;
  }

  /** The authenticated user (after `final`). */
  get user(): string {
    return this.#user;
  }

  /** The authorization identity the client asked for, if any (it must be its own user). */
  authzid = "";

  async first(clientFirst: string): Promise<string> {
    if (this.#step !== "first") throw new ScramError("client-first-message out of order");
    this.#step = "final";
    // gs2-header: cbind-flag "," [authzid] ","; then client-first-message-bare.
    const m = /^([ny]|p=[A-Za-z0-9.-]+),(a=[^,]*)?,(.*)$/.exec(clientFirst);
    if (!m) throw new ScramError("malformed client-first-message");
    if (m[1]!.startsWith("p=")) throw new ScramError("channel binding is not offered");
    this.#gs2Header = clientFirst.slice(0, clientFirst.length - m[3]!.length);
    this.#clientFirstBare = m[3]!;
    const attrs = attributes(this.#clientFirstBare);
    if (attrs[0]?.[0] === "m") throw new ScramError("mandatory extension not supported");
    const [n, r] = attrs;
    if (n?.[0] !== "n" || r?.[0] !== "r" || r[1] === "") {
      throw new ScramError("client-first-message lacks n= or r=");
    }
    this.#user = saslPrep(unescapeName(n[1]));
    if (this.#user === "") throw new ScramError("empty user name");
    if (m[2]) this.authzid = saslPrep(unescapeName(m[2].slice(2)));
    const own = this.#opts.nonce ?? toBase64(crypto.getRandomValues(new Uint8Array(24)));
    this.#nonce = r[1] + own;
    this.#verifier = await this.#opts.lookup(this.#user);
    const v = this.#verifier ?? await this.#fake();
    this.#serverFirst = `r=${this.#nonce},s=${toBase64(v.salt)},i=${v.iterations}`;
    return this.#serverFirst;
  }

  /** A salt that does not change between attempts, so an unknown user looks like a known one. */
  async #fake(): Promise<ScramVerifier> {
    const h = HASH[this.mechanism].name;
    const salt = (await hmac(h, this.#opts.secret, utf8e.encode(this.#user))).subarray(0, 16);
    return { iterations: SCRAM_ITERATIONS, salt, storedKey: new Uint8Array(0), serverKey: salt };
  }

  async final(clientFinal: string): Promise<string> {
    if (this.#step !== "final") throw new ScramError("client-final-message out of order");
    this.#step = "done";
    const at = clientFinal.lastIndexOf(",p=");
    if (at < 0) throw new ScramError("client-final-message lacks a proof");
    const withoutProof = clientFinal.slice(0, at);
    const proof = fromBase64(clientFinal.slice(at + 3));
    const attrs = attributes(withoutProof);
    const [c, r] = attrs;
    if (c?.[0] !== "c" || r?.[0] !== "r") {
      throw new ScramError("client-final-message lacks c= or r=");
    }
    const binding = utf8d.decode(fromBase64(c[1]));
    if (binding !== this.#gs2Header) throw new ScramError("channel binding does not match");
    if (r[1] !== this.#nonce) throw new ScramError("nonce does not match");
    const v = this.#verifier;
    if (!v) throw new ScramError(`unknown user '${this.#user}'`);
    const h = HASH[this.mechanism].name;
    const authMessage = utf8e.encode(
      `${this.#clientFirstBare},${this.#serverFirst},${withoutProof}`,
    );
    const signature = await hmac(h, v.storedKey, authMessage);
    if (proof.length !== signature.length) throw new ScramError("proof of the wrong length");
    const clientKey = proof.map((b, i) => b ^ signature[i]!);
    if (!equal(await digest(h, clientKey), v.storedKey)) {
      throw new ScramError(`wrong password for user '${this.#user}'`);
    }
    return `v=${toBase64(await hmac(h, v.serverKey, authMessage))}`;
  }
}
