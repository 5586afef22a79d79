// The daemon as a process: starts on a run directory, prints how to
// connect, replaces a stale socket, never steals a live one, and stops
// cleanly on SIGTERM.

import assert from "node:assert/strict";
import { RawClient } from "../_rpc_client.ts";
import { REMOTE_PROC_AUTH_LIST } from "../../src/protocol/remote_procedure_numbers.ts";

const MAIN = new URL("../../src/main.ts", import.meta.url).pathname;

function spawnDaemon(args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-check",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-net",
      "--allow-sys",
      MAIN,
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Reads stdout until `marker` appears; returns what was read. */
async function readUntil(p: Deno.ChildProcess, marker: string): Promise<string> {
  const reader = p.stdout.getReader();
  const dec = new TextDecoder();
  let text = "";
  try {
    while (!text.includes(marker)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += dec.decode(value);
    }
  } finally {
    reader.releaseLock();
  }
  return text;
}

async function answersAuthList(path: string): Promise<boolean> {
  const c = await RawClient.connect(path);
  try {
    const r = await c.reply(await c.call(REMOTE_PROC_AUTH_LIST));
    return r.header.status === 0;
  } finally {
    c.close();
    await c.done;
  }
}

Deno.test("the daemon prints its URIs, serves, and on SIGTERM exits 0 removing its sockets", async () => {
  const dir = await Deno.makeTempDir();
  const p = spawnDaemon(["--run-dir", dir]);
  try {
    const out = await readUntil(p, "virt-admin");
    assert.match(out, new RegExp(`virsh -c 'test\\+unix:///default\\?socket=${dir}/libvirt-sock'`));
    const modes = await Promise.all(
      ["libvirt-sock", "libvirt-sock-ro", "libvirt-admin-sock"].map(async (f) =>
        (await Deno.stat(`${dir}/${f}`)).mode! & 0o777
      ),
    );
    assert.deepEqual(modes, [0o700, 0o777, 0o700]);
    assert.ok(await answersAuthList(`${dir}/libvirt-sock`));
    p.kill("SIGTERM");
    const status = await p.status;
    assert.equal(status.code, 0);
    // The sockets are gone; what stays is the QEMU driver's configuration
    // (the default network libvirt defines on a first start).
    const left = [...Deno.readDirSync(dir)].map((e) => e.name);
    assert.deepEqual(left, ["qemu"]);
    assert.deepEqual([...Deno.readDirSync(`${dir}/qemu/networks`)].map((e) => e.name), [
      "default.xml",
    ]);
  } finally {
    await p.stdout.cancel().catch(() => {});
    await p.stderr.cancel().catch(() => {});
    try {
      p.kill("SIGKILL");
    } catch { /* exited */ }
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a stale socket file from a crashed run is replaced", async () => {
  const dir = await Deno.makeTempDir();
  // A socket file nobody listens on: what kill -9 leaves behind.
  const l = Deno.listen({ transport: "unix", path: `${dir}/libvirt-sock` });
  l.close();
  try {
    await Deno.lstat(`${dir}/libvirt-sock`);
  } catch {
    // Deno removed it on close; make a plain stale socket the hard way.
    const l2 = Deno.listen({ transport: "unix", path: `${dir}/libvirt-sock` });
    await Deno.rename(`${dir}/libvirt-sock`, `${dir}/keep`);
    l2.close();
    await Deno.rename(`${dir}/keep`, `${dir}/libvirt-sock`);
  }
  const p = spawnDaemon(["--run-dir", dir]);
  try {
    await readUntil(p, "virt-admin");
    assert.ok(await answersAuthList(`${dir}/libvirt-sock`));
    p.kill("SIGTERM");
    assert.equal((await p.status).code, 0);
  } finally {
    await p.stdout.cancel().catch(() => {});
    await p.stderr.cancel().catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a second daemon on a live socket exits with a clear message and steals nothing", async () => {
  const dir = await Deno.makeTempDir();
  const first = spawnDaemon(["--run-dir", dir]);
  try {
    await readUntil(first, "virt-admin");
    const second = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-check", "-A", MAIN, "--run-dir", dir],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(second.code, 1);
    assert.match(new TextDecoder().decode(second.stderr), /another daemon is serving it/);
    // The first daemon still answers.
    assert.ok(await answersAuthList(`${dir}/libvirt-sock`));
    first.kill("SIGTERM");
    assert.equal((await first.status).code, 0);
  } finally {
    await first.stdout.cancel().catch(() => {});
    await first.stderr.cancel().catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a bad settings file stops startup naming the file and line", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/d.conf`, `max_workers = 4\nmin_workers = "x"\n`);
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-check", "-A", MAIN, "--config", `${dir}/d.conf`, "--run-dir", dir],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 1);
    assert.match(
      new TextDecoder().decode(out.stderr),
      new RegExp(`${dir}/d.conf:2: min_workers: expected int`),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("kill -9 under load, then a restart on the same run directory serves again", async () => {
  const dir = await Deno.makeTempDir();
  const first = spawnDaemon(["--run-dir", dir]);
  try {
    await readUntil(first, "virt-admin");
    // Load: clients calling back to back while the daemon is killed.
    let running = true;
    const load = Promise.all(Array.from({ length: 8 }, async () => {
      while (running) {
        try {
          await answersAuthList(`${dir}/libvirt-sock`);
        } catch {
          // The daemon is gone or restarting.
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    }));
    await new Promise((r) => setTimeout(r, 300));
    first.kill("SIGKILL");
    await first.status;
    // The socket files are left behind, stale.
    assert.ok((await Deno.lstat(`${dir}/libvirt-sock`)).isSocket);
    const t0 = Date.now();
    const second = spawnDaemon(["--run-dir", dir]);
    try {
      await readUntil(second, "virt-admin");
      assert.ok(await answersAuthList(`${dir}/libvirt-sock`));
      console.log(`answering again ${Date.now() - t0} ms after the restart began`);
      running = false;
      await load;
      second.kill("SIGTERM");
      assert.equal((await second.status).code, 0);
    } finally {
      running = false;
      await second.stdout.cancel().catch(() => {});
      await second.stderr.cancel().catch(() => {});
    }
  } finally {
    await first.stdout.cancel().catch(() => {});
    await first.stderr.cancel().catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task serve --sandbox runs the daemon under permissions narrowed to its run directory", async () => {
  const dir = await Deno.makeTempDir();
  const serve = new URL("../../src/serve.ts", import.meta.url).pathname;
  const p = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-check",
      "--allow-run",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-sys=uid",
      serve,
      "--sandbox",
      "--run-dir",
      dir,
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  try {
    await readUntil(p, "virt-admin");
    assert.ok(await answersAuthList(`${dir}/libvirt-sock`));
    // The daemon process itself holds only the narrowed grants.
    const ps = await new Deno.Command("ps", { args: ["-eo", "args"], stdout: "piped" }).output();
    const daemon = new TextDecoder().decode(ps.stdout).split("\n").find((l) =>
      l.includes("main.ts") && l.includes(dir)
    );
    assert.ok(daemon, "the daemon process");
    assert.match(daemon, new RegExp(`--allow-write=${dir}( |$)`));
    assert.match(daemon, /--allow-net=unix:/);
    assert.doesNotMatch(daemon, / -A | --allow-all/);
    p.kill("SIGTERM");
    assert.equal((await p.status).code, 0);
  } finally {
    await p.stdout.cancel().catch(() => {});
    await p.stderr.cancel().catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});
