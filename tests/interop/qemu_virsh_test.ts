// Everyday virsh commands on a running guest, against libvirtd 9.0's QEMU
// driver (tests/_reference_qemu.ts): the same tiny guest (direct kernel
// boot, a qcow2 disk, a serial console, VNC) runs under both daemons and
// every command a user types to look at it or change its description must
// print the same. Figures that differ between two runs of one guest (CPU
// times, resident memory, I/O latencies, ports, UUIDs) are masked where a
// command shows them; everything else — which fields, which errors, in
// which words — must match.

import { until } from "./_serve.ts";
import assert from "node:assert/strict";
import { haveCondition, haveTools, shell as sh } from "./_tools.ts";
import { referenceQemuMissing, startQemuPair } from "../_reference_qemu.ts";
import { buildGuest } from "../testdata/guest/build.ts";

const missing = referenceQemuMissing();
const runnable = haveTools("virsh against libvirtd's QEMU driver", [
  "virsh",
  "qemu-system-x86_64",
  "qemu-img",
]) && haveCondition("virsh against libvirtd's QEMU driver", missing === null, missing ?? "");

/** Device documents the session attaches, by file name. */
const DEVICES: Record<string, string> = {
  tablet: "<input type='tablet' bus='usb'/>",
  sound: "<sound model='ich6'/>",
  watchdog: "<watchdog model='i6300esb' action='reset'/>",
  channel: "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>",
  usb: "<controller type='usb' index='0' model='qemu-xhci'/>",
  video: "<video><model type='qxl'/></video>",
  redirdev: "<redirdev bus='usb' type='spicevmc'/>",
};

/** Every number masked: for the lines whose figures are each run's own. */
const digits = (s: string) => s.replace(/\d+(\.\d+)?/g, "N");

/**
 * Each command, and how its output is compared: exactly (after the
 * per-daemon paths are named alike) or with its figures masked.
 */
