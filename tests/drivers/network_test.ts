// The test driver's networks and host interfaces over the wire, against a
// real daemon: values, errors (code, domain, message, str1, str2) and the
// network lifecycle events a second client receives, as libvirt 9.0's test
// driver gives them (facts taken from libvirt's in-process test:///default).

import assert from "node:assert/strict";
import type { RawClient } from "../_rpc_client.ts";
import * as P from "../../src/protocol/remote_procedure_numbers.ts";
import { uuidFromString, uuidToString } from "../../src/util/uuid.ts";
import { call, fails, nextEvent, twoClientTest } from "./_driver.ts";

const netTest = twoClientTest;

/** The next network lifecycle event `c` receives: [callbackID, name, uuid, event, detail]. */
async function nextNetEvent(c: RawClient): Promise<[number, string, string, number, number]> {
  const m = await nextEvent(c, P.REMOTE_PROC_NETWORK_EVENT_LIFECYCLE);
  return [m.callbackID, m.net.name, uuidToString(m.net.uuid), m.event, m.detail];
}

/** No network event is waiting for `c` (after a round trip that would have flushed one). */
async function noNetEvent(c: RawClient): Promise<void> {
  await call(c, P.REMOTE_PROC_CONNECT_NUM_OF_NETWORKS);
  assert.equal(
    c.pending.filter((r) => r.header.proc === P.REMOTE_PROC_NETWORK_EVENT_LIFECYCLE).length,
    0,
  );
}

const DEFAULT_UUID = "dd8fe884-6c02-601e-7551-cca97df1c5df";
const DEFAULT_NET = { name: "default", uuid: uuidFromString(DEFAULT_UUID)! };
const DEFAULT_XML = `<network>
  <name>default</name>
  <uuid>dd8fe884-6c02-601e-7551-cca97df1c5df</uuid>
  <forward mode='nat'/>
  <bridge name='virbr0' stp='on' delay='0'/>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.122.2' end='192.168.122.254'/>
    </dhcp>
  </ip>
</network>
`;
const SAMPLE_UUID = "11111111-2222-3333-4444-555555555555";
const SAMPLE_XML = `<network><name>sample</name><uuid>${SAMPLE_UUID}</uuid></network>`;
const SAMPLE = { name: "sample", uuid: uuidFromString(SAMPLE_UUID)! };

const NO_NET_NAME = (n: string): [number, number, string, string, string] => [
  43,
  12,
  `Network not found: no network with matching name '${n}'`,
  "Network not found: %s",
  `no network with matching name '${n}'`,
];
const NO_NET_UUID = (u: string): [number, number, string, string, string] => [
  43,
  12,
  `Network not found: no network with matching uuid '${u}'`,
  "Network not found: %s",
  `no network with matching uuid '${u}'`,
];
const BAD_FLAGS = (f: number, func: string): [number, number, string, string, string] => [
  8,
  12,
  `unsupported flags (0x${f.toString(16)}) in function ${func}`,
  func,
  "flags",
];
const INVALID = (detail: string, dom = 12): [number, number, string, string, string] => [
  55,
  dom,
  `Requested operation is not valid: ${detail}`,
  "Requested operation is not valid: %s",
  detail,
];

// ---- Networks -----------------------------------------------------------------------------------

