/**
 * TLS with x509 certificates on libvirtd's TLS service (tls_port): the
 * server's credentials in libvirt's layout and config keys, checked at start
 * as libvirtd checks them; each client asked for a certificate, verified
 * against the CA and matched against tls_allowed_dn_list after the
 * handshake; then the one byte libvirtd sends to say the checks passed (the
 * client waits for it: anything else, or the connection closing, is its
 * "Unable to read TLS confirmation").
 *
 * The sessions are node:tls's (rustls in Deno), which can ask for and verify
 * a client certificate where Deno.listenTls cannot. They are TLS 1.2:
 * rustls sends TLS 1.3 session tickets after the handshake, and libvirt's
 * client (gnutls) reads its confirmation byte with one record read that a
 * ticket turns into EAGAIN ("Unable to read TLS confirmation: Resource
 * temporarily unavailable"), while a TLS 1.2 session has no records after
 * its handshake but ours.
 *
 * @module
 */

import * as tls from "node:tls";
import type * as net from "node:net";
import { X509Certificate } from "node:crypto";
import type { DaemonConfig } from "../conf/config.ts";
import { log } from "../log.ts";
import { matchAny } from "../util/pattern.ts";
import { type ClientConn, NodeConn } from "./conn.ts";
import { ListenError } from "./listen_error.ts";
import {
  extensionsOf,
  keyPurposes,
  keyUsageBits,
  pemToDer,
  revokedSerialsOf,
  serialHex,
  splitPem,
  subjectDN,
} from "./x509.ts";

const logger = log("transport", "tls");

/** The server's x509 files, as libvirtd finds them. */
export interface TlsFiles {
  ca: string;
  crl: string;
  cert: string;
  key: string;
}

/**
 * The files libvirtd would use: ca_file, cert_file and key_file when any is
 * set (all three then), else libvirt's layout — /etc/pki for root, and
 * ~/.pki/libvirt first for anyone else.
 */
export function tlsFiles(c: DaemonConfig, privileged: boolean): TlsFiles {
  if (c.ca_file || c.cert_file || c.key_file) {
    if (!c.ca_file) throw new ListenError("No CA certificate path set to match server key/cert");
    if (!c.cert_file) throw new ListenError("No server certificate path set to match server key");
    if (!c.key_file) throw new ListenError("No server key path set to match server cert");
    return { ca: c.ca_file, crl: c.crl_file, cert: c.cert_file, key: c.key_file };
  }
  const global = {
    ca: "/etc/pki/CA/cacert.pem",
    crl: "/etc/pki/CA/cacrl.pem",
    cert: "/etc/pki/libvirt/servercert.pem",
    key: "/etc/pki/libvirt/private/serverkey.pem",
  };
  const home = Deno.env.get("HOME");
  if (privileged || !home) return global;
  const user = `${home}/.pki/libvirt`;
  const has = (f: string) => isFile(f);
  const pair = has(`${user}/servercert.pem`) && has(`${user}/serverkey.pem`);
  return {
    ca: has(`${user}/cacert.pem`) ? `${user}/cacert.pem` : global.ca,
    crl: has(`${user}/cacrl.pem`) ? `${user}/cacrl.pem` : global.crl,
    cert: pair ? `${user}/servercert.pem` : global.cert,
    key: pair ? `${user}/serverkey.pem` : global.key,
  };
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** Reads one of the credentials, with libvirtd's words when it cannot. */
function readCredential(what: string, path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound
      ? "No such file or directory"
      : e instanceof Deno.errors.PermissionDenied
      ? "Permission denied"
      : (e as Error).message;
    throw new ListenError(`Cannot read ${what} '${path}': ${why}`);
  }
}

/**
 * gnutls priority strings denovirt can honour: those whose meaning its one
 * suite of sessions (TLS 1.2, ECDHE key exchange, AEAD ciphers, 128-bit
 * security or better) already meets. Any other is refused at start rather
 * than ignored.
 */
const PRIORITIES = new Set(["NORMAL", "SECURE128", "PFS", "PERFORMANCE", "SYSTEM", "@SYSTEM"]);

