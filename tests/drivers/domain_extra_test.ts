// The test driver's remaining domain procedures over the wire, against a
// real daemon: snapshots, save/restore, tuning parameters, statistics,
// pinning, metadata and their events, as libvirt 9.0's test driver answers
// them (facts taken from libvirtd 9.0 and its in-process test:///default).

import assert from "node:assert/strict";
import type { RawClient } from "../_rpc_client.ts";
import * as P from "../../src/protocol/remote_procedure_numbers.ts";
import { param } from "../../src/rpc/typed_params.ts";
import { uuidFromString } from "../../src/util/uuid.ts";
import { type Any, call, fails, failure, nextEvent, twoClientTest } from "./_driver.ts";

const domTest = twoClientTest;

/**
 * A virCheckFlags refusal: code 8, domain 12 and the text libvirt puts in
 * the message (libvirt sends it bare, with str1 = function, str2 = "flags").
 */
async function failsFlags(c: RawClient, proc: number, args: unknown, text: string): Promise<void> {
  const r = await failure(c, proc, args);
  assert.equal(r.code, 8);
  assert.equal(r.domain, 12);
  assert.ok(r.message.endsWith(text), r.message);
}

const TEST_UUID = "6695eb01-f6a4-8304-79aa-97f2502e193f";
const DOM = { name: "test", uuid: uuidFromString(TEST_UUID)!, id: 1 };
const snap = (name: string) => ({ name, dom: DOM });
const DATA = new URL("../testdata/xml/snapshot/", import.meta.url);
const vector = (name: string) => Deno.readTextFileSync(new URL(name, DATA));

/** Registers `c` for domain events of `eventID`; returns the callback id. */
async function watch(c: RawClient, eventID: number): Promise<number> {
  const r = await call(c, P.REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY, {
    eventID,
    dom: null,
  });
  return r.callbackID;
}

/** The next lifecycle event `c` receives: [name, id, event, detail]. */
async function lifecycle(c: RawClient): Promise<[string, number, number, number]> {
  const m = await nextEvent(c, P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE);
  return [m.msg.dom.name, m.msg.dom.id, m.msg.event, m.msg.detail];
}

async function noLifecycle(c: RawClient): Promise<void> {
  await call(c, P.REMOTE_PROC_CONNECT_NUM_OF_DOMAINS);
  assert.equal(
    c.pending.filter((r) => r.header.proc === P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE).length,
    0,
  );
}

async function state(c: RawClient): Promise<[number, number]> {
  const r = await call(c, P.REMOTE_PROC_DOMAIN_GET_STATE, { dom: DOM, flags: 0 });
  return [r.state, r.reason];
}

function createSnap(c: RawClient, xml: string, flags = 0): Promise<Any> {
  return call(c, P.REMOTE_PROC_DOMAIN_SNAPSHOT_CREATE_XML, { dom: DOM, xml_desc: xml, flags });
}

const named = (n: string, extra = "") =>
  `<domainsnapshot><name>${n}</name>${extra}</domainsnapshot>`;

function withTime(xml: string): string {
  return xml.replace(
    /<creationTime>\d+<\/creationTime>/,
    "<creationTime>@CREATION_TIME@</creationTime>",
  );
}

// ---- Snapshots --------------------------------------------------------------------------------

domTest("snapshots: create, XML as libvirt formats it, tree queries", async (a) => {
  const before = Math.floor(Date.now() / 1000);
  const s1 = await createSnap(a, named("s1", "<description>hello &amp; bye</description>"));
  assert.deepEqual(s1.snap.name, "s1");
  const xml =
    (await call(a, P.REMOTE_PROC_DOMAIN_SNAPSHOT_GET_XML_DESC, { snap: snap("s1"), flags: 0 }))
      .xml;
  const t = Number(/<creationTime>(\d+)</.exec(xml)![1]);
  assert.ok(t >= before && t <= Math.floor(Date.now() / 1000) + 1);
  assert.equal(withTime(xml), vector("running.xml"));

  await call(a, P.REMOTE_PROC_DOMAIN_SUSPEND, { dom: DOM });
  await createSnap(a, named("s2"));
  const x2 = await call(a, P.REMOTE_PROC_DOMAIN_SNAPSHOT_GET_XML_DESC, {
    snap: snap("s2"),
    flags: 1,
  });
  assert.equal(withTime(x2.xml), vector("paused_child.xml"));
  await call(a, P.REMOTE_PROC_DOMAIN_DESTROY, { dom: DOM });
  await createSnap(
    a,
    named("s3", "<memory snapshot='internal'/><disks><disk name='/guest/diskimage1'/></disks>"),
  );
  const x3 = await call(a, P.REMOTE_PROC_DOMAIN_SNAPSHOT_GET_XML_DESC, {
    snap: snap("s3"),
    flags: 0,
  });
  assert.equal(withTime(x3.xml), vector("shutoff.xml"));

  // A name defaults to the creation time.
  const anon = await createSnap(a, "<domainsnapshot/>");
  assert.match(anon.snap.name, /^\d{10}$/);

  assert.equal((await call(a, P.REMOTE_PROC_DOMAIN_SNAPSHOT_NUM, { dom: DOM, flags: 0 })).num, 4);
  const names = await call(a, P.REMOTE_PROC_DOMAIN_SNAPSHOT_LIST_NAMES, {
    dom: DOM,
    maxnames: 10,
    flags: 1024,
  });
  assert.deepEqual(names.names, ["s1", "s2", "s3", anon.snap.name]);
  const roots = await call(a, P.REMOTE_PROC_DOMAIN_LIST_ALL_SNAPSHOTS, {
    dom: DOM,
    need_results: 1,
    flags: 1,
  });
  assert.deepEqual([roots.snapshots.map((s: Any) => s.name), roots.ret], [["s1"], 1]);
  const counted = await call(a, P.REMOTE_PROC_DOMAIN_LIST_ALL_SNAPSHOTS, {
    dom: DOM,
    need_results: 0,
    flags: 0,
  });
  assert.deepEqual(counted, { snapshots: [], ret: 4 });
  const inactive = await call(a, P.REMOTE_PROC_DOMAIN_SNAPSHOT_LIST_NAMES, {
    dom: DOM,
    maxnames: 10,
    flags: 1 << 5,
  });
  assert.deepEqual(inactive.names.sort(), ["s3", anon.snap.name].sort());
  const desc = await call(a, P.REMOTE_PROC_DOMAIN_SNAPSHOT_LIST_CHILDREN_NAMES, {
    snap: snap("s1"),
    maxnames: 10,
    flags: 1,
  });
  assert.deepEqual(desc.names, ["s2", "s3", anon.snap.name]);
  assert.equal(
    (await call(a, P.REMOTE_PROC_DOMAIN_SNAPSHOT_NUM_CHILDREN, { snap: snap("s1"), flags: 0 })).num,
    1,
  );
  const parent = await call(a, P.REMOTE_PROC_DOMAIN_SNAPSHOT_GET_PARENT, {
    snap: snap("s3"),
    flags: 0,
  });
  assert.equal(parent.snap.name, "s2");
  const cur = await call(a, P.REMOTE_PROC_DOMAIN_SNAPSHOT_CURRENT, { dom: DOM, flags: 0 });
  assert.equal(cur.snap.name, anon.snap.name);
  assert.equal(
    (await call(a, P.REMOTE_PROC_DOMAIN_SNAPSHOT_IS_CURRENT, { snap: snap("s1"), flags: 0 }))
      .current,
    0,
  );
  assert.equal(
    (await call(a, P.REMOTE_PROC_DOMAIN_SNAPSHOT_HAS_METADATA, { snap: snap("s1"), flags: 0 }))
      .metadata,
    1,
  );
  assert.equal(
    (await call(a, P.REMOTE_PROC_DOMAIN_HAS_CURRENT_SNAPSHOT, { dom: DOM, flags: 0 })).result,
    1,
  );
});