netTest("test:///default has the network 'default', active and persistent", async (c) => {
  const byName = await call(c, P.REMOTE_PROC_NETWORK_LOOKUP_BY_NAME, { name: "default" });
  assert.equal(byName.net.name, "default");
  assert.equal(uuidToString(byName.net.uuid), DEFAULT_UUID);
  const byUuid = await call(c, P.REMOTE_PROC_NETWORK_LOOKUP_BY_UUID, { uuid: DEFAULT_NET.uuid });
  assert.equal(byUuid.net.name, "default");
  const net = DEFAULT_NET;
  assert.deepEqual(await call(c, P.REMOTE_PROC_NETWORK_IS_ACTIVE, { net }), { active: 1 });
  assert.deepEqual(await call(c, P.REMOTE_PROC_NETWORK_IS_PERSISTENT, { net }), { persistent: 1 });
  assert.deepEqual(await call(c, P.REMOTE_PROC_NETWORK_GET_AUTOSTART, { net }), { autostart: 0 });
  assert.deepEqual(await call(c, P.REMOTE_PROC_NETWORK_GET_BRIDGE_NAME, { net }), {
    name: "virbr0",
  });
  assert.deepEqual(await call(c, P.REMOTE_PROC_NETWORK_GET_XML_DESC, { net, flags: 0 }), {
    xml: DEFAULT_XML,
  });
  await fails(
    c,
    P.REMOTE_PROC_NETWORK_GET_XML_DESC,
    { net, flags: 1 },
    BAD_FLAGS(1, "testNetworkGetXMLDesc"),
  );
  assert.deepEqual(await call(c, P.REMOTE_PROC_CONNECT_NUM_OF_NETWORKS), { num: 1 });
  assert.deepEqual(await call(c, P.REMOTE_PROC_CONNECT_NUM_OF_DEFINED_NETWORKS), { num: 0 });
  assert.deepEqual(await call(c, P.REMOTE_PROC_CONNECT_LIST_NETWORKS, { maxnames: 10 }), {
    names: ["default"],
  });
  assert.deepEqual(await call(c, P.REMOTE_PROC_CONNECT_LIST_NETWORKS, { maxnames: 0 }), {
    names: [],
  });
  assert.deepEqual(await call(c, P.REMOTE_PROC_CONNECT_LIST_DEFINED_NETWORKS, { maxnames: 10 }), {
    names: [],
  });
  const tooMany = "maxnames > REMOTE_NETWORK_LIST_MAX";
  await fails(c, P.REMOTE_PROC_CONNECT_LIST_NETWORKS, { maxnames: 16385 }, [
    39,
    7,
    tooMany,
    "%s",
    tooMany,
  ]);
});

netTest("network lookups fail as the test driver's do", async (c) => {
  await fails(c, P.REMOTE_PROC_NETWORK_LOOKUP_BY_NAME, { name: "nope" }, NO_NET_NAME("nope"));
  const u = "dd8fe884-6c02-601e-7551-cca97df1c5d0";
  await fails(
    c,
    P.REMOTE_PROC_NETWORK_LOOKUP_BY_UUID,
    { uuid: uuidFromString(u) },
    NO_NET_UUID(u),
  );
  // Procedures find the handle's network by name or by UUID, as libvirt does for each.
  const ghost = { name: "ghost", uuid: uuidFromString(u)! };
  await fails(c, P.REMOTE_PROC_NETWORK_IS_ACTIVE, { net: ghost }, NO_NET_UUID(u));
  await fails(c, P.REMOTE_PROC_NETWORK_GET_AUTOSTART, { net: ghost }, NO_NET_NAME("ghost"));
  await fails(c, P.REMOTE_PROC_NETWORK_DESTROY, { net: ghost }, NO_NET_NAME("ghost"));
  // Flags are checked before the lookup.
  await fails(
    c,
    P.REMOTE_PROC_NETWORK_UPDATE,
    { net: ghost, command: 3, section: 4, parentIndex: -1, xml: "<x/>", flags: 4 },
    BAD_FLAGS(4, "testNetworkUpdate"),
  );
});

netTest("CONNECT_LIST_ALL_NETWORKS filters by state, persistence and autostart", async (c) => {
  await call(c, P.REMOTE_PROC_NETWORK_DEFINE_XML, { xml: SAMPLE_XML });
  await call(c, P.REMOTE_PROC_NETWORK_SET_AUTOSTART, { net: SAMPLE, autostart: 1 });
  const list = async (flags: number) => {
    const r = await call(c, P.REMOTE_PROC_CONNECT_LIST_ALL_NETWORKS, { need_results: 1, flags });
    return [r.ret, r.nets.map((n: { name: string }) => n.name).sort()];
  };
  assert.deepEqual(await list(0), [2, ["default", "sample"]]);
  assert.deepEqual(await list(2), [1, ["default"]]);
  assert.deepEqual(await list(1), [1, ["sample"]]);
  assert.deepEqual(await list(3), [2, ["default", "sample"]]);
  assert.deepEqual(await list(4), [2, ["default", "sample"]]);
  assert.deepEqual(await list(8), [0, []]);
  assert.deepEqual(await list(16), [1, ["sample"]]);
  assert.deepEqual(await list(32), [1, ["default"]]);
  assert.deepEqual(await list(2 | 16), [0, []]);
  const count = await call(c, P.REMOTE_PROC_CONNECT_LIST_ALL_NETWORKS, {
    need_results: 0,
    flags: 0,
  });
  assert.deepEqual([count.ret, count.nets], [2, []]);
  await fails(
    c,
    P.REMOTE_PROC_CONNECT_LIST_ALL_NETWORKS,
    { need_results: 1, flags: 0x40 },
    BAD_FLAGS(0x40, "testConnectListAllNetworks"),
  );
});

