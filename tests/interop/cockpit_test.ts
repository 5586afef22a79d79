// libvirt-dbus and cockpit-machines, stock, against denovirt `--system`: the
// D-Bus service (bus-activated as user libvirtdbus, which reaches the rw
// socket through `unix_sock_group`) lists a domain defined with virsh, and
// cockpit-machines' page — served by cockpit-desktop, driven in headless
// chromium by tools/cockpit_browser.ts — shows it shut off, runs it under
// TCG and forces it off. As in system_test.ts the run happens in a private
// mount namespace with tmpfs over /run, /etc/libvirt and /var/lib/libvirt,
// so its system bus, sockets and state are its own and vanish with it.

import assert from "node:assert/strict";
import { haveTools } from "./_tools.ts";

const tools = haveTools("libvirt-dbus and cockpit-machines", [
  "unshare",
  "virsh",
  "qemu-system-x86_64",
  "dbus-daemon",
  "dbus-send",
  "libvirt-dbus",
  "cockpit-desktop",
  "cockpit-machines",
  "chromium",
]);
const ROOT = new URL("../../", import.meta.url).pathname;
const root = Deno.uid() === 0;

function denoDir(): string {
  const env = Deno.env.get("DENO_DIR");
  if (env) return env;
  const o = new Deno.Command(Deno.execPath(), { args: ["info", "--json"], stdout: "piped" })
    .outputSync();
  return JSON.parse(new TextDecoder().decode(o.stdout)).denoDir;
}

/** What the host's own /run/libvirt holds (the namespace must leave it alone). */
function hostRunLibvirt(): string[] {
  try {
    return [...Deno.readDirSync("/run/libvirt")].map((e) => e.name).sort();
  } catch {
    return [];
  }
}

/** The script run inside the namespace: each step's output after a `=== name` line. */
function script(t: string): string {
  const deno = Deno.execPath();
  return `
set -u
step() { echo "=== $1"; }
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /etc/libvirt
mkdir -p /var/lib/libvirt && mount -t tmpfs tmpfs /var/lib/libvirt
mkdir -p /run/dbus
export LC_ALL=C
# As an admin without polkit gives libvirt-dbus's user the rw socket.
printf 'unix_sock_group = "libvirtdbus"\\nunix_sock_rw_perms = "0770"\\n' > /etc/libvirt/libvirtd.conf
dbus-daemon --system --fork --print-pid > ${t}/dbus.pid
${deno} run -A ${ROOT}src/main.ts --system > ${t}/daemon.out 2>&1 &
D=$!
for i in $(seq 1 150); do grep -q "virt-admin -c" ${t}/daemon.out && break; sleep 0.2; done
step sockets; stat -c '%n %A %G' /run/libvirt/libvirt-sock /run/libvirt/libvirt-sock-ro
virsh -q -c qemu:///system define ${t}/vm1.xml > /dev/null
step dbus
dbus-send --system --print-reply=literal --dest=org.libvirt /org/libvirt/QEMU \\
  org.libvirt.Connect.ListDomains uint32:0 | tr -s ' \\n' ' '; echo
dbus-send --system --print-reply=literal --dest=org.libvirt /org/libvirt/QEMU \\
  org.freedesktop.DBus.Properties.Get string:org.libvirt.Connect string:Version > /dev/null
echo "rc=$?"
LD=$(dbus-send --system --print-reply=literal --dest=org.freedesktop.DBus / \\
  org.freedesktop.DBus.GetConnectionUnixProcessID string:org.libvirt | awk '{print $2}')
step cockpit
# Without a session bus cockpit-bridge starts one and leaves it behind;
# dbus-run-session's ends with it.
timeout 240 dbus-run-session -- env BROWSER=${t}/browser COCKPIT_DOMAIN=vm1 COCKPIT_START=1 \\
  COCKPIT_RESULT=${t}/result COCKPIT_SCREENSHOT=${t}/machines.png \\
  /usr/lib/cockpit/cockpit-desktop /cockpit/@localhost/machines/index.html > ${t}/desktop.out 2>&1
echo "rc=$?"
grep -v '^console: ' ${t}/result
step after; virsh -c qemu:///system domstate vm1
# Clean up, each process by its pid: a guest left running, denovirt, the
# libvirt-dbus the bus started, the bus.
virsh -q -c qemu:///system destroy vm1 > /dev/null 2>&1
kill $D; wait $D
[ -n "$LD" ] && kill $LD
kill $(cat ${t}/dbus.pid)
for i in $(seq 1 50); do kill -0 $LD 2>/dev/null || break; sleep 0.1; done
step stopped; kill -0 $LD 2>/dev/null && echo "libvirt-dbus still running"; ls /run/libvirt
`;
}

