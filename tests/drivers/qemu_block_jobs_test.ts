// Block jobs on the QEMU driver, as a user runs them with virsh (issue 19):
// the tiny guest, booted with guest.tick on a qcow2 disk, keeps counting on
// its serial port while an external disk-only snapshot is merged back with
// blockcommit --active --pivot (the disk's source is the original image
// again and it holds what the guest's QEMU wrote after the snapshot), a
// blockpull is watched with blockjob --info and aborted, another leaves a
// standalone image, a commit of an inner layer shortens the chain, and
// blockcopy moves the disk onto a copy (--pivot) or leaves one (--finish).
// Another client (virsh event --all) sees libvirt's block-job events.

import assert from "node:assert/strict";
import { haveTools } from "../interop/_tools.ts";
import { buildGuest } from "../testdata/guest/build.ts";
import { killQemus, spawnDaemon, waitForSocket } from "./_qemu.ts";

const runnable = haveTools("QEMU block jobs", [
  "virsh",
  "qemu-system-x86_64",
  "qemu-img",
  "qemu-io",
  "ps",
]);

const UUID = "5ab1e000-0000-4000-8000-0000000000c1";

async function run(cmd: string, args: string[]): Promise<{ ok: boolean; out: string }> {
  const o = await new Deno.Command(cmd, {
    args,
    stdout: "piped",
    stderr: "piped",
    env: { LC_ALL: "C" },
  }).output();
  const dec = new TextDecoder();
  return { ok: o.success, out: (dec.decode(o.stdout) + dec.decode(o.stderr)).trim() };
}

async function readLog(file: string): Promise<string> {
  try {
    return await Deno.readTextFile(file);
  } catch {
    return "";
  }
}

function lastTick(log: string): number {
  const all = [...log.matchAll(/GUEST TICK (\d+)/g)];
  return all.length ? Number(all[all.length - 1]![1]) : 0;
}

