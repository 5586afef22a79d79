// UUIDs between libvirt's text forms and the wire's 16 bytes, and generated ones.

import assert from "node:assert/strict";
import { generateUUID, parseUUID, uuidFromString, uuidToString } from "../../src/util/uuid.ts";

const BYTES = Uint8Array.from([
  0x66,
  0x95,
  0xeb,
  0x01,
  0xf6,
  0xa4,
  0x83,
  0x04,
  0x79,
  0xaa,
  0x97,
  0xf2,
  0x50,
  0x2e,
  0x19,
  0x3f,
]);
const TEXT = "6695eb01-f6a4-8304-79aa-97f2502e193f";

Deno.test("uuidToString() writes libvirt's lowercase 8-4-4-4-12 form", () => {
  assert.equal(uuidToString(BYTES), TEXT);
  assert.equal(uuidToString(new Uint8Array(16)), "00000000-0000-0000-0000-000000000000");
  assert.equal(uuidToString(new Uint8Array(16).fill(255)), "ffffffff-ffff-ffff-ffff-ffffffffffff");
});

Deno.test("uuidFromString() reads every form virUUIDParse accepts, and nothing else", () => {
  for (
    const s of [
      TEXT,
      TEXT.toUpperCase(),
      "6695eb01f6a4830479aa97f2502e193f",
      "  66 95 eb 01 f6 a4 83 04 79 aa 97 f2 50 2e 19 3f  ",
      "6695-eb01-f6a4-8304-79aa-97f2-502e-193f",
    ]
  ) {
    assert.deepEqual(uuidFromString(s), BYTES, s);
    assert.equal(parseUUID(s), TEXT, s);
  }
  for (
    const s of [
      "",
      "6695eb01-f6a4-8304-79aa-97f2502e193",
      "6695eb01-f6a4-8304-79aa-97f2502e193g",
      "6695eb01_f6a4-8304-79aa-97f2502e193f",
      "6695eb01-f6a4-8304-79aa-97f2502e193f0",
      "x6695eb01-f6a4-8304-79aa-97f2502e193f",
    ]
  ) {
    assert.equal(uuidFromString(s), null, s);
  }
});

Deno.test("generateUUID() makes a version 4, RFC 4122 variant UUID, a new one each time", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 64; i++) {
    const u = generateUUID();
    assert.match(u, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(parseUUID(u), u);
    seen.add(u);
  }
  assert.equal(seen.size, 64);
});
