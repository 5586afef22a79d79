// The QEMU driver against libvirt's own (Debian's libvirtd 9.0 with its QEMU
// driver, tests/_reference_qemu.ts): the definitions virt-install writes for
// pc and q35 guests (imported disk, CD-ROM install, UEFI, q35, VNC, SPICE,
// the osinfo profiles of debian11, fedora37 and win11) and a few by hand are
// defined on both, and must give the same inactive XML, the same command line
// device by device (`domxml-to-native qemu-argv`), the same capabilities and
// domain capabilities, and the same errors; started on both (a tiny Linux
// guest under TCG), the same live XML. What is normalised: UUIDs, MACs,
// ports, and the paths and options that are each daemon's own (monitor,
// pty, NVRAM and channel directories, libvirt's master key and sandbox), and
// the live-only facts denovirt does not have (cgroup partition, CPU check
// features QEMU reports, pty paths, disk source index).

import assert from "node:assert/strict";
import { startDaemon } from "../server/_daemon.ts";
import { haveCondition, haveTools } from "./_tools.ts";
import { run as runProgram } from "./_serve.ts";
import { referenceQemuMissing, startReferenceQemu } from "../_reference_qemu.ts";
import { buildGuest } from "../testdata/guest/build.ts";

const missing = referenceQemuMissing();
const runnable = haveTools("QEMU driver against libvirtd's", [
  "virsh",
  "qemu-system-x86_64",
  "qemu-img",
  "virt-install",
]) && haveCondition("QEMU driver against libvirtd's", missing === null, missing ?? "");

/** A program's output (stdout, then stderr) and whether it succeeded. */
async function run(cmd: string, args: string[]): Promise<{ ok: boolean; out: string }> {
  const r = await runProgram(cmd, args);
  return { ok: r.code === 0, out: r.out };
}

/** The document of a virt-install --print-xml run (its first, when it prints two). */
function firstDomain(out: string): string {
  const m = /<domain[\s\S]*?<\/domain>/.exec(out);
  if (!m) throw new Error(`virt-install printed no domain: ${out}`);
  return m[0];
}