domTest("snapshots: libvirt's errors", async (a) => {
  await fails(a, P.REMOTE_PROC_DOMAIN_SNAPSHOT_CURRENT, { dom: DOM, flags: 0 }, [
    72,
    12,
    "Domain snapshot not found: the domain does not have a current snapshot",
    "Domain snapshot not found: %s",
    "the domain does not have a current snapshot",
  ]);
  await fails(
    a,
    P.REMOTE_PROC_DOMAIN_SNAPSHOT_LOOKUP_BY_NAME,
    { dom: DOM, name: "nope", flags: 0 },
    [
      72,
      12,
      "Domain snapshot not found: no domain snapshot with matching name 'nope'",
      "Domain snapshot not found: %s",
      "no domain snapshot with matching name 'nope'",
    ],
  );
  await failsFlags(
    a,
    P.REMOTE_PROC_DOMAIN_SNAPSHOT_CREATE_XML,
    { dom: DOM, xml_desc: named("x"), flags: 4 },
    "unsupported flags (0x4) in function testDomainSnapshotCreateXML",
  );
  const ctl = await failure(a, P.REMOTE_PROC_DOMAIN_SNAPSHOT_CREATE_XML, {
    dom: DOM,
    xml_desc: named("x"),
    flags: 2,
  });
  assert.deepEqual(
    [ctl.code, ctl.domain, ctl.message, ctl.str1, ctl.str2, ctl.int1],
    [
      8,
      35,
      "Flag 'VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE' is required by flag 'VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT'",
      "virDomainSnapshotCreateXML",
      "ctl",
      0,
    ],
  );
  await fails(a, P.REMOTE_PROC_DOMAIN_SNAPSHOT_CREATE_XML, {
    dom: DOM,
    xml_desc: "<foo/>",
    flags: 0,
  }, [
    27,
    5,
    "XML error: expecting root element of 'domainsnapshot', not 'foo'",
    "XML error: %s",
    "expecting root element of 'domainsnapshot', not 'foo'",
  ]);
  await fails(a, P.REMOTE_PROC_DOMAIN_SNAPSHOT_CREATE_XML, {
    dom: DOM,
    xml_desc: "<domainsnapshot>",
    flags: 0,
  }, [
    35,
    35,
    "(domain_snapshot):1: Premature end of data in tag domainsnapshot line 1\n<domainsnapshot>\n----------------^",
    "%s",
    "(domain_snapshot):1: Premature end of data in tag domainsnapshot line 1\n<domainsnapshot>\n----------------^",
  ]);
  await fails(a, P.REMOTE_PROC_DOMAIN_SNAPSHOT_CREATE_XML, {
    dom: DOM,
    xml_desc: named("x", "<disks><disk name='vda' snapshot='no'/></disks>"),
    flags: 0,
  }, [
    67,
    35,
    "unsupported configuration: disk 'vda' must use snapshot mode 'internal'",
    "unsupported configuration: %s",
    "disk 'vda' must use snapshot mode 'internal'",
  ]);
  await fails(a, P.REMOTE_PROC_DOMAIN_SNAPSHOT_CREATE_XML, {
    dom: DOM,
    xml_desc: named("x", "<memory snapshot='external'/>"),
    flags: 0,
  }, [
    27,
    35,
    "XML error: external memory snapshots require a filename",
    "XML error: %s",
    "external memory snapshots require a filename",
  ]);
  await createSnap(a, named("a"));
  await fails(a, P.REMOTE_PROC_DOMAIN_SNAPSHOT_CREATE_XML, {
    dom: DOM,
    xml_desc: named("a"),
    flags: 0,
  }, [
    9,
    20,
    "operation failed: domain moment a already exists",
    "operation failed: %s",
    "domain moment a already exists",
  ]);
  await fails(a, P.REMOTE_PROC_DOMAIN_SNAPSHOT_GET_PARENT, { snap: snap("a"), flags: 0 }, [
    72,
    12,
    "Domain snapshot not found: snapshot 'a' does not have a parent",
    "Domain snapshot not found: %s",
    "snapshot 'a' does not have a parent",
  ]);
  await fails(a, P.REMOTE_PROC_DOMAIN_SNAPSHOT_CREATE_XML, {
    dom: DOM,
    xml_desc: named(
      "r",
      "<creationTime>5</creationTime><state>running</state><parent><name>zz</name></parent>",
    ),
    flags: 1,
  }, [
    8,
    20,
    "invalid argument: parent zz for moment r not found",
    "invalid argument: %s",
    "parent zz for moment r not found",
  ]);
  await fails(a, P.REMOTE_PROC_DOMAIN_SNAPSHOT_CREATE_XML, {
    dom: DOM,
    xml_desc: named("r", "<creationTime>5</creationTime><state>running</state>"),
    flags: 1,
  }, [
    1,
    35,
    "internal error: missing domain in snapshot",
    "internal error: %s",
    "missing domain in snapshot",
  ]);
});

domTest("snapshots: redefine keeps libvirt's alignment and current flag", async (a) => {
  await call(a, P.REMOTE_PROC_DOMAIN_DESTROY, { dom: DOM });
  await createSnap(a, named("s3"));
  await createSnap(a, vector("redefine.in.xml"), 1);
  const x = await call(a, P.REMOTE_PROC_DOMAIN_SNAPSHOT_GET_XML_DESC, {
    snap: snap("red"),
    flags: 0,
  });
  assert.equal(x.xml, vector("redefine.out.xml"));
  // Without CURRENT the current snapshot stays; with it, the redefined one becomes current.
  assert.equal(
    (await call(a, P.REMOTE_PROC_DOMAIN_SNAPSHOT_CURRENT, { dom: DOM, flags: 0 })).snap.name,
    "s3",
  );
  await createSnap(a, vector("redefine.in.xml"), 3);
  assert.equal(
    (await call(a, P.REMOTE_PROC_DOMAIN_SNAPSHOT_CURRENT, { dom: DOM, flags: 0 })).snap.name,
    "red",
  );
  await fails(a, P.REMOTE_PROC_DOMAIN_SNAPSHOT_CREATE_XML, {
    dom: DOM,
    xml_desc: named("red", "<creationTime>6</creationTime><state>shutoff</state>"),
    flags: 1,
  }, [
    8,
    35,
    "invalid argument: cannot change between online and offline snapshot state in snapshot red",
    "invalid argument: %s",
    "cannot change between online and offline snapshot state in snapshot red",
  ]);
  const ext = await call(a, P.REMOTE_PROC_DOMAIN_SNAPSHOT_LIST_NAMES, {
    dom: DOM,
    maxnames: 5,
    flags: 1 << 9,
  });
  assert.deepEqual(ext.names, ["red"]);
});

