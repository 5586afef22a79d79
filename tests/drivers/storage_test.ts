// The test driver's storage pools, volumes and node devices over the wire,
// against a real daemon: values, errors (code, domain, message, str1, str2)
// and the storage pool / node device events a second client receives, as
// libvirt 9.0's test driver gives them (facts taken from libvirt's
// in-process test:///default and from libvirtd 9.0 serving it).

import assert from "node:assert/strict";
import type { RawClient, Received } from "../_rpc_client.ts";
import { REMOTE_PROGRAM_DEF } from "../../src/protocol/remote.ts";
import * as P from "../../src/protocol/remote_procedure_numbers.ts";
import { VIR_NET_MESSAGE } from "../../src/rpc/constants.ts";
import { PAYLOAD_OFFSET } from "../../src/rpc/header.ts";
import { type Codec, decode } from "../../src/xdr/mod.ts";
import { uuidFromString, uuidToString } from "../../src/util/uuid.ts";
import { type Any, call, type Err, fails, failure, twoClientTest } from "./_driver.ts";

const storageTest = twoClientTest;

function decodeMsg(proc: number, r: Received): Any {
  assert.equal(r.header.serial, 1);
  const decl = REMOTE_PROGRAM_DEF.procedures.get(proc)!;
  return decode(decl.args as Codec<Any>, r.packet.subarray(PAYLOAD_OFFSET));
}

const isMsg = (proc: number) => (r: Received) =>
  r.header.type === VIR_NET_MESSAGE && r.header.proc === proc;

/** The next storage pool event `c` receives: [callbackID, name, uuid, event, detail] (event -1: REFRESH). */
async function nextPoolEvent(c: RawClient): Promise<[number, string, string, number, number]> {
  const r = await c.next((r) =>
    isMsg(P.REMOTE_PROC_STORAGE_POOL_EVENT_LIFECYCLE)(r) ||
    isMsg(P.REMOTE_PROC_STORAGE_POOL_EVENT_REFRESH)(r)
  );
  const m = decodeMsg(r.header.proc, r);
  if (r.header.proc === P.REMOTE_PROC_STORAGE_POOL_EVENT_REFRESH) {
    return [m.callbackID, m.pool.name, uuidToString(m.pool.uuid), -1, -1];
  }
  return [m.callbackID, m.pool.name, uuidToString(m.pool.uuid), m.event, m.detail];
}

/** The next node device lifecycle event `c` receives: [callbackID, name, event, detail]. */
async function nextDevEvent(c: RawClient): Promise<[number, string, number, number]> {
  const r = await c.next(isMsg(P.REMOTE_PROC_NODE_DEVICE_EVENT_LIFECYCLE));
  const m = decodeMsg(P.REMOTE_PROC_NODE_DEVICE_EVENT_LIFECYCLE, r);
  return [m.callbackID, m.dev.name, m.event, m.detail];
}

/** No storage pool or node device event is waiting for `c` (after a flushing round trip). */
async function noEvent(c: RawClient): Promise<void> {
  await call(c, P.REMOTE_PROC_CONNECT_NUM_OF_STORAGE_POOLS);
  const procs = [
    P.REMOTE_PROC_STORAGE_POOL_EVENT_LIFECYCLE,
    P.REMOTE_PROC_STORAGE_POOL_EVENT_REFRESH,
    P.REMOTE_PROC_NODE_DEVICE_EVENT_LIFECYCLE,
  ];
  assert.equal(c.pending.filter((r) => procs.includes(r.header.proc)).length, 0);
}

// ---- Facts ---------------------------------------------------------------------------------------

const GiB100 = 107374182400n;
const DEFAULT_UUID = "dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566";
const DEFAULT_POOL = { name: "default-pool", uuid: uuidFromString(DEFAULT_UUID)! };
const DEFAULT_POOL_XML = `<pool type='dir'>
  <name>default-pool</name>
  <uuid>${DEFAULT_UUID}</uuid>
  <capacity unit='bytes'>107374182400</capacity>
  <allocation unit='bytes'>0</allocation>
  <available unit='bytes'>107374182400</available>
  <source>
  </source>
  <target>
    <path>/default-pool</path>
  </target>
</pool>
`;
const P1_UUID = "11111111-2222-3333-4444-555555555555";
const P1_XML =
  `<pool type='dir'><name>p1</name><uuid>${P1_UUID}</uuid><target><path>/p1</path></target></pool>`;
const P1 = { name: "p1", uuid: uuidFromString(P1_UUID)! };

const FC_UUID = "9d7a4ea8-2b8c-4d3e-9f00-0a1b2c3d4e5f";
const FC_XML = `<pool type='scsi'><name>fc</name><uuid>${FC_UUID}</uuid><source>` +
  `<adapter type='fc_host' parent='scsi_host1' wwnn='20000000c9831b4b' wwpn='10000000c9831b4b'/>` +
  `</source><target><path>/dev/disk/by-path</path></target></pool>`;
const FC = { name: "fc", uuid: uuidFromString(FC_UUID)! };

const VHBA_XML = `<device><parent>scsi_host1</parent><capability type='scsi_host'>` +
  `<capability type='fc_host'><wwnn>2000000012341299</wwnn><wwpn>1000000012341299</wwpn>` +
  `</capability></capability></device>`;

const SCSI_HOST12_XML = (wwnn: string, wwpn: string) =>
  `<device>
  <name>scsi_host12</name>
  <parent>scsi_host1</parent>
  <capability type='scsi_host'>
    <host>11</host>
    <unique_id>10</unique_id>
    <capability type='fc_host'>
      <wwnn>${wwnn}</wwnn>
      <wwpn>${wwpn}</wwpn>
      <fabric_wwn>2000000043214321</fabric_wwn>
    </capability>
  </capability>
</device>
`;

