// Finding the external tools the interop suites drive (virsh, libvirtd,
// python3-libvirt, Sys::Virt, go, cockpit) and deciding what a missing one means: a
// skip with instructions normally, a failure when DENOVIRT_REQUIRE_TOOLS=1
// (CI); and the runner of the script differentials.

import assert from "node:assert/strict";
import { startLibvirtd, which } from "../_daemons.ts";
import { startDaemon } from "../server/_daemon.ts";

export const REQUIRE_TOOLS = Deno.env.get("DENOVIRT_REQUIRE_TOOLS") === "1";

/** Debian packages that provide each tool. */
const PACKAGES: Record<string, string> = {
  virsh: "libvirt-clients",
  "virt-admin": "libvirt-clients",
  libvirtd: "libvirt-daemon",
  python3_libvirt: "python3-libvirt",
  perl_sys_virt: "libsys-virt-perl",
  go: "golang-go golang-github-digitalocean-go-libvirt-dev",
  "qemu-system-x86_64": "qemu-system-x86 qemu-utils",
  "qemu-img": "qemu-utils",
  ps: "procps",
  setpriv: "util-linux",
  certtool: "gnutls-bin",
  saslpasswd2: "sasl2-bin",
  sasl_scram: "libsasl2-modules",
  sshd: "openssh-server",
  ssh: "openssh-client",
  nc: "netcat-openbsd",
  unshare: "util-linux",
  nsenter: "util-linux",
  ip: "iproute2",
  dnsmasq: "dnsmasq-base",
  iptables: "iptables",
  "virt-install": "virtinst",
  "dbus-daemon": "dbus",
  "dbus-send": "dbus",
  "libvirt-dbus": "libvirt-dbus",
  "cockpit-desktop": "cockpit-ws cockpit-bridge",
  "cockpit-machines": "cockpit-machines",
  chromium: "chromium",
};

/** Tools that are files outside PATH. */
const FILES: Record<string, string> = {
  "cockpit-desktop": "/usr/lib/cockpit/cockpit-desktop",
  "cockpit-machines": "/usr/share/cockpit/machines/manifest.json",
};

/** A module a language's interpreter must load: the binding's import test. */
const BINDINGS: Record<string, [string, string[]]> = {
  python3_libvirt: ["/usr/bin/python3", ["-c", "import libvirt"]],
  perl_sys_virt: ["/usr/bin/perl", ["-MSys::Virt", "-e", "1"]],
};

function present(tool: string): boolean {
  const binding = BINDINGS[tool];
  if (binding) {
    try {
      const out = new Deno.Command(binding[0], {
        args: binding[1],
        stdout: "null",
        stderr: "null",
      })
        .outputSync();
      return out.success;
    } catch {
      return false;
    }
  }
  if (tool === "sasl_scram") {
    // Cyrus SASL's SCRAM plugin, which libvirt's clients (and libvirtd) use.
    return existsSync("/usr/lib/x86_64-linux-gnu/sasl2/libscram.so.2") ||
      existsSync("/usr/lib/aarch64-linux-gnu/sasl2/libscram.so.2");
  }
  const file = FILES[tool];
  if (file) return existsSync(file);
  if (tool === "go") {
    return which("go") !== null &&
      existsSync("/usr/share/gocode/src/github.com/digitalocean/go-libvirt");
  }
  return which(tool) !== null;
}

function existsSync(p: string): boolean {
  try {
    Deno.statSync(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether every tool is there. When one is missing: throws under
 * DENOVIRT_REQUIRE_TOOLS=1, else prints what was skipped and how to install it.
 */
export function haveTools(suite: string, tools: string[]): boolean {
  const missing = tools.filter((t) => !present(t));
  if (missing.length === 0) return true;
  const pkgs = [...new Set(missing.map((t) => PACKAGES[t] ?? t))].join(" ");
  const msg = `${suite}: skipped, missing ${
    missing.join(", ")
  } (apt-get install -y --no-install-recommends ${pkgs})`;
  if (REQUIRE_TOOLS) throw new Error(msg);
  console.warn(msg);
  return false;
}

/**
 * Like haveTools, for a precondition no package provides (`ok`); `why` says
 * what is missing and how to provide it.
 */
export function haveCondition(suite: string, ok: boolean, why: string): boolean {
  if (ok) return true;
  const msg = `${suite}: skipped, ${why}`;
  if (REQUIRE_TOOLS) throw new Error(msg);
  console.warn(msg);
  return false;
}

/**
 * One differential test: each script, run by `argv(script, socket)` once
 * against libvirtd and once against denovirt, must print the same and
 * exit the same; `check` looks further at libvirtd's output.
 */
export function scriptDifferential(opts: {
  name: string;
  tools: boolean;
  argv: (script: string, socket: string) => string[];
  scripts: Record<string, string>;
  check?: (out: string) => void;
}): void {
  const run = async (script: string, socket: string) => {
    const [cmd, ...args] = opts.argv(script, socket);
    const out = await new Deno.Command(cmd!, {
      args,
      stdout: "piped",
      stderr: "piped",
      env: { LC_ALL: "C" },
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    return { code: out.code, out: text };
  };
  Deno.test({
    name: opts.name,
    ignore: !opts.tools,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn(t) {
      const ref = await startLibvirtd();
      assert.ok(ref, "libvirtd did not start");
      const ours = await startDaemon();
      try {
        for (const [name, script] of Object.entries(opts.scripts)) {
          await t.step(name, async () => {
            const want = await run(script, ref.socket);
            const got = await run(script, ours.rw);
            assert.equal(got.out, want.out);
            assert.equal(got.code, want.code);
            opts.check?.(want.out);
          });
        }
      } finally {
        await ours.stop();
        await ref.stop();
      }
    },
  });
}

/**
 * Runs a shell command line in the C locale, as a user types it: its
 * output and errors together, prefixed "FAILED " when it exits non-zero.
 * The QEMU differential suites compare what two daemons make virsh print
 * with it.
 */
export async function shell(cmd: string): Promise<string> {
  const o = await new Deno.Command("bash", {
    args: ["-c", cmd],
    stdout: "piped",
    stderr: "piped",
    env: { LC_ALL: "C" },
  }).output();
  const dec = new TextDecoder();
  return (o.success ? "" : "FAILED ") + dec.decode(o.stdout) + dec.decode(o.stderr);
}
