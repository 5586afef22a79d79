/**
 * Issue 20's bulk-data goals: `virsh vol-upload` and `vol-download` of large
 * raw volumes in a `dir` pool on denovirt's QEMU driver and on libvirtd
 * 9.0's (its storage driver), in the same run, alternating; throughput, the
 * daemon's CPU per GiB and its RSS growth during the transfer. Then a sparse
 * volume both ways with `--sparse`, the largest call and reply a client can
 * make (a ~4 MiB defineXML and its dumpxml), and other clients' p99 latency
 * (bench/load.c, getLibVersion) during a download against without one.
 * Writes its section into bench/RESULTS.md.
 *
 *   deno run -A bench/bulk.ts [--sizes 1,4] [--runs 3] [--no-write]
 *
 * @module
 */

import { cpuMicrosTree, settle, startDenovirt, which } from "../tests/_daemons.ts";
import { referenceQemuMissing, startReferenceQemu } from "../tests/_reference_qemu.ts";
import { writeResultsSection } from "./_results.ts";

const arg = (name: string, dflt: string) => {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Deno.args[i + 1] ?? dflt : dflt;
};
const SIZES = arg("sizes", "1,4").split(",").map(Number);
const RUNS = Number(arg("runs", "3"));
const LARGE_RUNS = Number(arg("large-runs", "7"));
const ONLY = arg("only", "all");
const WRITE = !Deno.args.includes("--no-write");
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const dec = new TextDecoder();

async function virsh(uri: string, ...args: string[]): Promise<string> {
  const o = await new Deno.Command("virsh", {
    args: ["-c", uri, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { LC_ALL: "C" },
  }).output();
  const out = dec.decode(o.stdout) + dec.decode(o.stderr);
  if (!o.success) throw new Error(`virsh ${args.join(" ")}: ${out}`);
  return out;
}

/** Resident memory of a process in KiB. */
function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
  return m ? Number(m[1]) : 0;
}

interface Daemon {
  name: string;
  pid: number;
  uri: string;
  /** Where its pool's volumes are. */
  pool: string;
}

interface Transfer {
  mbps: number;
  cpuSecPerGiB: number;
  rssGrowthMiB: number;
}

