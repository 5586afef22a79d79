// Devices other than disks and NICs plugged into and out of a running guest
// (virsh attach-device / detach-device --live, as virt-xml --add-device and
// virt-manager's Add Hardware do it), against libvirtd 9.0's QEMU driver
// (tests/_reference_qemu.ts): the same tiny guest runs under both daemons,
// each step runs on both and must print the same — the answer or the
// refusal, the device in the live XML with its alias and address, the
// inactive XML left alone, the devices QEMU itself holds (qom-list of
// /machine/peripheral, so the ids libvirt gives them too), and the guest's
// kernel finding the PCI ones (its serial console log).

import { until } from "./_serve.ts";
import assert from "node:assert/strict";
import { haveCondition, haveTools, shell as sh } from "./_tools.ts";
import { referenceQemuMissing, startQemuPair } from "../_reference_qemu.ts";
import { buildGuest } from "../testdata/guest/build.ts";

const missing = referenceQemuMissing();
const runnable = haveTools("device hotplug against libvirtd's QEMU driver", [
  "virsh",
  "qemu-system-x86_64",
]) &&
  haveCondition("device hotplug against libvirtd's QEMU driver", missing === null, missing ?? "");

/** Device documents, by file name (OWN: a path of each daemon's own). */
const DEVICES: Record<string, string> = {
  agent: "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>",
  chsock: "<channel type='unix'><source mode='bind' path='OWN/ch.sock'/>" +
    "<target type='virtio' name='org.example.sock'/></channel>",
  chport: "<channel type='unix'><target type='virtio' name='org.example.port'/>" +
    "<address type='virtio-serial' controller='0' bus='0' port='7'/></channel>",
  chconf: "<channel type='unix'><target type='virtio' name='org.example.conf'/></channel>",
  vdagent: "<channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/></channel>",
  rng: "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>",
  rngrate: "<rng model='virtio'><rate bytes='1024' period='1000'/>" +
    "<backend model='random'>/dev/random</backend></rng>",
  rngbuiltin: "<rng model='virtio'><backend model='builtin'/></rng>",
  scsi: "<controller type='scsi' model='virtio-scsi'/>",
  scsi0: "<controller type='scsi' index='0'/>",
  scsi3: "<controller type='scsi' index='3'/>",
  scsi4: "<controller type='scsi' index='4'/>",
  lsi: "<controller type='scsi' index='2' model='lsilogic'/>",
  xhci: "<controller type='usb' index='1' model='qemu-xhci'/>",
  vserial: "<controller type='virtio-serial' index='1'/>",
  tablet: "<input type='tablet' bus='usb'/>",
  usbkbd: "<input type='keyboard' bus='usb'><address type='usb' bus='0' port='2'/></input>",
  vmouse: "<input type='mouse' bus='virtio'/>",
  ps2: "<input type='mouse' bus='ps2'/>",
  wd: "<watchdog model='i6300esb' action='poweroff'/>",
  ib700: "<watchdog model='ib700'/>",
  balloon: "<memballoon model='virtio'/>",
  sound: "<sound model='ich6'/>",
  video: "<video><model type='qxl'/></video>",
  redir: "<redirdev bus='usb' type='spicevmc'/>",
  redir5: "<redirdev bus='usb' type='spicevmc'><address type='usb' bus='0' port='5'/></redirdev>",
  // The watchdog as the live XML shows it (libvirt matches its address too).
  wdlive: "<watchdog model='i6300esb' action='poweroff'>" +
    "<address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/></watchdog>",
  serial: "<serial type='file'><source path='OWN/serial1.log'/><target port='1'/></serial>",
  console: "<console type='pty'><target type='serial' port='1'/></console>",
  vsock: "<vsock model='virtio'><cid auto='yes'/></vsock>",
};

/**
 * Waits (10 s at most) for the live XML to lose a device, then counts what
 * is left of it: a PCI unplug waits for the guest, which may take longer
 * than the 5 s a detach waits on a loaded host.
 */
const gone = (alias: string) =>
  `!for i in $(seq 50); do VIRSH dumpxml hp | grep -q "alias name='${alias}'" || break; ` +
  `sleep 0.2; done; VIRSH dumpxml hp | grep -c "alias name='${alias}'"`;
const live = (tag: string) => `dumpxml hp | sed -n '/<${tag}[ >]/,/<\\/${tag}>/p'`;
const peripherals = `qemu-monitor-command hp '{"execute":"qom-list","arguments":` +
  `{"path":"/machine/peripheral"}}' | grep -o '"name":"[^"]*"' | sort | tr '\\n' ' '`;

