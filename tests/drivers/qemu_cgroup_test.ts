// The QEMU driver's cgroup layout (issue 13): which hierarchy holds each
// controller as libvirt's backends claim them (v2 first, then v1), the
// domain's group name, and the group a domain without cgroups lacks.

import assert from "node:assert/strict";
import {
  cgroupMounts,
  controllerDir,
  domainCgroup,
  hasController,
  inDomainGroup,
  machineGroupName,
} from "../../src/drivers/qemu/cgroup.ts";

const V1 = ["cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids"]
  .map((c) => `cgroup /sys/fs/cgroup/${c} cgroup rw,relatime,${c} 0 0`).join("\n");

Deno.test("a hybrid host: v2 takes cpuacct and devices (and what it lists), v1 the rest", async () => {
  const v2 = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${v2}/cgroup.controllers`, "hugetlb\n");
    const m = cgroupMounts(`${V1}\ncgroup2 ${v2} cgroup2 rw,relatime 0 0\n`);
    assert.equal(m.v2, v2);
    assert.deepEqual([...m.v2Controllers].sort(), ["cpuacct", "devices"]);
    assert.deepEqual([...m.v1.keys()].sort(), ["blkio", "cpu", "cpuset", "freezer", "memory"]);
    const cg = { mounts: m, rel: "machine/qemu-1-a.libvirt-qemu" };
    assert.equal(controllerDir(cg, "cpuacct"), `${v2}/machine/qemu-1-a.libvirt-qemu`);
    assert.equal(
      controllerDir(cg, "cpu", "vcpu0"),
      "/sys/fs/cgroup/cpu/machine/qemu-1-a.libvirt-qemu/vcpu0",
    );
  } finally {
    await Deno.remove(v2, { recursive: true });
  }
});

Deno.test("a v2-only host names blkio io; co-mounted v1 controllers share a mount", async () => {
  const v2 = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${v2}/cgroup.controllers`, "cpuset cpu io memory pids\n");
    const m = cgroupMounts(`cgroup2 ${v2} cgroup2 rw 0 0\n`);
    assert.deepEqual(
      [...m.v2Controllers].sort(),
      ["blkio", "cpu", "cpuacct", "cpuset", "devices", "memory"],
    );
    assert.equal(m.v1.size, 0);
  } finally {
    await Deno.remove(v2, { recursive: true });
  }
  const both = cgroupMounts("cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,cpu,cpuacct 0 0\n");
  assert.equal(both.v1.get("cpu"), "/sys/fs/cgroup/cpu,cpuacct");
  assert.equal(both.v1.get("cpuacct"), "/sys/fs/cgroup/cpu,cpuacct");
  assert.equal(both.v2, null);
});

Deno.test("no hierarchy mounted: no controller anywhere", () => {
  const m = cgroupMounts("proc /proc proc rw 0 0\n");
  assert.equal(m.v1.size + m.v2Controllers.size, 0);
  assert.equal(controllerDir({ mounts: m, rel: "machine/x" }, "cpu"), null);
  assert.equal(hasController(null, "cpu"), false);
});

Deno.test("the group is named qemu-ID-NAME.libvirt-qemu with the name's odd characters left out", () => {
  assert.equal(machineGroupName(3, "web"), "qemu-3-web.libvirt-qemu");
  assert.equal(machineGroupName(1, "a b/ü_c.d"), "qemu-1-ab_c.d.libvirt-qemu");
  assert.equal(machineGroupName(12, "x".repeat(80)).length, 64 + ".libvirt-qemu".length);
});

Deno.test("a domain not placed (or not running) has no cgroup", () => {
  assert.equal(domainCgroup({ pid: 4242, id: 1, def: { name: "a" } }), null);
  assert.equal(domainCgroup({ pid: 0, id: -1, cgroup: true, def: { name: "a" } }), null);
  assert.equal(
    domainCgroup({ pid: 4242, id: 2, cgroup: true, def: { name: "a" } })?.rel,
    "machine/qemu-2-a.libvirt-qemu",
  );
  // This test's own process sits in no domain's group.
  assert.equal(inDomainGroup(Deno.pid, 1, "denovirt-no-such-domain"), false);
});

Deno.test("under v2 a group has a controller only when enabled for it", async () => {
  const v2 = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${v2}/cgroup.controllers`, "cpu io memory\n");
    const rel = "machine/qemu-1-a.libvirt-qemu";
    await Deno.mkdir(`${v2}/${rel}`, { recursive: true });
    await Deno.writeTextFile(`${v2}/${rel}/cgroup.controllers`, "memory io\n");
    const cg = { mounts: cgroupMounts(`cgroup2 ${v2} cgroup2 rw 0 0\n`), rel };
    assert.deepEqual(
      (["memory", "blkio", "cpu", "cpuacct"] as const).map((c) => hasController(cg, c)),
      [true, true, false, true],
    );
  } finally {
    await Deno.remove(v2, { recursive: true });
  }
});
