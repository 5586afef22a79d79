// The TLS service's start-up checks, with libvirtd's words: the x509 files
// found as libvirtd finds them, and the daemon's own certificate checked
// against its CA (key usage, purpose, issuer) unless told not to.

import assert from "node:assert/strict";
import { haveTools } from "../interop/_tools.ts";
import { makePki, type Pki } from "../_pki.ts";
import { type DaemonConfig, defaultConfig } from "../../src/conf/config.ts";
import { TlsContext, tlsFiles } from "../../src/transport/tls.ts";
import { ListenError } from "../../src/transport/tcp.ts";

const tools = haveTools("TLS start-up checks", ["certtool"]);

function settings(pki: Pki, extra: Partial<DaemonConfig> = {}): DaemonConfig {
  return {
    ...defaultConfig(),
    ca_file: pki.server.ca,
    cert_file: pki.server.cert,
    key_file: pki.server.key,
    ...extra,
  };
}

function refused(c: DaemonConfig, message: string | RegExp): void {
  assert.throws(() => TlsContext.create(c, false), (e: unknown) => {
    assert.ok(e instanceof ListenError);
    if (typeof message === "string") assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

async function certtool(pki: Pki, template: string, out: string): Promise<void> {
  await Deno.writeTextFile(`${pki.dir}/t.info`, template);
  const o = await new Deno.Command("certtool", {
    args: [
      "--generate-certificate",
      "--load-privkey",
      pki.server.key,
      "--load-ca-certificate",
      pki.server.ca,
      "--load-ca-privkey",
      `${pki.dir}/cakey.pem`,
      "--template",
      `${pki.dir}/t.info`,
      "--outfile",
      out,
    ],
    stderr: "null",
  }).output();
  assert.ok(o.success);
}

Deno.test("tlsFiles() takes ca/cert/key together, or libvirt's layout", () => {
  const c = defaultConfig();
  assert.deepEqual(tlsFiles(c, true), {
    ca: "/etc/pki/CA/cacert.pem",
    crl: "/etc/pki/CA/cacrl.pem",
    cert: "/etc/pki/libvirt/servercert.pem",
    key: "/etc/pki/libvirt/private/serverkey.pem",
  });
  assert.throws(
    () => tlsFiles({ ...c, cert_file: "/c", key_file: "/k" }, true),
    /^ListenError: No CA certificate path set to match server key\/cert$/,
  );
  assert.throws(
    () => tlsFiles({ ...c, ca_file: "/a", key_file: "/k" }, true),
    /No server certificate path set to match server key/,
  );
  assert.throws(
    () => tlsFiles({ ...c, ca_file: "/a", cert_file: "/c" }, true),
    /No server key path set to match server cert/,
  );
});

Deno.test({
  name: "TlsContext.create() refuses what libvirtd refuses, in its words",
  ignore: !tools,
  async fn() {
    const pki = await makePki([]);
    try {
      TlsContext.create(settings(pki), false);
      refused(
        settings(pki, { ca_file: `${pki.dir}/none.pem` }),
        `Cannot read CA certificate '${pki.dir}/none.pem': No such file or directory`,
      );
      refused(
        settings(pki, { key_file: `${pki.dir}/none.pem` }),
        `Cannot read private key '${pki.dir}/none.pem': No such file or directory`,
      );
      refused(
        settings(pki, { crl_file: `${pki.dir}/none.pem` }),
        `Cannot read CA revocation list '${pki.dir}/none.pem': No such file or directory`,
      );
      // Another CA's certificate as the server's own.
      refused(
        settings(pki, { cert_file: `${pki.dir}/other/cacert.pem` }),
        `The certificate ${pki.dir}/other/cacert.pem basic constraints show a CA, but we need one for a server`,
      );
      // A critical key usage without key encipherment (libvirtd's check, not the TLS library's).
      const noEncipher = `${pki.dir}/noencipher.pem`;
      await certtool(pki, "cn = localhost\ntls_www_server\nsigning_key\n", noEncipher);
      refused(
        settings(pki, { cert_file: noEncipher }),
        `Certificate ${noEncipher} usage does not permit key encipherment`,
      );
      // tls_no_sanity_certificate skips libvirtd's own checks.
      TlsContext.create(
        settings(pki, { cert_file: noEncipher, tls_no_sanity_certificate: 1 }),
        false,
      );
      // A purpose that is only a client's: a warning, as libvirtd (the extension is not critical).
      const clientOnly = `${pki.dir}/clientonly.pem`;
      await certtool(
        pki,
        "cn = localhost\ntls_www_client\nsigning_key\nencryption_key\n",
        clientOnly,
      );
      TlsContext.create(settings(pki, { cert_file: clientOnly }), false);
      refused(settings(pki, { tls_priority: "SECURE256:-VERS-TLS1.2" }), /tls_priority 'SECURE256/);
      TlsContext.create(settings(pki, { tls_priority: "@LIBVIRT,SYSTEM" }), false);
    } finally {
      await pki.remove();
    }
  },
});

Deno.test({
  name: "TlsContext.create() refuses a server certificate another CA signed",
  ignore: !tools,
  async fn() {
    const pki = await makePki([]);
    try {
      refused(
        settings(pki, { ca_file: `${pki.dir}/other/cacert.pem` }),
        `Our own certificate ${pki.server.cert} failed validation against ${pki.dir}/other/cacert.pem: The certificate hasn't got a known issuer.`,
      );
    } finally {
      await pki.remove();
    }
  },
});