const SESSION: [string, "exact" | "figures"][] = [
  ["dominfo sv", "figures"],
  ["domstate --reason sv", "exact"],
  ["domblklist sv --details", "exact"],
  ["domiflist sv", "exact"],
  ["vcpucount sv", "exact"],
  ["vcpuinfo sv", "figures"],
  ["vcpupin sv", "exact"],
  ["vcpupin sv --config", "exact"],
  ["emulatorpin sv", "exact"],
  ["iothreadinfo sv", "exact"],
  ["domblkinfo sv vda | grep Capacity", "exact"],
  ["domblkinfo sv --all", "figures"],
  ["domblkinfo sv vdz", "exact"],
  ["domblkstat sv vda", "figures"],
  ["domblkstat sv", "figures"],
  ["domblkstat sv vdz", "exact"],
  ["domblkerror sv", "exact"],
  ["dommemstat sv", "figures"],
  ["domstats sv --state --balloon --vcpu", "figures"],
  // (libvirt numbers block nodes from the last disk, denovirt from the first.)
  ["domstats sv --block | grep -v backingIndex", "figures"],
  ["perf sv", "exact"],
  ["perf sv --config", "exact"],
  ["domlaunchsecinfo sv", "exact"],
  ["vcpucount sv --guest", "exact"],
  ["setvcpus sv 1 --guest", "exact"],
  ["domstats sv --interface", "exact"],
  ["list --all --with-snapshot", "exact"],
  ["list --all --without-snapshot --name", "exact"],
  ["list --all --with-checkpoint", "exact"],
  ['qemu-agent-command sv \'{"execute":"guest-ping"}\'', "exact"],
  ["dompmsuspend sv mem", "exact"],
  ["dompmsuspend sv disk --duration 5", "exact"],
  ["dompmwakeup sv", "exact"],
  // Lifecycle actions: the combinations QEMU cannot carry out are refused, live and persistent.
  ["set-lifecycle-action sv reboot destroy --config", "exact"],
  ["set-lifecycle-action sv poweroff restart --config", "exact"],
  ["set-lifecycle-action sv reboot preserve", "exact"],
  ["set-lifecycle-action sv reboot coredump-destroy", "exact"],
  ["set-lifecycle-action sv crash coredump-restart", "exact"],
  ["set-lifecycle-action sv crash rename-restart --config", "exact"],
  ["dumpxml sv | grep '<on_'", "exact"],
  ["dumpxml sv --inactive | grep '<on_'", "exact"],
  ["set-lifecycle-action sv reboot restart --config", "exact"],
  ["set-lifecycle-action sv crash destroy", "exact"],
  ["vncdisplay sv", "figures"],
  ["domtime sv", "exact"],
  ["domfsinfo sv", "exact"],
  ["guestinfo sv", "exact"],
  ["domifstat sv nope", "exact"],
  ["setvcpus sv 3 --config", "exact"],
  ["domxml-to-native foo /dev/null", "exact"],
  ["screenshot sv SHOT --screen 5", "exact"],
  ["screenshot sv SHOT", "exact"],
  ["desc sv --title", "exact"],
  ['desc sv --title "a title"', "exact"],
  ["desc sv --title", "exact"],
  ["desc sv --title --config", "exact"],
  ['desc sv "a longer description" --config', "exact"],
  ["desc sv --config", "exact"],
  ["desc sv", "exact"],
  ["metadata sv http://example.org/ex --key ex --set '<x a=\"1\">y</x>'", "exact"],
  ["metadata sv http://example.org/ex", "exact"],
  ["metadata sv http://example.org/ex --config", "exact"],
  ["metadata sv http://example.org/other", "exact"],
  ["dumpxml sv | grep -A2 '<title\\|<description\\|<metadata'", "exact"],
  ["dumpxml sv --inactive | grep -A2 '<title\\|<description\\|<metadata'", "exact"],
  ['qemu-monitor-command sv \'{"execute":"query-status"}\' | sed \'s/"id":"[^"]*"/ID/\'', "exact"],
  ["dominfo sv | grep -A2 Messages", "exact"],
  ["capabilities | sed -n '/<migration_features>/,/<\\/migration_features>/p'", "exact"],
  ["capabilities | sed -n '/<secmodel>/,/<\\/secmodel>/p'", "exact"],
  ["capabilities | sed -n '/<topology>/,/<\\/topology>/p'", "exact"],
  ['capabilities | grep "^      <pages"', "exact"],
  // A CD-ROM's medium, as virt-manager's Connect / Disconnect change it.
  ["update-device sv CDROM", "exact"],
  ["domblklist sv", "exact"],
  ["change-media sv hdc --eject", "exact"],
  ["domblklist sv", "exact"],
  ["change-media sv hdc ISO --insert", "exact"],
  ["domblklist sv", "exact"],
  ["change-media sv hdc --eject --config", "exact"],
  ["dumpxml sv --inactive | grep -A4 \"device='cdrom'\"", "exact"],
  ["change-media sv vda --eject", "exact"],
  ["change-media sv hdz --eject", "exact"],
  ["update-device sv CDROM --config", "exact"],
  ["dumpxml sv --inactive | grep -A4 \"device='cdrom'\"", "exact"],
  [
    // (Without the cache-mode lines: a guest driver may turn a drive's write cache off.)
    "qemu-monitor-command sv --hmp info block | grep -v 'Cache mode'",
    "figures",
  ],
  ["send-key sv KEY_LEFTCTRL KEY_A", "exact"],
  ["send-key sv --codeset xt 30", "exact"],
  ["send-key sv --holdtime 50 KEY_UP KEY_DOWN", "exact"],
  ["inject-nmi sv", "exact"],
  ["domhostname sv", "exact"],
  ["domhostname sv --source lease", "exact"],
  ["shutdown sv --mode agent", "exact"],
  ["reboot sv --mode agent", "exact"],
  ["managedsave-dumpxml sv", "exact"],
  // Devices a running guest gets at its next start (virsh attach-device --config).
  ["attach-device sv DEV/tablet.xml --config", "exact"],
  ["attach-device sv DEV/sound.xml --config", "exact"],
  ["attach-device sv DEV/watchdog.xml --config", "exact"],
  ["attach-device sv DEV/watchdog.xml --config", "exact"],
  ["attach-device sv DEV/channel.xml --config", "exact"],
  ["attach-device sv DEV/channel.xml --config", "exact"],
  ["attach-device sv DEV/usb.xml --config", "exact"],
  ["attach-device sv DEV/video.xml --config", "exact"],
  ["attach-device sv DEV/redirdev.xml --config", "exact"],
  ["dumpxml sv --inactive | sed -n '/<controller type=.virtio-serial/,/<\\/devices>/p'", "exact"],
  ["suspend sv", "exact"],
  ["send-key sv KEY_A", "exact"],
  ["inject-nmi sv", "exact"],
  ["domstate --reason sv", "exact"],
  ["domtime sv", "exact"],
  ["resume sv", "exact"],
  ["domstate --reason sv", "exact"],
];

