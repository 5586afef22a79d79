// libvirtd.conf syntax: every key denovirt reads, and bad files refused
// with the file, line and key named.

import assert from "node:assert/strict";
import { ConfigError, defaultConfig, parseConfig } from "../../src/conf/config.ts";

const SAMPLE = `
# A libvirtd.conf with every key denovirt uses.
unix_sock_dir = "/run/denovirt"   # trailing comment
unix_sock_rw_perms = "0770"
unix_sock_ro_perms = "0777"
unix_sock_admin_perms = "0700"
unix_sock_group = "libvirt"
min_workers = 2
max_workers = 8
prio_workers = 3
max_clients = 100
max_queued_clients = 50
max_client_requests = 1
keepalive_interval = 10
keepalive_count = 3
log_level = 2
log_filters = "3:rpc 1:util"
log_outputs = "2:stderr 1:file:/var/log/denovirt.log"
auth_unix_rw = "none"
qemu_config_dir = "/etc/denovirt/qemu"
qemu_state_dir = "/run/denovirt/qemu"
qemu_emulator = "/usr/local/bin/qemu-system-x86_64"
qemu_img = "/usr/local/bin/qemu-img"
qemu_job_wait_seconds = 5
dispatch_poll_us = 0
dispatch_spin_us = 40
worker_park_seconds = 30
sandbox = 1
sandbox_allow_paths = [ "/srv/images", "/var/tmp" ]
auth_unix_ro = "sasl"
auth_tcp = "none"
auth_tls = "sasl"
listen_tls = 0
listen_tcp = 1
listen_addr = "192.0.2.1"
tls_port = "26514"
tcp_port = "26509"
key_file = "/etc/denovirt/key.pem"
cert_file = "/etc/denovirt/cert.pem"
ca_file = "/etc/denovirt/ca.pem"
crl_file = "/etc/denovirt/crl.pem"
tls_no_verify_certificate = 1
tls_no_sanity_certificate = 1
tls_allowed_dn_list = ["C=GB,ST=London,L=London,O=Example,CN=*", 'CN=admin']
tls_priority = "NORMAL"
sasl_allowed_username_list = ["alice", "ops-*" ]
sasl_users_file = "/etc/denovirt/sasl-users"
`;

Deno.test("parseConfig() reads every key denovirt uses", () => {
  const c = parseConfig(SAMPLE, "sample.conf");
  assert.deepEqual(c, {
    unix_sock_dir: "/run/denovirt",
    unix_sock_rw_perms: 0o770,
    unix_sock_ro_perms: 0o777,
    unix_sock_admin_perms: 0o700,
    unix_sock_group: "libvirt",
    min_workers: 2,
    max_workers: 8,
    prio_workers: 3,
    max_clients: 100,
    max_queued_clients: 50,
    max_anonymous_clients: 20,
    max_client_requests: 1,
    keepalive_interval: 10,
    keepalive_count: 3,
    log_level: 2,
    log_filters: "3:rpc 1:util",
    log_outputs: "2:stderr 1:file:/var/log/denovirt.log",
    admin_min_workers: 5,
    admin_max_workers: 20,
    admin_max_clients: 5000,
    admin_max_queued_clients: 20,
    admin_max_client_requests: 5,
    admin_keepalive_interval: 5,
    admin_keepalive_count: 5,
    stuck_call_warn_seconds: 60,
    stuck_call_kill_seconds: 0,
    dispatch_poll_us: 0,
    dispatch_spin_us: 40,
    worker_park_seconds: 30,
    qemu_config_dir: "/etc/denovirt/qemu",
    qemu_state_dir: "/run/denovirt/qemu",
    qemu_emulator: "/usr/local/bin/qemu-system-x86_64",
    qemu_img: "/usr/local/bin/qemu-img",
    qemu_job_wait_seconds: 5,
    sandbox: 1,
    sandbox_allow_paths: ["/srv/images", "/var/tmp"],
    auth_unix_rw: "none",
    auth_unix_ro: "sasl",
    auth_tcp: "none",
    auth_tls: "sasl",
    listen_tls: 0,
    listen_tcp: 1,
    listen_addr: "192.0.2.1",
    tls_port: "26514",
    tcp_port: "26509",
    key_file: "/etc/denovirt/key.pem",
    cert_file: "/etc/denovirt/cert.pem",
    ca_file: "/etc/denovirt/ca.pem",
    crl_file: "/etc/denovirt/crl.pem",
    tls_no_verify_certificate: 1,
    tls_no_sanity_certificate: 1,
    // Commas inside a quoted list item belong to it.
    tls_allowed_dn_list: ["C=GB,ST=London,L=London,O=Example,CN=*", "CN=admin"],
    tls_priority: "NORMAL",
    sasl_allowed_username_list: ["alice", "ops-*"],
    sasl_users_file: "/etc/denovirt/sasl-users",
  });
});

