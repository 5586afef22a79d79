// What migration's phases tell each other, without a daemon: the daemon a
// --p2p destination URI reaches, and the cookie's <nbd> element both ways.

import assert from "node:assert/strict";
import { peerSocket } from "../../src/drivers/qemu/migration_p2p.ts";
import { destinationNbdXml, readNbd } from "../../src/drivers/qemu/migration_nbd.ts";
import { VirError } from "../../src/rpc/error.ts";

Deno.test("peerSocket() reaches a +unix URI's socket and opens the driver's URI there", () => {
  assert.deepEqual(peerSocket("qemu+unix://vm/system?socket=/run/x/libvirt-sock"), {
    socket: "/run/x/libvirt-sock",
    name: "qemu:///system",
  });
  assert.deepEqual(peerSocket("qemu:///system"), {
    socket: "/var/run/libvirt/libvirt-sock",
    name: "qemu:///system",
  });
});

Deno.test("peerSocket() refuses transports it cannot reach as unsupported configuration", () => {
  for (
    const uri of ["qemu+tcp://host/system", "qemu+ssh://root@host/system", "qemu://host/system"]
  ) {
    assert.throws(() => peerSocket(uri), (e: unknown) => e instanceof VirError && e.code === 67);
  }
});

Deno.test("readNbd() reads the source's disks and the destination's port", () => {
  const source = new TextEncoder().encode(
    "<qemu-migration>\n  <nbd>\n    <disk target='vda' capacity='67108864' format='qcow2'/>\n" +
      "    <disk target='vdb' capacity='1048576' format='raw'/>\n  </nbd>\n</qemu-migration>\n\0",
  );
  assert.deepEqual(readNbd(source), {
    port: null,
    disks: [
      { target: "vda", capacity: 67108864, format: "qcow2" },
      { target: "vdb", capacity: 1048576, format: "raw" },
    ],
  });
  const dest = new TextEncoder().encode(
    `<qemu-migration>\n${destinationNbdXml(49153)}</qemu-migration>\0`,
  );
  assert.deepEqual(readNbd(dest), { port: 49153, disks: [] });
  assert.equal(readNbd(new TextEncoder().encode("<qemu-migration/>\0")), null);
});
