// The QEMU driver through libvirt's own clients: a real VM driven by virsh
// (define, start, dominfo, domstate, suspend, resume, screenshot, console,
// shutdown, destroy, undefine) while a libvirt-python client on another
// connection receives the lifecycle events, then a console read from Python.

import assert from "node:assert/strict";
import { startDaemon } from "../server/_daemon.ts";
import { haveTools } from "./_tools.ts";
import { killQemus } from "../drivers/_qemu.ts";

const runnable = haveTools("QEMU driver with virsh and libvirt-python", [
  "virsh",
  "python3_libvirt",
  "qemu-system-x86_64",
  "ps",
]);
const UUID = "5a7e0d1c-1111-4222-8333-944455556666";

const VM = `<domain type='qemu'>
  <name>interop</name>
  <uuid>${UUID}</uuid>
  <memory unit='MiB'>32</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><bios useserial='yes'/></os>
  <devices>
    <serial type='pty'><target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
    <graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'/>
    <video><model type='vga'/></video>
    <memballoon model='virtio'/>
  </devices>
</domain>`;

async function run(cmd: string, args: string[]): Promise<{ ok: boolean; out: string }> {
  const o = await new Deno.Command(cmd, {
    args,
    stdout: "piped",
    stderr: "piped",
    env: { LC_ALL: "C" },
  }).output();
  const dec = new TextDecoder();
  return { ok: o.success, out: dec.decode(o.stdout) + dec.decode(o.stderr) };
}

/** Waits for a Python process's stdout to print `line`. */
async function readUntil(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  line: string,
  sofar: { text: string },
): Promise<void> {
  const dec = new TextDecoder();
  while (!sofar.text.includes(line)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`python ended before printing ${line}: ${sofar.text}`);
    sofar.text += dec.decode(value);
  }
}

const EVENTS_PY = `
import libvirt, sys, threading
libvirt.virEventRegisterDefaultImpl()
c = libvirt.open(sys.argv[1])
def cb(conn, dom, event, detail, opaque):
    print("event", dom.name(), event, detail, flush=True)
c.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, cb, None)
print("ready", flush=True)
while True:
    libvirt.virEventRunDefaultImpl()
`;

const CONSOLE_PY = `
import libvirt, sys, time
c = libvirt.open(sys.argv[1])
d = c.lookupByName("interop")
d.createWithFlags(libvirt.VIR_DOMAIN_START_PAUSED)
st = c.newStream(0)
d.openConsole(None, st, 0)
d.resume()
buf = b""
while b"Booting from" not in buf:
    buf += st.recv(4096)
st.send(b"\\r")
st.finish()
print(buf.decode(errors="replace"))
d.destroy()
`;

