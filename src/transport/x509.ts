/**
 * The parts of an X.509 certificate libvirt looks at that node:crypto does
 * not give in libvirt's form: the subject's distinguished name as gnutls
 * writes it (gnutls_x509_crt_get_dn: the RDNs in certificate order,
 * "C=GB,ST=London,L=London,O=Example,CN=client1"), which tls_allowed_dn_list
 * patterns are matched against and virt-admin shows; and PEM bundles split
 * into certificates.
 *
 * @module
 */

/** A DER element: its tag, and where its contents lie in the buffer. */
interface Der {
  tag: number;
  start: number;
  end: number;
}

function readDer(b: Uint8Array, at: number): Der & { next: number } {
  if (at + 2 > b.length) throw new SyntaxError(`Cannot parse DER: truncated at byte ${at}`);
  const tag = b[at]!;
  let len = b[at + 1]!;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || start + n > b.length) {
      throw new SyntaxError(`Cannot parse DER: bad length at byte ${at}`);
    }
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[start + i]!;
    start += n;
  }
  const end = start + len;
  if (end > b.length) throw new SyntaxError(`Cannot parse DER: element at byte ${at} overruns`);
  return { tag, start, end, next: end };
}

function children(b: Uint8Array, e: Der): Der[] {
  const out: Der[] = [];
  for (let at = e.start; at < e.end;) {
    const c = readDer(b, at);
    out.push(c);
    at = c.next;
  }
  return out;
}

function oidString(b: Uint8Array, e: Der): string {
  const bytes = b.subarray(e.start, e.end);
  const parts: number[] = [];
  let v = 0;
  for (const x of bytes) {
    v = v * 128 + (x & 0x7f);
    if (!(x & 0x80)) {
      if (parts.length === 0) {
        parts.push(Math.min(2, Math.floor(v / 40)), v - 40 * Math.min(2, Math.floor(v / 40)));
      } else parts.push(v);
      v = 0;
    }
  }
  return parts.join(".");
}

/** gnutls's short names for the attribute types it knows (others print as OID=#hex). */
const NAMES: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.12": "title",
  "2.5.4.4": "SN",
  "2.5.4.42": "GN",
  "2.5.4.43": "initials",
  "2.5.4.44": "generationQualifier",
  "2.5.4.46": "dnQualifier",
  "2.5.4.65": "pseudonym",
  "2.5.4.5": "serialNumber",
  "2.5.4.9": "street",
  "2.5.4.17": "postalCode",
  "0.9.2342.19200300.100.1.25": "DC",
  "0.9.2342.19200300.100.1.1": "UID",
  "1.2.840.113549.1.9.1": "EMAIL",
};

function decodeString(b: Uint8Array, e: Der): string | null {
  const bytes = b.subarray(e.start, e.end);
  switch (e.tag) {
    case 0x0c: // UTF8String
      return new TextDecoder().decode(bytes);
    case 0x13: // PrintableString
    case 0x16: // IA5String
    case 0x14: // TeletexString (read as Latin-1, as gnutls does)
      return String.fromCharCode(...bytes);
    case 0x1e: { // BMPString: UCS-2 big-endian
      let s = "";
      for (let i = 0; i + 1 < bytes.length; i += 2) {
        s += String.fromCharCode(bytes[i]! << 8 | bytes[i + 1]!);
      }
      return s;
    }
    default:
      return null;
  }
}

