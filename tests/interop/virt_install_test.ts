// Stock virt-install, virt-xml and virt-clone against denovirt's QEMU driver,
// with their defaults (no --machine or --controller overrides): each guest
// the tiny Linux test guest, booted directly or from its ISO (--cdrom, through
// isolinux), whose markers must show on its serial port. Under TCG
// (--virt-type qemu) unless KVM works here: /dev/kvm may exist while a KVM
// guest cannot run. These use --network none, since this daemon runs in the
// host's network namespace; virt-install with its default network (no
// --network) runs in a namespace of its own in qemu_network_test.ts.

import assert from "node:assert/strict";
import { startDaemon } from "../server/_daemon.ts";
import { haveTools } from "./_tools.ts";
import { buildGuest } from "../testdata/guest/build.ts";

const runnable = haveTools("virt-install on the QEMU driver", [
  "virsh",
  "virt-install",
  "qemu-system-x86_64",
  "qemu-img",
]);

async function run(cmd: string, args: string[]): Promise<{ ok: boolean; out: string }> {
  const o = await new Deno.Command(cmd, {
    args,
    stdout: "piped",
    stderr: "piped",
    env: { LC_ALL: "C", HOME: Deno.env.get("HOME") ?? "/root" },
  }).output();
  const dec = new TextDecoder();
  return { ok: o.success, out: dec.decode(o.stdout) + dec.decode(o.stderr) };
}

