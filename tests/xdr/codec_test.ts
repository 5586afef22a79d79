// RFC 4506 conformance of the XDR codec: one table of success rows (value
// and exact bytes) and one of failure rows, for every type.

import assert from "node:assert/strict";
import {
  array,
  bool,
  char,
  type Codec,
  decode,
  double,
  encode,
  enumeration,
  fixedArray,
  fixedOpaque,
  float,
  hyper,
  int,
  opaque,
  optional,
  short,
  string,
  struct,
  uchar,
  uhyper,
  uint,
  union,
  ushort,
  XdrError,
  XdrReader,
  xdrVoid,
  XdrWriter,
} from "../../src/xdr/mod.ts";
import { hex, toHex } from "../_hex.ts";

const color = enumeration("color", [0, 1, 2] as const);
const point = struct("point", { x: int, y: int });
const shape = union("shape", int, { 0: xdrVoid, 1: int, 2: string(8) });
const shapeWithDefault = union("shape2", uint, { 1: int }, opaque(4));
const list = struct("list", { v: int, next: optional(point) });

interface Row<T> {
  name: string;
  codec: Codec<T>;
  value: T;
  bytes: string;
}

// deno-lint-ignore no-explicit-any
const rows: Row<any>[] = [
  { name: "int 0", codec: int, value: 0, bytes: "00000000" },
  { name: "int -1", codec: int, value: -1, bytes: "ffffffff" },
  { name: "int max", codec: int, value: 2147483647, bytes: "7fffffff" },
  { name: "int min", codec: int, value: -2147483648, bytes: "80000000" },
  { name: "unsigned int max", codec: uint, value: 4294967295, bytes: "ffffffff" },
  { name: "enum", codec: color, value: 2, bytes: "00000002" },
  { name: "bool true", codec: bool, value: true, bytes: "00000001" },
  { name: "bool false", codec: bool, value: false, bytes: "00000000" },
  { name: "hyper -2", codec: hyper, value: -2n, bytes: "ffffffff fffffffe" },
  { name: "hyper max", codec: hyper, value: (1n << 63n) - 1n, bytes: "7fffffff ffffffff" },
  {
    name: "unsigned hyper max",
    codec: uhyper,
    value: (1n << 64n) - 1n,
    bytes: "ffffffff ffffffff",
  },
  {
    name: "unsigned hyper 2^53+1",
    codec: uhyper,
    value: 9007199254740993n,
    bytes: "00200000 00000001",
  },
  { name: "float 1.5", codec: float, value: 1.5, bytes: "3fc00000" },
  { name: "float -0", codec: float, value: -0, bytes: "80000000" },
  { name: "double 1.5", codec: double, value: 1.5, bytes: "3ff80000 00000000" },
  { name: "double infinity", codec: double, value: Infinity, bytes: "7ff00000 00000000" },
  { name: "fixed opaque 3", codec: fixedOpaque(3), value: hex("010203"), bytes: "01020300" },
  { name: "fixed opaque 4", codec: fixedOpaque(4), value: hex("01020304"), bytes: "01020304" },
  { name: "fixed opaque 0", codec: fixedOpaque(0), value: new Uint8Array(), bytes: "" },
  {
    name: "opaque 5",
    codec: opaque(8),
    value: hex("0102030405"),
    bytes: "00000005 01020304 05000000",
  },
  { name: "opaque empty", codec: opaque(8), value: new Uint8Array(), bytes: "00000000" },
  {
    name: "string",
    codec: string(16),
    value: "sillyprog",
    bytes: "00000009 73696c6c 7970726f 67000000",
  },
  { name: "string at max", codec: string(4), value: "abcd", bytes: "00000004 61626364" },
  { name: "string utf-8", codec: string(8), value: "é", bytes: "00000002 c3a90000" },
  { name: "string empty", codec: string(8), value: "", bytes: "00000000" },
  // Short strings are tried as ASCII first; a non-ASCII byte anywhere sends them to the decoder.
  { name: "string short, utf-8 last", codec: string(8), value: "abé", bytes: "00000004 6162c3a9" },
  {
    name: "string of 65 bytes (past the ASCII fast path)",
    codec: string(80),
    value: "x".repeat(65),
    bytes: "00000041 " + "78".repeat(65) + "000000",
  },
  { name: "fixed array", codec: fixedArray(int, 2), value: [1, -1], bytes: "00000001 ffffffff" },
  {
    name: "variable array",
    codec: array(uint, 3),
    value: [7, 8],
    bytes: "00000002 00000007 00000008",
  },
  {
    name: "array of strings",
    codec: array(string(4), 2),
    value: ["a", "bc"],
    bytes: "00000002 00000001 61000000 00000002 62630000",
  },
  { name: "optional absent", codec: optional(int), value: null, bytes: "00000000" },
  { name: "optional present", codec: optional(int), value: 5, bytes: "00000001 00000005" },
  {
    name: "linked list",
    codec: list,
    value: { v: 1, next: { x: 2, y: 3 } },
    bytes: "00000001 00000001 00000002 00000003",
  },
  { name: "struct", codec: point, value: { x: 1, y: -2 }, bytes: "00000001 fffffffe" },
  { name: "union void arm", codec: shape, value: { tag: 0, value: undefined }, bytes: "00000000" },
  { name: "union int arm", codec: shape, value: { tag: 1, value: 9 }, bytes: "00000001 00000009" },
  {
    name: "union string arm",
    codec: shape,
    value: { tag: 2, value: "hi" },
    bytes: "00000002 00000002 68690000",
  },
  {
    name: "union default arm",
    codec: shapeWithDefault,
    value: { tag: 7, value: hex("aa") },
    bytes: "00000007 00000001 aa000000",
  },
  { name: "void", codec: xdrVoid, value: undefined, bytes: "" },
  { name: "char widened", codec: char, value: -1, bytes: "ffffffff" },
  { name: "unsigned char widened", codec: uchar, value: 255, bytes: "000000ff" },
  { name: "short widened", codec: short, value: -300, bytes: "fffffed4" },
  { name: "unsigned short widened", codec: ushort, value: 65535, bytes: "0000ffff" },
  {
    name: "char[4] as ints",
    codec: fixedArray(char, 4),
    value: [105, 54, 56, 54],
    bytes: "00000069 00000036 00000038 00000036",
  },
];

