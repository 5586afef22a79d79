// `deno task serve` as users run it. By default the daemon reaches the files
// a client names as libvirtd does: virsh's test:///PATH node files, save and
// restore images and core dumps outside the run directory give libvirtd's
// results. `--sandbox` (or `sandbox = 1`) refuses them with "Permission
// denied" and the option that allows them. The daemon never outlives its
// launcher (kill -9 of `deno task` or of the sandbox's launcher), SIGHUP
// reloads the QEMU driver's definitions without stopping it, SIGTERM stops it cleanly.

import assert from "node:assert/strict";
import { startLibvirtd } from "../_daemons.ts";
import { haveTools } from "./_tools.ts";
import {
  alive,
  answers,
  children,
  exists,
  ps,
  run,
  serve,
  type Served,
  until,
  virsh,
} from "./_serve.ts";

const hasVirsh = haveTools("deno task serve", ["virsh"]);
const hasVirtAdmin = hasVirsh && haveTools("deno task serve (admin)", ["virt-admin"]);
const hasLibvirtd = hasVirsh &&
  haveTools("deno task serve against libvirtd", ["libvirtd", "virt-admin"]);

/** A node file outside any run directory, one domain inline and one by `file=`. */
async function clientFiles(): Promise<string> {
  const files = await Deno.makeTempDir({ prefix: "denovirt-client-files-" });
  await Deno.writeTextFile(
    `${files}/other.xml`,
    `<domain type='test'><name>other</name><uuid>11111111-2222-3333-4444-555555555556</uuid>
  <memory>65536</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>`,
  );
  await Deno.writeTextFile(
    `${files}/node.xml`,
    `<node>
  <domain type='test'><name>fromfile</name><uuid>11111111-2222-3333-4444-555555555555</uuid>
    <memory>131072</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>
  <domain file='other.xml'/>
</node>`,
  );
  return files;
}

/** virsh's session on a node file: save, restore, dump and read back, all in `files`. */
const sessionScript = (files: string) =>
  [
    "list --all",
    `save fromfile ${files}/saved.img`,
    "list --all",
    `restore ${files}/saved.img`,
    "list --all",
    `dump other ${files}/other.core`,
    `save-image-dumpxml ${files}/saved.img`,
  ].join("; ");

/** Runs the session against `socket`; returns virsh's output and the files it left. */
async function session(files: string, socket: string) {
  const r = await virsh(`test+unix://${files}/node.xml`, socket, sessionScript(files));
  const take = async (f: string) => {
    const bytes = await Deno.readFile(f).catch(() => null);
    await Deno.remove(f).catch(() => {});
    return bytes;
  };
  const saved = await take(`${files}/saved.img`);
  const core = await take(`${files}/other.core`);
  const missing = await virsh(`test+unix://${files}/missing.xml`, socket, "list");
  // A log file virt-admin names, where no directory is: libvirtd's error, not a silent success.
  const admin = socket.replace(/libvirt-sock$/, "libvirt-admin-sock");
  const log = await virtAdmin(admin, `daemon-log-outputs 1:file:${files}/no-dir/x.log`);
  return { ...r, saved, core, missing, log };
}

const virtAdmin = (socket: string, script: string) =>
  run("virt-admin", ["-c", `libvirtd+unix:///system?socket=${socket}`, script]);

