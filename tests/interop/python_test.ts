// Differential: libvirt-python scripts (the binding most tools use) print
// the same against the real libvirtd and against denovirt — including the
// events one client's actions raise for another client.

import assert from "node:assert/strict";
import { haveTools, scriptDifferential } from "./_tools.ts";

const PYTHON = "/usr/bin/python3";

/**
 * What every script starts with: `tryit` prints a call's result, or the
 * error libvirt raised (or, for a client-side refusal, that it refused);
 * `settle` waits for a marker event, which arrives after every event raised
 * before it, so a script never waits a fixed time for events that may come.
 */
const PRELUDE = `import sys, time, libvirt
def tryit(what, f):
    try:
        print(what, f())
    except libvirt.libvirtError as e:
        print(what, 'error', e.err)
    except LookupError as e:
        print(what, 'client refused', e)
MARK = "<domain type='test'><name>mark</name><uuid>11111111-2222-3333-4444-0000000000ff</uuid><memory>1024</memory><os><type>hvm</type></os></domain>"
def settle(conn, seen):
    marks = lambda: sum(1 for s in seen if s[0] == 'mark' and tuple(s[-2:]) == (1, 0))
    want = marks() + 1
    conn.defineXML(MARK).undefine()
    deadline = time.time() + 60
    while marks() < want:
        if time.time() > deadline:
            raise SystemExit('the marker event never arrived')
        time.sleep(0.01)
`;

