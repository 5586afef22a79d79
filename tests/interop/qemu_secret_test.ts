// The secret driver on qemu:///system against libvirtd 9.0's
// (tests/_reference_qemu.ts, issue 13): one virsh session — secrets of each
// usage type defined with and without a UUID, lists with the ephemeral and
// private filters, dumpxml, values set and read (a private one refused),
// the redefinition rules and their errors, malformed definitions, unknown
// UUIDs, undefine — then libvirt-python's lookups by usage, its lists, the
// error codes and domains it sees (read-only access included), and the
// lifecycle and value-changed events a python client and virsh
// secret-event receive. Both daemons must answer the same; generated UUIDs
// are masked. The reference keeps its secrets in the host's
// /etc/libvirt/secrets: everything defined there is undefined again in
// `finally`.

import assert from "node:assert/strict";
import { startDenovirt } from "../_daemons.ts";
import { haveCondition, haveTools } from "./_tools.ts";
import { referenceQemuMissing, startReferenceQemu } from "../_reference_qemu.ts";

const SUITE = "secrets against libvirtd's";
const missing = referenceQemuMissing();
const runnable = haveTools(SUITE, ["virsh", "python3_libvirt"]) &&
  haveCondition(SUITE, missing === null, missing ?? "");

/** Every fixed UUID here starts so; anything else was generated. */
const PREFIX = "0a81f5b2-8403-7b23-c8d6-21ccc2f80d";
const U = (n: number) => `${PREFIX}${n.toString(16).padStart(2, "0")}`;

const FILES: Record<string, string> = {
  "volume.xml": `<secret ephemeral='no' private='no'>
  <uuid>${U(0x60)}</uuid>
  <description>disk pass</description>
  <usage type='volume'><volume>/var/lib/libvirt/images/secret-test.img</volume></usage>
</secret>`,
  // No UUID: generated.
  "ceph.xml": `<secret ephemeral='no' private='yes'>
  <usage type='ceph'><name>client.secret-test secret</name></usage>
</secret>`,
  "iscsi.xml": `<secret ephemeral='yes' private='no'>
  <uuid>${U(0x61)}</uuid>
  <usage type='iscsi'><target>secret-test-iscsi</target></usage>
</secret>`,
  "tls.xml": `<secret ephemeral='no' private='no'>
  <uuid>${U(0x62)}</uuid>
  <description>tls &amp; more</description>
  <usage type='tls'><name>secret_test_tls</name></usage>
</secret>`,
  "vtpm.xml": `<secret ephemeral='no' private='yes'>
  <uuid>${U(0x63)}</uuid>
  <usage type='vtpm'><name>secret_test_vtpm</name></usage>
</secret>`,
  "plain.xml": `<secret>\n  <uuid>${U(0x64)}</uuid>\n</secret>`,
  "none.xml": `<secret><usage type='none'/><uuid>${U(0x65)}</uuid></secret>`,
  // Redefinitions: another usage, a usage taken, ephemeral → persistent,
  // private → public, persistent → ephemeral.
  "volume-moved.xml": `<secret><uuid>${
    U(0x60)
  }</uuid><usage type='volume'><volume>/other.img</volume></usage></secret>`,
  "volume-taken.xml": `<secret><uuid>${
    U(0x66)
  }</uuid><usage type='volume'><volume>/var/lib/libvirt/images/secret-test.img</volume></usage></secret>`,
  "iscsi-kept.xml": `<secret ephemeral='no'><uuid>${
    U(0x61)
  }</uuid><usage type='iscsi'><target>secret-test-iscsi</target></usage></secret>`,
  "vtpm-public.xml": `<secret private='no'><uuid>${
    U(0x63)
  }</uuid><usage type='vtpm'><name>secret_test_vtpm</name></usage></secret>`,
  "tls-ephemeral.xml": `<secret ephemeral='yes'><uuid>${
    U(0x62)
  }</uuid><usage type='tls'><name>secret_test_tls</name></usage></secret>`,
  "events.xml": `<secret><uuid>${
    U(0x71)
  }</uuid><usage type='iscsi'><target>secret-test-virsh-events</target></usage></secret>`,
  "bad-type.xml": `<secret><usage type='bogus'/></secret>`,
  "no-type.xml": `<secret><usage/></secret>`,
  "no-name.xml": `<secret><usage type='ceph'/></secret>`,
  "bad-uuid.xml": `<secret><uuid>zzz</uuid></secret>`,
  "bad-private.xml": `<secret private='maybe'/>`,
  "bad-root.xml": `<domain/>`,
  "bad-syntax.xml": `<secret><uuid></secret>`,
};

