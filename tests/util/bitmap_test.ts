// Bitmaps as libvirt 9.0's virBitmapParse and virBitmapFormat read and write them.

import assert from "node:assert/strict";
import {
  bitmapFromBytes,
  bitmapToBytes,
  formatBitmap,
  parseBitmap,
} from "../../src/util/bitmap.ts";

const SIZE = 16384;

Deno.test("parseBitmap() reads what libvirt reads, in order", () => {
  // What libvirt 9.0 made of each <vcpu cpuset='…'> on test:///default.
  for (
    const [s, want] of [
      ["0-3,^2", "0-1,3"],
      ["^2,0-3", "0-3"],
      ["0-3,^2,2", "0-3"],
      ["0,", "0"],
      ["4096", "4096"],
      ["16383", "16383"],
      ["0-+3", "0-3"],
      ["0 - 3", "0-3"],
      [" 1", "1"],
      ["1 ", "1"],
      ["0-3,^9", "0-3"],
      ["^1", ""],
    ]
  ) {
    const bits = parseBitmap(s!, SIZE);
    assert.ok(bits, s);
    assert.equal(formatBitmap(bits), want, s);
  }
});

Deno.test("parseBitmap() refuses what libvirt refuses", () => {
  for (
    const s of [
      "",
      " ",
      "16384",
      "0-16384",
      "0-3,^20000",
      "1,,2",
      "3-1",
      "a",
      ",1",
      "1-3-5",
      "^1-2",
      "1 2",
    ]
  ) {
    assert.equal(parseBitmap(s, SIZE), null, s);
  }
});

Deno.test("formatBitmap() writes runs as ranges, whatever the order given", () => {
  assert.equal(formatBitmap([]), "");
  assert.equal(formatBitmap([5, 0, 1, 3, 1]), "0-1,3,5");
  assert.equal(formatBitmap([7, 8, 9, 10]), "7-10");
});

Deno.test("bitmapFromBytes() and bitmapToBytes() use a bit a CPU, low bit first", () => {
  assert.deepEqual(bitmapFromBytes(Uint8Array.of(0b00001011, 0b1)), [0, 1, 3, 8]);
  const out = new Uint8Array(4);
  bitmapToBytes(out, 1, 2, [0, 1, 3, 8, 16]);
  assert.deepEqual([...out], [0, 0b00001011, 0b1, 0]);
});
