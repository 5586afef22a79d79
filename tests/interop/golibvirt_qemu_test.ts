// go-libvirt (an independent XDR implementation, Debian's
// golang-github-digitalocean-go-libvirt-dev in GOPATH mode) against the QEMU
// driver on a real VM: lifecycle, the QEMU program's monitor command and
// lifecycle events on go-libvirt's own event connection.

import assert from "node:assert/strict";
import { haveTools } from "./_tools.ts";
import { startDaemon } from "../server/_daemon.ts";
import { killQemus } from "../drivers/_qemu.ts";

const runnable = haveTools("go-libvirt and the QEMU driver", ["go", "qemu-system-x86_64", "ps"]);
const UUID = "5a7e0d1c-1111-4222-8333-944455559999";

Deno.test(
  { name: "go-libvirt drives a real VM on the QEMU driver", ignore: !runnable },
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "denovirt-go-qemu-" });
    const build = await new Deno.Command("go", {
      args: [
        "build",
        "-o",
        `${dir}/goqemu`,
        new URL("./golibvirt_qemu/main.go", import.meta.url).pathname,
      ],
      env: { GOPATH: "/usr/share/gocode", GO111MODULE: "off", GOCACHE: `${dir}/cache` },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(build.code, 0, new TextDecoder().decode(build.stderr));
    const d = await startDaemon({
      qemu_config_dir: `${dir}/config`,
      qemu_state_dir: `${dir}/state`,
    });
    try {
      await Deno.writeTextFile(
        `${dir}/vm.xml`,
        `<domain type='qemu'><name>govm</name><uuid>${UUID}</uuid>
  <memory unit='MiB'>32</memory><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os><devices/></domain>`,
      );
      const o = await new Deno.Command(`${dir}/goqemu`, {
        args: [d.rw, `${dir}/vm.xml`],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const out = new TextDecoder().decode(o.stdout) + new TextDecoder().decode(o.stderr);
      assert.equal(o.code, 0, out);
      assert.deepEqual(out.trim().split("\n"), [
        "type QEMU",
        "running true state 1 reason 1",
        "paused state 3 reason 1",
        "qmp status running",
        "event govm 0 0", // defined, added
        "event govm 2 0", // started, booted
        "event govm 3 0", // suspended, paused
        "event govm 4 0", // resumed, unpaused
        "event govm 5 1", // stopped, destroyed
        "event govm 1 0", // undefined, removed
      ]);
    } finally {
      killQemus(UUID);
      await d.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
);