for (const row of rows) {
  Deno.test(`encode() writes ${row.name} as RFC 4506 bytes`, () => {
    assert.equal(toHex(encode(row.codec, row.value)), toHex(hex(row.bytes)));
  });
  Deno.test(`decode() reads ${row.name} back`, () => {
    assert.deepEqual(decode(row.codec, hex(row.bytes), { exact: true }), row.value);
  });
  if (row.bytes.replace(/\s/g, "").length > 0) {
    Deno.test(`decode() of ${row.name} truncated at every offset throws XdrError`, () => {
      const full = hex(row.bytes);
      for (let cut = 0; cut < full.length; cut++) {
        assert.throws(() => decode(row.codec, full.subarray(0, cut)), XdrError, `cut at ${cut}`);
      }
    });
  }
}

interface FailRow {
  name: string;
  // deno-lint-ignore no-explicit-any
  codec: Codec<any>;
  bytes: string;
  offset: number;
  reason: RegExp;
}

const failures: FailRow[] = [
  { name: "bool 2", codec: bool, bytes: "00000002", offset: 0, reason: /bool has value 2/ },
  { name: "bool -1", codec: bool, bytes: "ffffffff", offset: 0, reason: /bool/ },
  {
    name: "enum value not declared",
    codec: color,
    bytes: "00000003",
    offset: 0,
    reason: /not a value of enum color/,
  },
  {
    name: "union discriminant without arm",
    codec: shape,
    bytes: "00000003 00000000",
    offset: 0,
    reason: /not a case of union shape/,
  },
  {
    name: "string longer than max",
    codec: string(4),
    bytes: "00000005 61626364 65000000",
    offset: 0,
    reason: /exceeds maximum 4/,
  },
  {
    name: "string length beyond buffer",
    codec: string(2 ** 32),
    bytes: "7fffffff 61",
    offset: 0,
    reason: /exceeds the 1 bytes left/,
  },
  {
    name: "string not UTF-8",
    codec: string(8),
    bytes: "00000001 ff000000",
    offset: 4,
    reason: /UTF-8/,
  },
  {
    name: "string ASCII then a broken sequence",
    codec: string(8),
    bytes: "00000003 6162c300",
    offset: 4,
    reason: /UTF-8/,
  },
  {
    name: "opaque longer than max",
    codec: opaque(2),
    bytes: "00000003 01020300",
    offset: 0,
    reason: /exceeds maximum 2/,
  },
  {
    name: "array longer than max",
    codec: array(int, 1),
    bytes: "00000002 00000001 00000002",
    offset: 0,
    reason: /array length 2 exceeds maximum 1/,
  },
  {
    name: "array length beyond buffer",
    codec: array(int, 1 << 30),
    bytes: "10000000",
    offset: 0,
    reason: /bytes left/,
  },
  {
    name: "fixed array beyond buffer",
    codec: fixedArray(int, 3),
    bytes: "00000001",
    offset: 0,
    reason: /needs more than/,
  },
  {
    name: "char out of range",
    codec: char,
    bytes: "00000080",
    offset: 0,
    reason: /char value 128/,
  },
  {
    name: "unsigned short out of range",
    codec: ushort,
    bytes: "00010000",
    offset: 0,
    reason: /unsigned short value 65536/,
  },
  {
    name: "struct field truncated",
    codec: point,
    bytes: "00000001 0000",
    offset: 4,
    reason: /int needs 4 bytes but 2 remain/,
  },
  {
    name: "hyper truncated",
    codec: hyper,
    bytes: "00000000 000000",
    offset: 0,
    reason: /hyper needs 8 bytes/,
  },
];

