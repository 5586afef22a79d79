// The client certificate's DN in gnutls's form (what tls_allowed_dn_list
// matches and virt-admin shows), and CRL serials, on certificates certtool made.

import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { haveTools } from "../interop/_tools.ts";
import { clientDN, makePki } from "../_pki.ts";
import {
  pemToDer,
  revokedSerialsOf,
  serialHex,
  splitPem,
  subjectDN,
} from "../../src/transport/x509.ts";

const tools = haveTools("x509 certificates", ["certtool"]);

Deno.test({
  name: "subjectDN() writes a certtool client certificate's DN as gnutls does",
  ignore: !tools,
  async fn() {
    const pki = await makePki(["client1", "ops,team+x"]);
    try {
      const pem = await Deno.readTextFile(`${pki.client("client1")}/clientcert.pem`);
      assert.equal(subjectDN(pemToDer(pem)), clientDN("client1"));
      // RFC 4514 escapes for a value with a comma and a plus.
      const odd = await Deno.readTextFile(`${pki.client("ops,team+x")}/clientcert.pem`);
      assert.equal(
        subjectDN(pemToDer(odd)),
        "C=GB,ST=London,L=London,O=denovirt tests,CN=ops\\,team\\+x",
      );
      const server = await Deno.readTextFile(pki.server.cert);
      assert.equal(subjectDN(pemToDer(server)), "O=denovirt tests,CN=localhost");
    } finally {
      await pki.remove();
    }
  },
});

Deno.test({
  name: "revokedSerialsOf() lists the serials a certtool CRL revokes",
  ignore: !tools,
  async fn() {
    const pki = await makePki(["a", "b"]);
    try {
      const crl = await Deno.readTextFile(await pki.revoke("b"));
      const b = new X509Certificate(await Deno.readTextFile(`${pki.client("b")}/clientcert.pem`));
      assert.deepEqual(revokedSerialsOf(pemToDer(crl)), [serialHex(b.serialNumber)]);
    } finally {
      await pki.remove();
    }
  },
});

Deno.test("splitPem() finds each certificate of a bundle", () => {
  const one = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----";
  assert.deepEqual(splitPem(`junk\n${one}\n${one}\n`), [one, one]);
  assert.deepEqual(splitPem("no certificate"), []);
});

Deno.test("serialHex() drops separators and leading zeros, keeps a zero serial", () => {
  assert.equal(serialHex("00:1a:2B"), "1A2B");
  assert.equal(serialHex("00"), "0");
});

Deno.test("subjectDN() refuses bytes that are not a certificate", () => {
  assert.throws(() => subjectDN(new Uint8Array([0x30, 0x05, 0x01])), SyntaxError);
});
