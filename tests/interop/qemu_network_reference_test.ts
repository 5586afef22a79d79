// The default virtual network on qemu:///system against libvirtd 9.0's
// network driver (tests/_reference_qemu.ts), live: both daemons run in a
// network namespace of their own, start `default`, and must answer the
// same to what a user types about it — lists, net-info, the live and
// inactive XML, leases, a live and persistent net-update, ports, destroy.
// What each daemon picks at random (UUIDs, the bridge's MAC) is masked.

import assert from "node:assert/strict";
import { startDenovirt } from "../_daemons.ts";
import { haveCondition, haveTools, shell as sh } from "./_tools.ts";
import { referenceQemuMissing, startReferenceQemu } from "../_reference_qemu.ts";

const missing = referenceQemuMissing();
const runnable = haveTools("the default network against libvirtd's", [
  "virsh",
  "unshare",
  "dnsmasq",
  "ip",
  "iptables",
]) && haveCondition("the default network against libvirtd's", missing === null, missing ?? "");

const mask = (s: string) =>
  s.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "UUID")
    .replace(/([0-9a-f]{2}:){5}[0-9a-f]{2}/g, "MAC");

const HOST = `"<host mac='52:54:00:00:00:07' name='h7' ip='192.168.122.7'/>"`;

const SESSION = [
  "net-destroy default",
  "net-list --all",
  "net-info default",
  "net-start default",
  "net-list",
  "net-info default",
  "net-dumpxml default",
  "net-dumpxml default --inactive",
  "net-dhcp-leases default",
  `net-update default add ip-dhcp-host ${HOST} --live --config`,
  "net-dumpxml default",
  "net-dumpxml default --inactive",
  `net-update default delete ip-dhcp-host ${HOST} --live --config`,
  "net-port-list default",
  "net-destroy default",
  "net-list --all",
];

Deno.test({
  name: "the default network, started live, answers as libvirtd's network driver",
  ignore: !runnable,
  sanitizeResources: false,
  sanitizeOps: false,
}, async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "denovirt-net-ref-" });
  const ref = await startReferenceQemu();
  const d = await startDenovirt(
    `qemu_config_dir = "${dir}/config"\nqemu_state_dir = "${dir}/state"\n`,
    { netns: true },
  );
  const uris = [ref.uri, `qemu:///system?socket=${d.socket}`];
  try {
    for (const cmd of SESSION) {
      await t.step(cmd, async () => {
        const [a, b] = await Promise.all(
          uris.map(async (u) => mask(await sh(`virsh -c '${u}' ${cmd}`))),
        );
        assert.equal(b, a);
        if (cmd === "net-start default") assert.doesNotMatch(a!, /FAILED/);
      });
    }
  } finally {
    // A running network's dnsmasq would outlive its daemon, and the
    // reference's definition lives in the host's /etc/libvirt.
    for (const u of uris) {
      await sh(`virsh -c '${u}' net-destroy default`);
      await sh(`virsh -c '${u}' net-update default delete ip-dhcp-host ${HOST} --config`);
    }
    await d.stop();
    await ref.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