/** Runs `virsh args` against `d`, timing it and watching the daemon's CPU and RSS. */
async function measured(d: Daemon, bytes: number, ...args: string[]): Promise<Transfer> {
  const rss0 = rssKiB(d.pid);
  let peak = rss0;
  const timer = setInterval(() => (peak = Math.max(peak, rssKiB(d.pid))), 20);
  const cpu0 = cpuMicrosTree(d.pid);
  const t0 = performance.now();
  try {
    await virsh(d.uri, ...args);
  } finally {
    clearInterval(timer);
  }
  const secs = (performance.now() - t0) / 1000;
  const cpu = (cpuMicrosTree(d.pid) - cpu0) / 1e6;
  peak = Math.max(peak, rssKiB(d.pid));
  return {
    mbps: bytes / 1e6 / secs,
    cpuSecPerGiB: cpu / (bytes / GiB),
    rssGrowthMiB: (peak - rss0) / 1024,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** A file of `size` bytes of incompressible data (a random MiB, each copy stamped). */
async function makeSource(path: string, size: number): Promise<void> {
  const block = crypto.getRandomValues(new Uint8Array(MiB / 16));
  const mib = new Uint8Array(MiB);
  for (let i = 0; i < 16; i++) mib.set(block, i * block.length);
  const f = await Deno.open(path, { write: true, create: true, truncate: true });
  try {
    for (let i = 0; i < size / MiB; i++) {
      new DataView(mib.buffer).setUint32(0, i);
      let off = 0;
      while (off < mib.length) off += await f.write(mib.subarray(off));
    }
  } finally {
    f.close();
  }
}

async function sameBytes(a: string, b: string): Promise<boolean> {
  return (await new Deno.Command("cmp", { args: ["-s", a, b] }).output()).success;
}

/** Allocated bytes of a file (its holes excluded). */
function allocated(path: string): number {
  return (Deno.statSync(path).blocks ?? 0) * 512;
}

interface Row {
  what: string;
  den: Transfer[];
  ref: Transfer[];
}

async function transfers(daemons: Daemon[], dir: string): Promise<Row[]> {
  const rows: Row[] = [];
  for (const gib of SIZES) {
    const size = gib * GiB;
    const src = `${dir}/src-${gib}g`;
    await makeSource(src, size);
    for (const d of daemons) {
      await virsh(d.uri, "vol-create-as", "bulk", `v${gib}g`, `${gib}G`, "--format", "raw");
    }
    const up: Row = { what: `vol-upload ${gib} GiB`, den: [], ref: [] };
    const down: Row = { what: `vol-download ${gib} GiB`, den: [], ref: [] };
    for (let i = 0; i < RUNS; i++) {
      const order = i % 2 === 0 ? daemons : [...daemons].reverse();
      for (const d of order) {
        const slot = d.name === "denovirt" ? "den" : "ref";
        await settle(d.pid, 5000);
        up[slot].push(
          await measured(d, size, "vol-upload", `v${gib}g`, src, "--pool", "bulk"),
        );
        const dst = `${dir}/dst-${d.name}`;
        await settle(d.pid, 5000);
        down[slot].push(
          await measured(d, size, "vol-download", `v${gib}g`, dst, "--pool", "bulk"),
        );
        if (i === 0 && !(await sameBytes(src, dst))) {
          throw new Error(`${d.name}: the ${gib} GiB round trip differs`);
        }
        await Deno.remove(dst);
      }
    }
    for (const d of daemons) await virsh(d.uri, "vol-delete", `v${gib}g`, "--pool", "bulk");
    await Deno.remove(src);
    rows.push(up, down);
  }
  return rows;
}

/**
 * A 64 MiB file of 1 MiB data extents 4 MiB apart, ending in a hole,
 * uploaded and downloaded with --sparse: the bytes and the holes must survive.
 */
async function sparse(daemons: Daemon[], dir: string): Promise<string[]> {
  const src = `${dir}/sparse-src`;
  const f = await Deno.open(src, { write: true, create: true, truncate: true });
  const data = crypto.getRandomValues(new Uint8Array(65536));
  for (let at = 0; at < 60 * MiB; at += 4 * MiB) {
    await f.seek(at, Deno.SeekMode.Start);
    for (let i = 0; i < 16; i++) await f.write(data);
  }
  await f.truncate(64 * MiB);
  f.close();
  const lines: string[] = [];
  for (const d of daemons) {
    await virsh(d.uri, "vol-create-as", "bulk", "sparse", "64M", "--format", "raw");
    await virsh(d.uri, "vol-upload", "sparse", src, "--pool", "bulk", "--sparse");
    const vol = `${d.pool}/sparse`;
    const dst = `${dir}/sparse-${d.name}`;
    await virsh(d.uri, "vol-download", "sparse", dst, "--pool", "bulk", "--sparse");
    const ok = (await sameBytes(src, vol)) && (await sameBytes(src, dst));
    lines.push(
      `| ${d.name} | ${ok ? "yes" : "**no**"} | ${(allocated(src) / MiB).toFixed(0)} | ` +
        `${(allocated(vol) / MiB).toFixed(0)} | ${(allocated(dst) / MiB).toFixed(0)} |`,
    );
    await virsh(d.uri, "vol-delete", "sparse", "--pool", "bulk");
    await Deno.remove(dst);
  }
  await Deno.remove(src);
  return lines;
}

/** A domain with a ~4 MiB metadata element: defined, its XML read back, undefined (ms). */
async function largeMessages(daemons: Daemon[], dir: string): Promise<Record<string, number[]>> {
  const blob = "x".repeat(4 * MiB - 4096);
  const xml = `<domain type='qemu'>
  <name>bulkmeta</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <metadata><big:blob xmlns:big="urn:denovirt:bulk">${blob}</big:blob></metadata>
</domain>`;
  await Deno.writeTextFile(`${dir}/meta.xml`, xml);
  // Warm-up: denovirt's Workers each probe the emulator on their first
  // definition (libvirtd probes once at start); that is not what is measured.
  await Deno.writeTextFile(
    `${dir}/small.xml`,
    xml.replace(blob, "").replace("bulkmeta", "bulkwarm"),
  );
  for (let i = 0; i < 8; i++) {
    for (const d of daemons) {
      await virsh(d.uri, "define", `${dir}/small.xml`);
      await virsh(d.uri, "undefine", "bulkwarm");
    }
  }
  const out: Record<string, number[]> = {};
  for (let i = 0; i < LARGE_RUNS; i++) {
    const order = i % 2 === 0 ? daemons : [...daemons].reverse();
    for (const d of order) {
      const t0 = performance.now();
      await virsh(d.uri, "define", `${dir}/meta.xml`);
      const t1 = performance.now();
      const back = await virsh(d.uri, "dumpxml", "bulkmeta");
      const t2 = performance.now();
      if (!back.includes(blob)) throw new Error(`${d.name}: the metadata did not come back`);
      await virsh(d.uri, "undefine", "bulkmeta");
      const t3 = performance.now();
      (out[`${d.name} define`] ??= []).push(t1 - t0);
      (out[`${d.name} dumpxml`] ??= []).push(t2 - t1);
      (out[`${d.name} undefine`] ??= []).push(t3 - t2);
    }
  }
  // The same calls on one open connection (libvirt-python), timed around
  // each call alone: virsh's start and connection setup are most of its
  // wall time above, and the same for both daemons.
  for (let i = 0; i < LARGE_RUNS; i++) {
    const order = i % 2 === 0 ? daemons : [...daemons].reverse();
    for (const d of order) {
      const o = await new Deno.Command("/usr/bin/python3", {
        args: ["-c", ONE_CONNECTION, d.uri, `${dir}/meta.xml`],
        stdout: "piped",
        stderr: "piped",
      }).output();
      if (!o.success) throw new Error(`${d.name}: ${dec.decode(o.stderr)}`);
      const times: Record<string, number[]> = JSON.parse(dec.decode(o.stdout));
      for (const [call, ms] of Object.entries(times)) {
        (out[`${d.name} ${call} conn`] ??= []).push(...ms);
      }
    }
  }
  return out;
}

/** libvirt-python: define, dumpxml and undefine 3 times on one connection, each timed (ms, JSON). */
const ONE_CONNECTION = `
import json, sys, time, libvirt
conn = libvirt.open(sys.argv[1])
xml = open(sys.argv[2]).read()
conn.defineXML(xml).undefine()  # warm-up
out = {"define": [], "dumpxml": [], "undefine": []}
for _ in range(3):
    t0 = time.perf_counter(); dom = conn.defineXML(xml)
    t1 = time.perf_counter(); back = dom.XMLDesc(0)
    t2 = time.perf_counter(); dom.undefine()
    t3 = time.perf_counter()
    assert len(back) > 4000000
    for k, a, b in (("define", t0, t1), ("dumpxml", t1, t2), ("undefine", t2, t3)):
        out[k].append((b - a) * 1000)
print(json.dumps(out))
`;

async function buildLoad(): Promise<string> {
  const gcc = which("gcc") ?? which("cc");
  if (!gcc) throw new Error("bench/bulk.ts needs a C compiler (apt-get install gcc)");
  const out = await Deno.makeTempFile({ prefix: "denovirt-load-" });
  const src = new URL("./load.c", import.meta.url).pathname;
  const r = await new Deno.Command(gcc, { args: ["-O2", "-o", out, src] }).output();
  if (!r.success) throw new Error(`cannot build load.c: ${dec.decode(r.stderr)}`);
  return out;
}

/** p99 (µs) of 4 getLibVersion clients for `secs`, while `during` runs (if given). */
async function p99(bin: string, socket: string, secs: number): Promise<number> {
  const r = await new Deno.Command(bin, {
    args: [socket, "4", String(secs), "version"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = dec.decode(r.stdout).trim();
  if (!r.success || !out) throw new Error(`load failed: ${dec.decode(r.stderr)}`);
  return (JSON.parse(out) as { p99_us: number }).p99_us;
}

async function latency(
  daemons: (Daemon & { socket: string })[],
  dir: string,
): Promise<string[]> {
  const bin = await buildLoad();
  const src = `${dir}/lat-src`;
  await makeSource(src, GiB);
  const lines: string[] = [];
  try {
    for (const d of daemons) {
      await virsh(d.uri, "vol-create-as", "bulk", "lat", "1G", "--format", "raw");
      await virsh(d.uri, "vol-upload", "lat", src, "--pool", "bulk");
      // Alone and during downloads, in turns (the machine's other load drifts): medians of 5.
      const idle: number[] = [];
      const during: number[] = [];
      const dst = `${dir}/lat-dst-${d.name}`;
      for (let round = 0; round < 5; round++) {
        await settle(d.pid, 5000);
        idle.push(await p99(bin, d.socket, 2));
        // Downloads back to back for as long as the load runs.
        let busy = true;
        const loop = (async () => {
          while (busy) await virsh(d.uri, "vol-download", "lat", dst, "--pool", "bulk");
        })();
        await new Promise((r) => setTimeout(r, 300));
        during.push(await p99(bin, d.socket, 2));
        busy = false;
        await loop;
      }
      await Deno.remove(dst).catch(() => {});
      const a = median(idle);
      const b = median(during);
      lines.push(
        `| ${d.name} | ${(a / 1000).toFixed(2)} | ${(b / 1000).toFixed(2)} | ×${
          (b / a).toFixed(1)
        } |`,
      );
      await virsh(d.uri, "vol-delete", "lat", "--pool", "bulk");
    }
  } finally {
    await Deno.remove(bin).catch(() => {});
    await Deno.remove(src).catch(() => {});
  }
  return lines;
}

function fmtRows(rows: Row[]): string[] {
  const lines = [
    "| transfer | denovirt MB/s | libvirtd MB/s | ratio | CPU s/GiB den / lv | RSS growth MiB den / lv |",
    "| -------- | ------------- | ------------- | ----- | ------------------ | ----------------------- |",
  ];
  for (const r of rows) {
    const m = (xs: Transfer[], k: keyof Transfer) => median(xs.map((x) => x[k]));
    const dm = m(r.den, "mbps");
    const lm = m(r.ref, "mbps");
    lines.push(
      `| ${r.what} | ${dm.toFixed(0)} | ${lm.toFixed(0)} | ×${(dm / lm).toFixed(2)} | ` +
        `${m(r.den, "cpuSecPerGiB").toFixed(2)} / ${m(r.ref, "cpuSecPerGiB").toFixed(2)} | ` +
        `${Math.max(...r.den.map((x) => x.rssGrowthMiB)).toFixed(0)} / ` +
        `${Math.max(...r.ref.map((x) => x.rssGrowthMiB)).toFixed(0)} |`,
    );
  }
  return lines;
}

async function main(): Promise<void> {
  const missing = referenceQemuMissing();
  if (missing) {
    console.error(`bulk: skipped: ${missing}`);
    return;
  }
  const dir = await Deno.makeTempDir({ prefix: "denovirt-bulk-bench-" });
  const den = await startDenovirt(
    `qemu_config_dir = "${dir}/config"\nqemu_state_dir = "${dir}/state"\n`,
  );
  const ref = await startReferenceQemu();
  const refPid = Number((await Deno.readTextFile(`${ref.dir}/pid`)).trim());
  const daemons = [
    {
      name: "denovirt",
      pid: den.pid,
      uri: `qemu:///system?socket=${den.socket}`,
      socket: den.socket,
      pool: `${dir}/pool-denovirt`,
    },
    {
      name: "libvirtd",
      pid: refPid,
      uri: ref.uri,
      socket: `${ref.dir}/libvirt-sock`,
      pool: `${dir}/pool-libvirtd`,
    },
  ];
  const sections: string[] = [];
  let rows: Row[] = [];
  let sparseLines: string[] = [];
  let big: Record<string, number[]> = {};
  let lat: string[] = [];
  try {
    for (const d of daemons) {
      await Deno.mkdir(d.pool);
      // Transient: nothing is left in the reference's /etc/libvirt.
      await virsh(d.uri, "pool-create-as", "bulk", "dir", "--target", d.pool);
    }
    if (ONLY === "all" || ONLY === "transfer") rows = await transfers(daemons, dir);
    if (ONLY === "all" || ONLY === "sparse") sparseLines = await sparse(daemons, dir);
    if (ONLY === "all" || ONLY === "large") big = await largeMessages(daemons, dir);
    if (ONLY === "all" || ONLY === "latency") lat = await latency(daemons, dir);
  } finally {
    for (const d of daemons) await virsh(d.uri, "pool-destroy", "bulk").catch(() => {});
    await ref.stop();
    await den.stop();
    await Deno.remove(dir, { recursive: true });
  }
  const today = new Date().toISOString().slice(0, 10);
  sections.push(
    `## Bulk data (bench/bulk.ts), ${today}`,
    "",
    "`virsh vol-upload` then `vol-download` of a raw volume of random data in a `dir` pool, on",
    `denovirt's QEMU driver and libvirtd 9.0's storage driver in the same run, alternating; median`,
    `of ${RUNS} (throughput from virsh's wall time, the daemon's CPU over all its threads; RSS`,
    "growth: the peak during the transfer, sampled every 20 ms, over the RSS before it, worst run).",
    "virsh reads and writes its file on the same disk: past the page cache's dirty limit (a 4 GiB",
    "download) the disk, not the daemon, sets the pace for both.",
    "",
  );
  if (rows.length) sections.push(...fmtRows(rows), "");
  if (sparseLines.length) {
    sections.push(
      "A 64 MiB sparse file (15 extents of 1 MiB, ending in a hole) uploaded and downloaded with",
      "`--sparse`; allocated MiB of the source, the volume and the downloaded copy:",
      "",
      "| daemon | identical | source | volume | download |",
      "| ------ | --------- | ------ | ------ | -------- |",
      ...sparseLines,
      "",
    );
  }
  if (lat.length) {
    sections.push(
      "Four other clients calling getLibVersion in a closed loop (bench/load.c), p99 in ms over 2 s,",
      "alone and while 1 GiB downloads run back to back, in turns, median of 5 (on a shared 2-core",
      "machine p99 moves with the other load: runs gave ×1.2 to ×2.7 for denovirt, ×0.6 to ×4.4 for",
      "libvirtd):",
      "",
      "| daemon | p99 alone | p99 during downloads | growth |",
      "| ------ | --------- | -------------------- | ------ |",
      ...lat,
      "",
    );
  }
  const largeSection = Object.keys(big).length === 0 ? [] : [
    `### Large calls and replies (bench/bulk.ts --only large), ${today}`,
    "",
    "The largest string a call can carry is 4 MiB (REMOTE_STRING_MAX), so the large call is a",
    "`virsh define` of a domain with a 4 MiB metadata element, the large reply its `dumpxml`, then",
    `its \`undefine\` (ms, alternating, same run): virsh's wall time (median of ${LARGE_RUNS}), and`,
    `each call alone on one open libvirt-python connection (median of ${
      3 * LARGE_RUNS
    }; virsh's start`,
    "and connection setup are most of its wall time, alike for both daemons):",
    "",
    "| call | virsh: denovirt | libvirtd | ratio | one connection: denovirt | libvirtd | ratio |",
    "| ---- | --------------- | -------- | ----- | ------------------------ | -------- | ----- |",
    ...["define", "dumpxml", "undefine"].map((c) => {
      const m = (k: string) => median(big[k]!);
      const cols = (s: string) =>
        `${m(`denovirt ${c}${s}`).toFixed(1)} | ${m(`libvirtd ${c}${s}`).toFixed(1)} | ` +
        `×${(m(`denovirt ${c}${s}`) / m(`libvirtd ${c}${s}`)).toFixed(2)}`;
      return `| ${c} | ${cols("")} | ${cols(" conn")} |`;
    }),
    "",
  ];
  sections.push(...largeSection);
  const section = sections.join("\n");
  console.log(section);
  if (WRITE && ONLY === "all") writeResultsSection("## Bulk data (bench/bulk.ts)", section);
  // Alone, the large messages replace only their own part (the section's last).
  if (WRITE && ONLY === "large" && largeSection.length) {
    writeResultsSection("### Large calls and replies (bench/bulk.ts", largeSection.join("\n"));
  }
}

if (import.meta.main) await main();