/** RFC 4514 escaping, as gnutls applies it to DN values. */
function escapeValue(v: string): string {
  let s = v.replace(/[,+"\\<>;]/g, (c) => `\\${c}`);
  if (s.startsWith("#") || s.startsWith(" ")) s = `\\${s}`;
  if (s.endsWith(" ") && s.length > 1) s = `${s.slice(0, -1)}\\ `;
  return s;
}

function hex(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
}

/** The subject's distinguished name of a DER certificate, as gnutls_x509_crt_get_dn writes it. */
export function subjectDN(der: Uint8Array): string {
  const cert = readDer(der, 0);
  const tbs = children(der, cert)[0];
  if (!tbs) throw new SyntaxError("Cannot parse certificate: no TBSCertificate");
  const f = children(der, tbs);
  // [0] version is optional: the subject is the fifth field after it.
  const base = f[0]?.tag === 0xa0 ? 1 : 0;
  const subject = f[base + 4];
  if (!subject || subject.tag !== 0x30) {
    throw new SyntaxError("Cannot parse certificate: no subject");
  }
  const rdns: string[] = [];
  for (const set of children(der, subject)) {
    const atvs: string[] = [];
    for (const atv of children(der, set)) {
      const [type, value] = children(der, atv);
      if (!type || !value) continue;
      const oid = oidString(der, type);
      const name = NAMES[oid];
      const text = name ? decodeString(der, value) : null;
      atvs.push(
        text === null
          ? `${name ?? oid}=#${hex(der.subarray(readDerStart(der, value), value.end))}`
          : `${name}=${escapeValue(text)}`,
      );
    }
    rdns.push(atvs.join("+"));
  }
  return rdns.join(",");
}

/** Where an element's tag byte is, from its contents' position (for the #hex form). */
function readDerStart(b: Uint8Array, e: Der): number {
  const len = e.end - e.start;
  const lenBytes = len < 0x80 ? 1 : 1 + Math.ceil(Math.log2(len + 1) / 8);
  void b;
  return e.start - 1 - lenBytes;
}

/** One extension of a certificate: its OID, whether it is critical, its value's DER. */
export interface Extension {
  oid: string;
  critical: boolean;
  value: Uint8Array;
}

/** The extensions of a DER certificate (TBSCertificate's [3]). */
export function extensionsOf(der: Uint8Array): Extension[] {
  const tbs = children(der, readDer(der, 0))[0];
  if (!tbs) throw new SyntaxError("Cannot parse certificate: no TBSCertificate");
  const wrapper = children(der, tbs).find((e) => e.tag === 0xa3);
  if (!wrapper) return [];
  const list = children(der, wrapper)[0];
  if (!list) return [];
  return children(der, list).map((ext) => {
    const f = children(der, ext);
    const critical = f[1]?.tag === 0x01 && der[f[1].start] !== 0;
    const value = f[f.length - 1]!;
    return { oid: oidString(der, f[0]!), critical, value: der.subarray(value.start, value.end) };
  });
}

/** keyUsage bits (RFC 5280 §4.2.1.3), bit 0 first: digitalSignature 0, keyEncipherment 2, keyCertSign 5. */
export function keyUsageBits(value: Uint8Array): Set<number> {
  const bits = readDer(value, 0);
  const out = new Set<number>();
  // A BIT STRING: the unused-bits count, then the bits, most significant first.
  for (let i = bits.start + 1; i < bits.end; i++) {
    for (let b = 0; b < 8; b++) if (value[i]! & (0x80 >> b)) out.add((i - bits.start - 1) * 8 + b);
  }
  return out;
}

/** extKeyUsage's purposes (RFC 5280 §4.2.1.12), as OIDs. */
export function keyPurposes(value: Uint8Array): string[] {
  return children(value, readDer(value, 0)).map((e) => oidString(value, e));
}

/** A certificate serial number as hex: upper case, no leading zeros (how CRLs are compared). */
export function serialHex(hex: string): string {
  return hex.replace(/[^0-9a-fA-F]/g, "").toUpperCase().replace(/^0+(?=.)/, "");
}

/** The serial numbers a DER CRL revokes (TBSCertList's revokedCertificates, RFC 5280 §5.1). */
export function revokedSerialsOf(der: Uint8Array): string[] {
  const tbs = children(der, readDer(der, 0))[0];
  if (!tbs) throw new SyntaxError("Cannot parse CRL: no TBSCertList");
  // version? signature issuer thisUpdate nextUpdate? revokedCertificates? [0] extensions?
  const revoked = children(der, tbs).find((e, i) =>
    i >= 3 && e.tag === 0x30 && children(der, e)[0]?.tag === 0x30
  );
  if (!revoked) return [];
  return children(der, revoked).map((entry) => {
    const serial = children(der, entry)[0]!;
    return serialHex(hex(der.subarray(serial.start, serial.end)));
  });
}

/** The certificates of a PEM file (a bundle may hold several), as PEM texts. */
export function splitPem(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
}

/** A PEM certificate's DER bytes. */
export function pemToDer(pem: string): Uint8Array {
  const b64 = pem.replace(/-----(BEGIN|END) [A-Z0-9 ]+-----/g, "").replace(/\s+/g, "");
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}