netTest("define, start, destroy and undefine raise lifecycle events", async (a, b) => {
  const all = (await call(b, P.REMOTE_PROC_CONNECT_NETWORK_EVENT_REGISTER_ANY, {
    eventID: 0,
    net: null,
  })).callbackID;
  const one = (await call(b, P.REMOTE_PROC_CONNECT_NETWORK_EVENT_REGISTER_ANY, {
    eventID: 0,
    net: SAMPLE,
  })).callbackID;
  assert.notEqual(all, one);
  // The same registration twice is refused.
  await fails(b, P.REMOTE_PROC_CONNECT_NETWORK_EVENT_REGISTER_ANY, { eventID: 0, net: null }, [
    8,
    0,
    "invalid argument: event callback already tracked",
    "invalid argument: %s",
    "event callback already tracked",
  ]);

  const def = await call(a, P.REMOTE_PROC_NETWORK_DEFINE_XML, { xml: SAMPLE_XML });
  assert.deepEqual([def.net.name, uuidToString(def.net.uuid)], ["sample", SAMPLE_UUID]);
  const got = [await nextNetEvent(b), await nextNetEvent(b)].sort((x, y) => x[0] - y[0]);
  assert.deepEqual(
    got,
    [
      [all, "sample", SAMPLE_UUID, 0, 0],
      [one, "sample", SAMPLE_UUID, 0, 0],
    ].sort((x, y) => (x[0] as number) - (y[0] as number)),
  );

  const net = SAMPLE;
  assert.deepEqual(await call(a, P.REMOTE_PROC_NETWORK_IS_ACTIVE, { net }), { active: 0 });
  assert.deepEqual(await call(a, P.REMOTE_PROC_NETWORK_IS_PERSISTENT, { net }), { persistent: 1 });
  assert.deepEqual(await call(a, P.REMOTE_PROC_NETWORK_GET_XML_DESC, { net, flags: 0 }), {
    xml: `<network>\n  <name>sample</name>\n  <uuid>${SAMPLE_UUID}</uuid>\n` +
      `  <bridge stp='on' delay='0'/>\n</network>\n`,
  });
  await fails(a, P.REMOTE_PROC_NETWORK_GET_BRIDGE_NAME, { net }, [
    1,
    12,
    "internal error: network 'sample' does not have a bridge name.",
    "internal error: %s",
    "network 'sample' does not have a bridge name.",
  ]);
  assert.deepEqual(await call(a, P.REMOTE_PROC_CONNECT_LIST_DEFINED_NETWORKS, { maxnames: 5 }), {
    names: ["sample"],
  });

  await call(a, P.REMOTE_PROC_NETWORK_CREATE, { net });
  assert.deepEqual((await nextNetEvent(b)).slice(1), ["sample", SAMPLE_UUID, 2, 0]);
  assert.deepEqual((await nextNetEvent(b)).slice(1), ["sample", SAMPLE_UUID, 2, 0]);
  await fails(
    a,
    P.REMOTE_PROC_NETWORK_CREATE,
    { net },
    INVALID("Network 'sample' is already running"),
  );
  await fails(
    a,
    P.REMOTE_PROC_NETWORK_UNDEFINE,
    { net },
    INVALID("Network 'sample' is still running"),
  );

  // Only the all-networks callback hears about 'default'.
  await call(a, P.REMOTE_PROC_NETWORK_DESTROY, { net: DEFAULT_NET });
  assert.deepEqual(await nextNetEvent(b), [all, "default", DEFAULT_UUID, 3, 0]);
  await noNetEvent(b);
  // The test driver stops an inactive network again without complaint.
  await call(a, P.REMOTE_PROC_NETWORK_DESTROY, { net: DEFAULT_NET });
  assert.deepEqual(await nextNetEvent(b), [all, "default", DEFAULT_UUID, 3, 0]);

  await call(b, P.REMOTE_PROC_CONNECT_NETWORK_EVENT_DEREGISTER_ANY, { callbackID: one });
  await call(a, P.REMOTE_PROC_NETWORK_DESTROY, { net });
  assert.deepEqual(await nextNetEvent(b), [all, "sample", SAMPLE_UUID, 3, 0]);
  await call(a, P.REMOTE_PROC_NETWORK_UNDEFINE, { net });
  assert.deepEqual(await nextNetEvent(b), [all, "sample", SAMPLE_UUID, 1, 0]);
  await noNetEvent(b);
  await fails(a, P.REMOTE_PROC_NETWORK_LOOKUP_BY_NAME, { name: "sample" }, NO_NET_NAME("sample"));

  await fails(b, P.REMOTE_PROC_CONNECT_NETWORK_EVENT_DEREGISTER_ANY, { callbackID: one }, [
    1,
    7,
    `internal error: network event callback ${one} not registered`,
    "internal error: %s",
    `network event callback ${one} not registered`,
  ]);
  await fails(b, P.REMOTE_PROC_CONNECT_NETWORK_EVENT_REGISTER_ANY, { eventID: 1, net: null }, [
    1,
    7,
    "internal error: unsupported network event ID 1",
    "internal error: %s",
    "unsupported network event ID 1",
  ]);
});