Deno.test({
  name: "deno task serve: virsh's node files, saves, restores and dumps as against libvirtd",
  ignore: !hasLibvirtd,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const files = await clientFiles();
    const ref = await startLibvirtd();
    assert.ok(ref, "libvirtd did not start");
    let ours: Served | null = null;
    try {
      const want = await session(files, ref.socket);
      assert.equal(want.code, 0, want.out);
      ours = await serve([]);
      const got = await session(files, ours.rw);
      assert.equal(got.out, want.out);
      assert.equal(got.code, 0);
      assert.match(got.out, /Domain 'fromfile' saved to .*saved\.img/);
      assert.match(got.out, /Domain restored from/);
      assert.match(got.out, /Domain 'other' dumped to/);
      // The files themselves: the test driver's save image and core, byte for byte.
      assert.deepEqual(got.saved, want.saved);
      assert.deepEqual(got.core, want.core);
      // A node file that is not there: libvirt's words.
      assert.equal(got.missing.out, want.missing.out);
      assert.equal(got.missing.code, want.missing.code);
      assert.equal(got.log.out, want.log.out);
      assert.match(got.log.out, /failed to open .*x\.log: No such file or directory/);
    } finally {
      await ours?.cleanup();
      await ref.stop();
      await Deno.remove(files, { recursive: true });
    }
  },
});

const refusal = (path: string) =>
  new RegExp(
    `${
      path.replaceAll("/", "\\/").replaceAll(".", "\\.")
    }.*: Permission denied \\(denovirt --sandbox: ` +
      `allow '${path}' or a directory above it with --allow-path or sandbox_allow_paths\\)`,
  );

Deno.test({
  name: "deno task serve --sandbox refuses the paths it may not reach, naming the option",
  ignore: !hasVirsh,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const files = await clientFiles();
    let s: Served | null = null;
    try {
      s = await serve(["--sandbox"]);
      // The daemon runs as the launcher's child, under narrowed permissions.
      const [daemon] = children(s.proc.pid);
      assert.ok(daemon, "the sandboxed daemon");
      assert.match(ps("-o", "args=", "-p", String(daemon)), / --allow-read=\S+ /);

      const node = await virsh(`test+unix://${files}/node.xml`, s.rw, "list");
      assert.notEqual(node.code, 0);
      assert.match(node.out, /failed to connect to the hypervisor/);
      assert.match(node.out, refusal(`${files}/node.xml`));

      // From a node file it may read, the paths outside are refused one by one.
      await Deno.copyFile(`${files}/node.xml`, `${s.dir}/node.xml`);
      await Deno.copyFile(`${files}/other.xml`, `${s.dir}/other.xml`);
      const uri = `test+unix://${s.dir}/node.xml`;
      const save = await virsh(uri, s.rw, `save fromfile ${files}/saved.img`);
      assert.notEqual(save.code, 0);
      assert.match(save.out, refusal(`${files}/saved.img`));
      const dump = await virsh(uri, s.rw, `dump fromfile ${files}/x.core`);
      assert.match(dump.out, refusal(`${files}/x.core`));
      const restore = await virsh(uri, s.rw, `restore ${files}/node.xml`);
      assert.match(restore.out, refusal(`${files}/node.xml`));
      assert.equal(await exists(`${files}/saved.img`), false);

      // QEMU opens disks itself: the sandbox's limit is kept before it starts.
      const qemu = "qemu:///system";
      await Deno.writeTextFile(`${files}/disk.img`, "");
      await Deno.writeTextFile(
        `${s.dir}/vm.xml`,
        `<domain type='qemu'><name>boxed</name><uuid>5a7e0d1c-1111-4222-8333-944455550002</uuid>
  <memory unit='MiB'>32</memory><vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices><disk type='file' device='disk'><source file='${files}/disk.img'/>
  <target dev='vda' bus='virtio'/></disk></devices></domain>`,
      );
      const start = await virsh(qemu, s.rw, `define ${s.dir}/vm.xml; start boxed; domstate boxed`);
      assert.match(start.out, /Cannot access storage file '.*disk\.img'/);
      assert.match(start.out, refusal(`${files}/disk.img`));
      assert.match(start.out, /shut off/);
      const pool = await virsh(qemu, s.rw, `pool-create-as p dir --target ${files}`);
      assert.match(pool.out, refusal(files));
      if (hasVirtAdmin) {
        const admin = `${s.dir}/libvirt-admin-sock`;
        const log = await virtAdmin(admin, `daemon-log-outputs 1:file:${files}/d.log`);
        assert.match(log.out, /Unable to change daemon logging settings/);
        assert.match(log.out, refusal(`${files}/d.log`));
      }
      await s.cleanup();
      s = null;

      // sandbox_allow_paths (as --allow-path) lets it reach them: libvirtd's results.
      const conf = `${files}.conf`;
      await Deno.writeTextFile(conf, `sandbox = 1\nsandbox_allow_paths = [ "${files}" ]\n`);
      try {
        s = await serve(["--config", conf]);
        assert.ok(children(s.proc.pid).length > 0, "sandbox = 1 runs the daemon as a child");
        const r = await virsh(`test+unix://${files}/node.xml`, s.rw, sessionScript(files));
        assert.equal(r.code, 0, r.out);
        assert.match(r.out, /Domain restored from/);
        assert.match(r.out, /Domain 'other' dumped to/);
      } finally {
        await Deno.remove(conf);
      }
    } finally {
      await s?.cleanup();
      await Deno.remove(files, { recursive: true });
    }
  },
});

