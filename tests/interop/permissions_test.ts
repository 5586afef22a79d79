// Socket permissions as an unprivileged user meets them: virsh and
// virt-admin run as `nobody` against a daemon started by root. With
// libvirtd's defaults the read-only socket (0777) lets anyone in, the
// read-write (0700) and admin (0700) sockets refuse them; configured
// permissions are honoured.

import assert from "node:assert/strict";
import { startDaemon } from "../server/_daemon.ts";
import { haveCondition, haveTools } from "./_tools.ts";
import { which } from "../_daemons.ts";

const NOBODY = "65534";
const runnable = haveTools("socket permissions", ["virsh", "virt-admin", "setpriv"]) &&
  haveCondition(
    "socket permissions",
    Deno.uid() === 0,
    "not run as root (the test starts virsh as user nobody with setpriv: run the suite as root)",
  );

/**
 * Runs `tool args` as nobody (with supplementary group `group` if given);
 * returns [success, stdout, stderr].
 */
async function asNobody(
  tool: string,
  args: string[],
  group?: string,
): Promise<[boolean, string, string]> {
  const out = await new Deno.Command("setpriv", {
    args: [
      `--reuid=${NOBODY}`,
      `--regid=${NOBODY}`,
      group === undefined ? "--clear-groups" : `--groups=${group}`,
      "--",
      which(tool)!,
      ...args,
    ],
    env: { HOME: "/tmp", LC_ALL: "C" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return [out.success, dec.decode(out.stdout), dec.decode(out.stderr)];
}

const virsh = (socket: string, readonly: boolean, ...cmd: string[]) =>
  asNobody("virsh", [
    ...(readonly ? ["-r"] : []),
    "-c",
    `test+unix:///default?socket=${socket}`,
    ...cmd,
  ]);

Deno.test({
  name: "an unprivileged user gets the read-only socket and is refused the others",
  ignore: !runnable,
  async fn() {
    const d = await startDaemon();
    try {
      // The run directory is searchable by all, as /run/libvirt is.
      await Deno.chmod(d.dir, 0o755);
      const [ok, out] = await virsh(d.ro, true, "list", "--all", "--name");
      assert.ok(ok);
      assert.equal(out.trim(), "test");

      const [rwOk, , rwErr] = await virsh(d.rw, false, "list", "--name");
      assert.equal(rwOk, false);
      assert.match(rwErr, /Failed to connect socket to '.*': Permission denied/);

      const [admOk, , admErr] = await asNobody("virt-admin", [
        "-c",
        `libvirtd+unix:///system?socket=${d.admin}`,
        "srv-list",
      ]);
      assert.equal(admOk, false);
      assert.match(admErr, /Permission denied/);
    } finally {
      await d.stop();
    }
  },
});

Deno.test({
  name: "unix_sock_rw_perms = 0777 lets an unprivileged user change state",
  ignore: !runnable,
  async fn() {
    const d = await startDaemon({ unix_sock_rw_perms: 0o777 });
    try {
      await Deno.chmod(d.dir, 0o755);
      // One session: test:///default starts pristine once its last connection closes.
      const [ok, out, err] = await virsh(d.rw, false, "suspend test; domstate test");
      assert.ok(ok, err);
      assert.match(out, /Domain 'test' suspended\s+paused/);
      // Through the read-only socket the same user still may not.
      const [roOk, , roErr] = await virsh(d.ro, true, "resume", "test");
      assert.equal(roOk, false);
      assert.match(roErr, /read only access prevents virDomainResume/);
    } finally {
      await d.stop();
    }
  },
});

Deno.test({
  name: "unix_sock_group with 0770 admits the group's members to the rw socket",
  ignore: !runnable,
  async fn() {
    // "users" stands in for Debian's "libvirt" (the name is looked up).
    const group = "users";
    const gid = Deno.readTextFileSync("/etc/group").split("\n")
      .find((l) => l.startsWith(`${group}:`))?.split(":")[2];
    assert.ok(gid, `no ${group} in /etc/group`);
    const d = await startDaemon({ unix_sock_group: group, unix_sock_rw_perms: 0o770 });
    try {
      await Deno.chmod(d.dir, 0o755);
      for (const p of [d.rw, d.ro, d.admin]) assert.equal(String(Deno.statSync(p).gid), gid);
      const uri = `test+unix:///default?socket=${d.rw}`;
      const [ok, out, err] = await asNobody("virsh", ["-c", uri, "domstate", "test"], gid);
      assert.ok(ok, err);
      assert.equal(out.trim(), "running");
      // Outside the group, nobody meets 0770 as "other".
      const [outOk, , outErr] = await asNobody("virsh", ["-c", uri, "domstate", "test"]);
      assert.equal(outOk, false);
      assert.match(outErr, /Permission denied/);
    } finally {
      await d.stop();
    }
  },
});

Deno.test({
  name: "an unknown unix_sock_group stops the daemon with libvirt's words",
  ignore: !runnable,
  async fn() {
    await assert.rejects(
      startDaemon({ unix_sock_group: "no-such-group-here" }),
      /Failed to parse group 'no-such-group-here'/,
    );
  },
});
