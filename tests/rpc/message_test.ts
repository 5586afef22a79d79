// libvirt's own message vectors (tests/virnetmessagetest.c): header encode
// and decode, an error payload, a raw stream packet — byte for byte.

import assert from "node:assert/strict";
import {
  decodeHeader,
  encodePacket,
  PAYLOAD_OFFSET,
  readRemoteError,
  VIR_ERR_INTERNAL_ERROR,
  VIR_FROM_RPC,
  VIR_NET_CALL,
  VIR_NET_CONTINUE,
  VIR_NET_ERROR,
  VIR_NET_MESSAGE,
  VIR_NET_OK,
  VIR_NET_REPLY,
  VIR_NET_STREAM,
  VirError,
  writeVirError,
} from "../../src/rpc/mod.ts";
import { decode, XdrError, XdrReader, XdrWriter } from "../../src/xdr/mod.ts";
import { remote_error } from "../../src/rpc/error.ts";
import { hex, toHex } from "../_hex.ts";

const H = { prog: 0x11223344, vers: 1, proc: 0x666, serial: 0x99 };

Deno.test("encodePacket() writes libvirt's header vector", () => {
  const bytes = encodePacket({ ...H, type: VIR_NET_CALL, status: VIR_NET_OK });
  assert.equal(toHex(bytes), "0000001c112233440000000100000666000000000000009900000000");
});

Deno.test("decodeHeader() reads libvirt's header vector (REPLY, ERROR)", () => {
  const bytes = hex("0000001c 11223344 00000001 00000666 00000001 00000099 00000001");
  assert.deepEqual(decodeHeader(bytes), {
    ...H,
    type: VIR_NET_REPLY,
    status: VIR_NET_ERROR,
  });
});

Deno.test("decodeHeader() rejects a packet shorter than 28 bytes with XdrError", () => {
  const bytes = hex("0000001b 11223344 00000001 00000666 00000001 00000099 000000");
  assert.throws(() => decodeHeader(bytes), XdrError);
});

const ERROR_VECTOR = "00000074 11223344 00000001 00000666 00000002 00000099 00000001" +
  "00000001 00000007 00000001 0000000b 48656c6c6f20576f726c6400 00000002 00000000" +
  "00000001 00000003 4f6e6500 00000001 00000003 54776f00 00000001 00000005 5468726565000000" +
  "00000001 00000002 00000000";

Deno.test("remote_error encodes libvirt's error payload vector (116 bytes)", () => {
  const packet = encodePacket(
    { ...H, type: VIR_NET_MESSAGE, status: VIR_NET_ERROR },
    (w) =>
      remote_error.encode(w, {
        code: VIR_ERR_INTERNAL_ERROR,
        domain: VIR_FROM_RPC,
        message: "Hello World",
        level: 2,
        dom: null,
        str1: "One",
        str2: "Two",
        str3: "Three",
        int1: 1,
        int2: 2,
        net: null,
      }),
  );
  assert.equal(packet.length, 116);
  assert.equal(toHex(packet), toHex(hex(ERROR_VECTOR)));
});

Deno.test("remote_error decodes libvirt's error payload vector", () => {
  const packet = hex(ERROR_VECTOR);
  const e = readRemoteError(new XdrReader(packet, PAYLOAD_OFFSET));
  assert.deepEqual(e, {
    code: 1,
    domain: 7,
    message: "Hello World",
    level: 2,
    dom: null,
    str1: "One",
    str2: "Two",
    str3: "Three",
    int1: 1,
    int2: 2,
    net: null,
  });
});

Deno.test("a raw stream packet carries its bytes with no length prefix and no padding", () => {
  const data = new TextEncoder().encode("The quick brown fox jumps over the lazy dog");
  const packet = encodePacket(
    { ...H, type: VIR_NET_STREAM, status: VIR_NET_CONTINUE },
    (w) => w.writeRaw(data),
  );
  assert.equal(packet.length, 71);
  assert.equal(
    toHex(packet),
    "00000047112233440000000100000666000000030000009900000002" + toHex(data),
  );
});

Deno.test("VirError carries libvirt's defaults: level 2, int1 = int2 = -1, template in str1", () => {
  const e = new VirError({ code: 42, domain: 12, str1: "Domain not found: %s", str2: "no domain" });
  assert.equal(e.message, "Domain not found: no domain");
  const w = new XdrWriter();
  writeVirError(w, e);
  assert.deepEqual(decode(remote_error, w.toBytes(), { exact: true }), {
    code: 42,
    domain: 12,
    message: "Domain not found: no domain",
    level: 2,
    dom: null,
    str1: "Domain not found: %s",
    str2: "no domain",
    str3: null,
    int1: -1,
    int2: -1,
    net: null,
  });
});

Deno.test("VirError.rpc() is code 39, domain 7, template %s", () => {
  const e = VirError.rpc("unknown procedure: 9999");
  assert.deepEqual([e.code, e.domain, e.str1, e.str2, e.message], [
    39,
    7,
    "%s",
    "unknown procedure: 9999",
    "unknown procedure: 9999",
  ]);
});

Deno.test("VirError.of() picks libvirt's template for the code, with or without a detail", () => {
  const a = VirError.of(5, 0, "bogus:///x");
  assert.deepEqual([a.message, a.str1, a.str2], [
    "no connection driver available for bogus:///x",
    "no connection driver available for %s",
    "bogus:///x",
  ]);
  const b = VirError.of(42, 12);
  assert.deepEqual([b.message, b.str1, b.str2], ["Domain not found", "Domain not found", null]);
  const c = VirError.of(29, 20, "read only access prevents virDomainDestroy");
  assert.equal(c.message, "operation forbidden: read only access prevents virDomainDestroy");
  assert.equal(c.str1, "operation forbidden: %s");
});
