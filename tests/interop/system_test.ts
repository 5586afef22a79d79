// `--system`: denovirt on libvirt's standard paths, reached by unmodified
// clients with no `?socket=` — virsh, virt-admin, and ssh to localhost
// through virt-ssh-helper or nc. The paths are the real ones, so the run
// happens in a private mount namespace (`unshare -m`) with tmpfs over /run,
// /etc/libvirt and /var/lib/libvirt: nothing a reference libvirtd (or the
// host's own) uses is touched, and nothing of theirs is seen.

import assert from "node:assert/strict";
import { haveTools } from "./_tools.ts";
import { freePort } from "../_pki.ts";

const tools = haveTools("--system mode", [
  "unshare",
  "virsh",
  "virt-admin",
  "libvirtd",
  "sshd",
  "ssh",
  "nc",
  "virt-ssh-helper",
]);
const ROOT = new URL("../../", import.meta.url).pathname;
const root = Deno.uid() === 0;

/** The script run inside the namespace: each step's output after a `=== name` line. */
function script(t: string, sshPort: number): string {
  const deno = Deno.execPath();
  const serve = `${deno} run -A ${ROOT}src/main.ts --system`;
  const ssh = (uri: string) =>
    `${uri}${uri.includes("?") ? "&" : "?"}keyfile=${t}/id&no_verify=1&command=${t}/ssh`;
  return `
set -u
step() { echo "=== $1"; }
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /etc/libvirt
mkdir -p /var/lib/libvirt && mount -t tmpfs tmpfs /var/lib/libvirt
mkdir -p /run/sshd
export LC_ALL=C
echo 'max_clients = 77' > /etc/libvirt/libvirtd.conf
${serve} > ${t}/daemon.out 2>&1 &
D=$!
for i in $(seq 1 150); do grep -q "virt-admin -c" ${t}/daemon.out && break; sleep 0.2; done
step banner; cat ${t}/daemon.out
step sockets; stat -c '%n %A' /run/libvirt/libvirt-sock /run/libvirt/libvirt-sock-ro /run/libvirt/libvirt-admin-sock
step qemu; virsh -c qemu:///system 'uri; list --all'; echo "rc=$?"
step test; virsh -c test+unix:///default 'list; domstate test'; echo "rc=$?"
step readonly; virsh -r -c qemu:///system 'uri'; echo "rc=$?"
step admin; virt-admin 'srv-list; srv-clients-info libvirtd' | grep -v '^nclients \\|^nclients_unauth \\|^$'; echo "rc=$?"
/usr/sbin/sshd -f ${t}/sshd_config -D -e 2>${t}/sshd.log &
S=$!
for i in $(seq 1 50); do nc -z 127.0.0.1 ${sshPort} && break; sleep 0.1; done
step ssh-helper; virsh -c '${
    ssh(`qemu+ssh://root@127.0.0.1:${sshPort}/system`)
  }' 'list --all'; echo "rc=$?"
step ssh-netcat; virsh -c '${
    ssh(`test+ssh://root@127.0.0.1:${sshPort}/default?proxy=netcat`)
  }' 'domstate test'; echo "rc=$?"
kill $S
step second; ${serve} > ${t}/second.out 2>&1; echo "rc=$?"; tail -1 ${t}/second.out
kill $D; wait $D; R=$?
step stopped; echo "daemon rc=$R"; ls /run/libvirt
mkdir -p ${t}/no-drivers
LIBVIRT_DRIVER_DIR=${t}/no-drivers /usr/sbin/libvirtd > ${t}/libvirtd.out 2>&1 &
L=$!
for i in $(seq 1 100); do [ -S /run/libvirt/libvirt-admin-sock ] && [ -s /run/libvirtd.pid ] && break; sleep 0.1; done
step beside-libvirtd; ${serve} > ${t}/beside.out 2>&1; echo "rc=$?"; sed "s/pid $L,/pid <libvirtd>,/" ${t}/beside.out
kill $L; wait $L
`;
}

Deno.test({
  name: "--system serves libvirt's standard paths to virsh, virt-admin and ssh",
  ignore: !tools || !root,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const t = await Deno.makeTempDir({ prefix: "denovirt-system-" });
    const sshPort = freePort();
    try {
      for (const k of ["hostkey", "id"]) {
        const o = await new Deno.Command("ssh-keygen", {
          args: ["-q", "-t", "ed25519", "-N", "", "-f", `${t}/${k}`],
        }).output();
        assert.ok(o.success, "ssh-keygen failed");
      }
      await Deno.copyFile(`${t}/id.pub`, `${t}/authorized_keys`);
      await Deno.writeTextFile(
        `${t}/sshd_config`,
        [
          `Port ${sshPort}`,
          "ListenAddress 127.0.0.1",
          `HostKey ${t}/hostkey`,
          `AuthorizedKeysFile ${t}/authorized_keys`,
          `PidFile ${t}/sshd.pid`,
          "StrictModes no",
          "PermitRootLogin prohibit-password",
          "PasswordAuthentication no",
          "UsePAM no",
        ].join("\n") + "\n",
      );
      // The ssh libvirt runs, without touching root's known_hosts.
      await Deno.writeTextFile(
        `${t}/ssh`,
        `#!/bin/sh\nexec ssh -F /dev/null -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR "$@"\n`,
        { mode: 0o755 },
      );
      const o = await new Deno.Command("unshare", {
        args: ["-m", "--propagation", "private", "bash", "-c", script(t, sshPort)],
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
      // The banner names URIs without ?socket=: the clients' own defaults.
      assert.match(step("banner"), /^denovirt listening in \/run\/libvirt$/m);
      assert.match(step("banner"), /^ {2}virsh -c 'qemu:\/\/\/system'$/m);
      assert.match(step("banner"), /^ {2}virt-admin -c 'libvirtd\+unix:\/\/\/system'$/m);
      assert.equal(
        step("sockets"),
        "/run/libvirt/libvirt-sock srwx------\n/run/libvirt/libvirt-sock-ro srwxrwxrwx\n" +
          "/run/libvirt/libvirt-admin-sock srwx------\n",
      );
      assert.equal(
        step("qemu"),
        "qemu:///system\n\n Id   Name   State\n--------------------\n\nrc=0\n",
      );
      assert.equal(
        step("test"),
        " Id   Name   State\n----------------------\n 1    test   running\n\nrunning\n\nrc=0\n",
      );
      assert.equal(step("readonly"), "qemu:///system\n\nrc=0\n");
      // /etc/libvirt/libvirtd.conf is read (max_clients = 77).
      assert.equal(
        step("admin"),
        " Id   Name\n----------------\n 0    libvirtd\n 1    admin\n" +
          "nclients_max        : 77\nnclients_unauth_max : 20\nrc=0\n",
      );
      assert.equal(step("ssh-helper"), " Id   Name   State\n--------------------\n\nrc=0\n");
      assert.equal(step("ssh-netcat"), "running\n\nrc=0\n");
      assert.equal(
        step("second"),
        "rc=1\ndenovirt: Cannot listen on /run/libvirt/libvirt-sock: another daemon is serving it; is another denovirt or libvirtd running there?\n",
      );
      // SIGTERM: a clean stop, the sockets removed.
      assert.equal(step("stopped"), "daemon rc=0\n");
      assert.equal(
        step("beside-libvirtd"),
        "rc=1\ndenovirt: libvirtd is running (pid <libvirtd>, /run/libvirtd.pid); stop it before --system\n",
      );
    } finally {
      await Deno.remove(t, { recursive: true });
    }
  },
});