for (const f of failures) {
  Deno.test(`decode() rejects ${f.name} with XdrError at offset ${f.offset}`, () => {
    assert.throws(
      () => decode(f.codec, hex(f.bytes)),
      (e: unknown) => {
        assert.ok(e instanceof XdrError, `got ${e}`);
        assert.equal(e.offset, f.offset);
        assert.match(e.reason, f.reason);
        return true;
      },
    );
  });
}

Deno.test("decode() with exact rejects trailing bytes, without it ignores them", () => {
  assert.throws(() => decode(int, hex("00000001 00000002"), { exact: true }), XdrError);
  assert.equal(decode(int, hex("00000001 00000002")), 1);
});

Deno.test("optional() treats any non-zero discriminant as present (go-libvirt sends 01000000)", () => {
  assert.equal(decode(optional(int), hex("01000000 00000007")), 7);
  assert.equal(decode(optional(int), hex("ffffffff 00000007")), 7);
});

Deno.test("decode() accepts non-zero padding as glibc's xdr does", () => {
  assert.equal(decode(string(8), hex("00000001 61ffffff")), "a");
});

interface EncodeFail {
  name: string;
  // deno-lint-ignore no-explicit-any
  codec: Codec<any>;
  value: unknown;
}

const encodeFailures: EncodeFail[] = [
  { name: "int above range", codec: int, value: 2 ** 31 },
  { name: "int fraction", codec: int, value: 1.5 },
  { name: "unsigned int negative", codec: uint, value: -1 },
  { name: "hyper above range", codec: hyper, value: 1n << 63n },
  { name: "unsigned hyper negative", codec: uhyper, value: -1n },
  { name: "string over max", codec: string(2), value: "abc" },
  { name: "string multibyte over max", codec: string(2), value: "éa" },
  { name: "opaque over max", codec: opaque(1), value: hex("0102") },
  { name: "fixed opaque wrong size", codec: fixedOpaque(2), value: hex("01") },
  { name: "array over max", codec: array(int, 1), value: [1, 2] },
  { name: "fixed array wrong size", codec: fixedArray(int, 2), value: [1] },
  { name: "enum undeclared", codec: color, value: 9 },
  { name: "union without arm", codec: shape, value: { tag: 5, value: 1 } },
  { name: "uchar out of range", codec: uchar, value: 256 },
];

for (const f of encodeFailures) {
  Deno.test(`encode() rejects ${f.name} with XdrError`, () => {
    assert.throws(() => encode(f.codec, f.value), XdrError);
  });
}

Deno.test("XdrWriter grows its buffer geometrically", () => {
  const w = new XdrWriter(16);
  const capacities = new Set<number>();
  for (let i = 0; i < 10_000; i++) {
    w.writeInt(i);
    capacities.add(w.capacity);
  }
  // 40,000 bytes from 16: 16·2^12 = 65,536 → 13 distinct capacities, not 10,000.
  assert.equal(capacities.size, 13);
  assert.equal(w.length, 40_000);
});

Deno.test("XdrReader refuses a range outside its buffer", () => {
  assert.throws(() => new XdrReader(new Uint8Array(4), 2, 8), RangeError);
});

Deno.test("XdrError message names the offset and the reason", () => {
  const e = new XdrError(12, "string length 9 exceeds maximum 8");
  assert.equal(
    e.message,
    "Cannot process XDR data at offset 12: string length 9 exceeds maximum 8",
  );
  assert.equal(e.name, "XdrError");
});

Deno.test("string() keeps a real U+FFFD and a BOM, and refuses malformed UTF-8, short or long", () => {
  const codec = string(1 << 20);
  const wire = (bytes: number[]) => {
    const w = new XdrWriter();
    w.writeUint(bytes.length);
    w.writeRaw(new Uint8Array(bytes));
    w.writeRaw(new Uint8Array((4 - (bytes.length & 3)) & 3));
    return w.toBytes();
  };
  const long = Array(100_000).fill(0x61);
  assert.equal(decode(codec, wire([0x61, 0xef, 0xbf, 0xbd, ...long])), "a\uFFFD" + "a".repeat(1e5));
  assert.equal(decode(codec, wire([0xef, 0xbb, 0xbf, ...long])), "\uFEFF" + "a".repeat(1e5));
  for (const bad of [[0x61, 0xff, ...long], [...long, 0xc3], [0xc3, 0x28, ...long]]) {
    assert.throws(() => decode(codec, wire(bad)), /string is not valid UTF-8/);
  }
});
