// Devices hotplugged into a running guest outlive the daemon: after kill -9
// and a restart on the same directories the adopted domain's live XML still
// has them (aliases and addresses as plugged), QEMU still holds them, and
// they unplug (USB and virtio-serial ones need no guest to let go; the VM
// here runs no OS).

import assert from "node:assert/strict";
import { haveTools } from "../interop/_tools.ts";
import { killQemus, spawnDaemon, tinyVM, waitForSocket } from "./_qemu.ts";

const runnable = haveTools("QEMU driver hotplug", ["qemu-system-x86_64", "virsh", "ps"]);

async function virsh(uri: string, cmd: string): Promise<string> {
  const o = await new Deno.Command("bash", {
    args: ["-c", `virsh -c '${uri}' ${cmd}`],
    stdout: "piped",
    stderr: "piped",
    env: { LC_ALL: "C" },
  }).output();
  const dec = new TextDecoder();
  return (o.success ? "" : "FAILED ") + dec.decode(o.stdout) + dec.decode(o.stderr);
}

const peripherals = `qemu-monitor-command hot '{"execute":"qom-list","arguments":` +
  `{"path":"/machine/peripheral"}}' | grep -o '"name":"[^"]*"' | sort | tr '\\n' ' '`;

Deno.test({
  name: "hotplugged devices are kept across a daemon restart and unplug after it",
  ignore: !runnable,
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  // Short: a unix channel's socket path must fit in sun_path.
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "hr" });
  const conf = `${dir}/denovirt.conf`;
  await Deno.writeTextFile(
    conf,
    `unix_sock_dir = "${dir}/run"\nqemu_state_dir = "${dir}/s"\nqemu_config_dir = "${dir}/c"\n`,
  );
  const sock = `${dir}/run/libvirt-sock`;
  const uri = `qemu:///system?socket=${sock}`;
  const uuid = crypto.randomUUID();
  await Deno.writeTextFile(
    `${dir}/hot.xml`,
    tinyVM("hot", uuid, `${dir}/hot.serial`)
      .replace("</os>", "</os><features><acpi/></features>")
      .replace("<devices>", "<devices><controller type='virtio-serial' index='0'/>"),
  );
  const devices: Record<string, string> = {
    agent: "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>",
    tablet: "<input type='tablet' bus='usb'/>",
    rng: "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>",
  };
  for (const [f, x] of Object.entries(devices)) await Deno.writeTextFile(`${dir}/${f}.xml`, x);
  let daemon = spawnDaemon(conf);
  try {
    await waitForSocket(sock);
    assert.doesNotMatch(await virsh(uri, `define ${dir}/hot.xml`), /FAILED/);
    assert.doesNotMatch(await virsh(uri, "start hot"), /FAILED/);
    for (const f of Object.keys(devices)) {
      assert.equal(
        await virsh(uri, `attach-device hot ${dir}/${f}.xml --live`),
        "Device attached successfully\n\n",
      );
    }
    const before = await virsh(uri, "dumpxml hot");
    for (const alias of ["channel0", "input2", "rng0"]) assert.match(before, new RegExp(alias));

    daemon.kill("SIGKILL");
    await daemon.status;
    daemon = spawnDaemon(conf);
    await waitForSocket(sock);

    assert.equal(await virsh(uri, "dumpxml hot"), before);
    assert.match(await virsh(uri, peripherals), /"channel0".*"input2".*"rng0"/);
    // The channel's path was the agent's: it answers as a configured, silent agent.
    assert.match(await virsh(uri, "domtime hot"), /QEMU guest agent is not connected/);
    for (const f of ["agent", "tablet"]) {
      const chan = f === "agent"
        ? (/<channel type='unix'>[\s\S]*?<\/channel>/.exec(before)?.[0] ?? "")
        : devices[f]!;
      await Deno.writeTextFile(`${dir}/${f}-live.xml`, chan);
      assert.equal(
        await virsh(uri, `detach-device hot ${dir}/${f}-live.xml --live`),
        "Device detached successfully\n\n",
      );
    }
    const after = await virsh(uri, "dumpxml hot");
    assert.doesNotMatch(after, /channel0|input2/);
    assert.match(after, /rng0/);
    assert.doesNotMatch(await virsh(uri, peripherals), /"channel0"|"input2"/);
    // The inactive definition never had them.
    assert.doesNotMatch(await virsh(uri, "dumpxml hot --inactive"), /<channel|tablet|<rng/);
  } finally {
    await virsh(uri, "destroy hot; virsh -c '" + uri + "' undefine hot");
    daemon.kill("SIGKILL");
    await daemon.status;
    killQemus(uuid);
    await Deno.remove(dir, { recursive: true });
  }
});