netTest("transient networks and definition conflicts", async (a, b) => {
  await call(b, P.REMOTE_PROC_CONNECT_NETWORK_EVENT_REGISTER_ANY, { eventID: 0, net: null });
  const u = "11111111-2222-3333-4444-555555555557";
  const xml = `<network><name>tr</name><uuid>${u}</uuid><bridge name='br9'/></network>`;
  const { net } = await call(a, P.REMOTE_PROC_NETWORK_CREATE_XML, { xml });
  assert.deepEqual((await nextNetEvent(b)).slice(1), ["tr", u, 2, 0]);
  assert.deepEqual(await call(a, P.REMOTE_PROC_NETWORK_IS_ACTIVE, { net }), { active: 1 });
  assert.deepEqual(await call(a, P.REMOTE_PROC_NETWORK_IS_PERSISTENT, { net }), { persistent: 0 });
  assert.deepEqual(await call(a, P.REMOTE_PROC_NETWORK_GET_BRIDGE_NAME, { net }), { name: "br9" });
  await fails(
    a,
    P.REMOTE_PROC_NETWORK_UPDATE,
    {
      net,
      command: 3,
      section: 4,
      parentIndex: -1,
      xml: "<host mac='00:11:22:33:44:56' ip='192.168.122.6'/>",
      flags: 2,
    },
    INVALID("cannot change persistent config of a transient network", 19),
  );
  await fails(
    a,
    P.REMOTE_PROC_NETWORK_CREATE_XML,
    { xml },
    INVALID("network is already active as 'tr'", 19),
  );
  await fails(
    a,
    P.REMOTE_PROC_NETWORK_CREATE_XML_FLAGS,
    { xml, flags: 2 },
    BAD_FLAGS(2, "testNetworkCreateXMLFlags"),
  );
  await fails(
    a,
    P.REMOTE_PROC_NETWORK_DEFINE_XML_FLAGS,
    { xml, flags: 2 },
    BAD_FLAGS(2, "testNetworkDefineXMLFlags"),
  );
  // A transient network goes when it stops.
  await call(a, P.REMOTE_PROC_NETWORK_DESTROY, { net });
  assert.deepEqual((await nextNetEvent(b)).slice(1), ["tr", u, 3, 0]);
  await fails(a, P.REMOTE_PROC_NETWORK_IS_ACTIVE, { net }, NO_NET_UUID(u));

  await call(a, P.REMOTE_PROC_NETWORK_DEFINE_XML, { xml: SAMPLE_XML });
  await fails(
    a,
    P.REMOTE_PROC_NETWORK_DEFINE_XML,
    { xml: `<network><name>sample</name><uuid>${u}</uuid></network>` },
    [
      9,
      19,
      `operation failed: network 'sample' already exists with uuid ${SAMPLE_UUID}`,
      "operation failed: %s",
      `network 'sample' already exists with uuid ${SAMPLE_UUID}`,
    ],
  );
  await fails(
    a,
    P.REMOTE_PROC_NETWORK_DEFINE_XML,
    { xml: `<network><name>other</name><uuid>${SAMPLE_UUID}</uuid></network>` },
    [
      9,
      19,
      `operation failed: network 'sample' is already defined with uuid ${SAMPLE_UUID}`,
      "operation failed: %s",
      `network 'sample' is already defined with uuid ${SAMPLE_UUID}`,
    ],
  );
  // Creating a defined, inactive network runs the new definition; it stays persistent.
  const live = `<network><name>sample</name><uuid>${SAMPLE_UUID}</uuid>` +
    `<bridge name='brX'/></network>`;
  await call(a, P.REMOTE_PROC_NETWORK_CREATE_XML_FLAGS, { xml: live, flags: 0 });
  assert.deepEqual(await call(a, P.REMOTE_PROC_NETWORK_IS_PERSISTENT, { net: SAMPLE }), {
    persistent: 1,
  });
  assert.deepEqual(await call(a, P.REMOTE_PROC_NETWORK_GET_BRIDGE_NAME, { net: SAMPLE }), {
    name: "brX",
  });
});

