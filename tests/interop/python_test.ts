// Differential: libvirt-python scripts (the binding most tools use) print
// the same against the real libvirtd and against denovirt — including the
// events one client's actions raise for another client.

import assert from "node:assert/strict";
import { haveTools } from "./_tools.ts";
import { startLibvirtd } from "../_daemons.ts";
import { startDaemon } from "../server/_daemon.ts";

const PYTHON = "/usr/bin/python3";

/** Each script gets the socket path as argv[1] and prints what it saw. */
const SCRIPTS: Record<string, string> = {
  "lookups, info and lists": `
import sys, libvirt
c = libvirt.open('test+unix:///default?socket=' + sys.argv[1])
d = c.lookupByName('test')
print(d.name(), d.UUIDString(), d.ID(), d.OSType(), d.maxMemory(), d.maxVcpus())
info = d.info(); print(info[:4])
print(d.state(), d.isActive(), d.isPersistent(), d.autostart(), d.hasManagedSaveImage())
print([x.name() for x in c.listAllDomains()], c.numOfDomains(), c.listDomainsID())
print(c.getType(), c.getVersion(), c.getLibVersion(), c.getURI().split('?')[0], c.getMaxVcpus(None))
print(c.getInfo(), c.getFreeMemory(), c.getCellsFreeMemory(0, 2))
print(d.schedulerType(), d.schedulerParameters())
print(d.XMLDesc(0))
for bad in (lambda: c.lookupByName('nope'), lambda: c.lookupByID(42), lambda: d.resume()):
    try:
        bad()
    except libvirt.libvirtError as e:
        print('error', e.err)
c.close()
`,
  "events reach another client": `
import sys, threading, time, libvirt
libvirt.virEventRegisterDefaultImpl()
def loop():
    while True:
        libvirt.virEventRunDefaultImpl()
threading.Thread(target=loop, daemon=True).start()
uri = 'test+unix:///default?socket=' + sys.argv[1]
watcher = libvirt.open(uri)
actor = libvirt.open(uri)
seen = []
def cb(conn, dom, event, detail, opaque):
    seen.append((dom.name(), event, detail))
cid = watcher.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, cb, None)
print('callback id', cid)
x = "<domain type='test'><name>ev</name><uuid>11111111-2222-3333-4444-000000000001</uuid><memory>1024</memory><os><type>hvm</type></os></domain>"
d = actor.defineXML(x)
d.create(); d.suspend(); d.resume(); d.destroy(); d.undefine()
t = actor.lookupByName('test'); t.shutdown(); t.create()
deadline = time.time() + 5
while len(seen) < 9 and time.time() < deadline:
    time.sleep(0.05)
for s in seen:
    print(s)
watcher.domainEventDeregisterAny(cid)
actor.close(); watcher.close()
`,
};

const tools = haveTools("libvirt-python differential", ["python3_libvirt", "libvirtd"]);

async function run(script: string, socket: string): Promise<{ code: number; out: string }> {
  const out = await new Deno.Command(PYTHON, {
    args: ["-c", script, socket],
    stdout: "piped",
    stderr: "piped",
    env: { LC_ALL: "C" },
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { code: out.code, out: text };
}

Deno.test({
  name: "libvirt-python scripts print the same against libvirtd and denovirt",
  ignore: !tools,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const ref = await startLibvirtd();
    assert.ok(ref, "libvirtd did not start");
    const ours = await startDaemon();
    try {
      for (const [name, script] of Object.entries(SCRIPTS)) {
        await t.step(name, async () => {
          const want = await run(script, ref.socket);
          const got = await run(script, ours.rw);
          assert.equal(got.out, want.out);
          assert.equal(got.code, want.code);
        });
      }
    } finally {
      await ours.stop();
      await ref.stop();
    }
  },
});