/** Normalising what each daemon has of its own. */
function normXml(xml: string, names: Record<string, string>): string {
  let s = xml
    .replace(/<uuid>[^<]*<\/uuid>/, "<uuid/>")
    .replace(/ id='\d+'>/, " id='N'>")
    .replace(/port='59\d\d'/g, "port='59XX'")
    .replace(/ index='\d+'\/>/g, "/>")
    .replace(/\s*<resource>\s*<partition>[^<]*<\/partition>\s*<\/resource>/, "")
    .replace(/\s*<backingStore\/>/g, "")
    .replace(/<source path='\/dev\/pts\/\d+'\/>\s*/g, "")
    .replace(/ tty='\/dev\/pts\/\d+'/g, "")
    .replace(/check='full'/, "check='none'")
    .replace(/\s*<feature policy='require' name='(hypervisor|lahf_lm)'\/>/g, "")
    .replace(/<label>[^<]*<\/label>/, "<label/>").replace(/<imagelabel>[^<]*</, "<imagelabel><")
    .replace(/(\/var\/lib\/libvirt\/qemu|\/[^'<]*\/config)\/nvram\//g, "NVRAM/")
    .replace(/path='[^']*\/channel\/target\/domain-\d+-/g, "path='CHANNEL/");
  for (const [k, v] of Object.entries(names)) s = s.replaceAll(k, v);
  return s;
}

/** A command line as one device (or option) per line, each daemon's own parts masked. */
function normArgv(argv: string): string[] {
  return argv.trim().replace(/^.*?(\/usr\/bin\/qemu-system-x86_64)/, "$1").split(/ (?=-)/)
    .filter((a) =>
      !a.startsWith('-object \'{"qom-type":"secret"') && !a.startsWith("-sandbox") &&
      !a.startsWith("-msg")
    )
    .map((a) =>
      a.replace(/path=[^,]*monitor\.sock/, "path=MONITOR")
        .replace(/^-chardev (pty|socket),id=charserial(\d+).*$/, "-chardev SERIAL$2")
        .replace(/path=[^,]*\/channel\/target\/domain--1-/, "path=CHANNEL/")
        .replace(/"filename":"[^"]*\/nvram\//, '"filename":"NVRAM/')
        .replace(/port=59\d\d/, "port=59XX")
        .replace(/-uuid [0-9a-f-]+/, "-uuid U")
        // denovirt lets QEMU take the first free VNC display (libvirt picks it itself).
        .replace(/^-vnc ([^:]*):\d+(,to=99)?/, "-vnc $1:N")
    );
}

const KERNEL = (g: string) => `kernel=${g}/vmlinuz,initrd=${g}/initrd.gz,kernel_args=console=ttyS0`;

/** virt-install runs (against the reference) whose definitions both daemons must treat alike. */
function installs(dir: string, guest: string): Record<string, string[]> {
  const disk = (n: string) => ["--disk", `${dir}/${n}.qcow2`, "--import", "--network", "none"];
  const auto = ["--osinfo", "detect=on,require=off"];
  return {
    import: [...disk("import"), ...auto, "--graphics", "none", "--boot", KERNEL(guest)],
    uefi: [...disk("uefi"), ...auto, "--boot", "uefi"],
    // The install boot's definition (the first of the two printed): the CD, then the disk.
    cdrom: ["--disk", `${dir}/cdrom.qcow2`, "--cdrom", `${guest}/guest.iso`, "--network", "none"]
      .concat(auto),
    q35: [...disk("q35"), ...auto, "--machine", "q35", "--boot", KERNEL(guest)],
    vnc: [...disk("vnc"), ...auto, "--graphics", "vnc", "--boot", KERNEL(guest)],
    spice: [...disk("spice"), ...auto, "--graphics", "spice", "--boot", KERNEL(guest)],
    debian11: [...disk("debian11"), "--osinfo", "debian11", "--boot", KERNEL(guest)],
    fedora37: [...disk("fedora37"), "--osinfo", "fedora37", "--boot", KERNEL(guest)],
    win11: [...disk("win11"), "--osinfo", "win11"],
  };
}

/** Definitions written by hand: defaults libvirt fills in, and its errors. */
const HAND: Record<string, string> = {
  defaults_pc: `<domain type='qemu'><name>NAME</name><memory>65536</memory>
<os><type arch='x86_64' machine='pc'>hvm</type></os>
<cpu mode='custom'><model>Nehalem</model></cpu>
<devices><controller type='usb'/><graphics type='vnc'/><input type='tablet' bus='usb'/>
<disk type='file' device='cdrom'><source file='ISO'/><target dev='hdc'/></disk>
<serial type='pty'/><channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
<sound model='ac97'/><rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>
<watchdog model='i6300esb'/></devices></domain>`,
  defaults_q35: `<domain type='qemu'><name>NAME</name><memory>65536</memory>
<os><type arch='x86_64' machine='q35'>hvm</type></os>
<devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='DISK'/><target dev='vda' bus='virtio'/></disk>
<disk type='file' device='cdrom'><source file='ISO'/><target dev='sdb' bus='sata'/></disk>
<graphics type='spice'/><video><model type='virtio'/></video><sound model='ich9'/>
<controller type='scsi' model='virtio-scsi'/></devices></domain>`,
  disk_tuning: `<domain type='qemu'><name>NAME</name><memory>65536</memory>
<os><type arch='x86_64' machine='pc'>hvm</type></os>
<devices><disk type='file' device='disk'><driver name='qemu' type='qcow2' cache='none' io='native' discard='unmap' detect_zeroes='unmap'/><source file='DISK'/><target dev='vda' bus='virtio'/><serial>v1</serial></disk>
<disk type='file' device='disk'><driver name='qemu' type='qcow2' cache='writethrough' detect_zeroes='unmap'/><source file='DISK'/><target dev='hda' bus='ide'/><serial>i1</serial></disk>
<disk type='file' device='disk'><driver name='qemu' type='qcow2' cache='unsafe' io='threads'/><source file='DISK'/><target dev='sda' bus='scsi'/><serial>s1</serial><readonly/></disk>
<controller type='scsi' model='virtio-scsi'/></devices></domain>`,
  default_machine: `<domain type='qemu'><name>NAME</name><memory>65536</memory>
<os><type arch='x86_64'>hvm</type></os>
<devices><graphics type='vnc'/><video><model type='qxl'/></video></devices></domain>`,
  err_ide_q35: `<domain type='qemu'><name>NAME</name><memory>65536</memory>
<os><type arch='x86_64' machine='q35'>hvm</type></os>
<devices><disk type='file' device='disk'><source file='DISK'/><target dev='hda' bus='ide'/></disk></devices></domain>`,
  err_machine: `<domain type='qemu'><name>NAME</name><memory>65536</memory>
<os><type arch='x86_64' machine='nosuch'>hvm</type></os></domain>`,
};

Deno.test({
  name: "QEMU driver against libvirtd's: definitions, command lines, capabilities, live XML",
  ignore: !runnable,
  sanitizeResources: false,
  sanitizeOps: false,
}, async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "denovirt-qemu-ref-" });
  const guest = await buildGuest();
  const ref = await startReferenceQemu();
  const d = await startDaemon({
    qemu_config_dir: `${dir}/config`,
    qemu_state_dir: `${dir}/state`,
  });
  const ours = `qemu:///system?socket=${d.rw}`;
  const both = [["libvirtd", ref.uri], ["denovirt", ours]] as const;
  const virsh = (uri: string, ...a: string[]) => run("virsh", ["-c", uri, ...a]);
  try {
    await t.step("capabilities: the guests (machines, domain types) are libvirt's", async () => {
      const [a, b] = await Promise.all(both.map(([, u]) => virsh(u, "capabilities")));
      const guests = (s: { out: string }) => s.out.slice(s.out.indexOf("  </host>"));
      assert.equal(guests(b!), guests(a!));
    });
    await t.step("domain capabilities: firmware, devices, features alike", async () => {
      for (const args of [["--virttype", "qemu"], ["--virttype", "qemu", "--machine", "q35"]]) {
        const [a, b] = await Promise.all(both.map(([, u]) => virsh(u, "domcapabilities", ...args)));
        // The host-model CPU is compared in qemu_cpu_reference_test.ts, for kvm too.
        const cut = (s: string) =>
          s.replace(/<mode name='host-model' supported='yes'>[\s\S]*?<\/mode>/, "HOSTMODEL")
            .replace(/<mode name='host-model' supported='no'\/>/, "HOSTMODEL");
        assert.equal(cut(b!.out), cut(a!.out));
      }
    });

    const docs: Record<string, string> = {};
    for (const [name, args] of Object.entries(installs(dir, guest))) {
      await run("qemu-img", ["create", "-f", "qcow2", `${dir}/${name}.qcow2`, "64M"]);
      const out = await run("virt-install", [
        "--connect",
        ref.uri,
        "--virt-type",
        "qemu",
        "--name",
        name,
        "--memory",
        "128",
        "--print-xml",
        ...args,
      ]);
      assert.ok(out.ok, out.out);
      docs[name] = firstDomain(out.out);
    }
    await run("qemu-img", ["create", "-f", "qcow2", `${dir}/hand.qcow2`, "64M"]);
    const iso = `${guest}/guest.iso`;
    for (const [name, xml] of Object.entries(HAND)) {
      docs[name] = xml.replaceAll("NAME", name).replaceAll("DISK", `${dir}/hand.qcow2`)
        .replaceAll("ISO", iso);
    }
    for (const [name, xml] of Object.entries(docs)) {
      const file = `${dir}/${name}.in.xml`;
      await Deno.writeTextFile(file, xml);
      await t.step(`${name}: define, inactive XML and domxml-to-native alike`, async () => {
        const [a, b] = await Promise.all(both.map(([, u]) => virsh(u, "define", file)));
        if (name.startsWith("err_")) {
          assert.ok(!a!.ok && !b!.ok, `${a!.out}\n${b!.out}`);
          assert.equal(b!.out, a!.out);
          return;
        }
        assert.ok(a!.ok && b!.ok, `${a!.out}\n${b!.out}`);
        const [xa, xb] = await Promise.all(
          both.map(([, u]) => virsh(u, "dumpxml", "--inactive", name)),
        );
        assert.equal(normXml(xb!.out, {}), normXml(xa!.out, {}));
        const [na, nb] = await Promise.all(
          both.map(([, u]) => virsh(u, "domxml-to-native", "qemu-argv", "--domain", name)),
        );
        assert.ok(na!.ok && nb!.ok, `${na!.out}\n${nb!.out}`);
        assert.deepEqual(normArgv(nb!.out), normArgv(na!.out));
      });
    }
    for (const name of ["import", "cdrom", "q35", "fedora37", "uefi", "win11"]) {
      await t.step(`${name}: started on both, the same live XML`, async () => {
        // One at a time: both would open the same disk image.
        const live: string[] = [];
        for (const [, u] of both) {
          const started = await virsh(u, "start", name);
          assert.ok(started.ok, started.out);
          live.push(normXml((await virsh(u, "dumpxml", name)).out, { [dir]: "DIR" }));
          assert.ok((await virsh(u, "destroy", name)).ok);
        }
        assert.equal(live[1], live[0]);
      });
    }
    await t.step(
      "undefine of an EFI domain: NVRAM refused without --nvram, removed with it",
      async () => {
        for (const [, u] of both) {
          const plain = await virsh(u, "undefine", "uefi");
          assert.match(plain.out, /cannot undefine domain with nvram/);
          assert.ok((await virsh(u, "undefine", "uefi", "--nvram")).ok);
        }
        assert.ok(!(await exists(`${dir}/config/nvram/uefi_VARS.fd`)));
      },
    );
  } finally {
    await d.stop();
    await ref.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});

async function exists(p: string): Promise<boolean> {
  try {
    await Deno.stat(p);
    return true;
  } catch {
    return false;
  }
}