Deno.test({
  name: "libvirt-dbus and cockpit-machines list, run and stop a denovirt --system domain",
  ignore: !tools || !root,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const before = hostRunLibvirt();
    const t = await Deno.makeTempDir({ prefix: "denovirt-cockpit-" });
    try {
      await Deno.writeTextFile(
        `${t}/vm1.xml`,
        `<domain type='qemu'><name>vm1</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>` +
          `<os><type arch='x86_64' machine='pc'>hvm</type></os><devices/></domain>\n`,
      );
      // cockpit-desktop runs the browser with HOME in a fresh directory: name Deno's cache.
      await Deno.writeTextFile(
        `${t}/browser`,
        `#!/bin/sh\nexec env DENO_DIR='${denoDir()}' '${Deno.execPath()}' run -A --no-check ` +
          `'${ROOT}tools/cockpit_browser.ts' "$@"\n`,
        { mode: 0o755 },
      );
      const o = await new Deno.Command("unshare", {
        args: ["-m", "--propagation", "private", "bash", "-c", script(t)],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(o.stdout) + new TextDecoder().decode(o.stderr);
      const steps = new Map<string, string>();
      for (const part of text.split(/^=== /m).slice(1)) {
        const nl = part.indexOf("\n");
        steps.set(part.slice(0, nl), part.slice(nl + 1));
      }
      const step = (n: string) => {
        const s = steps.get(n);
        assert.ok(s !== undefined, `step ${n} did not run:\n${text}`);
        return s;
      };
      const desktop = () => Deno.readTextFileSync(`${t}/desktop.out`);
      assert.equal(
        step("sockets"),
        "/run/libvirt/libvirt-sock srwxrwx--- libvirtdbus\n" +
          "/run/libvirt/libvirt-sock-ro srwxrwxrwx libvirtdbus\n",
      );
      assert.match(
        step("dbus"),
        /^ array \[ \/org\/libvirt\/QEMU\/domain\/_[0-9a-f_]{36} \] \nrc=0\n$/,
      );
      const cockpit = step("cockpit");
      assert.match(cockpit, /^rc=0\n/, `${cockpit}\n${desktop()}`);
      assert.match(cockpit, /^title: Virtual machines management$/m);
      assert.match(cockpit, /^state: Shut off$/m);
      assert.match(cockpit, /^started: Running$/m);
      assert.match(cockpit, /^stopped: Shut off$/m);
      assert.match(cockpit, /^ok: 1$/m);
      // The page fetches host memory, interfaces and node devices; a failure
      // shows as an alert naming the call.
      assert.doesNotMatch(cockpit, /^alert: /m, `${cockpit}\n${desktop()}`);
      assert.equal(step("after"), "shut off\n\n");
      // Only the QEMU driver's state directory stays, as under libvirtd.
      assert.equal(step("stopped"), "qemu\n");
      assert.deepEqual(hostRunLibvirt(), before, "the host's /run/libvirt changed");
    } finally {
      await Deno.remove(t, { recursive: true });
    }
  },
});