const BAD_FLAGS = (f: number, func: string): Err => [
  8,
  12,
  `unsupported flags (0x${f.toString(16)}) in function ${func}`,
  func,
  "flags",
];
const INVALID = (detail: string, dom = 12): Err => [
  55,
  dom,
  `Requested operation is not valid: ${detail}`,
  "Requested operation is not valid: %s",
  detail,
];
const NO_POOL = (what: string, v: string): Err => [
  49,
  12,
  `Storage pool not found: no storage pool with matching ${what} '${v}'`,
  "Storage pool not found: %s",
  `no storage pool with matching ${what} '${v}'`,
];
const NO_VOL = (what: string, v: string): Err => [
  50,
  12,
  `Storage volume not found: no storage vol with matching ${what} '${v}'`,
  "Storage volume not found: %s",
  `no storage vol with matching ${what} '${v}'`,
];
const NO_DEV = (n: string): Err => [
  53,
  12,
  `Node device not found: no node device with matching name '${n}'`,
  "Node device not found: %s",
  `no node device with matching name '${n}'`,
];
const FAILED = (detail: string, dom = 18): Err => [
  9,
  dom,
  `operation failed: ${detail}`,
  "operation failed: %s",
  detail,
];
const INTERNAL = (detail: string, dom: number): Err => [
  1,
  dom,
  `internal error: ${detail}`,
  "internal error: %s",
  detail,
];

const names = (l: { name: string }[]) => l.map((x) => x.name).sort();

// ---- Pools ---------------------------------------------------------------------------------------

storageTest("test:///default has default-pool: active, persistent, empty, 100 GiB", async (c) => {
  const pool = DEFAULT_POOL;
  const byName = await call(c, P.REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_NAME, { name: "default-pool" });
  assert.deepEqual([byName.pool.name, uuidToString(byName.pool.uuid)], [
    "default-pool",
    DEFAULT_UUID,
  ]);
  const byUuid = await call(c, P.REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_UUID, { uuid: pool.uuid });
  assert.equal(byUuid.pool.name, "default-pool");
  assert.deepEqual(await call(c, P.REMOTE_PROC_STORAGE_POOL_GET_INFO, { pool }), {
    state: 2,
    capacity: GiB100,
    allocation: 0n,
    available: GiB100,
  });
  assert.deepEqual(await call(c, P.REMOTE_PROC_STORAGE_POOL_GET_XML_DESC, { pool, flags: 0 }), {
    xml: DEFAULT_POOL_XML,
  });
  await fails(
    c,
    P.REMOTE_PROC_STORAGE_POOL_GET_XML_DESC,
    { pool, flags: 1 },
    BAD_FLAGS(1, "testStoragePoolGetXMLDesc"),
  );
  assert.deepEqual(await call(c, P.REMOTE_PROC_STORAGE_POOL_IS_ACTIVE, { pool }), { active: 1 });
  assert.deepEqual(await call(c, P.REMOTE_PROC_STORAGE_POOL_IS_PERSISTENT, { pool }), {
    persistent: 1,
  });
  assert.deepEqual(await call(c, P.REMOTE_PROC_STORAGE_POOL_GET_AUTOSTART, { pool }), {
    autostart: 0,
  });
  await call(c, P.REMOTE_PROC_STORAGE_POOL_SET_AUTOSTART, { pool, autostart: 1 });
  assert.deepEqual(await call(c, P.REMOTE_PROC_STORAGE_POOL_GET_AUTOSTART, { pool }), {
    autostart: 1,
  });
  assert.deepEqual(await call(c, P.REMOTE_PROC_CONNECT_NUM_OF_STORAGE_POOLS), { num: 1 });
  assert.deepEqual(await call(c, P.REMOTE_PROC_CONNECT_NUM_OF_DEFINED_STORAGE_POOLS), { num: 0 });
  assert.deepEqual(await call(c, P.REMOTE_PROC_CONNECT_LIST_STORAGE_POOLS, { maxnames: 5 }), {
    names: ["default-pool"],
  });
  assert.deepEqual(
    await call(c, P.REMOTE_PROC_CONNECT_LIST_DEFINED_STORAGE_POOLS, { maxnames: 5 }),
    { names: [] },
  );
  const tooMany = "maxnames > REMOTE_STORAGE_POOL_LIST_MAX";
  await fails(c, P.REMOTE_PROC_CONNECT_LIST_STORAGE_POOLS, { maxnames: 16385 }, [
    39,
    7,
    tooMany,
    "%s",
    tooMany,
  ]);
  await fails(c, P.REMOTE_PROC_STORAGE_POOL_LIST_VOLUMES, { pool, maxnames: -1 }, [
    39,
    7,
    "maxnames must be non-negative",
    "%s",
    "maxnames must be non-negative",
  ]);
  assert.deepEqual(await call(c, P.REMOTE_PROC_STORAGE_POOL_NUM_OF_VOLUMES, { pool }), { num: 0 });

  // Lookups: by name for most procedures, by UUID for a few, as libvirt does.
  await fails(
    c,
    P.REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_NAME,
    { name: "nope" },
    NO_POOL("name", "nope"),
  );
  const ghost = { name: "ghost", uuid: uuidFromString(P1_UUID)! };
  await fails(
    c,
    P.REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_UUID,
    { uuid: ghost.uuid },
    NO_POOL("uuid", P1_UUID),
  );
  await fails(c, P.REMOTE_PROC_STORAGE_POOL_GET_INFO, { pool: ghost }, NO_POOL("name", "ghost"));
  await fails(c, P.REMOTE_PROC_STORAGE_POOL_IS_ACTIVE, { pool: ghost }, NO_POOL("uuid", P1_UUID));
  // Flags are checked before the lookup.
  await fails(
    c,
    P.REMOTE_PROC_STORAGE_POOL_BUILD,
    { pool: ghost, flags: 1 },
    BAD_FLAGS(1, "testStoragePoolBuild"),
  );
  await fails(
    c,
    P.REMOTE_PROC_STORAGE_POOL_CREATE,
    { pool, flags: 0 },
    INVALID(
      "storage pool 'default-pool' is active",
    ),
  );
  await fails(
    c,
    P.REMOTE_PROC_STORAGE_POOL_UNDEFINE,
    { pool },
    INVALID(
      "storage pool 'default-pool' is active",
    ),
  );
});

