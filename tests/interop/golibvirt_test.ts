// Differential: a go-libvirt program (an independent XDR implementation,
// built from Debian's golang-github-digitalocean-go-libvirt-dev in GOPATH
// mode) prints the same against the real libvirtd and against denovirt.

import assert from "node:assert/strict";
import { haveTools } from "./_tools.ts";
import { startLibvirtd } from "../_daemons.ts";
import { startDaemon } from "../server/_daemon.ts";

const tools = haveTools("go-libvirt differential", ["go", "libvirtd"]);

Deno.test({
  name: "a go-libvirt program prints the same against libvirtd and denovirt",
  ignore: !tools,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    const env = {
      GOPATH: "/usr/share/gocode",
      GO111MODULE: "off",
      GOCACHE: `${dir}/cache`,
      GOFLAGS: "-mod=mod",
    };
    const build = await new Deno.Command("go", {
      args: [
        "build",
        "-o",
        `${dir}/golibvirt`,
        new URL("./golibvirt/main.go", import.meta.url).pathname,
      ],
      env: { ...env, GOFLAGS: "" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(build.code, 0, new TextDecoder().decode(build.stderr));
    const ref = await startLibvirtd();
    assert.ok(ref);
    const ours = await startDaemon();
    try {
      const run = async (socket: string) => {
        const o = await new Deno.Command(`${dir}/golibvirt`, {
          args: [socket],
          stdout: "piped",
          stderr: "piped",
        })
          .output();
        return new TextDecoder().decode(o.stdout) + new TextDecoder().decode(o.stderr) +
          `exit ${o.code}`;
      };
      const want = await run(ref.socket);
      const got = await run(ours.rw);
      assert.equal(got, want);
      assert.match(got, /domains 1/);
    } finally {
      await ours.stop();
      await ref.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
