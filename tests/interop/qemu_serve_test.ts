// `deno task serve --sandbox` runs the daemon with narrowed permissions: only
// the QEMU and qemu-img binaries (and procps's ps and kill) may be run, files
// only in its directories, Unix sockets only at the paths it owns. A real VM
// still starts, answers on its console and reports its CPU time. A kill -9 of
// the launcher stops the daemon and leaves the VM running, as libvirtd leaves
// its domains; the next start takes it back, and it is destroyed.

import assert from "node:assert/strict";
import { haveTools } from "./_tools.ts";
import { killQemus, qemuProcesses } from "../drivers/_qemu.ts";
import { alive, answers, children, ps, serve, until, virsh } from "./_serve.ts";

const runnable = haveTools("QEMU driver under deno task serve", [
  "virsh",
  "python3_libvirt",
  "qemu-system-x86_64",
  "ps",
]);
const UUID = "5a7e0d1c-1111-4222-8333-944455558888";

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
  {
    name: "deno task serve --sandbox: a real VM under narrowed permissions outlives a kill -9",
    ignore: !runnable,
    sanitizeResources: false,
    sanitizeOps: false,
  },
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "denovirt-serve-qemu-" });
    let s = await serve(["--sandbox"], { dir });
    const qemu = (script: string) => virsh("qemu:///system", s.rw, script);
    try {
      const [daemon] = children(s.proc.pid);
      assert.ok(daemon, "the daemon process");
      const args = ps("-o", "args=", "-p", String(daemon));
      assert.match(
        args,
        /--allow-run=\/usr\/bin\/qemu-system-x86_64,\/usr\/bin\/qemu-img,\/usr\/bin\/ps,\/usr\/bin\/kill,\/usr\/bin\/stat,ip,iptables,ip6tables,dnsmasq,sysctl,tc( |$)/,
      );
      assert.doesNotMatch(args, / -A | --allow-all| --allow-run /);

      await Deno.writeTextFile(
        `${dir}/vm.xml`,
        `<domain type='qemu'><name>served</name><uuid>${UUID}</uuid>
  <memory unit='MiB'>32</memory><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><bios useserial='yes'/></os>
  <devices><serial type='pty'><target port='0'/></serial>
  <console type='pty'><target type='serial' port='0'/></console></devices>
</domain>`,
      );
      assert.match((await qemu(`define ${dir}/vm.xml`)).out, /defined/);
      const uri = `qemu:///system?socket=${s.rw}`;
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
      assert.equal((await qemu("domstate served")).out.trim(), "running");
      let cpu = "";
      await until(async () => {
        cpu = /CPU time: +(\S+)/.exec((await qemu("dominfo served")).out)?.[1] ?? "";
        return cpu !== "";
      }, "the CPU time");
      assert.match(cpu, /^\d+\.\ds$/, "CPU time from ps");
      const id = (await qemu("domid served")).out.trim();

      // The launcher is killed: the daemon stops, the VM runs on.
      s.proc.kill("SIGKILL");
      await until(() => !alive(daemon), "the daemon to end");
      assert.equal(await answers(s.rw), false);
      assert.equal(qemuProcesses(UUID).length, 1, "the VM outlives the daemon");
      await s.cleanup();

      s = await serve(["--sandbox"], { dir });
      assert.equal((await qemu("domstate served")).out.trim(), "running");
      assert.equal((await qemu("domid served")).out.trim(), id);
      assert.match((await qemu("destroy served")).out, /destroyed/);
      assert.match((await qemu("undefine served")).out, /undefined/);
      s.proc.kill("SIGTERM");
      assert.equal((await s.proc.status).code, 0);
    } finally {
      killQemus(UUID);
      await s.cleanup();
      await Deno.remove(dir, { recursive: true });
    }
  },
);