storageTest("a pool's lifecycle raises storage pool events", async (a, b) => {
  const all = (await call(b, P.REMOTE_PROC_CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY, {
    eventID: 0,
    pool: null,
  })).callbackID;
  const one = (await call(b, P.REMOTE_PROC_CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY, {
    eventID: 0,
    pool: P1,
  })).callbackID;
  const refresh = (await call(b, P.REMOTE_PROC_CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY, {
    eventID: 1,
    pool: null,
  })).callbackID;
  await fails(b, P.REMOTE_PROC_CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY, {
    eventID: 0,
    pool: null,
  }, [
    8,
    0,
    "invalid argument: event callback already tracked",
    "invalid argument: %s",
    "event callback already tracked",
  ]);
  await fails(b, P.REMOTE_PROC_CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY, {
    eventID: 2,
    pool: null,
  }, INTERNAL("unsupported storage pool event ID 2", 7));

  /** Both lifecycle callbacks hear about p1, in callback order. */
  const bothHear = async (event: number) => {
    const got = [await nextPoolEvent(b), await nextPoolEvent(b)].sort((x, y) => x[0] - y[0]);
    assert.deepEqual(got, [
      [Math.min(all, one), "p1", P1_UUID, event, 0],
      [Math.max(all, one), "p1", P1_UUID, event, 0],
    ]);
  };

  const pool = P1;
  const def = await call(a, P.REMOTE_PROC_STORAGE_POOL_DEFINE_XML, { xml: P1_XML, flags: 0 });
  assert.deepEqual([def.pool.name, uuidToString(def.pool.uuid)], ["p1", P1_UUID]);
  await bothHear(0);
  assert.deepEqual(await call(a, P.REMOTE_PROC_STORAGE_POOL_GET_INFO, { pool }), {
    state: 0,
    capacity: GiB100,
    allocation: 0n,
    available: GiB100,
  });
  assert.deepEqual(await call(a, P.REMOTE_PROC_STORAGE_POOL_IS_PERSISTENT, { pool }), {
    persistent: 1,
  });
  assert.deepEqual(
    await call(a, P.REMOTE_PROC_CONNECT_LIST_DEFINED_STORAGE_POOLS, { maxnames: 5 }),
    { names: ["p1"] },
  );
  await fails(
    a,
    P.REMOTE_PROC_STORAGE_POOL_NUM_OF_VOLUMES,
    { pool },
    INVALID(
      "storage pool 'p1' is not active",
    ),
  );
  await fails(
    a,
    P.REMOTE_PROC_STORAGE_POOL_LIST_ALL_VOLUMES,
    { pool, need_results: 1, flags: 0 },
    INVALID("storage pool is not active"),
  );
  await fails(
    a,
    P.REMOTE_PROC_STORAGE_POOL_REFRESH,
    { pool, flags: 0 },
    INVALID(
      "storage pool 'p1' is not active",
    ),
  );

  await call(a, P.REMOTE_PROC_STORAGE_POOL_BUILD, { pool, flags: 0 });
  await bothHear(4);
  await call(a, P.REMOTE_PROC_STORAGE_POOL_CREATE, { pool, flags: 0 });
  await bothHear(2);
  await call(a, P.REMOTE_PROC_STORAGE_POOL_REFRESH, { pool, flags: 0 });
  assert.deepEqual(await nextPoolEvent(b), [refresh, "p1", P1_UUID, -1, -1]);
  await fails(
    a,
    P.REMOTE_PROC_STORAGE_POOL_REFRESH,
    { pool, flags: 1 },
    BAD_FLAGS(1, "testStoragePoolRefresh"),
  );
  await fails(
    a,
    P.REMOTE_PROC_STORAGE_POOL_DELETE,
    { pool, flags: 0 },
    INVALID(
      "storage pool 'p1' is active",
    ),
  );

  // Only the all-pools callback hears about default-pool.
  await call(a, P.REMOTE_PROC_STORAGE_POOL_DESTROY, { pool: DEFAULT_POOL });
  assert.deepEqual(await nextPoolEvent(b), [all, "default-pool", DEFAULT_UUID, 3, 0]);
  await noEvent(b);
  await fails(
    a,
    P.REMOTE_PROC_STORAGE_POOL_DESTROY,
    { pool: DEFAULT_POOL },
    INVALID(
      "storage pool 'default-pool' is not active",
    ),
  );

  await call(a, P.REMOTE_PROC_STORAGE_POOL_DESTROY, { pool });
  await bothHear(3);
  await call(a, P.REMOTE_PROC_STORAGE_POOL_DELETE, { pool, flags: 0 });
  await bothHear(5);
  await call(b, P.REMOTE_PROC_CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY, { callbackID: one });
  await call(a, P.REMOTE_PROC_STORAGE_POOL_UNDEFINE, { pool });
  assert.deepEqual(await nextPoolEvent(b), [all, "p1", P1_UUID, 1, 0]);
  await noEvent(b);
  await fails(a, P.REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_NAME, { name: "p1" }, NO_POOL("name", "p1"));
  await fails(
    b,
    P.REMOTE_PROC_CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY,
    { callbackID: one },
    INTERNAL(
      `storage pool event callback ${one} not registered`,
      7,
    ),
  );
});