const UNKNOWN = "11111111-2222-3333-4444-555555555555";

const SESSION = [
  "secret-list",
  "secret-define F/volume.xml",
  "secret-define F/ceph.xml",
  "secret-define F/iscsi.xml",
  "secret-define F/tls.xml",
  "secret-define F/vtpm.xml",
  "secret-define F/plain.xml",
  "secret-define F/none.xml",
  "secret-list",
  "secret-list --ephemeral",
  "secret-list --no-ephemeral",
  "secret-list --private",
  "secret-list --no-private",
  "secret-list --private --no-ephemeral",
  ...[0x60, 0x61, 0x62, 0x63, 0x64, 0x65].map((n) => `secret-dumpxml ${U(n)}`),
  `secret-get-value ${U(0x60)}`,
  `secret-set-value ${U(0x60)} --base64 c2VjcmV0`,
  `secret-get-value ${U(0x60)}`,
  `secret-set-value ${U(0x63)} --base64 cHJpdg==`,
  `secret-get-value ${U(0x63)}`,
  `secret-set-value ${U(0x61)} --base64 ZXBo`,
  `secret-get-value ${U(0x61)}`,
  "secret-define F/volume-moved.xml",
  "secret-define F/volume-taken.xml",
  "secret-define F/iscsi-kept.xml",
  `secret-get-value ${U(0x61)}`,
  "secret-define F/vtpm-public.xml",
  "secret-define F/tls-ephemeral.xml",
  `secret-dumpxml ${U(0x62)}`,
  "secret-list --ephemeral",
  ...[
    "bad-type",
    "no-type",
    "no-name",
    "bad-uuid",
    "bad-private",
    "bad-root",
    "bad-syntax",
  ].map((f) => `secret-define F/${f}.xml`),
  `secret-dumpxml ${UNKNOWN}`,
  `secret-undefine ${UNKNOWN}`,
  `secret-get-value ${UNKNOWN}`,
  `secret-set-value ${UNKNOWN} --base64 eA==`,
];

/** libvirt-python: lookups, lists and the errors (code, domain, message) it sees. */
const PYTHON = `
import libvirt, sys
libvirt.registerErrorHandler(lambda *a: None, None)
uri = sys.argv[1]
c = libvirt.open(uri)
ro = libvirt.openReadOnly(uri)
P = "${PREFIX}"
def show(s):
    u = s.UUIDString()
    return (u if u.startswith(P) else "UUID", s.usageType(), s.usageID())
def attempt(what, fn):
    try:
        print(what, fn())
    except libvirt.libvirtError as e:
        print(what, "error", e.get_error_code(), e.get_error_domain(), e.get_error_message())
attempt("by usage volume", lambda: show(c.secretLookupByUsage(libvirt.VIR_SECRET_USAGE_TYPE_VOLUME, "/var/lib/libvirt/images/secret-test.img")))
attempt("by usage ceph", lambda: show(c.secretLookupByUsage(libvirt.VIR_SECRET_USAGE_TYPE_CEPH, "client.secret-test secret")))
attempt("by usage wrong type", lambda: show(c.secretLookupByUsage(libvirt.VIR_SECRET_USAGE_TYPE_TLS, "client.secret-test secret")))
attempt("by usage none", lambda: show(c.secretLookupByUsage(0, "")))
attempt("by usage missing", lambda: show(c.secretLookupByUsage(libvirt.VIR_SECRET_USAGE_TYPE_ISCSI, "nope")))
attempt("by uuid", lambda: show(c.secretLookupByUUIDString("${U(0x64)}")))
attempt("by uuid missing", lambda: show(c.secretLookupByUUIDString("${UNKNOWN}")))
mine = lambda xs: sorted(x for x in xs if x.startswith(P))
attempt("count", lambda: c.numOfSecrets() >= 7)
attempt("list", lambda: mine(c.listSecrets()))
for f in [0, 1, 2, 4, 8, 5, 10, 3]:
    attempt("list all %d" % f, lambda: sorted(map(show, c.listAllSecrets(f))))
attempt("list all bad flag", lambda: c.listAllSecrets(16))
v = c.secretLookupByUUIDString("${U(0x60)}")
attempt("value", lambda: v.value())
attempt("value flags", lambda: v.value(1))
attempt("set value flags", lambda: v.setValue(b"x", 1))
attempt("xml flags", lambda: v.XMLDesc(1))
attempt("define flags", lambda: c.secretDefineXML("<secret/>", 2))
attempt("private value", lambda: c.secretLookupByUUIDString("${U(0x63)}").value())
attempt("no value", lambda: c.secretLookupByUUIDString("${U(0x64)}").value())
r = ro.secretLookupByUUIDString("${U(0x60)}")
attempt("ro xml", lambda: r.XMLDesc())
attempt("ro value", lambda: r.value())
attempt("ro set value", lambda: r.setValue(b"x"))
attempt("ro undefine", lambda: r.undefine())
attempt("ro define", lambda: ro.secretDefineXML("<secret/>"))
attempt("ro list", lambda: mine(ro.listSecrets()))
`;

