// MAC addresses as libvirt 9.0 parses, formats, compares and generates them.

import assert from "node:assert/strict";
import {
  formatMac,
  generateMAC,
  macCompare,
  macIsMulticast,
  parseMac,
} from "../../src/util/mac.ts";

Deno.test("parseMac() takes what virMacAddrParse takes", () => {
  // What libvirt 9.0 made of each <mac address='…'/> on test:///default.
  for (
    const [s, want] of [
      ["52:54:00:aa:bb:cc", "52:54:00:aa:bb:cc"],
      ["52:54:00:AA:BB:CC", "52:54:00:aa:bb:cc"],
      ["52:54:0:a:b:c", "52:54:00:0a:0b:0c"],
      ["52:54:00:aa:bb:c", "52:54:00:aa:bb:0c"],
      ["52:54:00:aa:bb:cc ", "52:54:00:aa:bb:cc"],
      ["52:54:00:aa:bb:cc\tq", "52:54:00:aa:bb:cc"],
    ]
  ) {
    const b = parseMac(s!);
    assert.ok(b, s);
    assert.equal(formatMac(b), want, s);
  }
});

Deno.test("parseMac() refuses what virMacAddrParse refuses", () => {
  for (
    const s of [
      "",
      "52-54-00-aa-bb-cc",
      " 52:54:00:aa:bb:cc",
      "52:54:00:aa:bb:cc:dd",
      "52:54:00:aa:bb:ccx",
      "52:54:00:aa:bb:+c",
      "52:54:00:aa:bb:0c0",
      "52:54:00:aa:bb",
    ]
  ) {
    assert.equal(parseMac(s), null, s);
  }
});

Deno.test("macIsMulticast() reads the first byte's low bit", () => {
  assert.equal(macIsMulticast(parseMac("01:00:5e:00:00:01")!), true);
  assert.equal(macIsMulticast(parseMac("52:54:00:00:00:01")!), false);
});

Deno.test("macCompare() ignores case and leading zeros", () => {
  assert.equal(macCompare("52:54:00:0A:0b:0c", "52:54:0:a:b:c"), 0);
  assert.ok(macCompare("52:54:00:aa:bb:cc", "52:54:00:aa:bb:cd") < 0);
  assert.ok(macCompare("52:54:00:aa:bb:cd", "52:54:00:aa:bb:cc") > 0);
});

Deno.test("generateMAC() gives a unicast address in QEMU's 52:54:00 range", () => {
  for (let i = 0; i < 32; i++) {
    const m = generateMAC();
    assert.match(m, /^52:54:00(:[0-9a-f]{2}){3}$/);
    assert.equal(formatMac(parseMac(m)!), m);
  }
});