storageTest("transient pools, create-xml over a defined pool, definition conflicts", async (a) => {
  const t = (await call(a, P.REMOTE_PROC_STORAGE_POOL_CREATE_XML, {
    xml: "<pool type='dir'><name>t</name><target><path>/t</path></target></pool>",
    flags: 0,
  })).pool;
  assert.deepEqual(await call(a, P.REMOTE_PROC_STORAGE_POOL_IS_PERSISTENT, { pool: t }), {
    persistent: 0,
  });
  await fails(a, P.REMOTE_PROC_STORAGE_POOL_SET_AUTOSTART, { pool: t, autostart: 1 }, [
    8,
    12,
    "invalid argument: pool has no config file",
    "invalid argument: %s",
    "pool has no config file",
  ]);
  await call(a, P.REMOTE_PROC_STORAGE_POOL_DESTROY, { pool: t });
  await fails(a, P.REMOTE_PROC_STORAGE_POOL_GET_INFO, { pool: t }, NO_POOL("name", "t"));

  // create-xml of a defined, inactive pool runs it and makes it transient.
  await call(a, P.REMOTE_PROC_STORAGE_POOL_DEFINE_XML, { xml: P1_XML, flags: 0 });
  await call(a, P.REMOTE_PROC_STORAGE_POOL_CREATE_XML, { xml: P1_XML, flags: 0 });
  assert.deepEqual(await call(a, P.REMOTE_PROC_STORAGE_POOL_IS_PERSISTENT, { pool: P1 }), {
    persistent: 0,
  });
  await fails(
    a,
    P.REMOTE_PROC_STORAGE_POOL_CREATE_XML,
    { xml: P1_XML, flags: 0 },
    INVALID("pool is already active as 'p1'", 18),
  );
  await fails(
    a,
    P.REMOTE_PROC_STORAGE_POOL_CREATE_XML,
    { xml: P1_XML, flags: 1 },
    BAD_FLAGS(1, "testStoragePoolCreateXML"),
  );
  await call(a, P.REMOTE_PROC_STORAGE_POOL_DESTROY, { pool: P1 });
  await fails(a, P.REMOTE_PROC_STORAGE_POOL_GET_INFO, { pool: P1 }, NO_POOL("name", "p1"));

  await call(a, P.REMOTE_PROC_STORAGE_POOL_DEFINE_XML, { xml: P1_XML, flags: 0 });
  await fails(
    a,
    P.REMOTE_PROC_STORAGE_POOL_DEFINE_XML,
    { xml: P1_XML.replace("11111111", "21111111"), flags: 0 },
    FAILED(`pool 'p1' already exists with uuid ${P1_UUID}`),
  );
  await fails(
    a,
    P.REMOTE_PROC_STORAGE_POOL_DEFINE_XML,
    { xml: P1_XML.replace(">p1<", ">p2<").replace("/p1", "/p2"), flags: 0 },
    FAILED(`pool 'p1' is already defined with uuid ${P1_UUID}`),
  );
  await fails(
    a,
    P.REMOTE_PROC_STORAGE_POOL_DEFINE_XML,
    { xml: "<pool type='dir'><name>p3</name><target><path>/p1</path></target></pool>", flags: 0 },
    FAILED("Storage source conflict with pool: 'p1'"),
  );
  await fails(
    a,
    P.REMOTE_PROC_STORAGE_POOL_DEFINE_XML,
    { xml: P1_XML, flags: 2 },
    BAD_FLAGS(2, "testStoragePoolDefineXML"),
  );
  await fails(a, P.REMOTE_PROC_STORAGE_POOL_DEFINE_XML, { xml: "<pool>", flags: 0 }, [
    35,
    18,
    "(storage_pool_definition):1: Premature end of data in tag pool line 1\n<pool>\n------^",
    "%s",
    "(storage_pool_definition):1: Premature end of data in tag pool line 1\n<pool>\n------^",
  ]);
});

storageTest(
  "CONNECT_LIST_ALL_STORAGE_POOLS filters by state, persistence, autostart, type",
  async (a) => {
    await call(a, P.REMOTE_PROC_STORAGE_POOL_DEFINE_XML, { xml: P1_XML, flags: 0 });
    await call(a, P.REMOTE_PROC_STORAGE_POOL_CREATE_XML, {
      xml: "<pool type='logical'><name>t</name><source><name>vg</name></source>" +
        "<target><path>/dev/vg</path></target></pool>",
      flags: 0,
    });
    await call(a, P.REMOTE_PROC_STORAGE_POOL_SET_AUTOSTART, { pool: DEFAULT_POOL, autostart: 1 });
    const list = async (flags: number) => {
      const r = await call(a, P.REMOTE_PROC_CONNECT_LIST_ALL_STORAGE_POOLS, {
        need_results: 1,
        flags,
      });
      return [r.ret, names(r.pools)];
    };
    assert.deepEqual(await list(0), [3, ["default-pool", "p1", "t"]]);
    assert.deepEqual(await list(1), [1, ["p1"]]);
    assert.deepEqual(await list(2), [2, ["default-pool", "t"]]);
    assert.deepEqual(await list(4), [2, ["default-pool", "p1"]]);
    assert.deepEqual(await list(8), [1, ["t"]]);
    assert.deepEqual(await list(16), [1, ["default-pool"]]);
    assert.deepEqual(await list(32), [2, ["p1", "t"]]);
    assert.deepEqual(await list(64), [2, ["default-pool", "p1"]]);
    assert.deepEqual(await list(512), [1, ["t"]]);
    assert.deepEqual(await list(128), [0, []]);
    assert.deepEqual(await list(2 | 4), [1, ["default-pool"]]);
    const count = await call(a, P.REMOTE_PROC_CONNECT_LIST_ALL_STORAGE_POOLS, {
      need_results: 0,
      flags: 0,
    });
    assert.deepEqual([count.ret, count.pools], [3, []]);
    await fails(
      a,
      P.REMOTE_PROC_CONNECT_LIST_ALL_STORAGE_POOLS,
      { need_results: 1, flags: 1 << 20 },
      BAD_FLAGS(1 << 20, "testConnectListAllStoragePools"),
    );
  },
);

storageTest("find-storage-pool-sources answers logical and netfs", async (a) => {
  const find = (type: string, srcSpec: string | null, flags = 0) =>
    call(a, P.REMOTE_PROC_CONNECT_FIND_STORAGE_POOL_SOURCES, { type, srcSpec, flags });
  assert.match((await find("logical", null)).xml, /<name>testvg1<\/name>/);
  assert.equal(
    (await find("netfs", "<source><host name='h'/></source>")).xml,
    "<sources>\n  <source>\n    <host name='h'/>\n    <dir path='/testshare'/>\n" +
      "    <format type='nfs'/>\n  </source>\n</sources>\n",
  );
  const fn = P.REMOTE_PROC_CONNECT_FIND_STORAGE_POOL_SOURCES;
  await fails(a, fn, { type: "netfs", srcSpec: null, flags: 0 }, [
    8,
    12,
    "invalid argument: hostname must be specified for netfs sources",
    "invalid argument: %s",
    "hostname must be specified for netfs sources",
  ]);
  await fails(
    a,
    fn,
    { type: "dir", srcSpec: null, flags: 0 },
    INTERNAL("unknown storage pool type dir", 12),
  );
  await fails(a, fn, { type: "iscsi", srcSpec: null, flags: 0 }, [
    3,
    12,
    "this function is not supported by the connection driver: " +
    "pool type 'iscsi' does not support source discovery",
    "this function is not supported by the connection driver: %s",
    "pool type 'iscsi' does not support source discovery",
  ]);
  await fails(
    a,
    fn,
    { type: "logical", srcSpec: null, flags: 1 },
    BAD_FLAGS(1, "testConnectFindStoragePoolSources"),
  );
});

// ---- Volumes ---------------------------------------------------------------------------------------

