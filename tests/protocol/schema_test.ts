// The procedure tables: every remote number known by name, libvirt's
// priorities and read-only refusals, and the types of every procedure virsh,
// virt-admin and the keepalive program use.

import assert from "node:assert/strict";
import {
  ADMIN_PROGRAM_DEF,
  KEEPALIVE_PROGRAM_DEF,
  parseProcedureTable,
  permChangesState,
  REMOTE_PROGRAM_DEF,
} from "../../src/protocol/mod.ts";
import * as numbers from "../../src/protocol/remote_procedure_numbers.ts";
import { NUMBERS_FILE, remoteProcedureNumbers } from "../../tools/gen_remote_procedures.ts";

const remote = REMOTE_PROGRAM_DEF;

Deno.test("the remote table names all 453 procedures, numbered 1..453 without gaps", () => {
  assert.equal(remote.info.size, 453);
  for (let n = 1; n <= 453; n++) assert.ok(remote.info.has(n), `procedure ${n}`);
});

Deno.test("the remote table's names agree with the REMOTE_PROC_* constants", () => {
  const consts = Object.entries(numbers);
  assert.equal(consts.length, 453);
  for (const [name, n] of consts) assert.equal(`REMOTE_PROC_${remote.info.get(n)?.name}`, name);
});

Deno.test("remote_procedure_numbers.ts is what `deno task gen` makes of the table", () => {
  assert.equal(
    Deno.readTextFileSync(NUMBERS_FILE),
    remoteProcedureNumbers(),
    "stale: run `deno task gen`",
  );
});

// The procedures of every virsh sequence in the wire facts (connect preamble,
// list, dominfo, dumpxml, define, start, destroy, undefine, event, net-list,
// pool-list, vol-list, nodeinfo, capabilities, version, screenshot, uri,
// hostname).
const VIRSH_PROCS = [
  1,
  2,
  3,
  4,
  6,
  7,
  9,
  11,
  12,
  14,
  15,
  16,
  19,
  23,
  24,
  44,
  60,
  66,
  72,
  84,
  87,
  89,
  100,
  110,
  121,
  122,
  150,
  151,
  152,
  153,
  154,
  157,
  183,
  187,
  211,
  212,
  231,
  273,
  281,
  282,
  283,
  316,
  317,
  318,
  360,
  361,
  426,
];

Deno.test("every procedure of the virsh sequences has declared types", () => {
  const missing = VIRSH_PROCS.filter((n) => !remote.procedures.has(n));
  assert.deepEqual(missing, []);
});

Deno.test("high-priority procedures are the ones libvirt annotates high", () => {
  const high = [
    1,
    2,
    3,
    4,
    5,
    6,
    11,
    12,
    15,
    17,
    18,
    19,
    22,
    23,
    24,
    35,
    59,
    60,
    110,
    157,
    212,
    231,
    316,
    317,
  ];
  const low = [7, 9, 10, 14, 16, 34, 211];
  for (const n of high) {
    assert.equal(remote.info.get(n)?.priority, "high", remote.info.get(n)?.name);
  }
  for (const n of low) assert.equal(remote.info.get(n)?.priority, "low", remote.info.get(n)?.name);
});

Deno.test("state-changing procedures are refused on read-only connections, lookups are not", () => {
  const changes = [
    "DOMAIN_DESTROY",
    "DOMAIN_DEFINE_XML",
    "DOMAIN_CREATE",
    "DOMAIN_UNDEFINE_FLAGS",
    "NETWORK_CREATE",
    "STORAGE_VOL_CREATE_XML",
    "DOMAIN_SET_AUTOSTART",
    "DOMAIN_SCREENSHOT",
  ];
  const looks = [
    "DOMAIN_LOOKUP_BY_NAME",
    "DOMAIN_GET_XML_DESC",
    "CONNECT_LIST_ALL_DOMAINS",
    "DOMAIN_GET_INFO",
    "CONNECT_OPEN",
    "CONNECT_CLOSE",
    "AUTH_LIST",
    "NODE_GET_INFO",
    "CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY",
    "DOMAIN_EVENT_CALLBACK_LIFECYCLE",
  ];
  const byName = new Map([...remote.info.values()].map((i) => [i.name, i]));
  for (const n of changes) assert.equal(byName.get(n)?.changesState, true, n);
  for (const n of looks) assert.equal(byName.get(n)?.changesState, false, n);
});

Deno.test("permChangesState() splits libvirt ACL permissions into looking and changing", () => {
  assert.equal(permChangesState("domain:read"), false);
  assert.equal(permChangesState("domain:read_secure:VIR_DOMAIN_XML_SECURE"), false);
  assert.equal(permChangesState("connect:search_domains"), false);
  assert.equal(permChangesState("domain:getattr"), false);
  assert.equal(permChangesState("domain:stop"), true);
  assert.equal(
    permChangesState("domain:save:!VIR_DOMAIN_AFFECT_CONFIG|VIR_DOMAIN_AFFECT_LIVE"),
    true,
  );
});

Deno.test("streams are marked on the procedures libvirt marks", () => {
  assert.equal(remote.info.get(211)?.stream, "read"); // DOMAIN_SCREENSHOT
  assert.equal(remote.info.get(208)?.stream, "write"); // STORAGE_VOL_UPLOAD
  assert.equal(remote.info.get(209)?.stream, "read"); // STORAGE_VOL_DOWNLOAD
  assert.equal(remote.info.get(149)?.stream, null); // CONNECT_IS_SECURE
});

Deno.test("the admin program declares all 19 procedures", () => {
  assert.equal(ADMIN_PROGRAM_DEF.prog, 0x06900690);
  assert.equal(ADMIN_PROGRAM_DEF.procedures.size, 19);
});

Deno.test("the keepalive program is 'keep' with PING 1 and PONG 2", () => {
  assert.equal(KEEPALIVE_PROGRAM_DEF.prog, 0x6b656570);
  assert.deepEqual([...KEEPALIVE_PROGRAM_DEF.info.values()].map((i) => i.name), ["PING", "PONG"]);
});

Deno.test("parseProcedureTable() rejects a malformed line with SyntaxError", () => {
  assert.throws(() => parseProcedureTable("1\tX\tmedium\t-\t-"), SyntaxError);
  assert.throws(() => parseProcedureTable("x\tX\thigh\t-\t-"), SyntaxError);
});