netTest("NETWORK_UPDATE changes the live or the persistent definition", async (c) => {
  const net = DEFAULT_NET;
  const host = (n: number) => `<host mac='00:11:22:33:44:5${n}' ip='192.168.122.${n}'/>`;
  const upd = (xml: string, flags: number) => ({
    net,
    command: 3, // ADD_LAST
    section: 4, // IP_DHCP_HOST
    parentIndex: -1,
    xml,
    flags,
  });
  // CURRENT on a running network: the live definition.
  await call(c, P.REMOTE_PROC_NETWORK_UPDATE, upd(host(5), 0));
  const xml1 = (await call(c, P.REMOTE_PROC_NETWORK_GET_XML_DESC, { net, flags: 0 })).xml;
  assert.equal(
    xml1,
    DEFAULT_XML.replace(
      "    </dhcp>",
      "      <host mac='00:11:22:33:44:55' ip='192.168.122.5'/>\n    </dhcp>",
    ),
  );
  await fails(
    c,
    P.REMOTE_PROC_NETWORK_UPDATE,
    { ...upd(host(6), 0), section: 99 },
    [
      84,
      19,
      "Operation not supported: can't update unrecognized section of network",
      "Operation not supported: %s",
      "can't update unrecognized section of network",
    ],
  );
  await call(c, P.REMOTE_PROC_NETWORK_DESTROY, { net });
  await fails(
    c,
    P.REMOTE_PROC_NETWORK_UPDATE,
    upd(host(6), 1),
    INVALID("network is not running", 19),
  );
  // CURRENT on a stopped network: the persistent definition.
  await call(c, P.REMOTE_PROC_NETWORK_UPDATE, upd(host(6), 0));
  const xml2 = (await call(c, P.REMOTE_PROC_NETWORK_GET_XML_DESC, { net, flags: 0 })).xml;
  assert.ok(xml2.includes("<host mac='00:11:22:33:44:55' ip='192.168.122.5'/>"));
  assert.ok(xml2.includes("<host mac='00:11:22:33:44:56' ip='192.168.122.6'/>"));

  // A definition given while running waits aside: the running one is still shown, and
  // persistent-config updates apply to the new one.
  await call(c, P.REMOTE_PROC_NETWORK_CREATE, { net });
  await call(c, P.REMOTE_PROC_NETWORK_DEFINE_XML, {
    xml: `<network><name>default</name><uuid>${DEFAULT_UUID}</uuid>` +
      `<bridge name='virbr7'/></network>`,
  });
  assert.deepEqual(await call(c, P.REMOTE_PROC_NETWORK_GET_BRIDGE_NAME, { net }), {
    name: "virbr0",
  });
  await fails(
    c,
    P.REMOTE_PROC_NETWORK_UPDATE,
    upd(host(7), 2),
    INVALID("couldn't update dhcp host entry - no <ip> element found in network 'default'", 19),
  );
  assert.deepEqual(await call(c, P.REMOTE_PROC_NETWORK_GET_XML_DESC, { net, flags: 0 }), {
    xml: xml2,
  });
});