function checkPriority(p: string): void {
  const words = p.split(/[,:]/).map((w) => w.trim()).filter((w) => w !== "" && w !== "@LIBVIRT");
  if (words.length === 0 || !words.every((w) => PRIORITIES.has(w))) {
    throw new ListenError(
      `tls_priority '${p}' cannot be applied: denovirt's TLS sessions are TLS 1.2 with ECDHE and AEAD ciphers; use NORMAL`,
    );
  }
}

function certTime(s: string): number {
  return new Date(s).getTime();
}

const OID_KEY_USAGE = "2.5.29.15";
const OID_EXT_KEY_USAGE = "2.5.29.37";
const KP_TLS_WWW_SERVER = "1.3.6.1.5.5.7.3.1";
const KP_TLS_WWW_CLIENT = "1.3.6.1.5.5.7.3.2";
const KP_ANY = "2.5.29.37.0";
const KU_DIGITAL_SIGNATURE = 0;
const KU_KEY_ENCIPHERMENT = 2;
const KU_KEY_CERT_SIGN = 5;

/**
 * libvirtd's key usage and purpose checks of its own certificates: a
 * missing usage is an error when the extension is critical, else a warning.
 */
function checkUsage(file: string, der: Uint8Array, isCA: boolean): void {
  const exts = extensionsOf(der);
  const complain = (critical: boolean, what: string) => {
    if (critical) throw new ListenError(`Certificate ${file} ${what}`);
    logger.warn("Certificate {file} {what}", { file, what });
  };
  const ku = exts.find((e) => e.oid === OID_KEY_USAGE);
  if (ku) {
    const bits = keyUsageBits(ku.value);
    if (isCA) {
      if (!bits.has(KU_KEY_CERT_SIGN)) {
        complain(ku.critical, "usage does not permit certificate signing");
      }
    } else {
      if (!bits.has(KU_DIGITAL_SIGNATURE)) {
        complain(ku.critical, "usage does not permit digital signature");
      }
      if (!bits.has(KU_KEY_ENCIPHERMENT)) {
        complain(ku.critical, "usage does not permit key encipherment");
      }
    }
  }
  const eku = exts.find((e) => e.oid === OID_EXT_KEY_USAGE);
  if (eku && !isCA) {
    const purposes = keyPurposes(eku.value);
    // Any purpose but the two TLS ones (and, oddly, anyExtendedKeyUsage) allows both, as libvirt reads it.
    const server = purposes.some((p) =>
      p === KP_TLS_WWW_SERVER || (p !== KP_TLS_WWW_CLIENT && p !== KP_ANY)
    );
    if (!server) complain(eku.critical, "purpose does not allow use for with a TLS server");
  }
}

/** libvirtd's checks of its own certificate against its CA (tls_no_sanity_certificate skips them). */
function sanityCheck(files: TlsFiles, caPem: string[], certPem: string): void {
  const now = Date.now();
  const cas = caPem.map((p) => new X509Certificate(p));
  const cert = new X509Certificate(certPem);
  for (const ca of cas) {
    if (!ca.ca) {
      throw new ListenError(`The certificate ${files.ca} basic constraints do not show a CA`);
    }
    if (certTime(ca.validTo) < now) {
      throw new ListenError(`The CA certificate ${files.ca} has expired`);
    }
    if (certTime(ca.validFrom) > now) {
      throw new ListenError(`The CA certificate ${files.ca} is not yet active`);
    }
  }
  if (cert.ca) {
    throw new ListenError(
      `The certificate ${files.cert} basic constraints show a CA, but we need one for a server`,
    );
  }
  if (certTime(cert.validTo) < now) {
    throw new ListenError(`The server certificate ${files.cert} has expired`);
  }
  if (certTime(cert.validFrom) > now) {
    throw new ListenError(`The server certificate ${files.cert} is not yet active`);
  }
  for (const pem of caPem) checkUsage(files.ca, pemToDer(pem), true);
  checkUsage(files.cert, pemToDer(certPem), false);
  if (!cas.some((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey))) {
    throw new ListenError(
      `Our own certificate ${files.cert} failed validation against ${files.ca}: The certificate hasn't got a known issuer.`,
    );
  }
}

/** Revoked serial numbers of a PEM CRL (upper-case hex, no leading zeros). */
function revokedSerials(pem: string): Set<string> {
  const out = new Set<string>();
  for (const block of pem.match(/-----BEGIN X509 CRL-----[\s\S]*?-----END X509 CRL-----/g) ?? []) {
    for (const serial of revokedSerialsOf(pemToDer(block))) out.add(serial);
  }
  return out;
}

