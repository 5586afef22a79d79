// Differential: remote hosts. The real libvirtd and denovirt get the same
// settings (TLS with x509 certificates and an allowed-DN list; SASL SCRAM on
// the Unix socket, over TLS and — refused — over plain TCP), the same
// certificates and the same users (Cyrus sasldb for libvirtd, `passwd`'s
// database for denovirt); virsh, libvirt-python, Sys::Virt, virt-admin and a
// raw client must see the same from both.

import assert from "node:assert/strict";
import { haveTools } from "./_tools.ts";
import { startLibvirtd } from "../_daemons.ts";
import { startDaemon, type TestDaemon } from "../server/_daemon.ts";
import { clientDN, freePort, makePki, type Pki } from "../_pki.ts";
import { parseConfig } from "../../src/conf/config.ts";
import { setPassword } from "../../src/transport/sasl_users.ts";
import { errorOf, RawClient } from "../_rpc_client.ts";
import {
  REMOTE_PROC_AUTH_LIST,
  REMOTE_PROC_AUTH_SASL_INIT,
  REMOTE_PROC_AUTH_SASL_START,
  REMOTE_PROC_AUTH_SASL_STEP,
  REMOTE_PROC_CONNECT_GET_LIB_VERSION,
  REMOTE_PROC_CONNECT_OPEN,
  REMOTE_PROC_CONNECT_SUPPORTS_FEATURE,
} from "../../src/protocol/remote_procedure_numbers.ts";
import { QEMU_PROGRAM } from "../../src/rpc/constants.ts";

const tools = haveTools("remote hosts (TLS, SASL)", [
  "virsh",
  "virt-admin",
  "libvirtd",
  "certtool",
  "saslpasswd2",
  "sasl_scram",
  "python3_libvirt",
  "perl_sys_virt",
]);

/** One daemon of a pair, as the clients reach it. */
interface Side {
  name: string;
  rw: string;
  admin: string;
  tls: number;
  tcp: number;
  stop(): Promise<void>;
}

const USERS: Record<string, string> = { alice: "wonderland", carol: "allowed-not" };

