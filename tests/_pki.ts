// Certificates made for a test run with gnutls's certtool, as libvirt's TLS
// guide makes them (a CA; a server certificate for localhost and 127.0.0.1;
// client certificates), laid out as libvirt's `pkipath` directories.

export interface Pki {
  dir: string;
  /** cacert.pem, servercert.pem, serverkey.pem (and cacrl.pem once revoke() ran). */
  server: { ca: string; cert: string; key: string };
  /** A client pkipath directory: cacert.pem, clientcert.pem, clientkey.pem. */
  client(name: string): string;
  /** A client whose certificate another CA signed (its cacert.pem trusts both CAs). */
  foreignClient: string;
  /** A client with no certificate of its own (only cacert.pem). */
  noCertClient: string;
  /** Revokes `name`'s certificate in <dir>/server/cacrl.pem; returns that path. */
  revoke(name: string): Promise<string>;
  remove(): Promise<void>;
}

async function certtool(args: string[]): Promise<void> {
  const out = await new Deno.Command("certtool", { args, stdout: "null", stderr: "piped" })
    .output();
  if (!out.success) {
    throw new Error(`certtool ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
}

/** The DN libvirt shows and matches for client `name` (gnutls's order). */
export function clientDN(name: string): string {
  return `C=GB,ST=London,L=London,O=denovirt tests,CN=${name}`;
}

/** Makes a CA, a server certificate and the client certificates named in `clients`. */
export async function makePki(clients: string[]): Promise<Pki> {
  const dir = await Deno.makeTempDir({ prefix: "denovirt-pki-" });
  const t = (name: string, text: string) => Deno.writeTextFile(`${dir}/${name}`, text);
  // RSA keys, as libvirt's guide makes them: libvirtd wants key encipherment
  // in a server certificate's key usage, which certtool sets only for RSA.
  const key = (out: string) =>
    certtool(["--generate-privkey", "--key-type=rsa", "--bits=2048", "--outfile", out]);
  await t(
    "ca.info",
    "cn = denovirt tests CA\nca\ncert_signing_key\ncrl_signing_key\nexpiration_days = 30\n",
  );
  await t(
    "server.info",
    "organization = denovirt tests\ncn = localhost\ndns_name = localhost\nip_address = 127.0.0.1\ntls_www_server\nencryption_key\nsigning_key\nexpiration_days = 30\n",
  );
  await Deno.mkdir(`${dir}/server`);
  await key(`${dir}/cakey.pem`);
  await certtool([
    "--generate-self-signed",
    "--load-privkey",
    `${dir}/cakey.pem`,
    "--template",
    `${dir}/ca.info`,
    "--outfile",
    `${dir}/server/cacert.pem`,
  ]);
  await key(`${dir}/server/serverkey.pem`);
  const sign = (
    keyFile: string,
    template: string,
    out: string,
    ca = { cert: `${dir}/server/cacert.pem`, key: `${dir}/cakey.pem` },
  ) =>
    certtool([
      "--generate-certificate",
      "--load-privkey",
      keyFile,
      "--load-ca-certificate",
      ca.cert,
      "--load-ca-privkey",
      ca.key,
      "--template",
      template,
      "--outfile",
      out,
    ]);
  await sign(`${dir}/server/serverkey.pem`, `${dir}/server.info`, `${dir}/server/servercert.pem`);
  const clientInfo = (name: string) =>
    t(
      `${name}.info`,
      `country = GB\nstate = London\nlocality = London\norganization = denovirt tests\ncn = ${name}\ntls_www_client\nencryption_key\nsigning_key\nexpiration_days = 30\n`,
    );
  for (const name of clients) {
    const d = `${dir}/${name}`;
    await Deno.mkdir(d);
    await Deno.copyFile(`${dir}/server/cacert.pem`, `${d}/cacert.pem`);
    await key(`${d}/clientkey.pem`);
    await clientInfo(name);
    await sign(`${d}/clientkey.pem`, `${dir}/${name}.info`, `${d}/clientcert.pem`);
  }
  // Another CA and a client it signed; that client trusts both CAs, so it
  // accepts the server and its own certificate, and only the server refuses it.
  await Deno.mkdir(`${dir}/other`);
  await key(`${dir}/other/cakey.pem`);
  await certtool([
    "--generate-self-signed",
    "--load-privkey",
    `${dir}/other/cakey.pem`,
    "--template",
    `${dir}/ca.info`,
    "--outfile",
    `${dir}/other/cacert.pem`,
  ]);
  const foreign = `${dir}/foreign`;
  await Deno.mkdir(foreign);
  await key(`${foreign}/clientkey.pem`);
  await clientInfo("foreign");
  await sign(`${foreign}/clientkey.pem`, `${dir}/foreign.info`, `${foreign}/clientcert.pem`, {
    cert: `${dir}/other/cacert.pem`,
    key: `${dir}/other/cakey.pem`,
  });
  await Deno.writeTextFile(
    `${foreign}/cacert.pem`,
    (await Deno.readTextFile(`${dir}/other/cacert.pem`)) +
      (await Deno.readTextFile(`${dir}/server/cacert.pem`)),
  );
  const noCert = `${dir}/nocert`;
  await Deno.mkdir(noCert);
  await Deno.copyFile(`${dir}/server/cacert.pem`, `${noCert}/cacert.pem`);
  const revoked: string[] = [];
  return {
    dir,
    server: {
      ca: `${dir}/server/cacert.pem`,
      cert: `${dir}/server/servercert.pem`,
      key: `${dir}/server/serverkey.pem`,
    },
    client: (name) => `${dir}/${name}`,
    foreignClient: foreign,
    noCertClient: noCert,
    async revoke(name) {
      revoked.push(`${dir}/${name}/clientcert.pem`);
      await t("crl.info", "crl_next_update = 30\ncrl_number = 1\n");
      await certtool([
        "--generate-crl",
        "--load-ca-privkey",
        `${dir}/cakey.pem`,
        "--load-ca-certificate",
        `${dir}/server/cacert.pem`,
        ...revoked.flatMap((c) => ["--load-certificate", c]),
        "--template",
        `${dir}/crl.info`,
        "--outfile",
        `${dir}/server/cacrl.pem`,
      ]);
      return `${dir}/server/cacrl.pem`;
    },
    remove: () => Deno.remove(dir, { recursive: true }),
  };
}

/** A TCP port nothing listens on now (on 127.0.0.1). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}