/** After the daemon's launcher was killed: it ends, its sockets are gone and answer no more. */
async function assertStopped(daemon: number, s: Served): Promise<void> {
  await until(() => !alive(daemon), "the daemon to end");
  assert.equal(await answers(s.rw), false);
  for (const f of ["libvirt-sock", "libvirt-sock-ro", "libvirt-admin-sock"]) {
    assert.equal(await exists(`${s.dir}/${f}`), false, `${f} removed`);
  }
}

Deno.test({
  name: "kill -9 of `deno task serve` stops the daemon it started",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const s = await serve([], { via: "task" });
    try {
      // deno task runs the serve task as its child: the daemon itself.
      const [daemon] = children(s.proc.pid);
      assert.ok(daemon, "the daemon under deno task");
      assert.ok(await answers(s.rw));
      s.proc.kill("SIGKILL");
      await assertStopped(daemon, s);
      await until(() => /the launcher \(pid \d+\) is gone/.test(s.output()), "its log line");
    } finally {
      await s.cleanup();
    }
  },
});

Deno.test({
  name: "kill -9 of the sandbox's launcher stops the daemon",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const s = await serve(["--sandbox"]);
    try {
      const [daemon] = children(s.proc.pid);
      assert.ok(daemon, "the sandboxed daemon");
      assert.ok(await answers(s.rw));
      s.proc.kill("SIGKILL");
      await assertStopped(daemon, s);
    } finally {
      await s.cleanup();
    }
  },
});

const HUP_XML =
  `<domain type='qemu'><name>hup</name><uuid>5a7e0d1c-1111-4222-8333-944455550001</uuid>
  <memory unit='MiB'>32</memory><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os></domain>`;

for (const mode of ["default", "sandbox"] as const) {
  Deno.test({
    name: `deno task serve${
      mode === "sandbox" ? " --sandbox" : ""
    }: SIGHUP reloads the QEMU definitions and serves on; SIGTERM stops it`,
    ignore: !hasVirsh,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      const s = await serve(mode === "sandbox" ? ["--sandbox"] : []);
      const qemu = (script: string) => virsh("qemu:///system", s.rw, script);
      try {
        // A definition placed in qemu_config_dir behind the daemon's back…
        await Deno.mkdir(`${s.dir}/qemu`, { recursive: true });
        await Deno.writeTextFile(`${s.dir}/qemu/hup.xml`, HUP_XML);
        assert.equal((await qemu("list --all --name")).out.trim(), "");
        // …is read at the next SIGHUP, which libvirtd answers with virStateReload.
        s.proc.kill("SIGHUP");
        await until(
          async () => (await qemu("list --all --name")).out.trim() === "hup",
          "the reloaded definition",
        );
        // Repeated hang-ups end nothing.
        s.proc.kill("SIGHUP");
        s.proc.kill("SIGHUP");
        const still = await virsh("test+unix:///default", s.rw, "list --name");
        assert.equal(still.out.trim(), "test");
        assert.match((await qemu("dominfo hup")).out, /State: +shut off/);

        s.proc.kill("SIGTERM");
        assert.equal((await s.proc.status).code, 0);
        assert.equal(await answers(s.rw), false);
        assert.equal(await exists(s.rw), false);
      } finally {
        await s.cleanup();
      }
    },
  });
}