/** Runs a program; exit code and stdout + stderr, with each side's ports made alike. */
async function run(
  cmd: string,
  args: string[],
  side: Side,
  env: Record<string, string> = {},
): Promise<{ code: number; out: string }> {
  const o = await new Deno.Command(cmd, {
    args,
    env: { LC_ALL: "C", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  const out = (dec.decode(o.stdout) + dec.decode(o.stderr))
    .replaceAll(`:${side.tls}`, ":<tls port>")
    .replaceAll(`:${side.tcp}`, ":<tcp port>")
    .replaceAll(side.rw, "<rw socket>");
  return { code: o.code, out };
}

/** A libvirt auth file giving `user` and `password` to every SASL connection. */
async function authFile(dir: string, user: string, password: string): Promise<string> {
  const f = `${dir}/auth-${user}-${password}.conf`;
  await Deno.writeTextFile(
    f,
    `[credentials-t]\nauthname=${user}\npassword=${password}\n\n[auth-libvirt-default]\ncredentials=t\n\n[auth-libvirt-localhost]\ncredentials=t\n`,
  );
  return f;
}

/** Starts libvirtd and denovirt with the same settings (`conf` gets each side's ports). */
async function startPair(
  _pki: Pki,
  conf: (tls: number, tcp: number) => string,
): Promise<[Side, Side]> {
  const dir = await Deno.makeTempDir({ prefix: "denovirt-remote-" });
  // libvirtd's users: Cyrus sasldb, found through its own SASL config file.
  await Deno.writeTextFile(
    `${dir}/libvirt.conf`,
    `mech_list: scram-sha-256 scram-sha-1\nsasldb_path: ${dir}/passwd.db\n`,
  );
  for (const [user, pw] of Object.entries(USERS)) {
    const p = new Deno.Command("saslpasswd2", {
      args: ["-p", "-c", "-a", "libvirt", "-f", `${dir}/passwd.db`, user],
      stdin: "piped",
    }).spawn();
    const w = p.stdin.getWriter();
    await w.write(new TextEncoder().encode(pw));
    await w.close();
    assert.ok((await p.status).success, "saslpasswd2 failed");
    await setPassword(`${dir}/sasl-users`, user, pw);
  }
  const lport = [freePort(), freePort()] as const;
  const ref = await startLibvirtd(conf(lport[0], lport[1]), {
    args: ["--listen"],
    env: { SASL_CONF_PATH: dir },
  }).catch(async (e) => {
    await Deno.remove(dir, { recursive: true });
    throw e;
  });
  assert.ok(ref, "libvirtd did not start");
  const dport = [freePort(), freePort()] as const;
  const settings = parseConfig(conf(dport[0], dport[1]), "pair.conf");
  const { unix_sock_dir: _, ...overrides } = settings;
  let ours: TestDaemon;
  try {
    ours = await startDaemon({ ...overrides, sasl_users_file: `${dir}/sasl-users` }, {
      listen: true,
    });
  } catch (e) {
    await ref.stop();
    await Deno.remove(dir, { recursive: true });
    throw e;
  }
  const refDir = ref.socket.slice(0, ref.socket.lastIndexOf("/"));
  return [
    {
      name: "libvirtd",
      rw: ref.socket,
      admin: `${refDir}/libvirt-admin-sock`,
      tls: lport[0],
      tcp: lport[1],
      stop: () => ref.stop(),
    },
    {
      name: "denovirt",
      rw: ours.rw,
      admin: ours.admin,
      tls: dport[0],
      tcp: dport[1],
      stop: async () => {
        await ours.stop();
        await Deno.remove(dir, { recursive: true });
      },
    },
  ];
}

function x509Conf(pki: Pki, extra = "") {
  return (tls: number, tcp: number) =>
    [
      `listen_tls = 1`,
      `listen_tcp = 0`,
      `listen_addr = "127.0.0.1"`,
      `tls_port = "${tls}"`,
      `tcp_port = "${tcp}"`,
      `ca_file = "${pki.server.ca}"`,
      `cert_file = "${pki.server.cert}"`,
      `key_file = "${pki.server.key}"`,
      extra,
    ].join("\n") + "\n";
}

/** Each step runs its clients against both daemons and compares what they print. */
type Step = (side: Side) => Promise<{ code: number; out: string }>;

async function compare(t: Deno.TestContext, sides: [Side, Side], steps: Record<string, Step>) {
  for (const [name, step] of Object.entries(steps)) {
    await t.step(name, async () => {
      const want = await step(sides[0]);
      const got = await step(sides[1]);
      assert.equal(got.out, want.out);
      assert.equal(got.code, want.code);
    });
  }
}

const tlsUri = (side: Side, pkipath: string, driver = "test", path = "/default") =>
  `${driver}+tls://localhost:${side.tls}${path}?pkipath=${pkipath}`;

const PYTHON = `
import libvirt, sys
def creds(cred, data):
    return -1
try:
    c = libvirt.openAuth(sys.argv[1], [[libvirt.VIR_CRED_AUTHNAME, libvirt.VIR_CRED_PASSPHRASE], creds, None], 0)
    print(sorted(d.name() for d in c.listAllDomains()))
    print(c.isSecure(), c.isEncrypted())
    c.close()
except libvirt.libvirtError as e:
    print("error", e.get_error_code(), e.get_error_domain(), e)
`;

const PERL = `
use strict;
use Sys::Virt;
my $c = eval { Sys::Virt->new(uri => $ARGV[0]) };
if (!$c) { print "error ", $@->code, " ", $@->domain, " ", $@->message, "\\n"; exit 0 }
print join(",", sort map { $_->get_name } $c->list_all_domains), "\\n";
print $c->get_hostname eq "" ? "no hostname\\n" : "hostname\\n";
`;

/** virt-admin's client-info for the newest client of `transport`, with what differs by run made alike. */
async function clientInfo(side: Side, transport: string): Promise<{ code: number; out: string }> {
  const admin = `libvirtd+unix:///system?socket=${side.admin}`;
  const list = await run("virt-admin", ["-c", admin, "srv-clients-list", "libvirtd"], side);
  const ids = [...list.out.matchAll(new RegExp(`^\\s*(\\d+)\\s+${transport}\\s`, "gm"))].map((m) =>
    m[1]!
  );
  const info = await run("virt-admin", ["-c", admin, "client-info", "libvirtd", ids.at(-1)!], side);
  return {
    code: info.code,
    out: info.out
      .replace(/^(id\s+:).*$/m, "$1 <id>")
      .replace(/^(connection_time\s*:).*$/m, "$1 <time>")
      .replace(/^(sock_addr\s+:) 127\.0\.0\.1:\d+$/m, "$1 127.0.0.1:<port>"),
  };
}

/** Holds a python connection open while `f` runs. */
async function holding<T>(
  uri: string,
  env: Record<string, string>,
  f: () => Promise<T>,
): Promise<T> {
  const p = new Deno.Command("/usr/bin/python3", {
    args: [
      "-c",
      `import libvirt, sys, time
def creds(c, d): return -1
c = libvirt.openAuth(sys.argv[1], [[libvirt.VIR_CRED_AUTHNAME, libvirt.VIR_CRED_PASSPHRASE], creds, None], 0)
print("open", flush=True)
sys.stdin.read()`,
      uri,
    ],
    env,
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = p.stdout.getReader();
  const first = await reader.read();
  assert.match(new TextDecoder().decode(first.value), /open/);
  try {
    return await f();
  } finally {
    await p.stdin.close();
    await p.status;
    reader.releaseLock();
    await p.stdout.cancel();
  }
}

Deno.test({
  name: "TLS with x509 certificates answers virsh, python and Sys::Virt as libvirtd does",
  ignore: !tools,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const pki = await makePki(["client1", "client2", "client3", "outsider"]);
    const crl = await pki.revoke("client3");
    const sides = await startPair(
      pki,
      x509Conf(pki, `tls_allowed_dn_list = ["${clientDN("client?")}"]\ncrl_file = "${crl}"`),
    );
    try {
      const good = pki.client("client1");
      await compare(t, sides, {
        "virsh with a client certificate": (s) =>
          run("virsh", ["-c", tlsUri(s, good), "list --all; nodeinfo; uri"], s),
        "virsh with another allowed certificate": (s) =>
          run("virsh", ["-c", tlsUri(s, pki.client("client2")), "domstate test"], s),
        "virsh without a client certificate is refused": (s) =>
          run("virsh", ["-c", tlsUri(s, pki.noCertClient), "list"], s),
        "virsh with a certificate of another CA is refused": (s) =>
          run("virsh", ["-c", tlsUri(s, pki.foreignClient), "list"], s),
        "virsh with a revoked certificate is refused": (s) =>
          run("virsh", ["-c", tlsUri(s, pki.client("client3")), "list"], s),
        "virsh with a DN outside tls_allowed_dn_list is refused": (s) =>
          run("virsh", ["-c", tlsUri(s, pki.client("outsider")), "list"], s),
        "python over TLS": (s) => run("/usr/bin/python3", ["-c", PYTHON, tlsUri(s, good)], s),
        "python without a certificate": (s) =>
          run("/usr/bin/python3", ["-c", PYTHON, tlsUri(s, pki.noCertClient)], s),
        "Sys::Virt over TLS": (s) => run("/usr/bin/perl", ["-e", PERL, tlsUri(s, good)], s),
        "Sys::Virt with a DN outside the list": (s) =>
          run("/usr/bin/perl", ["-e", PERL, tlsUri(s, pki.client("outsider"))], s),
        "garbage before the handshake closes the connection; others are served": async (s) => {
          const c = await Deno.connect({ hostname: "127.0.0.1", port: s.tls });
          await c.write(new TextEncoder().encode("GARBAGE\r\n\r\n"));
          const buf = new Uint8Array(512);
          let closed = false;
          try {
            // A TLS alert may come first; then the end.
            for (let i = 0; i < 4 && !closed; i++) closed = (await c.read(buf)) === null;
          } catch {
            closed = true;
          }
          c.close();
          const after = await run("virsh", ["-c", tlsUri(s, good), "domstate test"], s);
          return { code: after.code, out: `closed: ${closed}\n${after.out}` };
        },
        "virt-admin client-info shows the address and the x509 DN": (s) =>
          holding(tlsUri(s, good), {}, () => clientInfo(s, "tls")),
      });
      await t.step("qemu+tls reaches denovirt's QEMU driver", async () => {
        const s = sides[1];
        const r = await run(
          "virsh",
          ["-c", tlsUri(s, good, "qemu", "/system"), "uri; list --all"],
          s,
        );
        assert.equal(r.code, 0, r.out);
        assert.match(r.out, /^qemu\+tls:\/\/localhost:<tls port>\/system\?pkipath=/m);
      });
    } finally {
      for (const s of sides) await s.stop();
      await pki.remove();
    }
  },
});

/** What a raw client hears before it authenticates, one line a call. */
async function unauthenticated(side: Side): Promise<{ code: number; out: string }> {
  const c = await RawClient.connect(side.rw);
  const lines: string[] = [];
  const ask = async (
    name: string,
    proc: number,
    body?: (w: import("../../src/xdr/mod.ts").XdrWriter) => void,
    prog?: number,
  ) => {
    const r = await c.reply(await c.call(proc, body, prog ? { prog } : {}));
    if (r.header.status === 1) {
      const e = errorOf(r);
      lines.push(`${name}: error ${e.code} ${e.domain} ${e.message} | ${e.str1} | ${e.str2}`);
    } else lines.push(`${name}: ok ${r.packet.length} bytes`);
  };
  try {
    await ask("AUTH_LIST", REMOTE_PROC_AUTH_LIST);
    await ask("SUPPORTS_FEATURE", REMOTE_PROC_CONNECT_SUPPORTS_FEATURE, (w) => w.writeInt(10));
    await ask("CONNECT_OPEN", REMOTE_PROC_CONNECT_OPEN, (w) => {
      w.writeUint(1);
      w.writeString("test:///default", 4096);
      w.writeUint(0);
    });
    await ask("GET_LIB_VERSION", REMOTE_PROC_CONNECT_GET_LIB_VERSION);
    await ask("QEMU program", 1, (w) => {
      w.writeUint(0);
      w.writeString("x", 4096);
      w.writeUint(0);
    }, QEMU_PROGRAM);
    const step = (w: import("../../src/xdr/mod.ts").XdrWriter) => {
      w.writeInt(1);
      w.writeUint(0);
    };
    await ask("SASL_START before INIT", REMOTE_PROC_AUTH_SASL_START, (w) => {
      w.writeString("SCRAM-SHA-256", 4096);
      step(w);
    });
    await ask("SASL_INIT", REMOTE_PROC_AUTH_SASL_INIT);
    await ask("SASL_INIT again", REMOTE_PROC_AUTH_SASL_INIT);
    await ask("SASL_START unknown mechanism", REMOTE_PROC_AUTH_SASL_START, (w) => {
      w.writeString("PLAIN", 4096);
      step(w);
    });
    await ask("SASL_STEP without a session", REMOTE_PROC_AUTH_SASL_STEP, step);
    await ask("AUTH_LIST again", REMOTE_PROC_AUTH_LIST);
    lines.push(`still open: ${!c.eof}`);
  } finally {
    c.close();
  }
  // The mechanism lists differ (Cyrus's order and names are configuration).
  return { code: 0, out: lines.filter((l) => !l.startsWith("SASL_INIT: ok")).join("\n") };
}

Deno.test({
  name: "SASL SCRAM on the Unix socket, over TLS and (refused) over TCP, as libvirtd",
  ignore: !tools,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const pki = await makePki(["client1"]);
    const sides = await startPair(
      pki,
      (tls, tcp) =>
        x509Conf(pki)(tls, tcp).replace("listen_tcp = 0", "listen_tcp = 1") +
        `auth_unix_rw = "sasl"\nauth_tls = "sasl"\nauth_tcp = "sasl"\n` +
        `sasl_allowed_username_list = ["ali*"]\n`,
    );
    const dir = await Deno.makeTempDir();
    try {
      const right = { LIBVIRT_AUTH_FILE: await authFile(dir, "alice", USERS.alice!) };
      const wrong = { LIBVIRT_AUTH_FILE: await authFile(dir, "alice", "guess") };
      const unknown = { LIBVIRT_AUTH_FILE: await authFile(dir, "bob", "wonderland") };
      const denied = { LIBVIRT_AUTH_FILE: await authFile(dir, "carol", USERS.carol!) };
      const unix = (s: Side) => `test+unix:///default?socket=${s.rw}`;
      const tcp = (s: Side) => `test+tcp://localhost:${s.tcp}/default`;
      const good = pki.client("client1");
      await compare(t, sides, {
        "unix: the right password": (s) =>
          run("virsh", ["-c", unix(s), "list --all; uri"], s, right),
        "unix: a wrong password": (s) => run("virsh", ["-c", unix(s), "list"], s, wrong),
        "unix: an unknown user": (s) => run("virsh", ["-c", unix(s), "list"], s, unknown),
        "unix: a user outside sasl_allowed_username_list": (s) =>
          run("virsh", ["-c", unix(s), "list"], s, denied),
        "unix: python with the right password": (s) =>
          run("/usr/bin/python3", ["-c", PYTHON, unix(s)], s, right),
        "unix: only the auth procedures answer before authentication": unauthenticated,
        "tls: the right password": (s) => run("virsh", ["-c", tlsUri(s, good), "list"], s, right),
        "tls: a wrong password": (s) => run("virsh", ["-c", tlsUri(s, good), "list"], s, wrong),
        "tls: python": (s) => run("/usr/bin/python3", ["-c", PYTHON, tlsUri(s, good)], s, right),
        "tcp: SCRAM is refused on a channel that is not private": (s) =>
          run("virsh", ["-c", tcp(s), "list"], s, right),
        "client-info shows the SASL user of a Unix client": async (s) => {
          const r = await holding(unix(s), right, () => clientInfo(s, "unix"));
          // Deno gives no SO_PEERCRED: denovirt cannot show a Unix peer's
          // uid, gid and pid (docs/differences.md).
          return { ...r, out: r.out.replace(/^unix_.*\n/gm, "") };
        },
        "client-info shows the SASL user, address and DN of a TLS client": (s) =>
          holding(tlsUri(s, good), right, () => clientInfo(s, "tls")),
      });
    } finally {
      for (const s of sides) await s.stop();
      await pki.remove();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