domTest("snapshots: revert raises libvirt's lifecycle events", async (a, b) => {
  await watch(b, 0);
  await createSnap(a, named("run"));
  await call(a, P.REMOTE_PROC_DOMAIN_SUSPEND, { dom: DOM });
  assert.deepEqual(await lifecycle(b), ["test", 1, 3, 0]);
  await createSnap(a, named("paused"));
  await call(a, P.REMOTE_PROC_DOMAIN_RESUME, { dom: DOM });
  assert.deepEqual(await lifecycle(b), ["test", 1, 4, 0]);
  // HALT records the running domain, then stops it.
  await createSnap(a, named("halted"), 8);
  assert.deepEqual(await lifecycle(b), ["test", -1, 5, 6]);
  assert.deepEqual(await state(a), [5, 7]);
  await createSnap(a, named("off"));

  // inactive → running: STARTED from snapshot, running (from snapshot), a new id.
  await call(a, P.REMOTE_PROC_DOMAIN_REVERT_TO_SNAPSHOT, { snap: snap("run"), flags: 0 });
  assert.deepEqual(await lifecycle(b), ["test", 2, 2, 3]);
  assert.deepEqual(await state(a), [1, 4]);
  // running → paused: STOPPED, STARTED, SUSPENDED (all from snapshot).
  await call(a, P.REMOTE_PROC_DOMAIN_REVERT_TO_SNAPSHOT, { snap: snap("paused"), flags: 0 });
  assert.deepEqual(await lifecycle(b), ["test", -1, 5, 6]);
  assert.deepEqual(await lifecycle(b), ["test", 3, 2, 3]);
  assert.deepEqual(await lifecycle(b), ["test", 3, 3, 5]);
  assert.deepEqual(await state(a), [3, 7]);
  // paused → inactive: STOPPED.
  await call(a, P.REMOTE_PROC_DOMAIN_REVERT_TO_SNAPSHOT, { snap: snap("off"), flags: 0 });
  assert.deepEqual(await lifecycle(b), ["test", -1, 5, 6]);
  assert.deepEqual(await state(a), [5, 7]);
  // inactive → inactive: nothing.
  await call(a, P.REMOTE_PROC_DOMAIN_REVERT_TO_SNAPSHOT, { snap: snap("off"), flags: 0 });
  await noLifecycle(b);
  // An inactive snapshot with RUNNING: the events of a start, yet the domain stays off.
  await call(a, P.REMOTE_PROC_DOMAIN_REVERT_TO_SNAPSHOT, { snap: snap("off"), flags: 1 });
  assert.deepEqual(await lifecycle(b), ["test", -1, 2, 3]);
  assert.deepEqual(await state(a), [5, 7]);
  assert.equal(
    (await call(a, P.REMOTE_PROC_DOMAIN_SNAPSHOT_CURRENT, { dom: DOM, flags: 0 })).snap.name,
    "off",
  );
  // The halted snapshot recorded a running domain: reverting to it starts the domain again.
  await call(a, P.REMOTE_PROC_DOMAIN_REVERT_TO_SNAPSHOT, { snap: snap("halted"), flags: 0 });
  assert.deepEqual(await lifecycle(b), ["test", 4, 2, 3]);
  assert.deepEqual(await state(a), [1, 4]);

  const excl = await failure(a, P.REMOTE_PROC_DOMAIN_REVERT_TO_SNAPSHOT, {
    snap: snap("run"),
    flags: 3,
  });
  assert.deepEqual([excl.code, excl.domain, excl.message, excl.str1, excl.str2], [
    8,
    35,
    "Flags 'VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING' and 'VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED' are mutually exclusive",
    "virDomainRevertToSnapshot",
    "ctl",
  ]);
});

domTest("snapshots: delete reparents, or takes the children along", async (a) => {
  for (const n of ["a", "b", "c"]) await createSnap(a, named(n));
  await call(a, P.REMOTE_PROC_DOMAIN_REVERT_TO_SNAPSHOT, { snap: snap("a"), flags: 0 });
  await createSnap(a, named("d"));
  // Children are listed newest first.
  const ch = await call(a, P.REMOTE_PROC_DOMAIN_SNAPSHOT_LIST_CHILDREN_NAMES, {
    snap: snap("a"),
    maxnames: 5,
    flags: 0,
  });
  assert.deepEqual(ch.names, ["d", "b"]);
  await call(a, P.REMOTE_PROC_DOMAIN_SNAPSHOT_DELETE, { snap: snap("a"), flags: 0 });
  const roots = await call(a, P.REMOTE_PROC_DOMAIN_SNAPSHOT_LIST_NAMES, {
    dom: DOM,
    maxnames: 5,
    flags: 1,
  });
  assert.deepEqual(roots.names, ["d", "b"]);
  await fails(a, P.REMOTE_PROC_DOMAIN_SNAPSHOT_GET_PARENT, { snap: snap("b"), flags: 0 }, [
    72,
    12,
    "Domain snapshot not found: snapshot 'b' does not have a parent",
    "Domain snapshot not found: %s",
    "snapshot 'b' does not have a parent",
  ]);
  await call(a, P.REMOTE_PROC_DOMAIN_SNAPSHOT_DELETE, { snap: snap("b"), flags: 4 });
  assert.equal((await call(a, P.REMOTE_PROC_DOMAIN_SNAPSHOT_NUM, { dom: DOM, flags: 0 })).num, 2);
  await call(a, P.REMOTE_PROC_DOMAIN_SNAPSHOT_DELETE, { snap: snap("d"), flags: 1 });
  assert.equal((await call(a, P.REMOTE_PROC_DOMAIN_SNAPSHOT_NUM, { dom: DOM, flags: 0 })).num, 1);
  assert.equal(
    (await call(a, P.REMOTE_PROC_DOMAIN_HAS_CURRENT_SNAPSHOT, { dom: DOM, flags: 0 })).result,
    0,
  );
  await failsFlags(
    a,
    P.REMOTE_PROC_DOMAIN_SNAPSHOT_DELETE,
    { snap: snap("b"), flags: 2 },
    "unsupported flags (0x2) in function testDomainSnapshotDelete",
  );
});

