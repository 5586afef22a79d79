// Codec speed: decode + re-encode of every packet captured from the
// reference libvirtd, one bench per packet kind.

import { captureFiles, readCapture, roundTrip } from "../tests/_captures.ts";
import { decodeHeader, PacketFramer } from "../src/rpc/mod.ts";
import { PROGRAMS } from "../src/protocol/mod.ts";

const seen = new Set<string>();
const all: Uint8Array[] = [];
for (const file of captureFiles()) {
  for (const p of readCapture(file)) {
    all.push(p.bytes);
    const h = decodeHeader(p.bytes);
    const name = PROGRAMS.get(h.prog)?.info.get(h.proc)?.name ?? `${h.prog}/${h.proc}`;
    const kind = `${name} ${p.dir === "C>S" ? "call" : h.status === 1 ? "error" : "reply"}`;
    if (seen.has(kind)) continue;
    seen.add(kind);
    Deno.bench(`decode+encode ${kind} (${p.bytes.length} B)`, { group: "packet" }, () => {
      roundTrip(p.bytes);
    });
  }
}

Deno.bench(`decode+encode all ${all.length} captured packets`, { group: "all" }, () => {
  for (const b of all) roundTrip(b);
});

const stream = new Uint8Array(all.reduce((n, p) => n + p.length, 0));
{
  let at = 0;
  for (const p of all) {
    stream.set(p, at);
    at += p.length;
  }
}
Deno.bench(
  `frame ${all.length} packets from one ${stream.length}-byte read`,
  { group: "all" },
  () => {
    new PacketFramer().push(stream, () => {});
  },
);