/** The server side of TLS for one service: credentials, checks, and the sessions in progress. */
export class TlsContext {
  readonly files: TlsFiles;
  readonly #server: tls.Server;
  readonly #noVerify: boolean;
  readonly #allowedDNs: readonly string[];
  readonly #revoked: Set<string>;
  readonly #pending = new Map<net.Socket, TlsSession>();

  private constructor(files: TlsFiles, server: tls.Server, c: DaemonConfig, revoked: Set<string>) {
    this.files = files;
    this.#server = server;
    this.#noVerify = c.tls_no_verify_certificate === 1;
    this.#allowedDNs = c.tls_allowed_dn_list;
    this.#revoked = revoked;
    server.on("secureConnection", (sock: tls.TLSSocket) => {
      const raw = (sock as unknown as { _parent?: net.Socket })._parent;
      const s = raw && this.#pending.get(raw);
      if (!s) {
        sock.destroy();
        return;
      }
      this.#pending.delete(raw);
      s.secured(sock);
    });
    server.on("tlsClientError", (e: Error, sock: tls.TLSSocket) => {
      const raw = (sock as unknown as { _parent?: net.Socket })._parent;
      const s = raw && this.#pending.get(raw);
      if (!s) return;
      this.#pending.delete(raw);
      s.failed(`TLS handshake failed: ${e.message}`);
    });
  }

  /** Loads and checks the credentials (ListenError with libvirtd's words when they will not do). */
  static create(c: DaemonConfig, privileged: boolean): TlsContext {
    checkPriority(c.tls_priority);
    const files = tlsFiles(c, privileged);
    const ca = readCredential("CA certificate", files.ca);
    let crl = "";
    if (files.crl && isFile(files.crl)) crl = readCredential("CA revocation list", files.crl);
    else if (files.crl && (c.crl_file !== "")) {
      throw new ListenError(
        `Cannot read CA revocation list '${files.crl}': No such file or directory`,
      );
    }
    const cert = readCredential("certificate", files.cert);
    const key = readCredential("private key", files.key);
    const caCerts = splitPem(ca);
    if (caCerts.length === 0) {
      throw new ListenError(`Unable to set x509 CA certificate: ${files.ca}: no certificate in it`);
    }
    if (c.tls_no_sanity_certificate !== 1) {
      try {
        sanityCheck(files, caCerts, cert);
      } catch (e) {
        if (e instanceof ListenError) throw e;
        throw new ListenError(
          `Unable to import server certificate ${files.cert}: ${(e as Error).message}`,
        );
      }
    }
    let server: tls.Server;
    try {
      server = tls.createServer({
        key,
        cert,
        ca: caCerts,
        requestCert: true,
        // Verified after the handshake, as libvirtd does (so it can log why and
        // honour tls_no_verify_certificate).
        rejectUnauthorized: false,
        minVersion: "TLSv1.2",
        maxVersion: "TLSv1.2",
      });
    } catch (e) {
      throw new ListenError(
        `Unable to set x509 key and certificate: ${files.key}, ${files.cert}: ${
          (e as Error).message
        }`,
      );
    }
    let revoked = new Set<string>();
    try {
      revoked = revokedSerials(crl);
    } catch (e) {
      throw new ListenError(
        `Unable to set x509 certificate revocation list: ${files.crl}: ${(e as Error).message}`,
      );
    }
    return new TlsContext(files, server, c, revoked);
  }

  /** Starts the handshake on an accepted socket; the session is a ClientConn once it is done. */
  accept(raw: net.Socket, handshakeTimeoutMs: number): TlsSession {
    const s = new TlsSession(raw, this, handshakeTimeoutMs);
    this.#pending.set(raw, s);
    this.#server.emit("connection", raw);
    raw.resume();
    return s;
  }

  forget(raw: net.Socket): void {
    this.#pending.delete(raw);
  }