storageTest("volumes: create, clone, info, XML, lookups, delete", async (a) => {
  const pool = DEFAULT_POOL;
  const xml = "<volume><name>v1</name><capacity unit='M'>10</capacity>" +
    "<allocation>1000</allocation></volume>";
  const { vol } = await call(a, P.REMOTE_PROC_STORAGE_VOL_CREATE_XML, { pool, xml, flags: 0 });
  assert.deepEqual(vol, { pool: "default-pool", name: "v1", key: "/default-pool/v1" });
  assert.deepEqual(await call(a, P.REMOTE_PROC_STORAGE_VOL_GET_INFO, { vol }), {
    type: 0,
    capacity: 10485760n,
    allocation: 1000n,
  });
  assert.deepEqual(await call(a, P.REMOTE_PROC_STORAGE_VOL_GET_XML_DESC, { vol, flags: 0 }), {
    xml: `<volume type='file'>
  <name>v1</name>
  <key>/default-pool/v1</key>
  <capacity unit='bytes'>10485760</capacity>
  <allocation unit='bytes'>1000</allocation>
  <target>
    <path>/default-pool/v1</path>
    <format type='raw'/>
  </target>
</volume>
`,
  });
  assert.deepEqual(await call(a, P.REMOTE_PROC_STORAGE_VOL_GET_PATH, { vol }), {
    name: "/default-pool/v1",
  });
  assert.deepEqual(await call(a, P.REMOTE_PROC_STORAGE_POOL_GET_INFO, { pool }), {
    state: 2,
    capacity: GiB100,
    allocation: 1000n,
    available: GiB100 - 1000n,
  });
  await fails(
    a,
    P.REMOTE_PROC_STORAGE_VOL_CREATE_XML,
    { pool, xml, flags: 0 },
    FAILED("storage vol already exists", 12),
  );
  await fails(a, P.REMOTE_PROC_STORAGE_VOL_CREATE_XML, {
    pool,
    xml: "<volume><name>big</name><capacity>1000000000000</capacity></volume>",
    flags: 0,
  }, INTERNAL("Not enough free space in pool for volume 'big'", 12));
  await fails(
    a,
    P.REMOTE_PROC_STORAGE_VOL_CREATE_XML,
    { pool, xml, flags: 1 },
    BAD_FLAGS(1, "testStorageVolCreateXML"),
  );
  await fails(a, P.REMOTE_PROC_STORAGE_VOL_CREATE_XML, {
    pool,
    xml: "<volume><capacity>1</capacity></volume>",
    flags: 0,
  }, [
    27,
    18,
    "XML error: missing volume name element",
    "XML error: %s",
    "missing volume name element",
  ]);

  const clone = (await call(a, P.REMOTE_PROC_STORAGE_VOL_CREATE_XML_FROM, {
    pool,
    xml: "<volume><name>v2</name><capacity>10</capacity></volume>",
    clonevol: vol,
    flags: 0,
  })).vol;
  assert.deepEqual(clone, { pool: "default-pool", name: "v2", key: "/default-pool/v2" });
  await fails(a, P.REMOTE_PROC_STORAGE_VOL_CREATE_XML_FROM, {
    pool,
    xml: "<volume><name>v3</name><capacity>10</capacity></volume>",
    clonevol: { ...vol, name: "gone" },
    flags: 0,
  }, NO_VOL("name", "gone"));
  assert.deepEqual(await call(a, P.REMOTE_PROC_STORAGE_POOL_NUM_OF_VOLUMES, { pool }), { num: 2 });
  assert.deepEqual(
    (await call(a, P.REMOTE_PROC_STORAGE_POOL_LIST_VOLUMES, { pool, maxnames: 10 })).names.sort(),
    ["v1", "v2"],
  );
  const all = await call(a, P.REMOTE_PROC_STORAGE_POOL_LIST_ALL_VOLUMES, {
    pool,
    need_results: 1,
    flags: 0,
  });
  assert.deepEqual([all.ret, names(all.vols)], [2, ["v1", "v2"]]);
  await fails(
    a,
    P.REMOTE_PROC_STORAGE_POOL_LIST_ALL_VOLUMES,
    { pool, need_results: 1, flags: 1 },
    BAD_FLAGS(1, "testStoragePoolListAllVolumes"),
  );

  assert.deepEqual(
    (await call(a, P.REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_NAME, { pool, name: "v2" })).vol,
    clone,
  );
  assert.deepEqual(
    (await call(a, P.REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_KEY, { key: "/default-pool/v2" })).vol,
    clone,
  );
  assert.deepEqual(
    (await call(a, P.REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_PATH, { path: "/default-pool/v1" })).vol,
    vol,
  );
  assert.equal(
    (await call(a, P.REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_VOLUME, { vol })).pool.name,
    "default-pool",
  );
  await fails(
    a,
    P.REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_NAME,
    { pool, name: "x" },
    NO_VOL("name", "x"),
  );
  await fails(a, P.REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_KEY, { key: "/x" }, NO_VOL("key", "/x"));
  await fails(a, P.REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_PATH, { path: "/x" }, NO_VOL("path", "/x"));

  await fails(
    a,
    P.REMOTE_PROC_STORAGE_VOL_DELETE,
    { vol, flags: 1 },
    BAD_FLAGS(1, "testStorageVolDelete"),
  );
  await call(a, P.REMOTE_PROC_STORAGE_VOL_DELETE, { vol, flags: 0 });
  await fails(a, P.REMOTE_PROC_STORAGE_VOL_GET_INFO, { vol }, NO_VOL("name", "v1"));
  assert.equal((await call(a, P.REMOTE_PROC_STORAGE_POOL_GET_INFO, { pool })).allocation, 10n);

  // An inactive pool hides its volumes and keeps them.
  await call(a, P.REMOTE_PROC_STORAGE_POOL_DESTROY, { pool });
  await fails(
    a,
    P.REMOTE_PROC_STORAGE_VOL_GET_INFO,
    { vol: clone },
    INVALID(
      "storage pool 'default-pool' is not active",
    ),
  );
  await fails(
    a,
    P.REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_KEY,
    { key: "/default-pool/v2" },
    NO_VOL("key", "/default-pool/v2"),
  );
  await call(a, P.REMOTE_PROC_STORAGE_POOL_CREATE, { pool, flags: 0 });
  assert.deepEqual(
    await call(a, P.REMOTE_PROC_STORAGE_POOL_LIST_VOLUMES, { pool, maxnames: 10 }),
    { names: ["v2"] },
  );
});

