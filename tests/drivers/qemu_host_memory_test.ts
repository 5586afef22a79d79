// virNodeGetMemoryStats for the QEMU driver: libvirt's four fields in KiB,
// from /proc/meminfo or a NUMA node's meminfo, and its argument checks.

import assert from "node:assert/strict";
import {
  hostMemoryStats,
  NODE_MEMORY_STATS_NUM,
  parseMeminfo,
} from "../../src/drivers/qemu/host_memory.ts";
import { VirError } from "../../src/rpc/error.ts";

Deno.test("meminfo lines become total, free, buffers and cached in the file's order", () => {
  const proc = "MemTotal:       16384 kB\nMemFree:         1024 kB\nMemAvailable:    8192 kB\n" +
    "Buffers:           64 kB\nCached:          4096 kB\nSwapCached:         0 kB\n";
  assert.deepEqual(parseMeminfo(proc), [
    { field: "total", value: 16384n },
    { field: "free", value: 1024n },
    { field: "buffers", value: 64n },
    { field: "cached", value: 4096n },
  ]);
  const node = "Node 0 MemTotal:       16384 kB\nNode 0 MemFree:         1024 kB\n" +
    "Node 0 MemUsed:        15360 kB\n";
  assert.deepEqual(parseMeminfo(node), [
    { field: "total", value: 16384n },
    { field: "free", value: 1024n },
  ]);
});

Deno.test("the host's memory stats: the count first, then the figures", () => {
  assert.deepEqual(hostMemoryStats(-1, 0, 0), { count: NODE_MEMORY_STATS_NUM, params: [] });
  const { params } = hostMemoryStats(-1, NODE_MEMORY_STATS_NUM, 0);
  assert.deepEqual(params.map((p) => p.field), ["total", "free", "buffers", "cached"]);
  assert.ok(params[0]!.value > 0n && params[0]!.value >= params[1]!.value);
});

Deno.test("libvirt's argument checks for virNodeGetMemoryStats", () => {
  const fails = (f: () => unknown, re: RegExp) =>
    assert.throws(f, (e: unknown) => e instanceof VirError && re.test(e.message));
  fails(() => hostMemoryStats(-1, 2, 0), /^nparams in virHostMemGetStatsLinux must be 4$/);
  fails(() => hostMemoryStats(-2, 4, 0), /^cellNum in virNodeGetMemoryStats only accepts -1/);
  fails(() => hostMemoryStats(-1, -1, 0), /^\*nparams in virNodeGetMemoryStats must be zero/);
  fails(() => hostMemoryStats(9999, 4, 0), /^cellNum in virHostMemGetStats must be less than/);
  // Even the count is refused for a cell the host lacks (virsh then says "Unable to get number
  // of memory stats", as against libvirtd).
  fails(() => hostMemoryStats(9999, 0, 0), /^cellNum in virHostMemGetStats must be less than/);
  fails(
    () => hostMemoryStats(-1, 4, 1),
    /unsupported flags \(0x1\) in function virHostMemGetStats/,
  );
});