Deno.test({
  name: "virsh drives a real VM while libvirt-python sees its events",
  ignore: !runnable,
}, async () => {
  const dir = await Deno.makeTempDir({ prefix: "denovirt-qemu-interop-" });
  const d = await startDaemon({
    qemu_config_dir: `${dir}/config`,
    qemu_state_dir: `${dir}/state`,
  });
  const uri = `qemu:///system?socket=${d.rw}`;
  const virsh = (...a: string[]) => run("virsh", ["-c", uri, ...a]);
  const py = new Deno.Command("/usr/bin/python3", {
    args: ["-c", EVENTS_PY, uri],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = py.stdout.getReader();
  const seen = { text: "" };
  try {
    await readUntil(reader, "ready", seen);
    // The host as a libvirt user sees it first: version and capabilities.
    assert.match((await virsh("version")).out, /Running hypervisor: QEMU \d+\.\d+\.\d+/);
    const caps = (await virsh("capabilities")).out;
    assert.match(caps, /<emulator>\/usr\/bin\/qemu-system-x86_64<\/emulator>/);
    assert.match(caps, /<machine canonical='pc-i440fx-[\d.]+' maxCpus='255'>pc<\/machine>/);
    assert.match(caps, /<domain type='qemu'\/>/);
    const domcaps = (await virsh("domcapabilities")).out;
    assert.match(domcaps, /<domain>(qemu|kvm)<\/domain>/);
    assert.match(domcaps, /<machine>pc-i440fx-[\d.]+<\/machine>/);
    assert.match(domcaps, /<value>virtio<\/value>/);
    assert.match(
      (await virsh("domcapabilities", "--machine", "nosuch")).out,
      /the machine 'nosuch' is not supported/,
    );
    await Deno.writeTextFile(`${dir}/vm.xml`, VM);
    assert.match((await virsh("define", `${dir}/vm.xml`)).out, /Domain 'interop' defined/);
    assert.match((await virsh("start", "interop")).out, /Domain 'interop' started/);
    const info = (await virsh("dominfo", "interop")).out;
    assert.match(info, /^Id: +1$/m);
    assert.match(info, /^State: +running$/m);
    assert.match(info, /^Max memory: +32768 KiB$/m);
    assert.match(info, /^Persistent: +yes$/m);
    assert.equal((await virsh("domstate", "--reason", "interop")).out.trim(), "running (booted)");
    assert.match((await virsh("suspend", "interop")).out, /suspended/);
    assert.equal((await virsh("domstate", "--reason", "interop")).out.trim(), "paused (user)");
    assert.match((await virsh("resume", "interop")).out, /resumed/);
    // The VNC display QEMU took, from the live XML.
    assert.match((await virsh("vncdisplay", "interop")).out, /^127\.0\.0\.1:\d+$/m);
    // Counts and statistics, as monitoring tools read them.
    assert.match((await virsh("vcpucount", "interop")).out, /maximum +live +1/);
    assert.match((await virsh("dommemstat", "interop")).out, /^actual 32768$/m);
    assert.match((await virsh("dommemstat", "interop")).out, /^rss \d+$/m);
    const domstats = (await virsh("domstats", "interop")).out;
    assert.match(domstats, /state.state=1/);
    assert.match(domstats, /cpu.time=\d+/);
    assert.match(domstats, /balloon.maximum=32768/);
    assert.match(domstats, /vcpu.current=1/);
    assert.match(domstats, /block.count=0/);
    // The balloon: the guest's memory target changes live.
    assert.equal((await virsh("setmem", "interop", "16M", "--live")).out.trim(), "");
    assert.match((await virsh("dominfo", "interop")).out, /^Used memory: +16384 KiB$/m);
    assert.match(
      (await virsh("qemu-monitor-command", "interop", "--hmp", "info balloon")).out,
      /balloon: actual=/,
    );
    // QMP and HMP pass through (libvirt-qemu's program).
    const qmp = JSON.parse(
      (await virsh("qemu-monitor-command", "interop", '{"execute":"query-name"}')).out,
    );
    assert.deepEqual(qmp.return, { name: "interop" });
    assert.match(
      (await virsh("qemu-monitor-command", "interop", "--hmp", "info status")).out,
      /VM status: running/,
    );
    const bad = JSON.parse(
      (await virsh("qemu-monitor-command", "interop", '{"execute":"nonsense"}')).out,
    );
    assert.equal(bad.error.class, "CommandNotFound");
    const shot = await virsh("screenshot", "interop", `${dir}/shot.png`);
    assert.match(shot.out, /image\/png/);
    assert.deepEqual(
      [...(await Deno.readFile(`${dir}/shot.png`)).subarray(0, 4)],
      [0x89, 0x50, 0x4e, 0x47],
    );
    // virsh dump --memory-only: an ELF core of the guest's memory; the guest runs on.
    assert.match(
      (await virsh("dump", "interop", `${dir}/core.elf`, "--memory-only")).out,
      /dumped to/,
    );
    const core = await Deno.readFile(`${dir}/core.elf`);
    assert.deepEqual([...core.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46]);
    assert.equal((await virsh("domstate", "interop")).out.trim(), "running");
    // virsh save and restore through a file of the user's.
    assert.match((await virsh("save", "interop", `${dir}/interop.sav`)).out, /saved to/);
    assert.equal((await virsh("domstate", "--reason", "interop")).out.trim(), "shut off (saved)");
    assert.match(
      (await virsh("save-image-dumpxml", `${dir}/interop.sav`)).out,
      /<name>interop<\/name>/,
    );
    assert.match((await virsh("restore", `${dir}/interop.sav`)).out, /Domain restored from/);
    assert.equal((await virsh("domstate", "--reason", "interop")).out.trim(), "running (restored)");
    assert.match((await virsh("shutdown", "interop")).out, /is being shutdown/);
    assert.match((await virsh("destroy", "interop")).out, /destroyed/);
    assert.match((await virsh("list", "--all")).out, /-\s+interop\s+shut off/);

    // Python saw the lifecycle from its own connection, in order.
    await readUntil(reader, "event interop 5 1", seen);
    const events = seen.text.split("\n").filter((l) => l.startsWith("event"));
    assert.deepEqual(events, [
      "event interop 0 0", // defined, added
      "event interop 2 0", // started, booted
      "event interop 3 0", // suspended, paused
      "event interop 4 0", // resumed, unpaused
      "event interop 5 4", // stopped, saved
      "event interop 2 2", // started, restored
      "event interop 5 1", // stopped, destroyed
    ]);

    // The console as a stream: SeaBIOS's banner, from the guest's first instruction on.
    const con = await run("/usr/bin/python3", ["-c", CONSOLE_PY, uri]);
    assert.ok(con.ok, con.out);
    assert.match(con.out, /SeaBIOS \(version/);

    // virsh console on a terminal (script gives it one), until the guest prints.
    assert.match((await virsh("start", "--paused", "interop")).out, /started/);
    const term = new Deno.Command("script", {
      args: ["-qfc", `virsh -c '${uri}' console interop`, `${dir}/console.txt`],
      stdin: "piped",
      stdout: "null",
      stderr: "null",
    }).spawn();
    // virsh prints its greeting before it opens the console: wait instead until
    // QEMU itself reports the serial port's socket connected (the stream is attached).
    const chardev = () => virsh("qemu-monitor-command", "interop", "--hmp", "info chardev");
    const attachBy = Date.now() + 60_000;
    while (!/^charserial0: filename=(?!disconnected)/m.test((await chardev()).out)) {
      if (Date.now() > attachBy) throw new Error("the console never attached");
      await new Promise((r) => setTimeout(r, 50));
    }
    await virsh("resume", "interop");
    const deadline = Date.now() + 60_000;
    let text = "";
    while (!text.includes("Booting from") && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      text = await Deno.readTextFile(`${dir}/console.txt`).catch(() => "");
    }
    term.kill("SIGKILL");
    await term.status;
    assert.match(text, /Connected to domain 'interop'/);
    assert.match(text, /SeaBIOS/);
    await virsh("destroy", "interop");
    assert.match((await virsh("undefine", "interop")).out, /undefined/);
  } finally {
    killQemus(UUID);
    py.kill("SIGKILL");
    await py.status;
    reader.releaseLock();
    await py.stdout.cancel().catch(() => {});
    await py.stderr.cancel().catch(() => {});
    await d.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