async function waitFor(file: string, text: string, ms = 60_000): Promise<string> {
  const deadline = Date.now() + ms;
  let s = "";
  while (Date.now() < deadline) {
    try {
      s = await Deno.readTextFile(file);
      if (s.includes(text)) return s;
    } catch {
      // Not yet written.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no '${text}' in ${file}: ${s}`);
}

Deno.test({
  name: "virt-install, virt-xml and virt-clone with their defaults: guests reach running",
  ignore: !runnable,
  sanitizeResources: false,
  sanitizeOps: false,
}, async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "denovirt-virt-install-" });
  const guest = await buildGuest();
  const d = await startDaemon({
    qemu_config_dir: `${dir}/config`,
    qemu_state_dir: `${dir}/state`,
  });
  const uri = `qemu:///system?socket=${d.rw}`;
  const virsh = (...a: string[]) => run("virsh", ["-c", uri, ...a]);
  const kernel = `kernel=${guest}/vmlinuz,initrd=${guest}/initrd.gz,kernel_args=console=ttyS0`;
  // An --import of the disk, unless the case installs from a CD.
  const install = async (name: string, ...args: string[]) => {
    await run("qemu-img", ["create", "-f", "qcow2", `${dir}/${name}.qcow2`, "64M"]);
    return await run("virt-install", [
      "--connect",
      uri,
      "--virt-type",
      "qemu",
      "--name",
      name,
      "--memory",
      "128",
      "--disk",
      `${dir}/${name}.qcow2`,
      ...(args.includes("--cdrom") ? [] : ["--import"]),
      "--network",
      "none",
      "--noautoconsole",
      "--serial",
      `file,path=${dir}/${name}.log`,
      ...args,
    ]);
  };
  try {
    const cases: [string, string[], boolean][] = [
      [
        "import",
        ["--osinfo", "detect=on,require=off", "--graphics", "none", "--boot", kernel],
        true,
      ],
      // virt-install's install boot: the CD first, then the disk; isolinux boots the guest.
      ["cdrom", ["--osinfo", "detect=on,require=off", "--cdrom", `${guest}/guest.iso`], true],
      ["q35", ["--osinfo", "detect=on,require=off", "--machine", "q35", "--boot", kernel], true],
      ["vnc", ["--osinfo", "detect=on,require=off", "--graphics", "vnc", "--boot", kernel], true],
      [
        "spice",
        ["--osinfo", "detect=on,require=off", "--graphics", "spice", "--boot", kernel],
        true,
      ],
      ["fedora37", ["--osinfo", "fedora37", "--boot", kernel], true],
      ["uefi", ["--osinfo", "detect=on,require=off", "--boot", "uefi"], false],
      ["win11", ["--osinfo", "win11"], false],
    ];
    for (const [name, args, linux] of cases) {
      await t.step(
        `virt-install ${name}: running${linux ? ", the guest's markers on its serial port" : ""}`,
        async () => {
          const r = await install(name, ...args);
          assert.ok(r.ok, r.out);
          assert.match((await virsh("domstate", name)).out, /running/);
          if (linux) {
            const log = await waitFor(`${dir}/${name}.log`, "GUEST READY");
            assert.match(log, /GUEST UP/);
          }
        },
      );
    }
    await t.step("the CD install boot ends when the guest resets (on_reboot destroy)", async () => {
      // virt-install's install boot is <on_reboot>destroy</on_reboot>: the first reboot
      // ends it, so virt-install can start the installed definition.
      assert.ok((await virsh("reset", "cdrom")).ok);
      const deadline = Date.now() + 30_000;
      let state = "";
      while (Date.now() < deadline) {
        state = (await virsh("domstate", "--reason", "cdrom")).out;
        if (/shut off/.test(state)) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.match(state, /shut off \(shutdown\)/);
      assert.match((await virsh("dumpxml", "--inactive", "cdrom")).out, /<on_reboot>restart</);
    });
    await t.step("virt-xml edits a stopped and a running domain's definition", async () => {
      assert.ok((await virsh("destroy", "import")).ok);
      const edit = await run("virt-xml", ["--connect", uri, "import", "--edit", "--memory", "96"]);
      assert.ok(edit.ok, edit.out);
      assert.match(
        (await virsh("dumpxml", "import")).out,
        /<currentMemory unit='KiB'>98304<\/currentMemory>/,
      );
      const add = await run("virt-xml", [
        "--connect",
        uri,
        "import",
        "--add-device",
        "--rng",
        "/dev/urandom",
      ]);
      assert.ok(add.ok, add.out);
      assert.match((await virsh("dumpxml", "import")).out, /<rng model='virtio'>/);
      const remove = await run("virt-xml", [
        "--connect",
        uri,
        "import",
        "--remove-device",
        "--rng",
        "all",
      ]);
      assert.ok(remove.ok, remove.out);
      assert.doesNotMatch((await virsh("dumpxml", "import")).out, /<rng /);
      // On a running domain virt-xml changes the persistent definition.
      const live = await run("virt-xml", ["--connect", uri, "q35", "--edit", "--vcpus", "2"]);
      assert.ok(live.ok, live.out);
      assert.match((await virsh("dumpxml", "--inactive", "q35")).out, />2<\/vcpu>/);
    });
    await t.step(
      "virt-clone copies a stopped domain with its disk, and the copy starts",
      async () => {
        // The virt-xml step left it stopped.
        assert.match((await virsh("domstate", "import")).out, /shut off/);
        const r = await run("virt-clone", [
          "--connect",
          uri,
          "--original",
          "import",
          "--name",
          "import-clone",
          "--file",
          `${dir}/import-clone.qcow2`,
        ]);
        assert.ok(r.ok, r.out);
        assert.ok((await Deno.stat(`${dir}/import-clone.qcow2`)).isFile);
        const started = await virsh("start", "import-clone");
        assert.ok(started.ok, started.out);
        assert.match((await virsh("domstate", "import-clone")).out, /running/);
      },
    );
    await t.step("undefine --nvram removes an EFI domain's variables", async () => {
      await virsh("destroy", "uefi");
      assert.match((await virsh("undefine", "uefi")).out, /cannot undefine domain with nvram/);
      assert.ok((await virsh("undefine", "uefi", "--nvram")).ok);
      await assert.rejects(Deno.stat(`${dir}/config/nvram/uefi_VARS.fd`));
    });
  } finally {
    for (const n of (await virsh("list", "--name")).out.split("\n")) {
      if (n.trim()) await virsh("destroy", n.trim());
    }
    await d.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