/** libvirt-python's secret events for a define, set-value, redefine and undefine. */
const EVENTS = `
import libvirt, sys, threading, time
libvirt.registerErrorHandler(lambda *a: None, None)
libvirt.virEventRegisterDefaultImpl()
def loop():
    while True:
        libvirt.virEventRunDefaultImpl()
threading.Thread(target=loop, daemon=True).start()
c = libvirt.open(sys.argv[1])
seen = []
def life(conn, secret, event, detail, opaque):
    seen.append((opaque, "lifecycle", secret.UUIDString(), secret.usageID(), event, detail))
def value(conn, secret, opaque):
    seen.append((opaque, "value", secret.UUIDString(), secret.usageID()))
U = "${U(0x70)}"
ids = [
    c.secretEventRegisterAny(None, libvirt.VIR_SECRET_EVENT_ID_LIFECYCLE, life, "all"),
    c.secretEventRegisterAny(None, libvirt.VIR_SECRET_EVENT_ID_VALUE_CHANGED, value, "all"),
]
xml = "<secret ephemeral='no'><uuid>%s</uuid><usage type='ceph'><name>secret-test events</name></usage></secret>" % U
s = c.secretDefineXML(xml)
ids.append(c.secretEventRegisterAny(s, libvirt.VIR_SECRET_EVENT_ID_LIFECYCLE, life, "one"))
s.setValue(b"value")
c.secretDefineXML(xml)
s.undefine()
time.sleep(1)
for e in seen:
    print(e)
for i in ids:
    c.secretEventDeregisterAny(i)
try:
    c.secretEventDeregisterAny(ids[0])
except libvirt.libvirtError as e:
    print("deregister twice", e.get_error_code(), e.get_error_domain(), e.get_error_message())
`;

async function sh(cmd: string, args: string[]): Promise<string> {
  const o = await new Deno.Command(cmd, {
    args,
    stdout: "piped",
    stderr: "piped",
    env: { LC_ALL: "C" },
  }).output();
  const dec = new TextDecoder();
  return (o.success ? "" : "FAILED ") + dec.decode(o.stdout) + dec.decode(o.stderr);
}

/** Generated UUIDs masked (and the table widths that follow their usage lengths kept). */
const mask = (s: string) =>
  s.replace(
    /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g,
    (u) => u.startsWith(PREFIX) || u === UNKNOWN ? u : "UUID",
  );

/**
 * virsh secret-list sorts its rows by UUID, so a generated UUID (masked
 * above) lands anywhere among the fixed ones, at a different place on each
 * daemon: the rows of a list are compared in an order of their own.
 */
function listed(cmd: string, out: string): string {
  if (!cmd.startsWith("secret-list")) return out;
  const lines = out.split("\n");
  return [...lines.slice(0, 2), ...lines.slice(2).sort()].join("\n");
}