Deno.test({
  name: "everyday virsh commands on a running guest print what libvirtd's QEMU driver prints",
  ignore: !runnable,
  sanitizeResources: false,
  sanitizeOps: false,
}, async (t) => {
  const guest = await buildGuest();
  const dir = await Deno.makeTempDir({ prefix: "denovirt-virsh-" });
  const xml = (disk: string, serial: string) =>
    `<domain type='qemu'><name>sv</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><kernel>${guest}/vmlinuz</kernel>
    <initrd>${guest}/initrd.gz</initrd><cmdline>console=ttyS0</cmdline></os>
  <features><acpi/><apic/></features>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
      <source file='${disk}'/><target dev='vda' bus='virtio'/></disk>
    <disk type='file' device='cdrom'><driver name='qemu' type='raw'/>
      <target dev='hdc' bus='ide'/><readonly/></disk>
    <serial type='file'><source path='${serial}'/></serial>
    <graphics type='vnc' autoport='yes' listen='127.0.0.1'/><video><model type='vga'/></video>
  </devices></domain>`;
  // As `deno task serve` runs it: every permission (the host's /proc and /sys included).
  const { ref, d, daemons } = await startQemuPair(dir);
  try {
    await Deno.writeTextFile(
      `${dir}/cdrom.xml`,
      `<disk type='file' device='cdrom'><driver name='qemu' type='raw'/>` +
        `<source file='${guest}/guest.iso'/><target dev='hdc' bus='ide'/><readonly/></disk>`,
    );
    for (const [file, xml] of Object.entries(DEVICES)) {
      await Deno.writeTextFile(`${dir}/${file}.xml`, xml);
    }
    for (const [i, [name, uri]] of daemons.entries()) {
      const disk = `${dir}/disk-${name}.qcow2`;
      assert.doesNotMatch(await sh(`qemu-img create -f qcow2 ${disk} 64M`), /FAILED/);
      await Deno.writeTextFile(`${dir}/sv${i}.xml`, xml(disk, `${dir}/serial-${name}.log`));
      const out = await sh(
        `virsh -c '${uri}' define ${dir}/sv${i}.xml && virsh -c '${uri}' start sv`,
      );
      assert.doesNotMatch(out, /FAILED/, `${name}: ${out}`);
    }
    for (const [cmd, how] of SESSION) {
      await t.step(cmd, async () => {
        const outs = await Promise.all(daemons.map(async ([name, uri]) => {
          const c = cmd.replace("SHOT", `${dir}/shot-${name}.png`)
            .replace("CDROM", `${dir}/cdrom.xml`).replace("ISO", `${guest}/guest.iso`)
            .replace("DEV/", `${dir}/`);
          const out = await sh(`virsh -c '${uri}' ${c}`);
          const named = out.replaceAll(`${dir}/disk-${name}.qcow2`, "DISK")
            .replaceAll(`${dir}/shot-${name}.png`, "SHOT")
            .replaceAll(`${guest}/guest.iso`, "ISO")
            .replaceAll(`${dir}/serial-${name}.log`, "SERIAL")
            .replace(/^UUID: .*$/m, "UUID");
          return how === "figures" ? digits(named) : named;
        }));
        assert.equal(outs[1], outs[0]);
      });
    }
    const serial = (name: string) => Deno.readTextFile(`${dir}/serial-${name}.log`);
    const boots = async (name: string) => (await serial(name)).split("GUEST READY").length - 1;
    await t.step("reboot: the guest powers off at the ACPI button and boots again", async () => {
      for (const [name] of daemons) await until(async () => await boots(name) === 1, name, 60_000);
      for (const [, uri] of daemons) {
        assert.equal(await sh(`virsh -c '${uri}' reboot sv`), "Domain 'sv' is being rebooted\n\n");
      }
      const states: string[] = [];
      for (const [name, uri] of daemons) {
        await until(
          async () => await boots(name) === 2,
          `${name}'s second boot:\n${await serial(name)}`,
          60_000,
        );
        assert.match(await serial(name), /GUEST POWEROFF/);
        states.push(await sh(`virsh -c '${uri}' domstate --reason sv`));
      }
      assert.match(states[0]!, /^running/);
      assert.equal(states[1], states[0]);
    });
    await t.step("shutdown: the guest powers off and the domain is shut off", async () => {
      for (const [name] of daemons) await until(async () => await boots(name) === 2, name, 60_000);
      const states: string[] = [];
      for (const [name, uri] of daemons) {
        assert.equal(
          await sh(`virsh -c '${uri}' shutdown sv`),
          "Domain 'sv' is being shutdown\n\n",
        );
        await until(
          async () => (await sh(`virsh -c '${uri}' domstate sv`)).startsWith("shut off"),
          `${name} to shut off`,
          60_000,
        );
        states.push(await sh(`virsh -c '${uri}' domstate --reason sv`));
      }
      assert.equal(states[0], "shut off (shutdown)\n\n");
      assert.equal(states[1], states[0]);
    });
  } finally {
    for (const [, uri] of daemons) {
      await sh(`virsh -c '${uri}' destroy sv; virsh -c '${uri}' undefine sv`);
    }
    await d.stop();
    await ref.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
