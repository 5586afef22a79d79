// The packet framer: input split at every byte boundary, several packets
// per read, and the length-word limits libvirtd enforces.

import assert from "node:assert/strict";
import {
  encodePacket,
  FramingError,
  PacketFramer,
  VIR_NET_MESSAGE_MAX,
  VIR_NET_STREAM,
} from "../../src/rpc/mod.ts";
import { hex, toHex } from "../_hex.ts";

function packets(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < 4; i++) {
    out.push(encodePacket(
      { prog: 0x20008086, vers: 1, proc: i + 1, type: VIR_NET_STREAM, serial: i, status: 2 },
      (w) => w.writeRaw(new Uint8Array(i * 3).fill(i)),
    ));
  }
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

Deno.test("PacketFramer returns several packets from one read", () => {
  const ps = packets();
  const got = new PacketFramer().pushAll(concat(ps));
  assert.deepEqual(got.map(toHex), ps.map(toHex));
});

Deno.test("PacketFramer accepts input split at every byte boundary", () => {
  const ps = packets();
  const stream = concat(ps);
  for (let cut = 0; cut <= stream.length; cut++) {
    const f = new PacketFramer();
    const got = [...f.pushAll(stream.subarray(0, cut)), ...f.pushAll(stream.subarray(cut))];
    assert.deepEqual(got.map(toHex), ps.map(toHex), `cut at ${cut}`);
    assert.equal(f.pending, 0);
  }
});

Deno.test("PacketFramer accepts input one byte at a time", () => {
  const ps = packets();
  const f = new PacketFramer();
  const got: Uint8Array[] = [];
  for (const b of concat(ps)) got.push(...f.pushAll(Uint8Array.of(b)));
  assert.deepEqual(got.map(toHex), ps.map(toHex));
});

Deno.test("PacketFramer lets a reader fill a packet's body in place, cut anywhere", () => {
  const ps = packets();
  const stream = concat(ps);
  for (let cut = 0; cut <= stream.length; cut++) {
    const f = new PacketFramer();
    const got: Uint8Array[] = [];
    let at = 0;
    // Bytes up to `cut` through push; then whatever the framer has room for goes in place.
    got.push(...f.pushAll(stream.subarray(0, cut)));
    at = cut;
    while (at < stream.length) {
      const w = f.window();
      if (w && w.length > 0) {
        const n = Math.min(w.length, stream.length - at, 5);
        w.set(stream.subarray(at, at + n));
        f.commit(n, (p) => got.push(p));
        at += n;
      } else {
        got.push(...f.pushAll(stream.subarray(at, at + 1)));
        at++;
      }
    }
    assert.deepEqual(got.map(toHex), ps.map(toHex), `cut at ${cut}`);
  }
  assert.throws(() => new PacketFramer().commit(1, () => {}), RangeError);
});

Deno.test("PacketFramer reads packets into the buffers its allocator gives", () => {
  const ps = packets();
  const given: Uint8Array[] = [];
  const f = new PacketFramer((n) => {
    const b = new Uint8Array(n);
    given.push(b);
    return b;
  });
  const got = f.pushAll(concat(ps));
  assert.equal(got.length, ps.length);
  got.forEach((p, i) => assert.equal(p, given[i]));
});

Deno.test("PacketFramer reports a length word below 28 as FramingError", () => {
  for (const len of [0, 4, 27]) {
    const f = new PacketFramer();
    const word = hex(len.toString(16).padStart(8, "0"));
    assert.throws(() => f.pushAll(word), (e: unknown) => {
      assert.ok(e instanceof FramingError);
      assert.equal(e.length, len);
      assert.equal(e.code, "ERR_VIR_NET_FRAMING");
      return true;
    });
  }
});

Deno.test("PacketFramer accepts a length word of exactly 4 + VIR_NET_MESSAGE_MAX", () => {
  const f = new PacketFramer();
  const len = 4 + VIR_NET_MESSAGE_MAX;
  f.pushAll(hex(len.toString(16).padStart(8, "0")));
  assert.equal(f.pending, 4);
});

Deno.test("PacketFramer reports a length word of 4 + VIR_NET_MESSAGE_MAX + 1 as FramingError", () => {
  const f = new PacketFramer();
  const len = 4 + VIR_NET_MESSAGE_MAX + 1;
  assert.throws(() => f.pushAll(hex(len.toString(16).padStart(8, "0"))), FramingError);
});

Deno.test("PacketFramer delivers the packets before a bad length word, then fails for good", () => {
  const [p] = packets();
  const f = new PacketFramer();
  const got: Uint8Array[] = [];
  assert.throws(() => f.push(concat([p!, hex("00000003")]), (x) => got.push(x)), FramingError);
  assert.equal(got.length, 1);
  assert.throws(() => f.pushAll(p!), FramingError);
});

Deno.test("PacketFramer reports the stream offset of a bad length word split across reads", () => {
  const [p] = packets();
  const f = new PacketFramer();
  f.pushAll(concat([p!, hex("ff")]));
  assert.throws(() => f.pushAll(hex("ffffff")), (e: unknown) => {
    assert.ok(e instanceof FramingError);
    assert.equal(e.streamOffset, p!.length);
    assert.equal(e.length, 0xffffffff);
    return true;
  });
});
