// The reference for the QEMU driver: Debian's real libvirtd 9.0 with its
// QEMU driver (qemu:///system), run as root in a network namespace of its
// own, as the QEMU differential suites' other side. It uses /etc/libvirt and
// /var/lib/libvirt (libvirt's system mode), so only one runs at a time: each
// suite starts its own and stops it, and the suites never run in parallel.
// QEMU runs as root without a security driver (qemu.conf lines appended once,
// under a marker), its output going to files rather than virtlogd.

import { type BenchDaemon, startDenovirt, which } from "./_daemons.ts";

const MARK = "# denovirt reference libvirtd";
const QEMU_CONF = "/etc/libvirt/qemu.conf";

export interface ReferenceQemu {
  uri: string;
  dir: string;
  stop(): Promise<void>;
}

async function sh(cmd: string, args: string[]): Promise<{ ok: boolean; out: string }> {
  const o = await new Deno.Command(cmd, {
    args,
    stdout: "piped",
    stderr: "piped",
    env: { LC_ALL: "C" },
  }).output();
  const dec = new TextDecoder();
  return { ok: o.success, out: dec.decode(o.stdout) + dec.decode(o.stderr) };
}

/** Why the reference cannot run here, or null when it can. */
export function referenceQemuMissing(): string | null {
  if (Deno.uid() !== 0) return "the reference libvirtd runs as root (libvirt's system mode)";
  if (!which("libvirtd")) return "libvirtd is not installed (libvirt-daemon)";
  try {
    Deno.statSync("/usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_qemu.so");
  } catch {
    return "libvirt's QEMU driver is not installed (libvirt-daemon-driver-qemu)";
  }
  if (!which("unshare")) return "unshare is not installed (util-linux)";
  return null;
}

/** Held while a reference runs, so test runs in parallel checkouts take turns. */
const LOCK = "/run/denovirt-reference-qemu.lock";

const POOLS = "/etc/libvirt/storage";

/**
 * virt-install makes a storage pool of each directory a disk comes from,
 * persistent and autostarted; the suites' directories are temporary, so
 * the pools they leave behind name directories that are gone. Their
 * definitions are removed before the reference starts, so it does not
 * keep collecting them from run to run.
 */
async function forgetStalePools(): Promise<void> {
  let entries: Deno.DirEntry[] = [];
  try {
    entries = [...Deno.readDirSync(POOLS)];
  } catch {
    return;
  }
  for (const e of entries) {
    if (!e.isFile || !e.name.endsWith(".xml")) continue;
    const xml = await Deno.readTextFile(`${POOLS}/${e.name}`).catch(() => "");
    const path = /<target>\s*<path>([^<]+)<\/path>/.exec(xml)?.[1];
    if (!path || !path.startsWith("/tmp/")) continue;
    try {
      Deno.statSync(path);
    } catch {
      await Deno.remove(`${POOLS}/autostart/${e.name}`).catch(() => {});
      await Deno.remove(`${POOLS}/${e.name}`).catch(() => {});
    }
  }
}

/** Starts the reference; the caller stops it. */
export async function startReferenceQemu(): Promise<ReferenceQemu> {
  // Every reference uses /etc/libvirt and /var/lib/libvirt: a second one
  // started by another test process (another checkout's suite) would take
  // over the first's domains, so they wait for each other here.
  const lock = await Deno.open(LOCK, { create: true, write: true });
  await lock.lock(true);
  // libvirt's QEMU driver looks up its default user before reading qemu.conf.
  if (!(await sh("id", ["libvirt-qemu"])).ok) {
    await sh("useradd", [
      "--system",
      "--no-create-home",
      "--shell",
      "/usr/sbin/nologin",
      "--user-group",
      "libvirt-qemu",
    ]);
  }
  let conf = "";
  try {
    conf = await Deno.readTextFile(QEMU_CONF);
  } catch {
    // Not there yet.
  }
  if (!conf.includes(MARK) && !conf.includes("# reference-libvirtd-qemu")) {
    await Deno.mkdir("/etc/libvirt", { recursive: true });
    await Deno.writeTextFile(
      QEMU_CONF,
      `${MARK}\nuser = "root"\ngroup = "root"\ndynamic_ownership = 0\nremember_owner = 0\n` +
        `security_driver = "none"\nstdio_handler = "file"\n`,
      { append: true },
    );
  }
  await forgetStalePools();
  const dir = await Deno.makeTempDir({ prefix: "libvirtd-qemu-ref-" });
  await Deno.writeTextFile(
    `${dir}/libvirtd.conf`,
    [
      `unix_sock_dir = "${dir}"`,
      `auth_unix_rw = "none"`,
      `auth_unix_ro = "none"`,
      `listen_tls = 0`,
      `listen_tcp = 0`,
      `log_outputs = "3:file:${dir}/libvirtd.log"`,
    ].join("\n") + "\n",
  );
  const child = new Deno.Command("unshare", {
    args: [
      "-n",
      which("libvirtd")!,
      "--config",
      `${dir}/libvirtd.conf`,
      "--pid-file",
      `${dir}/pid`,
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const uri = `qemu:///system?socket=${dir}/libvirt-sock`;
  for (let i = 0; i < 200; i++) {
    if ((await sh("virsh", ["-c", uri, "uri"])).ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    uri,
    dir,
    async stop() {
      const names = (await sh("virsh", ["-c", uri, "list", "--all", "--name"])).out.split("\n")
        .map((s) => s.trim()).filter((s) => s && !s.startsWith("error"));
      for (const n of names) {
        await sh("virsh", ["-c", uri, "destroy", n]);
        await sh("virsh", [
          "-c",
          uri,
          "undefine",
          n,
          "--nvram",
          "--managed-save",
          "--snapshots-metadata",
          "--checkpoints-metadata",
        ]);
      }
      try {
        child.kill("SIGTERM");
      } catch {
        // Gone.
      }
      await child.status;
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      await lock.unlock();
      lock.close();
    },
  };
}

/** The two daemons of a QEMU differential suite, with the URI each is reached at. */
export interface QemuPair {
  ref: ReferenceQemu;
  d: BenchDaemon;
  daemons: readonly [readonly ["libvirtd", string], readonly ["denovirt", string]];
}

/**
 * The reference and a denovirt (a process of its own, every permission, as
 * `deno task serve` runs it) keeping its QEMU definitions and state in `dir`.
 */
export async function startQemuPair(dir: string): Promise<QemuPair> {
  const ref = await startReferenceQemu();
  const d = await startDenovirt(
    `qemu_config_dir = "${dir}/config"\nqemu_state_dir = "${dir}/state"\n`,
  );
  return {
    ref,
    d,
    daemons: [["libvirtd", ref.uri], ["denovirt", `qemu:///system?socket=${d.socket}`]],
  };
}