/** Undefines every secret of this suite (fixed UUIDs, or a usage it used) and their files. */
async function cleanUp(uri: string, dir: string | null): Promise<void> {
  await sh("/usr/bin/python3", [
    "-c",
    `
import libvirt, sys
libvirt.registerErrorHandler(lambda *a: None, None)
c = libvirt.open(sys.argv[1])
for s in c.listAllSecrets(0):
    if s.UUIDString().startswith("${PREFIX}") or "secret-test" in s.usageID() or "secret_test" in s.usageID():
        s.undefine()
`,
    uri,
  ]);
  if (dir === null) return;
  // libvirt 9.0 leaves a secret's UUID.xml behind when a persistent secret
  // is redefined ephemeral (virSecretObjDeleteConfig looks at the new definition).
  for (const e of [...Deno.readDirSync(dir)]) {
    if (e.name.startsWith(PREFIX)) await Deno.remove(`${dir}/${e.name}`).catch(() => {});
  }
}

Deno.test({
  name: "secrets on qemu:///system answer as libvirtd 9.0's secret driver",
  ignore: !runnable,
  sanitizeResources: false,
  sanitizeOps: false,
}, async (t) => {
  const files = await Deno.makeTempDir({ prefix: "denovirt-secret-files-" });
  for (const [name, text] of Object.entries(FILES)) {
    await Deno.writeTextFile(`${files}/${name}`, text + "\n");
  }
  const dir = await Deno.makeTempDir({ prefix: "denovirt-secret-" });
  const ref = await startReferenceQemu();
  let d: Awaited<ReturnType<typeof startDenovirt>> | null = null;
  try {
    await cleanUp(ref.uri, "/etc/libvirt/secrets");
    d = await startDenovirt(`qemu_config_dir = "${dir}/qemu"\nqemu_state_dir = "${dir}/run"\n`);
    const uris = [ref.uri, `qemu:///system?socket=${d.socket}`];
    for (const cmd of SESSION) {
      await t.step(cmd, async () => {
        const argv = cmd.replaceAll("F/", `${files}/`).split(" ");
        const [a, b] = await Promise.all(
          uris.map(async (u) => listed(cmd, mask(await sh("virsh", ["-c", u, ...argv])))),
        );
        assert.equal(b, a);
      });
    }
    await t.step("libvirt-python: lookups, lists and errors", async () => {
      const [a, b] = await Promise.all(
        uris.map(async (u) => mask(await sh("/usr/bin/python3", ["-c", PYTHON, u]))),
      );
      assert.doesNotMatch(a!, /FAILED|Traceback/);
      assert.equal(b, a);
    });
    await t.step("libvirt-python: lifecycle and value-changed events", async () => {
      const [a, b] = await Promise.all(
        uris.map(async (u) => mask(await sh("/usr/bin/python3", ["-c", EVENTS, u]))),
      );
      assert.match(a!, /'value'/);
      assert.equal(b, a);
    });
    await t.step("virsh secret-event --loop sees what virsh does", async () => {
      const [a, b] = await Promise.all(uris.map(async (u) => {
        const watch = (event: string) =>
          sh("virsh", ["-c", u, "secret-event", "--event", event, "--loop", "--timeout", "5"]);
        const watching = [watch("lifecycle"), watch("value-changed")];
        await new Promise((r) => setTimeout(r, 1500));
        await sh("virsh", ["-c", u, "secret-define", `${files}/events.xml`]);
        await sh("virsh", ["-c", u, "secret-set-value", U(0x71), "--base64", "ZXY="]);
        await sh("virsh", ["-c", u, "secret-undefine", U(0x71)]);
        return mask((await Promise.all(watching)).join("---\n"));
      }));
      assert.match(a!, /value-changed/);
      assert.match(a!, /Undefined/);
      assert.equal(b, a);
    });
    await t.step("undefine", async () => {
      for (const n of [0x60, 0x61, 0x62, 0x63, 0x64, 0x65]) {
        const [a, b] = await Promise.all(
          uris.map(async (u) => mask(await sh("virsh", ["-c", u, "secret-undefine", U(n)]))),
        );
        assert.equal(b, a);
      }
      const [a, b] = await Promise.all(
        uris.map(async (u) => mask(await sh("virsh", ["-c", u, "secret-list"]))),
      );
      assert.equal(b, a);
    });
  } finally {
    await cleanUp(ref.uri, "/etc/libvirt/secrets").catch(() => {});
    await d?.stop();
    await ref.stop();
    await Deno.remove(files, { recursive: true }).catch(() => {});
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