/** A process's resident memory in MiB (ps: the tests' permissions do not reach /proc). */
const rssMiB = (pid: number) => Number(ps("-o", "rss=", "-p", String(pid))) / 1024;

for (const mode of ["default", "sandbox"] as const) {
  Deno.test({
    name: `deno task serve${
      mode === "sandbox" ? " --sandbox" : ""
    }: idle Workers park and give their memory back; a grown pool costs nothing until used`,
    ignore: !hasVirtAdmin,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      const dir = await Deno.makeTempDir({ prefix: "denovirt-park-" });
      const conf = `${dir}/libvirtd.conf`;
      await Deno.writeTextFile(conf, "worker_park_seconds = 2\n");
      const s = await serve([...mode === "sandbox" ? ["--sandbox"] : [], "--config", conf], {
        dir,
      });
      const admin = `${s.dir}/libvirt-admin-sock`;
      const info = async () => (await virtAdmin(admin, "server-threadpool-info libvirtd")).out;
      const workers = async (n: number) => {
        const r = await virtAdmin(
          admin,
          `server-threadpool-set libvirtd --max-workers ${n} --min-workers ${n}`,
        );
        assert.equal(r.code, 0, r.out);
        await until(
          async () => /nWorkers\s*:\s*(\d+)/.exec(await info())?.[1] === String(n),
          `${n} Workers`,
        );
      };
      try {
        const daemon = mode === "sandbox" ? children(s.proc.pid)[0]! : s.proc.pid;
        assert.ok(daemon, "the daemon");
        assert.doesNotMatch(s.output(), /started without the V8 flag/);
        // libvirtd's figures: five Workers, all free, though none has an isolate yet.
        assert.match(await info(), /nWorkers\s*:\s*5\s+freeWorkers\s*:\s*5\s+prioWorkers\s*:\s*5/);
        // At rest: every Worker parked (the QEMU driver's start-up ran in one).
        await new Promise((r) => setTimeout(r, 3000));
        let rest = rssMiB(daemon);
        await until(
          async () => {
            await new Promise((r) => setTimeout(r, 500));
            const now = rssMiB(daemon);
            const settled = Math.abs(now - rest) < 2;
            rest = now;
            return settled;
          },
          "RSS at rest",
          15_000,
        );
        // A pool grown to 25 Workers has no more isolates than before.
        await workers(25);
        assert.ok(rssMiB(daemon) - rest < 20, `RSS ${rest.toFixed(0)} → ${rssMiB(daemon)} MiB`);
        await workers(5);
        // Calls start isolates: each loads the programs and the drivers.
        for (let i = 0; i < 3; i++) {
          assert.equal((await virsh("test:///default", s.rw, "list --all")).code, 0);
          assert.equal((await virsh("qemu:///system", s.rw, "list --all")).code, 0);
        }
        const used = rssMiB(daemon);
        assert.ok(used - rest > 15, `RSS ${rest.toFixed(0)} → ${used.toFixed(0)} MiB`);
        // Idle for worker_park_seconds, they park, and the isolates that
        // ended give their memory back at once, though the daemon is idle
        // (without V8's --no-memory-pool-share-memory-on-teardown an idle
        // daemon kept it).
        let now = used;
        await until(
          () => (now = rssMiB(daemon)) < rest + (used - rest) / 4,
          "the memory back",
          15_000,
        ).catch(() =>
          assert.fail(`RSS ${rest.toFixed(0)} → ${used.toFixed(0)} → ${now.toFixed(0)} MiB`)
        );
        // And a parked Worker answers again.
        assert.equal((await virsh("test:///default", s.rw, "list --name")).out.trim(), "test");
      } finally {
        await s.cleanup();
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}