netTest("NETWORK_GET_DHCP_LEASES is not supported by the test driver", async (c) => {
  await fails(
    c,
    P.REMOTE_PROC_NETWORK_GET_DHCP_LEASES,
    { net: DEFAULT_NET, mac: null, need_results: 1, flags: 0 },
    [
      3,
      19,
      "this function is not supported by the connection driver: virNetworkGetDHCPLeases",
      "this function is not supported by the connection driver: %s",
      "virNetworkGetDHCPLeases",
    ],
  );
});

// ---- Interfaces ---------------------------------------------------------------------------------

const ETH1 = { name: "eth1", mac: "aa:bb:cc:dd:ee:ff" };
const ETH1_XML = `<interface type='ethernet' name='eth1'>
  <start mode='onboot'/>
  <mtu size='1492'/>
  <protocol family='ipv4'>
    <ip address='192.168.0.5' prefix='24'/>
    <route gateway='192.168.0.1'/>
  </protocol>
  <mac address='aa:bb:cc:dd:ee:ff'/>
</interface>
`;
const NO_IFACE = (what: string, v: string): [number, number, string, string, string] => [
  57,
  12,
  `Interface not found: no interface with matching ${what} '${v}'`,
  "Interface not found: %s",
  `no interface with matching ${what} '${v}'`,
];
const NOT_VALID: [number, number, string, string, null] = [
  55,
  12,
  "Requested operation is not valid",
  "Requested operation is not valid",
  null,
];

netTest("test:///default has the interface eth1, active", async (c) => {
  assert.deepEqual(await call(c, P.REMOTE_PROC_INTERFACE_LOOKUP_BY_NAME, { name: "eth1" }), {
    iface: ETH1,
  });
  // The handle carries the MAC as asked; the match ignores case.
  assert.deepEqual(
    await call(c, P.REMOTE_PROC_INTERFACE_LOOKUP_BY_MAC_STRING, { mac: "AA:BB:CC:DD:EE:FF" }),
    { iface: { name: "eth1", mac: "AA:BB:CC:DD:EE:FF" } },
  );
  await fails(
    c,
    P.REMOTE_PROC_INTERFACE_LOOKUP_BY_NAME,
    { name: "nope" },
    NO_IFACE("name", "nope"),
  );
  await fails(
    c,
    P.REMOTE_PROC_INTERFACE_LOOKUP_BY_MAC_STRING,
    { mac: "00:00:00:00:00:01" },
    NO_IFACE("mac", "00:00:00:00:00:01"),
  );
  assert.deepEqual(await call(c, P.REMOTE_PROC_INTERFACE_IS_ACTIVE, { iface: ETH1 }), {
    active: 1,
  });
  assert.deepEqual(await call(c, P.REMOTE_PROC_INTERFACE_GET_XML_DESC, { iface: ETH1, flags: 0 }), {
    xml: ETH1_XML,
  });
  await fails(
    c,
    P.REMOTE_PROC_INTERFACE_GET_XML_DESC,
    { iface: ETH1, flags: 1 },
    BAD_FLAGS(1, "testInterfaceGetXMLDesc"),
  );
  assert.deepEqual(await call(c, P.REMOTE_PROC_CONNECT_NUM_OF_INTERFACES), { num: 1 });
  assert.deepEqual(await call(c, P.REMOTE_PROC_CONNECT_NUM_OF_DEFINED_INTERFACES), { num: 0 });
  assert.deepEqual(await call(c, P.REMOTE_PROC_CONNECT_LIST_INTERFACES, { maxnames: 4 }), {
    names: ["eth1"],
  });
  assert.deepEqual(
    await call(c, P.REMOTE_PROC_CONNECT_LIST_ALL_INTERFACES, { need_results: 1, flags: 0 }),
    { ifaces: [ETH1], ret: 1 },
  );
  const tooMany = "maxnames > REMOTE_INTERFACE_LIST_MAX";
  await fails(c, P.REMOTE_PROC_CONNECT_LIST_DEFINED_INTERFACES, { maxnames: 16385 }, [
    39,
    7,
    tooMany,
    "%s",
    tooMany,
  ]);
});