/** virsh subcommands (on domain hp) in order; each prints the same under both daemons. */
const SESSION: string[] = [
  "dumpxml hp | sed -n '/<controller/,/<\\/devices>/p'",
  // Channels on the domain's virtio-serial controller.
  "domtime hp",
  "attach-device hp DEV/agent.xml --live",
  "attach-device hp DEV/agent.xml --live",
  // Now configured, the agent is asked for and found not connected.
  "domtime hp",
  "attach-device hp DEV/chsock.xml --live",
  "attach-device hp DEV/chport.xml --live",
  "attach-device hp DEV/vdagent.xml --live",
  live("channel"),
  "dumpxml hp --inactive | grep -c '<channel'",
  peripherals,
  "detach-device hp DEV/agent.xml --live",
  "detach-device hp DEV/chsock.xml --live",
  "detach-device hp DEV/chsock.xml --live",
  "attach-device hp DEV/chconf.xml --live --config",
  live("channel"),
  "dumpxml hp --inactive | sed -n '/<channel/,/<\\/channel>/p'",
  "detach-device hp DEV/chconf.xml --config",
  "dumpxml hp --inactive | grep -c '<channel'",
  // RNGs.
  "attach-device hp DEV/rng.xml --live",
  "attach-device hp DEV/rngrate.xml --live",
  // The guest finds them on its PCI bus (virtio-rng, 1af4:1005).
  "?pci 0000:00:05.0: [1af4:1005]",
  "?pci 0000:00:06.0: [1af4:1005]",
  live("rng"),
  peripherals,
  "detach-device hp DEV/rng.xml --live",
  gone("rng0"),
  "detach-device hp DEV/rng.xml --live",
  live("rng"),
  "detach-device hp DEV/rngrate.xml --live",
  gone("rng1"),
  live("rng"),
  "attach-device hp DEV/rngbuiltin.xml --live",
  live("rng"),
  peripherals,
  "detach-device hp DEV/rngbuiltin.xml --live",
  gone("rng0"),
  live("rng"),
  // Controllers: SCSI only.
  "attach-device hp DEV/scsi.xml --live",
  "?pci 0000:00:05.0: [1af4:1004]",
  "attach-device hp DEV/scsi0.xml --live",
  "attach-device hp DEV/lsi.xml --live",
  "attach-device hp DEV/xhci.xml --live",
  "attach-device hp DEV/vserial.xml --live",
  "dumpxml hp | sed -n \"/<controller type='scsi'/,/<\\/controller>/p\"",
  "detach-device hp DEV/scsi.xml --live",
  "detach-device hp DEV/scsi3.xml --live",
  "detach-device hp DEV/xhci.xml --live",
  "detach-device hp DEV/scsi0.xml --live",
  gone("scsi0"),
  "dumpxml hp | sed -n \"/<controller type='scsi'/,/<\\/controller>/p\"",
  // No model: libvirt's default for the machine.
  "attach-device hp DEV/scsi4.xml --live",
  "dumpxml hp | sed -n \"/<controller type='scsi' index='4'/,/<\\/controller>/p\"",
  "detach-device hp DEV/scsi4.xml --live",
  // Inputs.
  "attach-device hp DEV/usbkbd.xml --live",
  "attach-device hp DEV/tablet.xml --live",
  "attach-device hp DEV/vmouse.xml --live",
  "?pci 0000:00:05.0: [1af4:1052]",
  "attach-device hp DEV/ps2.xml --live",
  live("input"),
  peripherals,
  "detach-device hp DEV/tablet.xml --live",
  "detach-device hp DEV/vmouse.xml --live",
  gone("input4"),
  "detach-device hp DEV/vmouse.xml --live",
  "detach-device hp DEV/ps2.xml --live",
  live("input"),
  // The watchdog.
  "attach-device hp DEV/ib700.xml --live",
  "attach-device hp DEV/wd.xml --live",
  "attach-device hp DEV/wd.xml --live",
  live("watchdog"),
  "detach-device hp DEV/wd.xml --live",
  "detach-device hp DEV/wdlive.xml --live",
  gone("watchdog0"),
  live("watchdog"),
  // detach-device-alias: the same refusals; an accepted one returns at once.
  "attach-device hp DEV/rng.xml --live",
  "detach-device-alias hp nope",
  "detach-device-alias hp input0",
  "detach-device-alias hp video0",
  "detach-device-alias hp balloon0",
  "detach-device-alias hp usb",
  "detach-device-alias hp virtio-serial0",
  "detach-device-alias hp pci.0",
  "detach-device-alias hp serial0",
  "detach-device-alias hp channel0 --config",
  "detach-device-alias hp rng0",
  gone("rng0"),
  "detach-device-alias hp input2",
  gone("input2"),
  live("rng"),
  live("input"),
  // What libvirt does not plug live, or QEMU refuses.
  "attach-device hp DEV/balloon.xml --live",
  "detach-device hp DEV/balloon.xml --live",
  "attach-device hp DEV/sound.xml --live",
  "detach-device hp DEV/sound.xml --live",
  "attach-device hp DEV/video.xml --live",
  "detach-device hp DEV/video.xml --live",
  "attach-device hp DEV/redir.xml --live",
  "attach-device hp DEV/serial.xml --live",
  "attach-device hp DEV/console.xml --live",
  "attach-device hp DEV/vsock.xml --live",
  "detach-device hp DEV/vsock.xml --live",
  peripherals,
  "dumpxml hp --inactive | grep -c '<channel\\|<rng\\|<input\\|<watchdog\\|scsi'",
];

