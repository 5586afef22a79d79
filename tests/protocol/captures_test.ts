// Every packet captured from the reference libvirtd decodes with the schema
// and encodes back to the same bytes.

import assert from "node:assert/strict";
import { captureFiles, readCapture, roundTrip } from "../_captures.ts";
import { toHex } from "../_hex.ts";
import { PAYLOAD_OFFSET } from "../../src/rpc/mod.ts";
import { PacketFramer } from "../../src/rpc/mod.ts";

for (const file of captureFiles()) {
  Deno.test(`every packet of ${file} round-trips byte-identically through the schema`, () => {
    const packets = readCapture(file);
    assert.ok(packets.length > 0);
    for (const p of packets) {
      const { header, again } = roundTrip(p.bytes);
      assert.equal(
        toHex(again),
        toHex(p.bytes.subarray(PAYLOAD_OFFSET)),
        `${file} ${p.dir} proc ${header.proc} serial ${header.serial}`,
      );
    }
  });

  Deno.test(`the framer splits each direction of ${file} into its captured packets`, () => {
    const packets = readCapture(file);
    for (const dir of ["C>S", "S>C"] as const) {
      const mine = packets.filter((p) => p.dir === dir).map((p) => p.bytes);
      const stream = new Uint8Array(mine.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of mine) {
        stream.set(p, at);
        at += p.length;
      }
      // Feed in 7-byte slices so packet boundaries fall everywhere.
      const f = new PacketFramer();
      const got: Uint8Array[] = [];
      for (let i = 0; i < stream.length; i += 7) got.push(...f.pushAll(stream.subarray(i, i + 7)));
      assert.deepEqual(got.map(toHex), mine.map(toHex));
    }
  });
}
