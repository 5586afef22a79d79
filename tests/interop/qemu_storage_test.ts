// Storage on a qemu:/// connection, driven by virsh as a user would: a dir
// pool on a real directory, qcow2 and raw volumes made by qemu-img, upload
// and download as streams (the bytes come back identical), resize, clone,
// delete; a volume attached to a real VM whose block statistics count the
// guest's reads; the pool definition and its autostart survive a restart.

import assert from "node:assert/strict";
import { startDaemon } from "../server/_daemon.ts";
import { haveTools } from "./_tools.ts";
import { killQemus } from "../drivers/_qemu.ts";

const runnable = haveTools("QEMU storage with virsh", [
  "virsh",
  "qemu-system-x86_64",
  "ps",
  "qemu-img",
]);
const UUID = "5a7e0d1c-1111-4222-8333-944455557777";

async function run(args: string[]): Promise<{ ok: boolean; out: string }> {
  const o = await new Deno.Command("virsh", {
    args,
    stdout: "piped",
    stderr: "piped",
    env: { LC_ALL: "C" },
  }).output();
  const dec = new TextDecoder();
  return { ok: o.success, out: dec.decode(o.stdout) + dec.decode(o.stderr) };
}

Deno.test({
  name: "virsh: a dir pool, qemu-img volumes, upload and download, a disk for a VM",
  ignore: !runnable,
}, async () => {
  const dir = await Deno.makeTempDir({ prefix: "denovirt-qemu-storage-" });
  const conf = {
    qemu_config_dir: `${dir}/config`,
    qemu_state_dir: `${dir}/state`,
  };
  let d = await startDaemon(conf);
  const virsh = (...a: string[]) => run(["-c", `qemu:///system?socket=${d.rw}`, ...a]);
  const pool = `${dir}/images`;
  try {
    assert.match(
      (await virsh("pool-define-as", "images", "dir", "--target", pool)).out,
      /Pool images defined/,
    );
    assert.match((await virsh("pool-build", "images")).out, /built/);
    assert.ok((await Deno.stat(pool)).isDirectory);
    assert.match((await virsh("pool-start", "images")).out, /started/);
    assert.match((await virsh("pool-autostart", "images")).out, /autostarted/);
    // A dir pool's sizes are its file system's (statvfs), as libvirt reports them.
    const df = await new Deno.Command("df", { args: ["-B1", "--output=size", pool] }).output();
    const size = Number(new TextDecoder().decode(df.stdout).trim().split("\n")[1]);
    const pi = await virsh("pool-info", "images", "--bytes");
    assert.equal(Number(/Capacity: +(\d+)/.exec(pi.out)?.[1]), size, pi.out);
    assert.ok(Number(/Available: +(\d+)/.exec(pi.out)?.[1]) > 0, pi.out);
    assert.match(
      (await virsh("vol-create-as", "images", "disk.qcow2", "64M", "--format", "qcow2")).out,
      /Vol disk.qcow2 created/,
    );
    assert.match((await virsh("vol-create-as", "images", "blob", "1M")).out, /created/);
    const list = (await virsh("vol-list", "images")).out;
    assert.match(list, new RegExp(`disk.qcow2 +${pool}/disk.qcow2`));
    assert.match(list, new RegExp(`blob +${pool}/blob`));
    const info = (await virsh("vol-info", "disk.qcow2", "--pool", "images")).out;
    assert.match(info, /Capacity: +64.00 MiB/);
    assert.match(
      (await virsh("vol-dumpxml", "disk.qcow2", "--pool", "images")).out,
      /<format type='qcow2'\/>/,
    );

    // Upload and download: client → daemon and daemon → client streams.
    const data = crypto.getRandomValues(new Uint8Array(65536)).slice();
    const big = new Uint8Array(1024 * 1024);
    for (let i = 0; i < 16; i++) big.set(data, i * 65536);
    await Deno.writeFile(`${dir}/up.bin`, big);
    assert.ok((await virsh("vol-upload", "blob", `${dir}/up.bin`, "--pool", "images")).ok);
    assert.deepEqual(await Deno.readFile(`${pool}/blob`), big, "the upload is on disk");
    assert.ok((await virsh("vol-download", "blob", `${dir}/down.bin`, "--pool", "images")).ok);
    assert.deepEqual(await Deno.readFile(`${dir}/down.bin`), big, "the download is identical");

    assert.match(
      (await virsh("vol-resize", "disk.qcow2", "128M", "--pool", "images")).out,
      /successfully/,
    );
    assert.match(
      (await virsh("vol-info", "disk.qcow2", "--pool", "images")).out,
      /Capacity: +128.00 MiB/,
    );
    const shrink = await virsh("vol-resize", "disk.qcow2", "32M", "--pool", "images");
    assert.ok(!shrink.ok);
    assert.match(shrink.out, /Can't shrink capacity below current capacity/);
    assert.match(
      (await virsh("vol-clone", "disk.qcow2", "copy.qcow2", "--pool", "images")).out,
      /cloned/,
    );
    assert.equal(
      (await virsh("vol-path", "copy.qcow2", "--pool", "images")).out.trim(),
      `${pool}/copy.qcow2`,
    );
    assert.match((await virsh("vol-delete", "copy.qcow2", "--pool", "images")).out, /deleted/);
    await assert.rejects(Deno.stat(`${pool}/copy.qcow2`));
    const gone = await virsh("vol-info", "copy.qcow2", "--pool", "images");
    assert.match(
      gone.out,
      /Storage volume not found: no storage vol with matching path 'copy.qcow2'/,
    );

    // The volume as a VM's disk: SeaBIOS reads its boot sector.
    await Deno.writeTextFile(
      `${dir}/vm.xml`,
      `<domain type='qemu'>
  <name>withdisk</name>
  <uuid>${UUID}</uuid>
  <memory unit='MiB'>32</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
  <features><acpi/><apic/></features>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='${pool}/disk.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <interface type='user'><mac address='52:54:00:aa:bb:01'/><model type='virtio'/></interface>
  </devices>
</domain>`,
    );
    assert.match((await virsh("define", `${dir}/vm.xml`)).out, /defined/);
    assert.match((await virsh("start", "withdisk")).out, /started/);
    assert.match(
      (await virsh("domblklist", "withdisk")).out,
      new RegExp(`vda +${pool}/disk.qcow2`),
    );
    // The live XML names the disk's device; the inactive one does not.
    assert.match((await virsh("dumpxml", "withdisk")).out, /<alias name='virtio-disk0'\/>/);
    assert.doesNotMatch((await virsh("dumpxml", "--inactive", "withdisk")).out, /<alias /);
    let reads = 0;
    for (let i = 0; i < 100 && reads === 0; i++) {
      const m = /vda rd_req (\d+)/.exec((await virsh("domblkstat", "withdisk", "vda")).out);
      reads = Number(m?.[1] ?? 0);
      if (reads === 0) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(reads > 0, "the guest read its disk");
    // A new volume attached to the running VM and to its definition, without leaving virsh.
    assert.match(
      (await virsh("vol-create-as", "images", "extra.qcow2", "16M", "--format", "qcow2")).out,
      /created/,
    );
    const extra = `${pool}/extra.qcow2`;
    assert.match(
      (await virsh(
        "attach-disk",
        "withdisk",
        extra,
        "vdb",
        "--targetbus",
        "virtio",
        "--subdriver",
        "qcow2",
        "--persistent",
      )).out,
      /Disk attached successfully/,
    );
    assert.match((await virsh("domblklist", "withdisk")).out, new RegExp(`vdb +${extra}`));
    assert.match(
      (await virsh("domblklist", "withdisk", "--inactive")).out,
      new RegExp(`vdb +${extra}`),
    );
    assert.match((await virsh("domblkstat", "withdisk", "vdb")).out, /vdb rd_req \d+/);
    assert.match(
      (await virsh("qemu-monitor-command", "withdisk", "--hmp", "info block")).out,
      new RegExp(`${extra} \\(qcow2\\)`),
    );
    assert.match(
      await Deno.readTextFile(`${dir}/config/withdisk.xml`),
      /<target dev='vdb' bus='virtio'\/>/,
    );
    const ide = await virsh(
      "attach-disk",
      "withdisk",
      extra,
      "hdd",
      "--targetbus",
      "ide",
      "--live",
    );
    assert.match(ide.out, /disk bus 'ide' cannot be hotplugged/);
    assert.match(
      (await virsh("detach-disk", "withdisk", "vdb", "--config")).out,
      /detached successfully/,
    );
    assert.doesNotMatch((await virsh("domblklist", "withdisk", "--inactive")).out, /vdb/);
    assert.match((await virsh("destroy", "withdisk")).out, /destroyed/);

    // A restart brings the pool back, active (autostart), with its volumes.
    await d.stop();
    d = await startDaemon(conf);
    const pools = (await virsh("pool-list", "--all")).out;
    assert.match(pools, /images +active +yes/);
    assert.match((await virsh("vol-list", "images")).out, /disk.qcow2/);
    assert.match((await virsh("pool-destroy", "images")).out, /destroyed/);
    assert.match((await virsh("pool-undefine", "images")).out, /undefined/);
    assert.doesNotMatch((await virsh("pool-list", "--all")).out, /images/);
  } finally {
    killQemus(UUID);
    await d.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