/** The same with SPICE graphics, and the device-added and -removed events clients get. */
const SPICE_SESSION: string[] = [
  "!(VIRSH event hp --event device-added --loop --timeout 8 >DEV/added.txt 2>&1 &);" +
  " (VIRSH event hp --event device-removed --loop --timeout 8 >DEV/removed.txt 2>&1 &); sleep 1",
  "attach-device hp DEV/vdagent.xml --live",
  "attach-device hp DEV/redir.xml --live",
  "attach-device hp DEV/redir.xml --live",
  "attach-device hp DEV/agent.xml --live",
  live("channel"),
  live("redirdev"),
  peripherals,
  "detach-device hp DEV/redir.xml --live",
  "detach-device hp DEV/redir5.xml --live",
  "detach-device hp DEV/vdagent.xml --live",
  "detach-device hp DEV/vdagent.xml --live",
  live("channel"),
  live("redirdev"),
  peripherals,
  "!sleep 8; cat DEV/added.txt DEV/removed.txt",
  // virt-xml, as a user types it: the running guest and its persistent definition both.
  "!virt-xml --connect 'URI' hp --add-device --rng /dev/urandom --update",
  "!virt-xml --connect 'URI' hp --add-device --input tablet,bus=virtio --update",
  "!virt-xml --connect 'URI' hp --add-device --channel spicevmc --update",
  live("rng"),
  live("input"),
  live("channel"),
  "dumpxml hp --inactive | grep -c \"<rng\\|type='tablet'\"",
  "!virt-xml --connect 'URI' hp --remove-device --rng all --update",
  "!virt-xml --connect 'URI' hp --remove-device --input bus=virtio --update",
  "!virt-xml --connect 'URI' hp --remove-device --channel spicevmc --update",
  live("rng"),
  live("input"),
  live("channel"),
  "dumpxml hp --inactive | grep -c \"<rng\\|type='tablet'\"",
];

/** On a q35 guest: a device takes the spare root port, and there is no second one. */
const Q35_SESSION: string[] = [
  "attach-device hp DEV/rng.xml --live",
  "attach-device hp DEV/rngrate.xml --live",
  "attach-device hp DEV/vmouse.xml --live",
  "attach-device hp DEV/tablet.xml --live",
  live("rng"),
  live("input"),
  "dumpxml hp | grep -c pcie-root-port",
  peripherals,
  "detach-device hp DEV/rng.xml --live",
  gone("rng0"),
  live("rng"),
  // Persistent-definition detaches that find nothing.
  "detach-device hp DEV/rng.xml --config",
  "detach-device hp DEV/tablet.xml --config",
  "detach-device hp DEV/wd.xml --config",
  "detach-device hp DEV/agent.xml --config",
  "detach-device hp DEV/scsi3.xml --config",
  "detach-device hp DEV/redir.xml --config",
];

/** Whether the guest's kernel logs `line` on its serial console within half a minute. */
async function guestSaw(log: () => Promise<string>, line: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if ((await log()).includes(line)) return "seen";
    await new Promise((r) => setTimeout(r, 200));
  }
  return `not seen: ${line}`;
}