/** Waits until `cond` holds (the guest runs under TCG on a busy host). */
async function waitFor<T>(get: () => Promise<T>, cond: (v: T) => boolean, what: string) {
  const deadline = Date.now() + 120_000;
  let v = await get();
  while (!cond(v)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${String(v)}`);
    await new Promise((r) => setTimeout(r, 250));
    v = await get();
  }
  return v;
}

function tickGuest(guest: string, disk: string, log: string) {
  return `<domain type='qemu'>
  <name>bj</name>
  <uuid>${UUID}</uuid>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>${guest}/vmlinuz</kernel>
    <initrd>${guest}/initrd.gz</initrd>
    <cmdline>console=ttyS0 guest.tick</cmdline>
  </os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='${disk}'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <serial type='file'><source path='${log}'/><target port='0'/></serial>
  </devices>
</domain>`;
}

Deno.test({
  name:
    "QEMU block jobs: commit --active --pivot, pull, copy, abort and events while the guest runs",
  ignore: !runnable,
  sanitizeResources: false,
  sanitizeOps: false,
}, async (t) => {
  const guest = await buildGuest();
  const dir = await Deno.makeTempDir({ prefix: "denovirt-qemu-blockjob-" });
  const conf = `${dir}/denovirt.conf`;
  await Deno.writeTextFile(conf, `unix_sock_dir = "${dir}/run"\n`);
  const sock = `${dir}/run/libvirt-sock`;
  const uri = `qemu:///system?socket=${sock}`;
  const virsh = (...a: string[]) => run("virsh", ["-c", uri, ...a]);
  const ok = async (...a: string[]) => {
    const r = await virsh(...a);
    assert.ok(r.ok, `virsh ${a.join(" ")}: ${r.out}`);
    return r.out;
  };
  // Through the guest's own QEMU (its virtio disk's backend), flushed so a reader sees it;
  // QEMU prints qemu-io's own output on its stdout, only errors come back.
  const hmp = async (cmd: string) => {
    const out = await ok(
      "qemu-monitor-command",
      "bj",
      "--hmp",
      `qemu-io -d /machine/peripheral/virtio-disk0/virtio-backend "${cmd}"`,
    );
    assert.doesNotMatch(out, /error|extraneous/i, out);
  };
  const hmpWrite = async (pattern: string, offset: string, len: string) => {
    await hmp(`write -P ${pattern} ${offset} ${len}`);
    await hmp("flush");
  };
  const readsBack = async (img: string, pattern: string, offset: string, len: string) => {
    const r = await run("qemu-io", [
      "-U",
      "-r",
      "-f",
      "qcow2",
      "-c",
      `read -P ${pattern} ${offset} ${len}`,
      img,
    ]);
    return /read \d+\/\d+ bytes/.test(r.out) && !/Pattern verification failed/.test(r.out);
  };
  const backing = async (img: string) =>
    /backing file: (\S+)/.exec((await run("qemu-img", ["info", "-U", img])).out)?.[1] ?? null;
  const disk = `${dir}/bj.qcow2`;
  const log = `${dir}/bj.log`;
  const daemon = spawnDaemon(conf);
  let events: Deno.ChildProcess | null = null;
  let seen = "";
  let reader: Promise<void> = Promise.resolve();
  const ticking = async () => {
    const now = lastTick(await readLog(log));
    await waitFor(() => readLog(log), (s) => lastTick(s) >= now + 2, "the guest's ticks");
  };
  try {
    await waitForSocket(sock);
    assert.ok((await run("qemu-img", ["create", "-f", "qcow2", disk, "64M"])).ok);
    await Deno.writeTextFile(`${dir}/bj.xml`, tickGuest(guest, disk, log));
    await ok("define", `${dir}/bj.xml`);
    await ok("start", "bj");
    await waitFor(() => readLog(log), (s) => lastTick(s) >= 2, "the guest's ticks");

    events = new Deno.Command("virsh", {
      args: ["-c", uri, "event", "--all", "--loop"],
      stdout: "piped",
      stderr: "null",
    }).spawn();
    reader = (async () => {
      const dec = new TextDecoder();
      for await (const chunk of events!.stdout) seen += dec.decode(chunk);
    })();
    // virsh registers its callbacks before it prints anything: give it a moment.
    await new Promise((r) => setTimeout(r, 1500));

    await t.step("blockcommit --active --pivot merges a disk-only snapshot back", async () => {
      await ok("snapshot-create-as", "bj", "s1", "--disk-only");
      assert.match(await ok("domblklist", "bj"), /vda\s+\S+\/bj\.s1/);
      await hmpWrite("0x5a", "1M", "1M");
      const out = await ok("blockcommit", "bj", "vda", "--active", "--pivot", "--verbose");
      assert.match(out, /Successfully pivoted/);
      assert.match(await ok("domblklist", "bj"), new RegExp(`vda\\s+${disk}`));
      const xml = await ok("dumpxml", "bj");
      assert.match(xml, new RegExp(`<source file='${disk}'/>\\s*<backingStore/>`));
      assert.match(await ok("dumpxml", "bj", "--inactive"), new RegExp(`<source file='${disk}'/>`));
      await hmp("flush");
      assert.ok(await readsBack(disk, "0x5a", "1M", "1M"), "the base holds the data");
      assert.equal(await backing(disk), null);
      assert.match(await ok("blockjob", "bj", "vda", "--info"), /No current block job for vda/);
      // With nothing below the disk, libvirt finds no base before it looks at the flags.
      assert.match(
        (await virsh("blockcommit", "bj", "vda")).out,
        /invalid argument: could not find base image in chain for 'vda'/,
      );
      await ticking();
    });

    await t.step("blockjob --info shows a pull's progress; --abort cancels it", async () => {
      await ok("snapshot-create-as", "bj", "s2", "--disk-only");
      await hmpWrite("0xa5", "8M", "16M");
      await ok("snapshot-create-as", "bj", "s3", "--disk-only");
      // 1 MiB/s over 16 MiB of data below the top: long enough to look at.
      await ok("blockpull", "bj", "vda", "--bandwidth", "1");
      const info = await ok("blockjob", "bj", "vda", "--info");
      assert.match(info, /Block Pull: \[\s*\d+ %\]/);
      assert.match(await ok("blockjob", "bj", "vda", "--info", "--bytes"), /1048576 bytes\/s/);
      await ok("blockjob", "bj", "vda", "--bandwidth", "2");
      assert.match(await ok("blockjob", "bj", "vda", "--info", "--bytes"), /2097152 bytes\/s/);
      const again = await virsh("blockpull", "bj", "vda");
      assert.match(again.out, /disk 'vda' already in active block job/);
      await ok("blockjob", "bj", "vda", "--abort");
      assert.match(await ok("blockjob", "bj", "vda", "--info"), /No current block job for vda/);
      assert.equal(await backing(`${dir}/bj.s3`), `${dir}/bj.s2`);
      assert.match(
        await ok("dumpxml", "bj"),
        new RegExp(`<source file='${dir}/bj.s3'/>\\s*<backingStore type='file'>`),
      );
    });

    await t.step("blockpull --wait leaves a standalone image", async () => {
      const out = await ok("blockpull", "bj", "vda", "--wait", "--verbose");
      assert.match(out, /Pull complete/);
      assert.equal(await backing(`${dir}/bj.s3`), null);
      await hmp("flush");
      assert.ok(await readsBack(`${dir}/bj.s3`, "0xa5", "8M", "16M"));
      assert.ok(await readsBack(`${dir}/bj.s3`, "0x5a", "1M", "1M"));
      assert.match(
        await ok("dumpxml", "bj"),
        new RegExp(`<source file='${dir}/bj.s3'/>\\s*<backingStore/>`),
      );
      await ticking();
    });

    await t.step("blockcommit --top --base merges an inner layer", async () => {
      await ok("snapshot-create-as", "bj", "s4", "--disk-only");
      await hmpWrite("0x3c", "30M", "1M");
      await ok("snapshot-create-as", "bj", "s5", "--disk-only");
      const top = `${dir}/bj.s4`;
      const base = `${dir}/bj.s3`;
      const r = await virsh("blockcommit", "bj", "vda", "--top", `${dir}/bj.s5`);
      assert.match(r.out, /commit of 'vda' active layer requires active flag/);
      const out = await ok("blockcommit", "bj", "vda", "--top", top, "--base", base, "--wait");
      assert.match(out, /Commit complete/);
      assert.equal(await backing(`${dir}/bj.s5`), base);
      await hmp("flush");
      assert.ok(await readsBack(base, "0x3c", "30M", "1M"));
      const xml = await ok("dumpxml", "bj");
      assert.doesNotMatch(xml, /bj\.s4/);
      assert.match(
        xml,
        new RegExp(
          `<source file='${dir}/bj.s5'/>\\s*<backingStore type='file'>\\s*<format type='qcow2'/>\\s*<source file='${base}'/>`,
        ),
      );
      await ticking();
    });

    await t.step("blockcopy --pivot moves the disk onto a copy; --finish leaves one", async () => {
      const copy1 = `${dir}/copy1.qcow2`;
      const copy2 = `${dir}/copy2.qcow2`;
      // As in libvirt 9.0, only a transient domain's disk is copied.
      assert.match(
        (await virsh("blockcopy", "bj", "vda", copy1, "--wait", "--pivot")).out,
        /Requested operation is not valid: domain is not transient/,
      );
      await ok("undefine", "bj", "--snapshots-metadata");
      const out = await ok("blockcopy", "bj", "vda", copy1, "--wait", "--pivot", "--verbose");
      assert.match(out, /Successfully pivoted/);
      assert.match(await ok("domblklist", "bj"), new RegExp(`vda\\s+${copy1}`));
      assert.match(
        await ok("dumpxml", "bj"),
        new RegExp(`<source file='${copy1}'/>\\s*<backingStore/>`),
      );
      assert.equal(await backing(copy1), null);
      await hmp("flush");
      assert.ok(await readsBack(copy1, "0x3c", "30M", "1M"));
      assert.ok(await readsBack(copy1, "0xa5", "8M", "16M"));
      await ticking();
      assert.match(
        await ok("blockcopy", "bj", "vda", copy2, "--wait", "--finish"),
        /Successfully copied/,
      );
      assert.match(await ok("domblklist", "bj"), new RegExp(`vda\\s+${copy1}`));
      assert.ok(await readsBack(copy2, "0x3c", "30M", "1M"));
      assert.match(await ok("blockjob", "bj", "vda", "--info"), /No current block job for vda/);
      await ticking();
    });

    await t.step("another client saw the block-job events", async () => {
      const want = [
        /event 'block-job' for domain 'bj': Active Block Commit for \S+bj\.s1 ready/,
        /event 'block-job-2' for domain 'bj': Active Block Commit for vda ready/,
        /event 'block-job-2' for domain 'bj': Active Block Commit for vda completed/,
        /event 'block-job-2' for domain 'bj': Block Pull for vda canceled/,
        /event 'block-job-2' for domain 'bj': Block Pull for vda completed/,
        /event 'block-job' for domain 'bj': Block Pull for \S+bj\.s3 completed/,
        /event 'block-job-2' for domain 'bj': Block Commit for vda completed/,
        /event 'block-job-2' for domain 'bj': Block Copy for vda ready/,
        /event 'block-job-2' for domain 'bj': Block Copy for vda completed/,
        /event 'block-job-2' for domain 'bj': Block Copy for vda canceled/,
      ];
      await waitFor(
        () => Promise.resolve(seen),
        (s) => want.every((w) => w.test(s)),
        "the block-job events",
      );
    });
  } finally {
    if (events) {
      try {
        events.kill("SIGTERM");
      } catch {
        // It ended with its connection.
      }
      await reader.catch(() => {});
      await events.status;
    }
    await run("virsh", ["-c", uri, "destroy", "bj"]);
    daemon.kill("SIGTERM");
    await daemon.status;
    killQemus(UUID);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