  /**
   * libvirtd's check of a client after the handshake: a certificate the CA
   * signed and not revoked, whose DN is on tls_allowed_dn_list if there is
   * one. Returns why it fails, or null.
   */
  check(sock: tls.TLSSocket, dn: string | null, serial: string | null): string | null {
    if (this.#noVerify) return null;
    if (!sock.authorized) {
      if (dn === null) return "Unable to verify TLS peer: No certificate was found.";
      return `Certificate failed validation: ${
        sock.authorizationError ?? "The certificate is not trusted."
      }`;
    }
    if (serial !== null && this.#revoked.has(serial)) {
      return "Certificate failed validation: The certificate has been revoked.";
    }
    if (dn !== null && this.#allowedDNs.length > 0 && !matchAny(this.#allowedDNs, dn)) {
      logger.debug("Failed ACL check for client DN '{dn}'", { dn });
      return "Client's Distinguished Name is not on the list of allowed clients (tls_allowed_dn_list).  Use 'certtool -i --infile clientcert.pem' to view the Distinguished Name field in the client certificate, or run this daemon with --verbose option.";
    }
    return null;
  }
}

/** libvirtd's confirmation after its checks of a TLS client passed. */
const TLS_CONFIRM = new Uint8Array([1]);

/**
 * One client's TLS session: a ClientConn whose reads wait until the
 * handshake and the checks are done and the confirmation byte is written;
 * a refused or failed session reads as closed.
 */
export class TlsSession implements ClientConn {
  readonly #raw: net.Socket;
  readonly #ctx: TlsContext;
  #sock: tls.TLSSocket | null = null;
  #conn: NodeConn | null = null;
  readonly #ready = Promise.withResolvers<boolean>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #done = false;
  /** The client certificate's DN once the handshake is done (null without one). */
  x509DName: string | null = null;

  constructor(raw: net.Socket, ctx: TlsContext, handshakeTimeoutMs: number) {
    this.#raw = raw;
    this.#ctx = ctx;
    this.#timer = setTimeout(
      () => this.failed(`TLS handshake not done after ${handshakeTimeoutMs} ms`),
      handshakeTimeoutMs,
    );
    raw.on("close", () => this.failed(null));
  }

  /** Resolves true once the client may send calls, false if it was refused or left. */
  get ready(): Promise<boolean> {
    return this.#ready.promise;
  }

  secured(sock: tls.TLSSocket): void {
    if (this.#done) {
      sock.destroy();
      return;
    }
    this.#sock = sock;
    sock.on("error", () => {});
    let serial: string | null = null;
    try {
      const peer = sock.getPeerCertificate(true) as { raw?: Uint8Array; serialNumber?: string };
      if (peer?.raw && peer.raw.length > 0) {
        this.x509DName = subjectDN(new Uint8Array(peer.raw));
        serial = serialHex(peer.serialNumber ?? "");
      }
    } catch (e) {
      this.failed(`Failed to get certificate distinguished name: ${(e as Error).message}`);
      return;
    }
    const refusal = this.#ctx.check(sock, this.x509DName, serial);
    if (refusal) {
      logger.error("authentication failed: Failed to verify peer's certificate: {why}", {
        why: refusal,
      });
      this.failed(null);
      return;
    }
    this.#done = true;
    clearTimeout(this.#timer);
    this.#conn = new NodeConn(sock);
    this.#conn.write(TLS_CONFIRM).then(
      () => this.#ready.resolve(true),
      () => this.#ready.resolve(false),
    );
  }

  /** Ends a session that did not get through (logged when `why` says why). */
  failed(why: string | null): void {
    if (this.#done) return;
    this.#done = true;
    clearTimeout(this.#timer);
    if (why) logger.warn("{why}; closing the connection", { why });
    this.#ctx.forget(this.#raw);
    this.#ready.resolve(false);
    if (!this.#sock) {
      this.#raw.destroy();
      return;
    }
    // After the handshake: the end of it (our Finished) still has to reach
    // the client, then the connection ends without a close_notify, so the
    // client reads an abrupt end, as from libvirtd.
    const raw = this.#raw;
    raw.end();
    setTimeout(() => raw.destroy(), 1000);
  }

  async read(p: Uint8Array): Promise<number | null> {
    if (!(await this.#ready.promise) || !this.#conn) return null;
    return this.#conn.read(p);
  }

  async write(p: Uint8Array): Promise<number> {
    if (!(await this.#ready.promise) || !this.#conn) {
      throw new Deno.errors.BadResource("TLS session closed");
    }
    return this.#conn.write(p);
  }

  close(): void {
    if (!this.#done) {
      this.failed(null);
      return;
    }
    this.#conn?.close();
    this.#raw.destroy();
  }
}