netTest("interfaces are defined, started, stopped and undefined", async (c) => {
  await fails(c, P.REMOTE_PROC_INTERFACE_CREATE, { iface: ETH1, flags: 0 }, NOT_VALID);
  await fails(
    c,
    P.REMOTE_PROC_INTERFACE_CREATE,
    { iface: ETH1, flags: 1 },
    BAD_FLAGS(1, "testInterfaceCreate"),
  );
  const xml2 = "<interface type='ethernet' name='eth2'><mac address='00:11:22:33:44:55'/>" +
    "</interface>";
  await fails(
    c,
    P.REMOTE_PROC_INTERFACE_DEFINE_XML,
    { xml: xml2, flags: 2 },
    BAD_FLAGS(2, "testInterfaceDefineXML"),
  );
  const eth2 = (await call(c, P.REMOTE_PROC_INTERFACE_DEFINE_XML, { xml: xml2, flags: 0 })).iface;
  assert.deepEqual(eth2, { name: "eth2", mac: "00:11:22:33:44:55" });
  assert.deepEqual(await call(c, P.REMOTE_PROC_INTERFACE_IS_ACTIVE, { iface: eth2 }), {
    active: 0,
  });
  assert.deepEqual(await call(c, P.REMOTE_PROC_CONNECT_LIST_DEFINED_INTERFACES, { maxnames: 4 }), {
    names: ["eth2"],
  });
  const all = async (flags: number) =>
    (await call(c, P.REMOTE_PROC_CONNECT_LIST_ALL_INTERFACES, { need_results: 1, flags }))
      .ifaces.map((i: { name: string }) => i.name).sort();
  assert.deepEqual(await all(0), ["eth1", "eth2"]);
  assert.deepEqual(await all(1), ["eth2"]);
  assert.deepEqual(await all(2), ["eth1"]);
  await fails(
    c,
    P.REMOTE_PROC_CONNECT_LIST_ALL_INTERFACES,
    { need_results: 1, flags: 4 },
    BAD_FLAGS(4, "testConnectListAllInterfaces"),
  );
  await fails(c, P.REMOTE_PROC_INTERFACE_DESTROY, { iface: eth2, flags: 0 }, NOT_VALID);
  await call(c, P.REMOTE_PROC_INTERFACE_CREATE, { iface: eth2, flags: 0 });
  assert.deepEqual(await call(c, P.REMOTE_PROC_CONNECT_NUM_OF_INTERFACES), { num: 2 });

  // Redefining keeps the state; a MAC found twice is an error; an interface without a MAC
  // (a bridge) matches any MAC, as in libvirt.
  const re = await call(c, P.REMOTE_PROC_INTERFACE_DEFINE_XML, {
    xml: xml2.replace("44:55", "44:66"),
    flags: 0,
  });
  assert.deepEqual(re.iface, { name: "eth2", mac: "00:11:22:33:44:66" });
  assert.deepEqual(await call(c, P.REMOTE_PROC_INTERFACE_IS_ACTIVE, { iface: eth2 }), {
    active: 1,
  });
  await call(c, P.REMOTE_PROC_INTERFACE_DEFINE_XML, {
    xml: xml2.replace("eth2", "eth4").replace("44:55", "44:66"),
    flags: 0,
  });
  await fails(c, P.REMOTE_PROC_INTERFACE_LOOKUP_BY_MAC_STRING, { mac: "00:11:22:33:44:66" }, [
    59,
    12,
    "multiple matching interfaces found",
    "multiple matching interfaces found",
    null,
  ]);
  const br = await call(c, P.REMOTE_PROC_INTERFACE_DEFINE_XML, {
    xml: "<interface type='bridge' name='br0'><bridge>" +
      "<interface type='ethernet' name='eth9'/></bridge></interface>",
    flags: 0,
  });
  assert.deepEqual(br.iface, { name: "br0", mac: "" });
  assert.deepEqual(
    await call(c, P.REMOTE_PROC_INTERFACE_LOOKUP_BY_MAC_STRING, { mac: "00:00:00:00:00:02" }),
    { iface: { name: "br0", mac: "00:00:00:00:00:02" } },
  );

  // Undefine takes even an active interface.
  await call(c, P.REMOTE_PROC_INTERFACE_UNDEFINE, { iface: eth2 });
  await fails(
    c,
    P.REMOTE_PROC_INTERFACE_IS_ACTIVE,
    { iface: eth2 },
    NO_IFACE("name", "eth2"),
  );
  await call(c, P.REMOTE_PROC_INTERFACE_DESTROY, { iface: ETH1, flags: 0 });
  assert.deepEqual(await call(c, P.REMOTE_PROC_INTERFACE_IS_ACTIVE, { iface: ETH1 }), {
    active: 0,
  });
});