storageTest("pool allocation wraps like libvirt's unsigned counter", async (a) => {
  // Redefining a running pool resets its figures even though its volumes stay.
  await call(a, P.REMOTE_PROC_STORAGE_POOL_DEFINE_XML, { xml: P1_XML, flags: 0 });
  await call(a, P.REMOTE_PROC_STORAGE_POOL_CREATE, { pool: P1, flags: 0 });
  const { vol } = await call(a, P.REMOTE_PROC_STORAGE_VOL_CREATE_XML, {
    pool: P1,
    xml: "<volume><name>a</name><capacity>100</capacity></volume>",
    flags: 0,
  });
  await call(a, P.REMOTE_PROC_STORAGE_POOL_DEFINE_XML, {
    xml: P1_XML.replace("/p1<", "/p1x<"),
    flags: 0,
  });
  await call(a, P.REMOTE_PROC_STORAGE_VOL_DELETE, { vol, flags: 0 });
  assert.deepEqual(await call(a, P.REMOTE_PROC_STORAGE_POOL_GET_INFO, { pool: P1 }), {
    state: 2,
    capacity: GiB100,
    allocation: 18446744073709551516n,
    available: GiB100 + 100n,
  });
  const xml = (await call(a, P.REMOTE_PROC_STORAGE_POOL_GET_XML_DESC, { pool: P1, flags: 0 }))
    .xml;
  assert.match(xml, /<allocation unit='bytes'>18446744073709551516<\/allocation>/);
  // The running pool kept its old target.
  assert.match(xml, /<path>\/p1<\/path>/);
  await fails(a, P.REMOTE_PROC_STORAGE_VOL_CREATE_XML, {
    pool: P1,
    xml: "<volume><name>c</name><capacity>50</capacity></volume>",
    flags: 0,
  }, INTERNAL("Not enough free space in pool for volume 'c'", 12));
  await call(a, P.REMOTE_PROC_STORAGE_VOL_CREATE_XML, {
    pool: P1,
    xml: "<volume><name>b</name><capacity>1000</capacity></volume>",
    flags: 0,
  });
  assert.equal((await call(a, P.REMOTE_PROC_STORAGE_POOL_GET_INFO, { pool: P1 })).allocation, 900n);
});

storageTest("procedures the test driver lacks answer libvirt's 'not supported'", async (a) => {
  const { vol } = await call(a, P.REMOTE_PROC_STORAGE_VOL_CREATE_XML, {
    pool: DEFAULT_POOL,
    xml: "<volume><name>v</name><capacity>10</capacity></volume>",
    flags: 0,
  });
  // Resize: libvirt's public API checks the capacity before finding no driver support.
  const resize = await failure(a, P.REMOTE_PROC_STORAGE_VOL_RESIZE, {
    vol,
    capacity: 0n,
    flags: 0,
  });
  assert.deepEqual(
    [resize.code, resize.domain, resize.message, resize.str1, resize.str2, resize.int1],
    [
      8,
      18,
      "capacity in virStorageVolResize cannot be zero without 'delta' or 'shrink' flags set",
      "virStorageVolResize",
      "capacity",
      0,
    ],
  );
  await fails(a, P.REMOTE_PROC_STORAGE_VOL_RESIZE, { vol, capacity: 0n, flags: 4 }, [
    3,
    18,
    "this function is not supported by the connection driver: virStorageVolResize",
    "this function is not supported by the connection driver: %s",
    "virStorageVolResize",
  ]);
  const cases: [number, unknown, string, number][] = [
    [P.REMOTE_PROC_STORAGE_VOL_WIPE, { vol, flags: 0 }, "virStorageVolWipe", 18],
    [
      P.REMOTE_PROC_STORAGE_VOL_WIPE_PATTERN,
      { vol, algorithm: 0, flags: 0 },
      "virStorageVolWipePattern",
      18,
    ],
    [P.REMOTE_PROC_STORAGE_VOL_GET_INFO_FLAGS, { vol, flags: 0 }, "virStorageVolGetInfoFlags", 18],
    [
      P.REMOTE_PROC_STORAGE_VOL_UPLOAD,
      { vol, offset: 0n, length: 0n, flags: 0 },
      "virStorageVolUpload",
      18,
    ],
    [
      P.REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_TARGET_PATH,
      { path: "/default-pool" },
      "virStoragePoolLookupByTargetPath",
      18,
    ],
    [
      P.REMOTE_PROC_NODE_DEVICE_DEFINE_XML,
      { xml_desc: "<device/>", flags: 0 },
      "virNodeDeviceDefineXML",
      22,
    ],
    [P.REMOTE_PROC_NODE_DEVICE_IS_ACTIVE, { name: "computer" }, "virNodeDeviceIsActive", 22],
    [P.REMOTE_PROC_NODE_DEVICE_RESET, { name: "computer" }, "virNodeDeviceReset", 22],
  ];
  for (const [proc, args, api, dom] of cases) {
    await fails(a, proc, args, [
      3,
      dom,
      `this function is not supported by the connection driver: ${api}`,
      "this function is not supported by the connection driver: %s",
      api,
    ]);
  }
});

// ---- The fc_host adapter and the mock vHBA ------------------------------------------------------------