/** What every script ends with: proof that it ran to its end. */
const EPILOGUE = `
print('script completed')
`;

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
  "scheduler, memory and vCPU settings with their flags": `
import sys, libvirt
c = libvirt.open('test+unix:///default?socket=' + sys.argv[1])
d = c.lookupByName('test')
tryit('sched', lambda: d.setSchedulerParameters({'weight': 100}))
tryit('sched flags', lambda: d.setSchedulerParametersFlags({'weight': 10}, 0))
tryit('sched bad flags', lambda: d.setSchedulerParametersFlags({'weight': 10}, 1))
tryit('sched get', lambda: (d.schedulerParameters(), d.schedulerParametersFlags(0)))
tryit('sched get flags', lambda: d.schedulerParametersFlags(2))
for mem, flags in ((1000000, 0), (900000, 2), (800000, 1), (700000, 3), (6000000, 6), (5000000, 4)):
    tryit('mem %d %d' % (mem, flags), lambda: d.setMemoryFlags(mem, flags))
    print(d.info()[1:3], d.maxMemory())
for n, flags in ((1, 0), (3, 6), (3, 2), (4, 4), (1, 3), (2, 8), (33, 0)):
    tryit('vcpus %d %d' % (n, flags), lambda: d.setVcpusFlags(n, flags))
    print([d.vcpusFlags(f) for f in (0, 1, 2, 4 | 1, 4 | 2)])
d.destroy()
for call in (lambda: d.setMemory(4096), lambda: d.setMaxMemory(4000000), lambda: d.setVcpus(1),
             lambda: d.setVcpusFlags(4, 4), lambda: d.vcpusFlags(1)):
    tryit('stopped', call)
print(d.info()[1:4], d.XMLDesc(0).count('current'))
c.close()
`,
  "host calls the test driver lacks, list filters": `
import sys, libvirt
c = libvirt.open('test+unix:///default?socket=' + sys.argv[1])
tryit('free pages', lambda: c.getFreePages([4], 0, 1, 0))
tryit('free pages flags', lambda: c.getFreePages([4], 0, 1, 1))
tryit('free pages none', lambda: c.getFreePages([], 0, 1, 0))
tryit('alloc pages', lambda: c.allocPages({4: 1}, 0, 1, 0))
tryit('sev', lambda: c.getSEVInfo(0))
tryit('suspend', lambda: c.suspendForDuration(0, 60, 0))
tryit('memory parameters', lambda: c.getMemoryParameters(0))
tryit('nwfilters', lambda: c.listAllNWFilters(0))
tryit('nwfilter count', lambda: c.numOfNWFilters())
for flags in (1 << 12, 1 << 13, 1 << 14, 1 << 15, 1 << 16, 1 << 31):
    tryit('domains %#x' % flags, lambda: [d.name() for d in c.listAllDomains(flags)])
c.close()
`,
  "lifecycle calls with flags, transient domains, lifecycle actions": `
import sys, libvirt
c = libvirt.open('test+unix:///default?socket=' + sys.argv[1])
d = c.lookupByName('test')
for name, f in (('state', lambda fl: d.state(fl)), ('hostname', lambda fl: d.hostname(fl)),
                ('reset', lambda fl: d.reset(fl)), ('shutdown', lambda fl: d.shutdownFlags(fl)),
                ('has msave', lambda fl: d.hasManagedSaveImage(fl)),
                ('msave remove', lambda fl: d.managedSaveRemove(fl)),
                ('messages', lambda fl: d.messages(fl)), ('reboot', lambda fl: d.reboot(fl))):
    for fl in (1, 2, 8, 64):
        tryit('%s %d' % (name, fl), lambda: f(fl))
tryit('create flags', lambda: d.createWithFlags(1))
tryit('destroy graceful', lambda: d.destroyFlags(1))
tryit('destroy bad', lambda: d.destroyFlags(2))
print(d.state(), d.ID())
tryit('max vcpus stopped', d.maxVcpus)
tryit('create', d.create)
d.suspend()
tryit('shutdown paused', d.shutdown)
print(d.state())
tryit('msave bad flags', lambda: d.managedSave(8))
x = "<domain type='test'><name>tr</name><uuid>11111111-2222-3333-4444-555555555555</uuid><memory>1024</memory><on_poweroff>restart</on_poweroff><on_reboot>destroy</on_reboot><os><type>hvm</type></os></domain>"
tryit('create xml paused', lambda: c.createXML(x, 1))
t = c.createXML(x, 0)
tryit('autostart transient', lambda: t.setAutostart(1))
print(t.autostart(), t.isPersistent())
tryit('shutdown restarts', t.shutdown)
print(t.state(), t.ID())
tryit('undefine transient', t.undefine)
print(sorted(n.name() for n in c.listAllDomains()))
tryit('reboot destroys', lambda: t.reboot(0))
print(sorted(n.name() for n in c.listAllDomains()))
tryit('define flags', lambda: c.defineXMLFlags(x.replace('tr<', 'tr2<'), 2))
# Metadata set and removed: libvirt keeps the emptied <metadata/> element.
d.setMetadata(2, "<foo bar='1'/>", 'ex', 'http://example.org/', 0)
d.setMetadata(2, None, 'ex', 'http://example.org/', 0)
print([l.strip() for l in d.XMLDesc(0).splitlines() if 'metadata' in l])
c.close()
`,
  "streams aborted by the client are confirmed": `
import sys, libvirt
c = libvirt.open('test+unix:///default?socket=' + sys.argv[1])
d = c.lookupByName('test')
for read_first in (False, True):
    st = c.newStream(0)
    print(d.screenshot(st, 0, 0))
    if read_first:
        print(len(st.recv(1024)))
    st.abort()
    print('aborted')
print('still served', c.getLibVersion(), d.state())
c.close()
`,
  "snapshots of transient domains, metadata types, definition clashes": `
import sys, libvirt
c = libvirt.open('test+unix:///default?socket=' + sys.argv[1])
x = "<domain type='test'><name>tr</name><uuid>11111111-2222-3333-4444-555555555555</uuid><memory>1048576</memory><currentMemory>524288</currentMemory><vcpu>2</vcpu><os><type>hvm</type></os></domain>"
t = c.createXML(x, 0)
s1 = t.snapshotCreateXML("<domainsnapshot><name>s1</name></domainsnapshot>", 0)
t.setMemoryFlags(1048576, libvirt.VIR_DOMAIN_AFFECT_LIVE)
t.setMetadata(libvirt.VIR_DOMAIN_METADATA_TITLE, 'after', None, None, libvirt.VIR_DOMAIN_AFFECT_LIVE)
tryit('revert', lambda: t.revertToSnapshot(s1, 0))
print(t.info()[:4], t.ID())
tryit('title', lambda: t.metadata(libvirt.VIR_DOMAIN_METADATA_TITLE, None, 0))
print([l.strip() for l in t.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE).splitlines() if 'emory' in l])
for ty, uri, fl in ((3, None, 0), (3, 'http://x/', 0), (3, None, 1), (-1, None, 0)):
    tryit('get metadata %d %s %d' % (ty, uri, fl), lambda: t.metadata(ty, uri, fl))
    tryit('set metadata %d %d' % (ty, fl), lambda: t.setMetadata(ty, 'x', None, None, fl))
t.destroy()
d = c.lookupByName('test')
tryit('numa count', lambda: d.numaParameters(3))
d.setMemoryFlags(1048576, libvirt.VIR_DOMAIN_AFFECT_CONFIG)
tryit('undefine running', d.undefine)
print([l.strip() for l in d.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE).splitlines() if 'currentMemory' in l])
tryit('undefine gone', lambda: d.undefineFlags(16))
nd = c.defineXML(x.replace('>tr<', '>nd<').replace('5555</uuid>', '6666</uuid>'))
tryit('clash', lambda: c.defineXML(x.replace('>tr<', '>test<').replace('5555</uuid>', '6666</uuid>')))
c.close()
`,
  "documents cut short: libxml2's words": `
import sys, libvirt
c = libvirt.open('test+unix:///default?socket=' + sys.argv[1])
d = c.lookupByName('test')
for x in ["<domain type='test'><name>x</name><foo", "<domain", "<domain type='test'",
          "<domain type='test'><name>x</name></dom", "<domain type='test'><name>x</name>",
          "<domain><!-- x", "<domain a='1' b", "<domain type='test'><name a=\\"x"]:
    for define in (c.defineXML, lambda t: c.networkDefineXML(t.replace('domain', 'network'))):
        try:
            define(x)
        except libvirt.libvirtError as e:
            print(e.get_error_code(), e.get_error_domain(), repr(e.get_error_message()))
for m in ["<foo", "<foo a='1'", "<foo>", "<foo></bar>"]:
    try:
        d.setMetadata(2, m, 'ev', 'http://e/', 0)
    except libvirt.libvirtError as e:
        print(e.get_error_code(), e.get_error_domain(), repr(e.get_error_message()))
c.close()
`,
  "events of transient domains": `
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
    seen.append((dom.name(), dom.ID(), event, detail))
cid = watcher.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, cb, None)
x = "<domain type='test'><name>tev</name><uuid>11111111-2222-3333-4444-000000000009</uuid><memory>1024</memory><os><type>hvm</type></os></domain>"
t = actor.createXML(x, 0)
s1 = t.snapshotCreateXML("<domainsnapshot><name>s1</name></domainsnapshot>", 0)
t.suspend()
t.revertToSnapshot(s1, 0)
t.revertToSnapshot(s1, libvirt.VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED)
t.coreDump('/dev/null', libvirt.VIR_DUMP_CRASH)
settle(actor, seen)
t = actor.createXML(x, 0)
actor.defineXML(x)
t.destroy()
settle(actor, seen)
for s in seen:
    print(s)
watcher.domainEventDeregisterAny(cid)
actor.lookupByName('tev').undefine()
actor.close(); watcher.close()
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
settle(actor, seen)
for s in seen:
    print(s)
watcher.domainEventDeregisterAny(cid)
actor.close(); watcher.close()
`,
};

scriptDifferential({
  name: "libvirt-python scripts print the same against libvirtd and denovirt",
  tools: haveTools("libvirt-python differential", ["python3_libvirt", "libvirtd"]),
  argv: (script, socket) => [PYTHON, "-c", PRELUDE + script + EPILOGUE, socket],
  scripts: SCRIPTS,
  // Each script ran to its end against libvirtd: no traceback, no early exit.
  check: (out) => {
    assert.doesNotMatch(out, /Traceback|marker event never arrived/);
    assert.match(out, /^script completed$/m);
  },
});