domTest("checkpoints: create, XML, tree, and the snapshot exclusion", async (a) => {
  const chk = (name: string) => ({ name, dom: DOM });
  const create = (xml: string, flags = 0) =>
    call(a, P.REMOTE_PROC_DOMAIN_CHECKPOINT_CREATE_XML, { dom: DOM, xml_desc: xml, flags });
  await create(
    "<domaincheckpoint><name>c1</name><description>first</description></domaincheckpoint>",
  );
  await create(
    "<domaincheckpoint><name>c2</name><disks><disk name='vda' checkpoint='no'/></disks></domaincheckpoint>",
  );
  const x1 = await call(a, P.REMOTE_PROC_DOMAIN_CHECKPOINT_GET_XML_DESC, {
    checkpoint: chk("c1"),
    flags: 2,
  });
  assert.equal(
    withTime(x1.xml),
    "<domaincheckpoint>\n  <name>c1</name>\n  <description>first</description>\n" +
      "  <creationTime>@CREATION_TIME@</creationTime>\n  <disks>\n" +
      "    <disk name='vda' checkpoint='bitmap' bitmap='c1'/>\n  </disks>\n</domaincheckpoint>\n",
  );
  const full = await call(a, P.REMOTE_PROC_DOMAIN_CHECKPOINT_GET_XML_DESC, {
    checkpoint: chk("c2"),
    flags: 0,
  });
  assert.ok(full.xml.includes("  <parent>\n    <name>c1</name>\n  </parent>\n"));
  assert.ok(full.xml.includes("    <disk name='vda' checkpoint='no'/>\n"));
  assert.ok(full.xml.includes("  <domain type='test'>\n    <name>test</name>\n"));
  const parent = await call(a, P.REMOTE_PROC_DOMAIN_CHECKPOINT_GET_PARENT, {
    checkpoint: chk("c2"),
    flags: 0,
  });
  assert.equal(parent.parent.name, "c1");
  const all = await call(a, P.REMOTE_PROC_DOMAIN_LIST_ALL_CHECKPOINTS, {
    dom: DOM,
    need_results: 1,
    flags: 2,
  });
  assert.deepEqual([all.checkpoints.map((k: Any) => k.name), all.ret], [["c1", "c2"], 2]);
  await fails(a, P.REMOTE_PROC_DOMAIN_SNAPSHOT_CREATE_XML, {
    dom: DOM,
    xml_desc: "<domainsnapshot/>",
    flags: 0,
  }, [
    84,
    12,
    "Operation not supported: cannot create snapshot while checkpoint exists",
    "Operation not supported: %s",
    "cannot create snapshot while checkpoint exists",
  ]);
  await call(a, P.REMOTE_PROC_DOMAIN_CHECKPOINT_DELETE, { checkpoint: chk("c1"), flags: 0 });
  await fails(a, P.REMOTE_PROC_DOMAIN_CHECKPOINT_GET_PARENT, { checkpoint: chk("c2"), flags: 0 }, [
    103,
    12,
    "Domain checkpoint not found: checkpoint 'c2' does not have a parent",
    "Domain checkpoint not found: %s",
    "checkpoint 'c2' does not have a parent",
  ]);
  await call(a, P.REMOTE_PROC_DOMAIN_DESTROY, { dom: DOM });
  await fails(a, P.REMOTE_PROC_DOMAIN_CHECKPOINT_CREATE_XML, {
    dom: DOM,
    xml_desc: "<domaincheckpoint/>",
    flags: 0,
  }, [
    84,
    12,
    "Operation not supported: cannot create checkpoint for inactive domain",
    "Operation not supported: %s",
    "cannot create checkpoint for inactive domain",
  ]);
});

// ---- Save and restore ---------------------------------------------------------------------------

