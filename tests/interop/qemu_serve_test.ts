// `deno task serve` runs the daemon with narrowed permissions: only the QEMU
// and qemu-img binaries (and procps's ps and kill) may be run, files only in
// its directories, Unix sockets only at the paths it owns. A real VM still
// starts, answers on its console, reports its CPU time and is destroyed.

import assert from "node:assert/strict";
import { haveTools } from "./_tools.ts";
import { killQemus } from "../drivers/_qemu.ts";

const runnable = haveTools("QEMU driver under deno task serve", [
  "virsh",
  "python3_libvirt",
  "qemu-system-x86_64",
  "ps",
]);
const UUID = "5a7e0d1c-1111-4222-8333-944455558888";

async function readUntil(p: Deno.ChildProcess, text: string): Promise<void> {
  const reader = p.stdout.getReader();
  let seen = "";
  try {
    while (!seen.includes(text)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`serve ended before printing ${text}: ${seen}`);
      seen += new TextDecoder().decode(value);
    }
  } finally {
    reader.releaseLock();
  }
}

const CONSOLE_PY = `
import libvirt, sys
c = libvirt.open(sys.argv[1])
d = c.lookupByName("served")
d.createWithFlags(libvirt.VIR_DOMAIN_START_PAUSED)
st = c.newStream(0)
d.openConsole(None, st, 0)
d.resume()
buf = b""
while b"SeaBIOS" not in buf:
    buf += st.recv(4096)
st.finish()
print("console ok")
`;

Deno.test(
  { name: "deno task serve: a real VM under narrowed permissions", ignore: !runnable },
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "denovirt-serve-qemu-" });
    const serve = new URL("../../src/serve.ts", import.meta.url).pathname;
    const p = new Deno.Command(Deno.execPath(), {
      // deno.json's serve task, verbatim.
      args: [
        "run",
        "--no-check",
        "--allow-run",
        "--allow-read",
        "--allow-write",
        "--allow-env",
        "--allow-sys=uid",
        serve,
        "--run-dir",
        dir,
      ],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const uri = `qemu:///system?socket=${dir}/libvirt-sock`;
    const virsh = async (...a: string[]) => {
      const o = await new Deno.Command("virsh", {
        args: ["-c", uri, ...a],
        stdout: "piped",
        stderr: "piped",
      }).output();
      return new TextDecoder().decode(o.stdout) + new TextDecoder().decode(o.stderr);
    };
    try {
      await readUntil(p, "virt-admin");
      const ps = await new Deno.Command("ps", { args: ["-eo", "args"], stdout: "piped" }).output();
      const daemon = new TextDecoder().decode(ps.stdout).split("\n").find((l) =>
        l.includes("main.ts") && l.includes(dir)
      );
      assert.ok(daemon, "the daemon process");
      assert.match(
        daemon,
        /--allow-run=\/usr\/bin\/qemu-system-x86_64,\/usr\/bin\/qemu-img,\/usr\/bin\/ps,\/usr\/bin\/kill( |$)/,
      );
      assert.doesNotMatch(daemon, / -A | --allow-all| --allow-run /);

      await Deno.writeTextFile(
        `${dir}/vm.xml`,
        `<domain type='qemu'><name>served</name><uuid>${UUID}</uuid>
  <memory unit='MiB'>32</memory><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><bios useserial='yes'/></os>
  <devices><serial type='pty'><target port='0'/></serial>
  <console type='pty'><target type='serial' port='0'/></console></devices>
</domain>`,
      );
      assert.match(await virsh("define", `${dir}/vm.xml`), /defined/);
      const con = await new Deno.Command("/usr/bin/python3", {
        args: ["-c", CONSOLE_PY, uri],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.match(
        new TextDecoder().decode(con.stdout),
        /console ok/,
        new TextDecoder().decode(con.stderr),
      );
      assert.equal((await virsh("domstate", "served")).trim(), "running");
      let cpu = "";
      for (let i = 0; i < 50 && !cpu; i++) {
        cpu = /CPU time: +(\S+)/.exec(await virsh("dominfo", "served"))?.[1] ?? "";
        if (!cpu) await new Promise((r) => setTimeout(r, 100));
      }
      assert.match(cpu, /^\d+\.\ds$/, "CPU time from ps");
      assert.match(await virsh("destroy", "served"), /destroyed/);
      assert.match(await virsh("undefine", "served"), /undefined/);
      p.kill("SIGTERM");
      assert.equal((await p.status).code, 0);
    } finally {
      killQemus(UUID);
      try {
        p.kill("SIGKILL");
      } catch {
        // Already gone.
      }
      await p.status;
      await p.stdout.cancel().catch(() => {});
      await p.stderr.cancel().catch(() => {});
      await Deno.remove(dir, { recursive: true });
    }
  },
);
