// virStrToLong_*: numbers as libvirt reads them with C's strtol family.

import assert from "node:assert/strict";
import {
  strToInt,
  strToLongLong,
  strToUInt,
  strToUIntP,
  strToULongLong,
  strToULongLongP,
} from "../../src/util/strtol.ts";

Deno.test("the readers take C white space, a sign and base prefixes, and nothing after", () => {
  assert.equal(strToInt(" \t\n-12"), -12);
  assert.equal(strToInt("+7"), 7);
  assert.equal(strToInt("0x1F", 16), 31);
  assert.equal(strToInt("0x1F", 0), 31);
  assert.equal(strToInt("017", 0), 15);
  assert.equal(strToInt("017"), 17);
  for (const s of ["", " ", "-", "12 ", "1x", "0x", "0xg", "x1", "1.0"]) {
    assert.equal(strToInt(s, 0), null, JSON.stringify(s));
  }
});

Deno.test("signed readers refuse what does not fit", () => {
  assert.equal(strToInt("2147483647"), 2147483647);
  assert.equal(strToInt("-2147483648"), -2147483648);
  assert.equal(strToInt("2147483648"), null);
  assert.equal(strToInt("-2147483649"), null);
  assert.equal(strToLongLong("9223372036854775807"), 9223372036854775807n);
  assert.equal(strToLongLong("-9223372036854775808"), -9223372036854775808n);
  assert.equal(strToLongLong("9223372036854775808"), null);
});

Deno.test("unsigned readers wrap a minus sign as C does, the P readers refuse it", () => {
  assert.equal(strToUInt("4294967295"), 4294967295);
  assert.equal(strToUInt("4294967296"), null);
  assert.equal(strToUInt("-1"), 4294967295);
  assert.equal(strToUInt("-4294967295"), 1);
  assert.equal(strToUInt("-4294967296"), null);
  assert.equal(strToUInt("-0"), 0);
  assert.equal(strToUIntP("-1"), null);
  assert.equal(strToUIntP("-0"), null);
  assert.equal(strToUIntP("18446744069414584325"), null);
  assert.equal(strToUIntP("4294967295"), 4294967295);
  assert.equal(strToULongLong("-1"), 18446744073709551615n);
  assert.equal(strToULongLong("18446744073709551616"), null);
  assert.equal(strToULongLongP("18446744073709551615"), 18446744073709551615n);
  assert.equal(strToULongLongP("-1"), null);
});