domTest("save writes the test driver's image; restore starts it again", async (a, b) => {
  const dir = await Deno.makeTempDir({ prefix: "denovirt-save-" });
  try {
    await watch(b, 0);
    const file = `${dir}/test.img`;
    await call(a, P.REMOTE_PROC_DOMAIN_SAVE, { dom: DOM, to: file });
    assert.deepEqual(await lifecycle(b), ["test", -1, 5, 4]);
    assert.deepEqual(await state(a), [5, 5]);
    const data = Deno.readFileSync(file);
    assert.equal(new TextDecoder().decode(data.subarray(0, 15)), "TestGuestMagic\0");
    const len = new DataView(data.buffer).getInt32(15, true);
    const xml = new TextDecoder().decode(data.subarray(19));
    assert.equal(len, xml.length);
    assert.ok(xml.startsWith("<domain type='test' id='1'>\n  <name>test</name>"), xml);
    assert.equal((Deno.statSync(file).mode ?? 0) & 0o777, 0o600);

    const img = await call(a, P.REMOTE_PROC_DOMAIN_SAVE_IMAGE_GET_XML_DESC, { file, flags: 0 });
    assert.equal(img.xml, xml.replace(" id='1'", ""));
    await call(a, P.REMOTE_PROC_DOMAIN_RESTORE, { from: file });
    assert.deepEqual(await lifecycle(b), ["test", 2, 2, 2]);
    assert.deepEqual(await state(a), [1, 3]);
    await fails(a, P.REMOTE_PROC_DOMAIN_RESTORE, { from: file }, [
      55,
      20,
      "Requested operation is not valid: domain 'test' is already active",
      "Requested operation is not valid: %s",
      "domain 'test' is already active",
    ]);
    await call(a, P.REMOTE_PROC_DOMAIN_SAVE_IMAGE_DEFINE_XML, {
      file,
      dxml:
        `<domain type='test'><name>test</name><uuid>${TEST_UUID}</uuid><memory>4096</memory><os><type>hvm</type></os></domain>`,
      flags: 0,
    });
    const redefined = await call(a, P.REMOTE_PROC_DOMAIN_SAVE_IMAGE_GET_XML_DESC, {
      file,
      flags: 0,
    });
    assert.match(redefined.xml, /<memory unit='KiB'>4096<\/memory>/);

    const missing = await failure(a, P.REMOTE_PROC_DOMAIN_RESTORE, { from: `${dir}/none.img` });
    assert.deepEqual(
      [missing.code, missing.domain, missing.message, missing.str1, missing.int1],
      [38, 12, `cannot read domain image '${dir}/none.img': No such file or directory`, "%s", 2],
    );
    Deno.writeTextFileSync(`${dir}/bad.img`, "hello world, this is not it");
    await fails(a, P.REMOTE_PROC_DOMAIN_SAVE_IMAGE_GET_XML_DESC, {
      file: `${dir}/bad.img`,
      flags: 0,
    }, [
      1,
      12,
      "internal error: mismatched header magic",
      "internal error: %s",
      "mismatched header magic",
    ]);
    await fails(a, P.REMOTE_PROC_DOMAIN_SAVE_FLAGS, {
      dom: DOM,
      to: file,
      dxml: "<domain/>",
      flags: 0,
    }, [
      74,
      12,
      "argument unsupported: xml modification unsupported",
      "argument unsupported: %s",
      "xml modification unsupported",
    ]);
    const noDir = await failure(a, P.REMOTE_PROC_DOMAIN_SAVE, { dom: DOM, to: `${dir}/no/x.img` });
    assert.deepEqual([noDir.code, noDir.domain, noDir.message, noDir.int1], [
      38,
      12,
      `saving domain 'test' to '${dir}/no/x.img': open failed: No such file or directory`,
      2,
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// ---- Tuning parameters --------------------------------------------------------------------------

domTest("memory, blkio, NUMA and perf parameters: two-phase getters and setters", async (a) => {
  const get = (proc: number, nparams: number, flags = 4) =>
    call(a, proc, { dom: DOM, nparams, flags });
  assert.deepEqual(await get(P.REMOTE_PROC_DOMAIN_GET_MEMORY_PARAMETERS, 0), {
    params: [],
    nparams: 3,
  });
  const unlimited = 9007199254740991n;
  assert.deepEqual((await get(P.REMOTE_PROC_DOMAIN_GET_MEMORY_PARAMETERS, 3)).params, [
    param.ullong("hard_limit", unlimited),
    param.ullong("soft_limit", unlimited),
    param.ullong("swap_hard_limit", unlimited),
  ]);
  await call(a, P.REMOTE_PROC_DOMAIN_SET_MEMORY_PARAMETERS, {
    dom: DOM,
    params: [param.ullong("hard_limit", 1024n), param.ullong("soft_limit", 512n)],
    flags: 0,
  });
  assert.deepEqual((await get(P.REMOTE_PROC_DOMAIN_GET_MEMORY_PARAMETERS, 2)).params, [
    param.ullong("hard_limit", 1024n),
    param.ullong("soft_limit", 512n),
  ]);
  // The persistent definition is untouched.
  assert.deepEqual(
    (await get(P.REMOTE_PROC_DOMAIN_GET_MEMORY_PARAMETERS, 3, 2)).params[0],
    param.ullong("hard_limit", unlimited),
  );
  await fails(a, P.REMOTE_PROC_DOMAIN_SET_MEMORY_PARAMETERS, {
    dom: DOM,
    params: [param.ullong("swap_hard_limit", 100n)],
    flags: 0,
  }, [
    8,
    12,
    "invalid argument: memory hard_limit tunable value must be lower than or equal to swap_hard_limit",
    "invalid argument: %s",
    "memory hard_limit tunable value must be lower than or equal to swap_hard_limit",
  ]);
  await fails(a, P.REMOTE_PROC_DOMAIN_SET_MEMORY_PARAMETERS, {
    dom: DOM,
    params: [param.uint("hard_limit", 1)],
    flags: 0,
  }, [
    8,
    0,
    "invalid argument: invalid type 'uint' for parameter 'hard_limit', expected 'ullong'",
    "invalid argument: %s",
    "invalid type 'uint' for parameter 'hard_limit', expected 'ullong'",
  ]);
  await fails(a, P.REMOTE_PROC_DOMAIN_SET_MEMORY_PARAMETERS, {
    dom: DOM,
    params: [param.ullong("zz", 1n), param.ullong("aa", 1n)],
    flags: 0,
  }, [
    74,
    0,
    "argument unsupported: parameter 'aa' not supported",
    "argument unsupported: %s",
    "parameter 'aa' not supported",
  ]);

  await call(a, P.REMOTE_PROC_DOMAIN_SET_BLKIO_PARAMETERS, {
    dom: DOM,
    params: [param.uint("weight", 500), param.string("device_weight", "/dev/sda,100")],
    flags: 0,
  });
  assert.deepEqual((await get(P.REMOTE_PROC_DOMAIN_GET_BLKIO_PARAMETERS, 6)).params, [
    param.uint("weight", 500),
    param.string("device_weight", "/dev/sda,100"),
    param.string("device_read_iops_sec", ""),
    param.string("device_write_iops_sec", ""),
    param.string("device_read_bytes_sec", ""),
    param.string("device_write_bytes_sec", ""),
  ]);
  // Without VIR_TYPED_PARAM_STRING_OKAY the strings stay home.
  assert.deepEqual((await get(P.REMOTE_PROC_DOMAIN_GET_BLKIO_PARAMETERS, 6, 0)).params, [
    param.uint("weight", 500),
  ]);
  await fails(a, P.REMOTE_PROC_DOMAIN_SET_BLKIO_PARAMETERS, {
    dom: DOM,
    params: [param.string("device_weight", "garbage")],
    flags: 0,
  }, [
    8,
    20,
    "invalid argument: unable to parse blkio device 'device_weight' 'garbage'",
    "invalid argument: %s",
    "unable to parse blkio device 'device_weight' 'garbage'",
  ]);

  await call(a, P.REMOTE_PROC_DOMAIN_SET_NUMA_PARAMETERS, {
    dom: DOM,
    params: [param.string("numa_nodeset", "0-1"), param.int("numa_mode", 1)],
    flags: 0,
  });
  assert.deepEqual((await get(P.REMOTE_PROC_DOMAIN_GET_NUMA_PARAMETERS, 2)).params, [
    param.int("numa_mode", 1),
    param.string("numa_nodeset", "0-1"),
  ]);
  await fails(a, P.REMOTE_PROC_DOMAIN_SET_NUMA_PARAMETERS, {
    dom: DOM,
    params: [param.int("numa_mode", 2)],
    flags: 0,
  }, [
    55,
    12,
    "Requested operation is not valid: can't change numatune mode for running domain",
    "Requested operation is not valid: %s",
    "can't change numatune mode for running domain",
  ]);

  await call(a, P.REMOTE_PROC_DOMAIN_SET_PERF_EVENTS, {
    dom: DOM,
    params: [param.boolean("cmt", true), param.boolean("cpu_cycles", false)],
    flags: 0,
  });
  const perf = await call(a, P.REMOTE_PROC_DOMAIN_GET_PERF_EVENTS, { dom: DOM, flags: 0 });
  assert.equal(perf.params.length, 22);
  assert.deepEqual(perf.params.slice(0, 4), [
    param.boolean("cmt", true),
    param.boolean("mbmt", false),
    param.boolean("mbml", false),
    param.boolean("cpu_cycles", false),
  ]);

  const xml = (await call(a, P.REMOTE_PROC_DOMAIN_GET_XML_DESC, { dom: DOM, flags: 0 })).xml;
  assert.ok(
    xml.includes(
      "  <blkiotune>\n    <weight>500</weight>\n    <device>\n      <path>/dev/sda</path>\n" +
        "      <weight>100</weight>\n    </device>\n  </blkiotune>\n  <memtune>\n" +
        "    <hard_limit unit='KiB'>1024</hard_limit>\n    <soft_limit unit='KiB'>512</soft_limit>\n" +
        "  </memtune>\n",
    ),
    xml,
  );
  assert.ok(
    xml.includes("  <numatune>\n    <memory mode='preferred' nodeset='0-1'/>\n  </numatune>\n"),
  );
  assert.ok(xml.includes(
    "  <perf>\n    <event name='cmt' enabled='yes'/>\n    <event name='cpu_cycles' enabled='no'/>\n  </perf>\n",
  ));
  const launch = await failure(a, P.REMOTE_PROC_DOMAIN_GET_LAUNCH_SECURITY_INFO, {
    dom: DOM,
    flags: 0,
  });
  assert.ok(
    launch.message.endsWith("unsupported flags (0x4) in function testDomainGetLaunchSecurityInfo"),
  );
});

domTest("interface bandwidth and block I/O tuning", async (a) => {
  await call(a, P.REMOTE_PROC_DOMAIN_SET_INTERFACE_PARAMETERS, {
    dom: DOM,
    device: "testnet0",
    params: [param.uint("inbound.average", 100), param.uint("inbound.peak", 200)],
    flags: 0,
  });
  const bw = await call(a, P.REMOTE_PROC_DOMAIN_GET_INTERFACE_PARAMETERS, {
    dom: DOM,
    device: "aa:bb:cc:dd:ee:ff",
    nparams: 7,
    flags: 0,
  });
  assert.deepEqual(bw.params.slice(0, 3), [
    param.uint("inbound.average", 100),
    param.uint("inbound.peak", 200),
    param.uint("inbound.burst", 0),
  ]);
  await fails(a, P.REMOTE_PROC_DOMAIN_GET_INTERFACE_PARAMETERS, {
    dom: DOM,
    device: "nope",
    nparams: 7,
    flags: 0,
  }, [
    8,
    20,
    "invalid argument: 'nope' is not a known interface",
    "invalid argument: %s",
    "'nope' is not a known interface",
  ]);
  await call(a, P.REMOTE_PROC_DOMAIN_SET_BLOCK_IO_TUNE, {
    dom: DOM,
    disk: "vda",
    params: [param.ullong("total_bytes_sec", 1000n), param.ullong("total_bytes_sec_max", 2000n)],
    flags: 0,
  });
  // The test driver wants a maximum at least as high as the limit, set or not.
  await fails(a, P.REMOTE_PROC_DOMAIN_SET_BLOCK_IO_TUNE, {
    dom: DOM,
    disk: "vda",
    params: [param.ullong("write_iops_sec", 9n)],
    flags: 0,
  }, [
    8,
    12,
    "invalid argument: write_iops_sec cannot be set higher than write_iops_sec_max ",
    "invalid argument: %s",
    "write_iops_sec cannot be set higher than write_iops_sec_max ",
  ]);
  const io = await call(a, P.REMOTE_PROC_DOMAIN_GET_BLOCK_IO_TUNE, {
    dom: DOM,
    disk: "vda",
    nparams: 20,
    flags: 4,
  });
  assert.equal(io.params.length, 20);
  assert.deepEqual(io.params[0], param.ullong("total_bytes_sec", 1000n));
  assert.deepEqual(io.params[13], param.string("group_name", ""));
  await fails(a, P.REMOTE_PROC_DOMAIN_SET_BLOCK_IO_TUNE, {
    dom: DOM,
    disk: "vda",
    params: [param.ullong("read_bytes_sec", 5n)],
    flags: 0,
  }, [
    8,
    12,
    "invalid argument: total and read/write of bytes_sec cannot be set at the same time",
    "invalid argument: %s",
    "total and read/write of bytes_sec cannot be set at the same time",
  ]);
  const xml = (await call(a, P.REMOTE_PROC_DOMAIN_GET_XML_DESC, { dom: DOM, flags: 0 })).xml;
  assert.ok(
    xml.includes(
      "      <bandwidth>\n        <inbound average='100' peak='200'/>\n      </bandwidth>\n",
    ),
  );
  assert.ok(xml.includes(
    "      <iotune>\n        <total_bytes_sec>1000</total_bytes_sec>\n" +
      "        <total_bytes_sec_max>2000</total_bytes_sec_max>\n      </iotune>\n",
  ));
});

// ---- Statistics and guest stand-ins ------------------------------------------------------------

domTest("statistics: block, interface, memory, CPU, addresses, disks", async (a) => {
  const t0 = BigInt(Date.now()) * 1000n;
  const bs = await call(a, P.REMOTE_PROC_DOMAIN_BLOCK_STATS, { dom: DOM, path: "vda" });
  assert.ok(bs.rd_req >= t0 / 10n && bs.rd_bytes * 2n - bs.rd_req * 1n < bs.rd_req);
  await fails(a, P.REMOTE_PROC_DOMAIN_BLOCK_STATS, { dom: DOM, path: "vdz" }, [
    8,
    12,
    "invalid argument: invalid path: vdz",
    "invalid argument: %s",
    "invalid path: vdz",
  ]);
  await fails(a, P.REMOTE_PROC_DOMAIN_BLOCK_STATS, { dom: DOM, path: "" }, [
    84,
    12,
    "Operation not supported: summary statistics are not supported yet",
    "Operation not supported: %s",
    "summary statistics are not supported yet",
  ]);
  const is = await call(a, P.REMOTE_PROC_DOMAIN_INTERFACE_STATS, { dom: DOM, device: "testnet0" });
  assert.ok(is.rx_bytes >= t0 / 10n && is.tx_drop > 0n);
  const ms = await call(a, P.REMOTE_PROC_DOMAIN_MEMORY_STATS, { dom: DOM, maxStats: 13, flags: 0 });
  assert.deepEqual(ms.stats.map((s: Any) => [s.tag, s.val]), [
    [6, 2097152n],
    [0, 0n],
    [1, 0n],
    [2, 0n],
    [3, 0n],
    [4, 1048576n],
    [5, 2097152n],
    [8, 1048576n],
    [9, 627319920n],
    [10, 262144n],
    [11, 0n],
    [12, 0n],
    [7, 1048576n],
  ]);
  const total = await call(a, P.REMOTE_PROC_DOMAIN_GET_CPU_STATS, {
    dom: DOM,
    nparams: 3,
    start_cpu: -1,
    ncpus: 1,
    flags: 0,
  });
  assert.deepEqual(total, {
    params: [
      param.ullong("cpu_time", 48772617035n),
      param.ullong("user_time", 5540000000n),
      param.ullong("system_time", 6460000000n),
    ],
    nparams: 3,
  });
  const per = await call(a, P.REMOTE_PROC_DOMAIN_GET_CPU_STATS, {
    dom: DOM,
    nparams: 2,
    start_cpu: 0,
    ncpus: 2,
    flags: 0,
  });
  assert.deepEqual(per.params, [
    param.ullong("cpu_time", 24386308517n),
    param.ullong("vcpu_time", 23151740627n),
    param.ullong("cpu_time", 24386308518n),
    param.ullong("vcpu_time", 23151740628n),
  ]);
  const addrs = await call(a, P.REMOTE_PROC_DOMAIN_INTERFACE_ADDRESSES, {
    dom: DOM,
    source: 0,
    flags: 0,
  });
  assert.deepEqual(addrs.ifaces, [{
    name: "testnet0",
    hwaddr: "aa:bb:cc:dd:ee:ff",
    addrs: [{ type: 0, addr: "192.168.122.3", prefix: 24 }],
  }]);
  const info = await call(a, P.REMOTE_PROC_DOMAIN_GET_BLOCK_INFO, {
    dom: DOM,
    path: "vda",
    flags: 0,
  });
  assert.deepEqual(info, {
    allocation: 1099511627776n,
    capacity: 1099506450432n,
    physical: 1099511627776n,
  });
  assert.deepEqual(
    await call(a, P.REMOTE_PROC_DOMAIN_GET_DISK_ERRORS, { dom: DOM, maxerrors: 4, flags: 0 }),
    { errors: [{ disk: "vda", error: 1 }], nerrors: 1 },
  );
  const fs = await call(a, P.REMOTE_PROC_DOMAIN_GET_FSINFO, { dom: DOM, flags: 0 });
  assert.deepEqual(fs.info.map((f: Any) => [f.mountpoint, f.name, f.fstype, f.dev_aliases]), [
    ["/", "vda1", "ext4", ["vda"]],
    ["/boot", "vda2", "ext4", ["vda"]],
  ]);
  const frozen = await call(a, P.REMOTE_PROC_DOMAIN_FSFREEZE, {
    dom: DOM,
    mountpoints: [],
    flags: 0,
  });
  assert.equal(frozen.filesystems, 2);
  const thawed = await call(a, P.REMOTE_PROC_DOMAIN_FSTHAW, {
    dom: DOM,
    mountpoints: ["/boot"],
    flags: 0,
  });
  assert.equal(thawed.filesystems, 1);
  await fails(
    a,
    P.REMOTE_PROC_DOMAIN_FSTRIM,
    { dom: DOM, mountPoint: "/x", minimum: 0n, flags: 0 },
    [
      55,
      12,
      "Requested operation is not valid: mount point not found: /x",
      "Requested operation is not valid: %s",
      "mount point not found: /x",
    ],
  );
  const peek = await call(a, P.REMOTE_PROC_DOMAIN_MEMORY_PEEK, {
    dom: DOM,
    offset: 254n,
    size: 4,
    flags: 1,
  });
  assert.deepEqual([...peek.buffer], [254, 255, 0, 1]);
  await fails(a, P.REMOTE_PROC_DOMAIN_SEND_KEY, {
    dom: DOM,
    codeset: 0,
    holdtime: 0,
    keycodes: [1000],
    flags: 0,
  }, [
    1,
    12,
    "internal error: invalid keycode 1000 of linux codeset",
    "internal error: %s",
    "invalid keycode 1000 of linux codeset",
  ]);

  await call(a, P.REMOTE_PROC_DOMAIN_DESTROY, { dom: DOM });
  await fails(a, P.REMOTE_PROC_DOMAIN_INTERFACE_STATS, { dom: DOM, device: "testnet0" }, [
    55,
    20,
    "Requested operation is not valid: domain is not running",
    "Requested operation is not valid: %s",
    "domain is not running",
  ]);
});

domTest("guest time and control info follow SET_TIME", async (a) => {
  assert.deepEqual(await call(a, P.REMOTE_PROC_DOMAIN_GET_TIME, { dom: DOM, flags: 0 }), {
    seconds: 627319920n,
    nseconds: 0,
  });
  const control = (s: bigint) =>
    call(a, P.REMOTE_PROC_DOMAIN_SET_TIME, { dom: DOM, seconds: s, nseconds: 5, flags: 0 }).then(
      () => call(a, P.REMOTE_PROC_DOMAIN_GET_CONTROL_INFO, { dom: DOM, flags: 0 }),
    );
  assert.deepEqual(await control(1234n), { state: 1, details: 0, stateTime: 1234n });
  assert.deepEqual(await control(20000n), { state: 2, details: 0, stateTime: 10000n });
  assert.deepEqual(await control(30001n), { state: 3, details: 1, stateTime: 1n });
  assert.deepEqual(await control(90000n), { state: 0, details: 0, stateTime: 0n });
  await call(a, P.REMOTE_PROC_DOMAIN_SUSPEND, { dom: DOM });
  await fails(a, P.REMOTE_PROC_DOMAIN_GET_TIME, { dom: DOM, flags: 0 }, [
    55,
    12,
    "Requested operation is not valid: domain is not running",
    "Requested operation is not valid: %s",
    "domain is not running",
  ]);
});

// ---- Pinning, IOThreads, domain stats ----------------------------------------------------------

domTest("vCPU, emulator and IOThread pinning; GET_ALL_DOMAIN_STATS", async (a) => {
  await call(a, P.REMOTE_PROC_DOMAIN_PIN_VCPU, { dom: DOM, vcpu: 1, cpumap: new Uint8Array([5]) });
  const pins = await call(a, P.REMOTE_PROC_DOMAIN_GET_VCPU_PIN_INFO, {
    dom: DOM,
    ncpumaps: 2,
    maplen: 2,
    flags: 0,
  });
  assert.deepEqual([...pins.cpumaps, pins.num], [255, 255, 5, 0, 2]);
  const vcpus = await call(a, P.REMOTE_PROC_DOMAIN_GET_VCPUS, { dom: DOM, maxinfo: 4, maplen: 1 });
  assert.deepEqual(vcpus.info.map((v: Any) => [v.number, v.state, v.cpu]), [[0, 1, 15], [1, 1, 2]]);
  assert.deepEqual([...vcpus.cpumaps], [255, 5, 0, 0]);
  await fails(
    a,
    P.REMOTE_PROC_DOMAIN_PIN_VCPU,
    { dom: DOM, vcpu: 5, cpumap: new Uint8Array([1]) },
    [
      8,
      12,
      "invalid argument: requested vcpu '5' is not present in the domain",
      "invalid argument: %s",
      "requested vcpu '5' is not present in the domain",
    ],
  );
  await call(a, P.REMOTE_PROC_DOMAIN_PIN_EMULATOR, {
    dom: DOM,
    cpumap: new Uint8Array([6]),
    flags: 0,
  });
  const emu = await call(a, P.REMOTE_PROC_DOMAIN_GET_EMULATOR_PIN_INFO, {
    dom: DOM,
    maplen: 1,
    flags: 0,
  });
  assert.deepEqual([[...emu.cpumaps], emu.ret], [[6], 1]);
  await fails(a, P.REMOTE_PROC_DOMAIN_PIN_EMULATOR, {
    dom: DOM,
    cpumap: new Uint8Array([0]),
    flags: 0,
  }, [
    8,
    12,
    "invalid argument: Empty cpu list for pinning",
    "invalid argument: %s",
    "Empty cpu list for pinning",
  ]);
  await call(a, P.REMOTE_PROC_DOMAIN_ADD_IOTHREAD, { dom: DOM, iothread_id: 3, flags: 0 });
  await call(a, P.REMOTE_PROC_DOMAIN_PIN_IOTHREAD, {
    dom: DOM,
    iothreads_id: 3,
    cpumap: new Uint8Array([1]),
    flags: 0,
  });
  const io = await call(a, P.REMOTE_PROC_DOMAIN_GET_IOTHREAD_INFO, { dom: DOM, flags: 0 });
  assert.deepEqual(io.info.map((t: Any) => [t.iothread_id, [...t.cpumap]]), [[3, [1]]]);
  await fails(a, P.REMOTE_PROC_DOMAIN_ADD_IOTHREAD, { dom: DOM, iothread_id: 3, flags: 0 }, [
    8,
    20,
    "invalid argument: an IOThread is already using iothread_id '3'",
    "invalid argument: %s",
    "an IOThread is already using iothread_id '3'",
  ]);
  await call(a, P.REMOTE_PROC_DOMAIN_SET_IOTHREAD_PARAMS, {
    dom: DOM,
    iothread_id: 3,
    params: [param.uint("poll_grow", 4)],
    flags: 0,
  });
  const xml = (await call(a, P.REMOTE_PROC_DOMAIN_GET_XML_DESC, { dom: DOM, flags: 0 })).xml;
  assert.ok(
    xml.includes(
      "  <iothreads>1</iothreads>\n  <iothreadids>\n    <iothread id='3'/>\n  </iothreadids>\n" +
        "  <cputune>\n    <vcpupin vcpu='1' cpuset='0,2'/>\n    <emulatorpin cpuset='1-2'/>\n" +
        "    <iothreadpin iothread='3' cpuset='0'/>\n  </cputune>\n",
    ),
    xml,
  );
  const stats = await call(a, P.REMOTE_PROC_CONNECT_GET_ALL_DOMAIN_STATS, {
    doms: [],
    stats: 0,
    flags: 0,
  });
  assert.deepEqual(stats.retStats.map((r: Any) => [r.dom.name, r.params]), [[
    "test",
    [
      param.int("state.state", 1),
      param.int("state.reason", 0),
      param.uint("iothread.count", 1),
      param.ullong("iothread.3.poll-max-ns", 32768n),
      param.uint("iothread.3.poll-grow", 4),
      param.uint("iothread.3.poll-shrink", 0),
    ],
  ]]);
  await fails(a, P.REMOTE_PROC_CONNECT_GET_ALL_DOMAIN_STATS, {
    doms: [],
    stats: 0x20,
    flags: 0x80000000,
  }, [
    74,
    12,
    "argument unsupported: Stats types bits 0x20 are not supported by this daemon",
    "argument unsupported: %s",
    "Stats types bits 0x20 are not supported by this daemon",
  ]);
});

// ---- Metadata, rename, lifecycle actions ----------------------------------------------------------

domTest("metadata: elements in their namespace, and METADATA_CHANGE events", async (a, b) => {
  const cb = await watch(b, 23);
  await call(a, P.REMOTE_PROC_DOMAIN_SET_METADATA, {
    dom: DOM,
    type: 2,
    metadata: "<foo bar='1'><x/></foo>",
    key: "k",
    uri: "http://example.org/",
    flags: 0,
  });
  const ev = await nextEvent(b, P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_METADATA_CHANGE);
  assert.deepEqual([ev.callbackID, ev.dom.name, ev.type, ev.nsuri], [
    cb,
    "test",
    2,
    "http://example.org/",
  ]);
  const got = await call(a, P.REMOTE_PROC_DOMAIN_GET_METADATA, {
    dom: DOM,
    type: 2,
    uri: "http://example.org/",
    flags: 0,
  });
  assert.equal(got.metadata, '<foo bar="1">\n  <x/>\n</foo>');
  await call(a, P.REMOTE_PROC_DOMAIN_SET_METADATA, {
    dom: DOM,
    type: 1,
    metadata: "my title",
    key: null,
    uri: null,
    flags: 0,
  });
  const ev2 = await nextEvent(b, P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_METADATA_CHANGE);
  assert.deepEqual([ev2.type, ev2.nsuri], [1, null]);
  const xml = (await call(a, P.REMOTE_PROC_DOMAIN_GET_XML_DESC, { dom: DOM, flags: 0 })).xml;
  assert.ok(
    xml.includes(
      '  <title>my title</title>\n  <metadata>\n    <k:foo xmlns:k="http://example.org/" bar="1">\n' +
        "      <k:x/>\n    </k:foo>\n  </metadata>\n",
    ),
    xml,
  );
  await fails(a, P.REMOTE_PROC_DOMAIN_GET_METADATA, { dom: DOM, type: 0, uri: null, flags: 0 }, [
    80,
    20,
    "metadata not found: Requested metadata element is not present",
    "metadata not found: %s",
    "Requested metadata element is not present",
  ]);
});

domTest(
  "rename raises UNDEFINED/DEFINED renamed; lifecycle actions and stats period",
  async (a, b) => {
    await watch(b, 0);
    await fails(a, P.REMOTE_PROC_DOMAIN_RENAME, { dom: DOM, new_name: "t2", flags: 0 }, [
      55,
      12,
      "Requested operation is not valid: cannot rename active domain",
      "Requested operation is not valid: %s",
      "cannot rename active domain",
    ]);
    await call(a, P.REMOTE_PROC_DOMAIN_SET_LIFECYCLE_ACTION, {
      dom: DOM,
      type: 0,
      action: 3,
      flags: 0,
    });
    await call(a, P.REMOTE_PROC_DOMAIN_SET_MEMORY_STATS_PERIOD, { dom: DOM, period: 10, flags: 0 });
    const xml = (await call(a, P.REMOTE_PROC_DOMAIN_GET_XML_DESC, { dom: DOM, flags: 0 })).xml;
    assert.ok(xml.includes("<on_poweroff>preserve</on_poweroff>"));
    assert.ok(xml.includes("      <stats period='10'/>\n"));
    await call(a, P.REMOTE_PROC_DOMAIN_DESTROY, { dom: DOM });
    assert.deepEqual(await lifecycle(b), ["test", -1, 5, 1]);
    assert.deepEqual(
      await call(a, P.REMOTE_PROC_DOMAIN_RENAME, { dom: DOM, new_name: "t2", flags: 0 }),
      {
        retcode: 0,
      },
    );
    assert.deepEqual(await lifecycle(b), ["test", -1, 1, 1]);
    assert.deepEqual(await lifecycle(b), ["t2", -1, 0, 2]);
    const r = await call(a, P.REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, { name: "t2" });
    assert.equal(r.dom.name, "t2");
  },
);

// ---- What the test driver does not implement ----------------------------------------------------

domTest("procedures libvirt 9.0's test driver lacks stay unsupported", async (a) => {
  for (
    const [proc, args, api] of [
      [P.REMOTE_PROC_DOMAIN_GET_JOB_INFO, { dom: DOM }, "virDomainGetJobInfo"],
      [P.REMOTE_PROC_DOMAIN_ATTACH_DEVICE, { dom: DOM, xml: "<disk/>" }, "virDomainAttachDevice"],
      [
        P.REMOTE_PROC_DOMAIN_BLOCK_STATS_FLAGS,
        { dom: DOM, path: "vda", nparams: 0, flags: 0 },
        "virDomainBlockStatsFlags",
      ],
    ] as [number, unknown, string][]
  ) {
    const r = await failure(a, proc, args);
    assert.deepEqual([r.code, r.message, r.str2], [
      3,
      `this function is not supported by the connection driver: ${api}`,
      api,
    ]);
  }
});

domTest(
  "the domain XML follows every change, whichever client asks and whoever changed it",
  async (a, b) => {
    const xml = async (c: RawClient, flags = 0) =>
      (await call(c, P.REMOTE_PROC_DOMAIN_GET_XML_DESC, { dom: DOM, flags })).xml as string;
    const current = (x: string) => /<currentMemory unit='KiB'>(\d+)</.exec(x)![1];
    for (let i = 1; i <= 40; i++) {
      const kib = 1_048_576 + i * 1024;
      // Asked before the change (the document may be kept), then after it.
      for (const c of [a, b]) await xml(c);
      await call(i % 2 ? a : b, P.REMOTE_PROC_DOMAIN_SET_MEMORY, { dom: DOM, memory: BigInt(kib) });
      for (const c of [a, b]) assert.equal(current(await xml(c)), String(kib));
    }
    // The running and the persistent views are kept apart: a live-only change
    // shows in one, not the other.
    const before = await xml(a, 2);
    await call(a, P.REMOTE_PROC_DOMAIN_SET_MEMORY_FLAGS, { dom: DOM, memory: 524_288n, flags: 1 });
    assert.equal(current(await xml(b)), "524288");
    assert.equal(await xml(b, 2), before);
    // A failed call (a live change of a stopped domain) leaves the document as it was.
    await call(a, P.REMOTE_PROC_DOMAIN_DESTROY, { dom: DOM });
    const stopped = await xml(a);
    await failure(a, P.REMOTE_PROC_DOMAIN_SET_MEMORY_FLAGS, { dom: DOM, memory: 4096n, flags: 1 });
    assert.equal(await xml(a), stopped);
    assert.equal(await xml(b), stopped);
  },
);