storageTest("an fc_host pool brings and takes the mock vHBA scsi_host12", async (a, b) => {
  await call(b, P.REMOTE_PROC_CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY, { eventID: 0, pool: null });
  const dev = (await call(b, P.REMOTE_PROC_CONNECT_NODE_DEVICE_EVENT_REGISTER_ANY, {
    eventID: 0,
    dev: null,
  })).callbackID;

  await call(a, P.REMOTE_PROC_STORAGE_POOL_CREATE_XML, { xml: FC_XML, flags: 0 });
  assert.deepEqual(await nextDevEvent(b), [dev, "scsi_host12", 0, 0]);
  assert.deepEqual((await nextPoolEvent(b)).slice(1), ["fc", FC_UUID, 2, 0]);
  assert.deepEqual(
    await call(a, P.REMOTE_PROC_NODE_DEVICE_GET_XML_DESC, { name: "scsi_host12", flags: 0 }),
    { xml: SCSI_HOST12_XML("20000000c9831b4b", "10000000c9831b4b") },
  );
  const { vol } = await call(a, P.REMOTE_PROC_STORAGE_VOL_CREATE_XML, {
    pool: FC,
    xml: "<volume><name>lun</name><capacity>100</capacity></volume>",
    flags: 0,
  });
  assert.deepEqual(vol, { pool: "fc", name: "lun", key: "/dev/disk/by-path/lun" });
  // A volume of an scsi pool is a block device.
  assert.equal((await call(a, P.REMOTE_PROC_STORAGE_VOL_GET_INFO, { vol })).type, 1);

  await call(a, P.REMOTE_PROC_STORAGE_POOL_DESTROY, { pool: FC });
  assert.deepEqual(await nextDevEvent(b), [dev, "scsi_host12", 1, 0]);
  assert.deepEqual((await nextPoolEvent(b)).slice(1), ["fc", FC_UUID, 3, 0]);
  await fails(
    a,
    P.REMOTE_PROC_NODE_DEVICE_LOOKUP_BY_NAME,
    { name: "scsi_host12" },
    NO_DEV(
      "scsi_host12",
    ),
  );
  await fails(a, P.REMOTE_PROC_STORAGE_POOL_GET_INFO, { pool: FC }, NO_POOL("name", "fc"));

  // Started from a definition there is no vHBA, so stopping fails, and the pool stops anyway.
  await call(a, P.REMOTE_PROC_STORAGE_POOL_DEFINE_XML, { xml: FC_XML, flags: 0 });
  await call(a, P.REMOTE_PROC_STORAGE_POOL_CREATE, { pool: FC, flags: 0 });
  assert.deepEqual((await nextPoolEvent(b)).slice(1), ["fc", FC_UUID, 0, 0]);
  assert.deepEqual((await nextPoolEvent(b)).slice(1), ["fc", FC_UUID, 2, 0]);
  await fails(a, P.REMOTE_PROC_STORAGE_POOL_DESTROY, { pool: FC }, NO_DEV("scsi_host12"));
  assert.deepEqual(await call(a, P.REMOTE_PROC_STORAGE_POOL_IS_ACTIVE, { pool: FC }), {
    active: 0,
  });
  await noEvent(b);
});

// ---- Node devices ------------------------------------------------------------------------------------

storageTest("test:///default's node devices: lists, capabilities, XML, parents", async (a) => {
  const num = async (cap: string | null) =>
    (await call(a, P.REMOTE_PROC_NODE_NUM_OF_DEVICES, { cap, flags: 0 })).num;
  const list = async (cap: string | null) =>
    (await call(a, P.REMOTE_PROC_NODE_LIST_DEVICES, { cap, maxnames: 100, flags: 0 })).names
      .sort();
  assert.equal(await num(null), 4);
  assert.deepEqual(await list(null), ["computer", "scsi_host1", "scsi_host11", "scsi_host2"]);
  assert.deepEqual(await list("system"), ["computer"]);
  assert.deepEqual(await list("fc_host"), ["scsi_host1", "scsi_host11", "scsi_host2"]);
  assert.deepEqual(await list("vports"), ["scsi_host1", "scsi_host2"]);
  assert.equal(await num("pci"), 0);
  assert.equal(await num("bogus"), 0);
  await fails(
    a,
    P.REMOTE_PROC_NODE_NUM_OF_DEVICES,
    { cap: null, flags: 1 },
    BAD_FLAGS(1, "testNodeNumOfDevices"),
  );
  await fails(
    a,
    P.REMOTE_PROC_NODE_LIST_DEVICES,
    { cap: null, maxnames: 10, flags: 1 },
    BAD_FLAGS(1, "testNodeListDevices"),
  );
  const tooMany = "maxnames > REMOTE_NODE_DEVICE_LIST_MAX";
  await fails(a, P.REMOTE_PROC_NODE_LIST_DEVICES, { cap: null, maxnames: 65537, flags: 1 }, [
    39,
    7,
    tooMany,
    "%s",
    tooMany,
  ]);

  const listAll = async (flags: number) => {
    const r = await call(a, P.REMOTE_PROC_CONNECT_LIST_ALL_NODE_DEVICES, {
      need_results: 1,
      flags,
    });
    return [r.ret, names(r.devices)];
  };
  assert.deepEqual(await listAll(0), [4, ["computer", "scsi_host1", "scsi_host11", "scsi_host2"]]);
  assert.deepEqual(await listAll(1), [1, ["computer"]]);
  assert.deepEqual(await listAll(1 << 5), [3, ["scsi_host1", "scsi_host11", "scsi_host2"]]);
  assert.deepEqual(await listAll(1 << 10), [2, ["scsi_host1", "scsi_host2"]]);
  assert.deepEqual(await listAll(1 | (1 << 10)), [3, ["computer", "scsi_host1", "scsi_host2"]]);
  assert.deepEqual(await listAll(1 << 21), [0, []]);
  // virsh nodedev-list asks for active devices, which libvirt 9.0's test driver refuses.
  await fails(
    a,
    P.REMOTE_PROC_CONNECT_LIST_ALL_NODE_DEVICES,
    { need_results: 1, flags: 0x80000000 },
    BAD_FLAGS(0x80000000, "testConnectListAllNodeDevices"),
  );

  assert.deepEqual(
    await call(a, P.REMOTE_PROC_NODE_DEVICE_LOOKUP_BY_NAME, { name: "scsi_host1" }),
    { dev: { name: "scsi_host1" } },
  );
  await fails(a, P.REMOTE_PROC_NODE_DEVICE_LOOKUP_BY_NAME, { name: "nope" }, NO_DEV("nope"));
  const parent = async (name: string) =>
    (await call(a, P.REMOTE_PROC_NODE_DEVICE_GET_PARENT, { name })).parentName;
  assert.equal(await parent("scsi_host11"), "scsi_host1");
  // A root device has no parent (the dispatcher drops virNodeDeviceGetParent's
  // error); a missing one fails the dispatcher's own lookup.
  assert.equal(await parent("computer"), null);
  await fails(a, P.REMOTE_PROC_NODE_DEVICE_GET_PARENT, { name: "nope" }, NO_DEV("nope"));
  assert.deepEqual(await call(a, P.REMOTE_PROC_NODE_DEVICE_NUM_OF_CAPS, { name: "computer" }), {
    num: 1,
  });
  assert.deepEqual(
    await call(a, P.REMOTE_PROC_NODE_DEVICE_LIST_CAPS, { name: "scsi_host1", maxnames: 10 }),
    { names: ["scsi_host"] },
  );
  await fails(
    a,
    P.REMOTE_PROC_NODE_DEVICE_LIST_CAPS,
    { name: "nope", maxnames: 10 },
    NO_DEV("nope"),
  );
  assert.deepEqual(
    await call(a, P.REMOTE_PROC_NODE_DEVICE_GET_XML_DESC, { name: "scsi_host1", flags: 0 }),
    {
      xml: `<device>
  <name>scsi_host1</name>
  <parent>computer</parent>
  <capability type='scsi_host'>
    <host>1</host>
    <unique_id>0</unique_id>
    <capability type='fc_host'>
      <wwnn>2000000012341234</wwnn>
      <wwpn>1000000012341234</wwpn>
      <fabric_wwn>2000000043214321</fabric_wwn>
    </capability>
    <capability type='vport_ops'>
      <max_vports>0</max_vports>
      <vports>0</vports>
    </capability>
  </capability>
</device>
`,
    },
  );
  // Flags come before the lookup.
  await fails(
    a,
    P.REMOTE_PROC_NODE_DEVICE_GET_XML_DESC,
    { name: "nope", flags: 1 },
    BAD_FLAGS(1, "testNodeDeviceGetXMLDesc"),
  );
});