Deno.test("parseConfig() of an empty file gives libvirtd's defaults", () => {
  const c = parseConfig("", "empty.conf");
  const d = defaultConfig();
  assert.deepEqual(c, d);
  assert.deepEqual(
    [c.min_workers, c.max_workers, c.prio_workers, c.max_clients, c.max_client_requests],
    [5, 20, 5, 5000, 5],
  );
  assert.deepEqual([c.keepalive_interval, c.keepalive_count], [5, 5]);
  assert.deepEqual([c.unix_sock_rw_perms, c.unix_sock_ro_perms, c.unix_sock_admin_perms], [
    0o700,
    0o777,
    0o700,
  ]);
});

// libvirt's virconf grammar (src/util/virconf.c, virConfParseValue): a value
// may be quoted with ' as with ", a list [ … ] may run over several lines and
// end in a comma, and a # or a comma inside quotes is only a character.
Deno.test("parseConfig() accepts lists spanning lines and single quotes", () => {
  const warnings: string[] = [];
  const c = parseConfig(
    [
      `log_filters = '3:rpc 1:qemu'`,
      `access_drivers = [`,
      `  "polkit",`,
      `  'nop, or not',`,
      `]`,
      `max_workers = 9`,
      `log_outputs = '1:file:/var/log/a#b.log'  # the first # is quoted`,
    ].join("\n"),
    "l.conf",
    (w) => warnings.push(w),
  );
  assert.equal(c.log_filters, "3:rpc 1:qemu");
  assert.equal(c.log_outputs, "1:file:/var/log/a#b.log");
  assert.equal(c.max_workers, 9, "the line after the list is read as its own setting");
  assert.deepEqual(warnings, ["l.conf:2: unknown setting access_drivers ignored"]);
});

Deno.test("parseConfig() in system mode starts from a privileged libvirtd's paths", () => {
  const c = parseConfig("", "system.conf", () => {}, true);
  assert.deepEqual(
    [c.unix_sock_dir, c.qemu_config_dir, c.qemu_state_dir],
    ["/run/libvirt", "/etc/libvirt/qemu", "/run/libvirt/qemu"],
  );
  // libvirtd's network defaults: TLS (when --listen) without SASL, TCP off and SASL-only.
  assert.deepEqual(
    [c.listen_tls, c.listen_tcp, c.tls_port, c.tcp_port, c.auth_tls, c.auth_tcp],
    [1, 0, "16514", "16509", "none", "sasl"],
  );
});

Deno.test("parseConfig() warns about unknown keys and goes on", () => {
  const warnings: string[] = [];
  const c = parseConfig(`frobnicate = 3\nmax_workers = 9\n`, "w.conf", (w) => warnings.push(w));
  assert.equal(c.max_workers, 9);
  assert.deepEqual(warnings, ["w.conf:1: unknown setting frobnicate ignored"]);
});

const BAD: [string, string, RegExp][] = [
  ['max_workers = "ten"\n', "bad.conf:1", /max_workers: expected int, got string/],
  ["\n\nmin_workers = -1\n", "bad.conf:3", /min_workers: -1 is outside 0\.\.1000/],
  ["max_clients = 0\n", "bad.conf:1", /max_clients: 0 is outside/],
  [
    'unix_sock_rw_perms = "rwx"\n',
    "bad.conf:1",
    /unix_sock_rw_perms: not an octal permission mode/,
  ],
  ["unix_sock_dir = 5\n", "bad.conf:1", /unix_sock_dir: expected string, got int/],
  ["keepalive_count = 3x\n", "bad.conf:1", /keepalive_count: cannot parse value: 3x/],
  ['log_filters = "3:rpc\n', "bad.conf:1", /unterminated string/],
  ["max_workers\n", "bad.conf:1", /expected "key = value"/],
  [
    "min_workers = 9\nmax_workers = 2\n",
    "bad.conf:0",
    /min_workers cannot be larger than max_workers/,
  ],
  [
    "max_clients = 5\nmax_anonymous_clients = 20\n",
    "bad.conf:0",
    /max_anonymous_clients must be less than max_clients/,
  ],
  ['auth_tls = "polkit"\n', "bad.conf:1", /auth_tls: unsupported auth polkit/],
  ['tls_port = "https"\n', "bad.conf:1", /tls_port: not a port number: "https"/],
];

for (const [text, where, reason] of BAD) {
  Deno.test(`parseConfig() refuses ${JSON.stringify(text.trim())} naming ${where}`, () => {
    assert.throws(() => parseConfig(text, "bad.conf"), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.ok(e.message.startsWith(`${where}: `), e.message);
      assert.match(e.message, reason);
      return true;
    });
  });
}