/** Each daemon's guest named hp from `xml`, and `session` run on both with their outputs compared. */
async function compare(
  t: Deno.TestContext,
  devices: string,
  graphics: string,
  session: string[],
  machine = "pc",
): Promise<void> {
  const guest = await buildGuest();
  const dir = await Deno.makeTempDir({ prefix: "denovirt-hotplug-" });
  const xml = (uuid: string, serial: string) =>
    `<domain type='qemu'><name>hp</name><uuid>${uuid}</uuid><memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='${machine}'>hvm</type><kernel>${guest}/vmlinuz</kernel>
    <initrd>${guest}/initrd.gz</initrd><cmdline>console=ttyS0</cmdline></os>
  <features><acpi/><apic/></features>
  <devices>
    ${devices}
    <serial type='file'><source path='${serial}'/></serial>
    ${graphics}
  </devices></domain>`;
  const { ref, d, daemons } = await startQemuPair(dir);
  const serial = (name: string) => Deno.readTextFile(`${dir}/serial-${name}.log`).catch(() => "");
  try {
    for (const [name, uri] of daemons) {
      await Deno.mkdir(`${dir}/${name}`);
      for (const [file, dev] of Object.entries(DEVICES)) {
        await Deno.writeTextFile(
          `${dir}/${name}/${file}.xml`,
          dev.replace("OWN", `${dir}/${name}`),
        );
      }
      await Deno.writeTextFile(
        `${dir}/hp-${name}.xml`,
        xml(crypto.randomUUID(), `${dir}/serial-${name}.log`),
      );
      const out = await sh(
        `virsh -c '${uri}' define ${dir}/hp-${name}.xml && virsh -c '${uri}' start hp`,
      );
      assert.doesNotMatch(out, /FAILED/, `${name}: ${out}`);
    }
    // PCI unplug needs the guest's ACPI hotplug driver up.
    for (const [name] of daemons) {
      await until(
        async () => (await serial(name)).includes("GUEST READY"),
        `${name}'s boot`,
        60_000,
      );
    }
    for (const cmd of session) {
      await t.step(cmd, async () => {
        const outs = await Promise.all(daemons.map(async ([name, uri]) => {
          if (cmd.startsWith("?")) return await guestSaw(() => serial(name), cmd.slice(1));
          const own = cmd.replaceAll("DEV/", `${dir}/${name}/`);
          const out = await sh(
            own.startsWith("!")
              ? own.slice(1).replaceAll("VIRSH", `virsh -c '${uri}'`).replaceAll("URI", uri)
              : `virsh -c '${uri}' ${own}`,
          );
          return out.replaceAll(`${dir}/${name}/`, "DEV/")
            .replaceAll(`${dir}/serial-${name}.log`, "SERIAL")
            .replace(/\S*\/channel\/target\/domain-\d+-hp\//g, "CHANNELS/")
            .replace(/type='(vnc|spice)' port='\d+'/, "type='$1' port='PORT'");
        }));
        if (Deno.env.get("HOTPLUG_TRACE")) console.log(`$ ${cmd}\n${outs[0]}`);
        assert.equal(outs[1], outs[0]);
      });
    }
  } finally {
    for (const [, uri] of daemons) {
      await sh(`virsh -c '${uri}' destroy hp; virsh -c '${uri}' undefine hp`);
    }
    await d.stop();
    await ref.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "devices hotplugged into and out of a running guest as libvirtd's QEMU driver does it",
  ignore: !runnable,
  sanitizeResources: false,
  sanitizeOps: false,
}, async (t) => {
  await compare(
    t,
    "<controller type='virtio-serial' index='0'/>",
    "<graphics type='vnc' autoport='yes' listen='127.0.0.1'/><video><model type='vga'/></video>",
    SESSION,
  );
});

Deno.test({
  name: "SPICE's vdagent channel and USB redirection hotplugged, with their events",
  ignore: !runnable,
  sanitizeResources: false,
  sanitizeOps: false,
}, async (t) => {
  await compare(
    t,
    "<controller type='virtio-serial' index='0'/>",
    "<graphics type='spice' autoport='yes' listen='127.0.0.1'/><video><model type='qxl'/></video>",
    SPICE_SESSION,
  );
});

Deno.test({
  name: "a q35 guest's devices hotplugged on its spare root port, and refused without one",
  ignore: !runnable,
  sanitizeResources: false,
  sanitizeOps: false,
}, async (t) => {
  await compare(
    t,
    "",
    "<graphics type='vnc' autoport='yes' listen='127.0.0.1'/><video><model type='vga'/></video>",
    Q35_SESSION,
    "q35",
  );
});