storageTest("node device create and destroy: the vHBA mock and its events", async (a, b) => {
  const all = (await call(b, P.REMOTE_PROC_CONNECT_NODE_DEVICE_EVENT_REGISTER_ANY, {
    eventID: 0,
    dev: null,
  })).callbackID;
  const one = (await call(b, P.REMOTE_PROC_CONNECT_NODE_DEVICE_EVENT_REGISTER_ANY, {
    eventID: 0,
    dev: { name: "scsi_host2" },
  })).callbackID;
  await fails(b, P.REMOTE_PROC_CONNECT_NODE_DEVICE_EVENT_REGISTER_ANY, {
    eventID: 2,
    dev: null,
  }, INTERNAL("unsupported node device event ID 2", 7));

  const create = P.REMOTE_PROC_NODE_DEVICE_CREATE_XML;
  assert.deepEqual(await call(a, create, { xml_desc: VHBA_XML, flags: 0 }), {
    dev: { name: "scsi_host12" },
  });
  assert.deepEqual(await nextDevEvent(b), [all, "scsi_host12", 0, 0]);
  assert.deepEqual(
    await call(a, P.REMOTE_PROC_NODE_DEVICE_GET_XML_DESC, { name: "scsi_host12", flags: 0 }),
    { xml: SCSI_HOST12_XML("2000000012341299", "1000000012341299") },
  );
  // Whatever the parent asked for, the mock copies scsi_host11 and replaces scsi_host12.
  await call(a, create, { xml_desc: VHBA_XML.replace("scsi_host1<", "scsi_host2<"), flags: 0 });
  assert.deepEqual(await nextDevEvent(b), [all, "scsi_host12", 0, 0]);
  assert.equal(
    (await call(a, P.REMOTE_PROC_NODE_DEVICE_GET_PARENT, { name: "scsi_host12" })).parentName,
    "scsi_host1",
  );
  assert.equal((await call(a, P.REMOTE_PROC_NODE_NUM_OF_DEVICES, { cap: null, flags: 0 })).num, 5);

  await fails(
    a,
    create,
    { xml_desc: VHBA_XML.replace("scsi_host1<", "scsi_host9<"), flags: 0 },
    INTERNAL("Could not find parent device for 'new device'", 22),
  );
  await fails(
    a,
    create,
    { xml_desc: VHBA_XML.replace("scsi_host1<", "scsi_host11<"), flags: 0 },
    INTERNAL("Parent device scsi_host11 is not capable of vport operations", 22),
  );
  await fails(a, create, {
    xml_desc: "<device><parent>scsi_host1</parent><capability type='scsi_host'/></device>",
    flags: 0,
  }, INTERNAL("Device is not a fibre channel HBA", 22));
  await fails(a, create, { xml_desc: VHBA_XML, flags: 2 }, BAD_FLAGS(2, "testNodeDeviceCreateXML"));

  const destroy = P.REMOTE_PROC_NODE_DEVICE_DESTROY;
  // Not an HBA: success, nothing happens.
  await call(a, destroy, { name: "computer" });
  await call(a, destroy, { name: "scsi_host12" });
  assert.deepEqual(await nextDevEvent(b), [all, "scsi_host12", 1, 0]);
  await fails(a, destroy, { name: "scsi_host12" }, NO_DEV("scsi_host12"));
  await call(a, destroy, { name: "scsi_host2" });
  const got = [await nextDevEvent(b), await nextDevEvent(b)].sort((x, y) => x[0] - y[0]);
  assert.deepEqual(got, [
    [Math.min(all, one), "scsi_host2", 1, 0],
    [Math.max(all, one), "scsi_host2", 1, 0],
  ]);
  // scsi_host11 goes with its parent present; after that the mock has nothing to copy.
  await call(a, destroy, { name: "scsi_host11" });
  assert.deepEqual(await nextDevEvent(b), [all, "scsi_host11", 1, 0]);
  const r = await failure(a, create, { xml_desc: VHBA_XML, flags: 0 });
  assert.deepEqual([r.code, r.domain, r.message, r.str1, r.str2, r.int1, r.int2], [
    1,
    0,
    "An error occurred, but the cause is unknown",
    null,
    null,
    0,
    0,
  ]);
  // With scsi_host1 gone there is no parent left for a vHBA.
  await call(a, destroy, { name: "scsi_host1" });
  assert.deepEqual(await nextDevEvent(b), [all, "scsi_host1", 1, 0]);
  assert.deepEqual(
    (await call(a, P.REMOTE_PROC_NODE_LIST_DEVICES, { cap: null, maxnames: 10, flags: 0 })).names,
    ["computer"],
  );
  await noEvent(b);

  await call(b, P.REMOTE_PROC_CONNECT_NODE_DEVICE_EVENT_DEREGISTER_ANY, { callbackID: one });
  await fails(
    b,
    P.REMOTE_PROC_CONNECT_NODE_DEVICE_EVENT_DEREGISTER_ANY,
    { callbackID: one },
    INTERNAL(
      `node device event callback ${one} not registered`,
      7,
    ),
  );
});