netTest("interface change transactions: begin, commit, rollback", async (a, b) => {
  const invalid = (d: string) => INVALID(d);
  await fails(
    a,
    P.REMOTE_PROC_INTERFACE_CHANGE_COMMIT,
    { flags: 0 },
    invalid("no transaction running, nothing to be committed."),
  );
  await fails(
    a,
    P.REMOTE_PROC_INTERFACE_CHANGE_ROLLBACK,
    { flags: 0 },
    invalid("no transaction running, nothing to rollback."),
  );
  await fails(
    a,
    P.REMOTE_PROC_INTERFACE_CHANGE_BEGIN,
    { flags: 1 },
    BAD_FLAGS(1, "testInterfaceChangeBegin"),
  );
  await call(a, P.REMOTE_PROC_INTERFACE_CHANGE_BEGIN, { flags: 0 });
  // The transaction belongs to the driver: another client sees it.
  await fails(
    b,
    P.REMOTE_PROC_INTERFACE_CHANGE_BEGIN,
    { flags: 0 },
    invalid("there is another transaction running."),
  );
  await call(a, P.REMOTE_PROC_INTERFACE_DEFINE_XML, {
    xml: "<interface type='ethernet' name='eth3'><mac address='00:11:22:33:44:aa'/></interface>",
    flags: 0,
  });
  await call(b, P.REMOTE_PROC_INTERFACE_CHANGE_ROLLBACK, { flags: 0 });
  // The saved copies come back, inactive.
  assert.deepEqual(
    await call(a, P.REMOTE_PROC_CONNECT_LIST_ALL_INTERFACES, { need_results: 1, flags: 0 }),
    { ifaces: [ETH1], ret: 1 },
  );
  assert.deepEqual(await call(a, P.REMOTE_PROC_INTERFACE_IS_ACTIVE, { iface: ETH1 }), {
    active: 0,
  });
  assert.deepEqual(await call(a, P.REMOTE_PROC_INTERFACE_GET_XML_DESC, { iface: ETH1, flags: 0 }), {
    xml: ETH1_XML,
  });

  await call(a, P.REMOTE_PROC_INTERFACE_CHANGE_BEGIN, { flags: 0 });
  await call(a, P.REMOTE_PROC_INTERFACE_CREATE, { iface: ETH1, flags: 0 });
  await call(a, P.REMOTE_PROC_INTERFACE_CHANGE_COMMIT, { flags: 0 });
  assert.deepEqual(await call(a, P.REMOTE_PROC_INTERFACE_IS_ACTIVE, { iface: ETH1 }), {
    active: 1,
  });
  await fails(
    a,
    P.REMOTE_PROC_INTERFACE_CHANGE_COMMIT,
    { flags: 0 },
    invalid("no transaction running, nothing to be committed."),
  );
});
