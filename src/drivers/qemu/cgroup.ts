/**
 * The cgroups a QEMU domain runs in, placed as libvirt 9.0 places them when
 * it manages cgroups itself (no systemd-machined): under the partition
 * `machine`, a group `qemu-ID-NAME.libvirt-qemu` with an `emulator` and a
 * `vcpuN` sub-group per vCPU for the controllers that hold threads. Both
 * cgroup versions may be mounted at once (a v1 hierarchy per controller and
 * a v2 one at /sys/fs/cgroup/unified): as libvirt's backends do, the v2
 * hierarchy takes the controllers it lists in cgroup.controllers and always
 * `cpuacct` (its cpu.stat carries the usage figures) and `devices` (BPF);
 * each v1 mount takes what is left. The figures resource queries report are
 * read from these files, and the settings written to them.
 *
 * Only root (qemu:///system) uses cgroups, as libvirt's session mode never
 * does. Where the hierarchy cannot be written, the domain runs without
 * cgroups and the queries give libvirt's "... is not mounted" refusals.
 *
 * @module
 */

import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_OPERATION_INVALID,
  VIR_ERR_SYSTEM_ERROR,
  VIR_FROM_CGROUP,
  VIR_FROM_QEMU,
} from "../../rpc/error_codes.ts";

/** libvirt's controller names (virCgroupController). */
export type Controller =
  | "cpu"
  | "cpuacct"
  | "cpuset"
  | "memory"
  | "devices"
  | "freezer"
  | "blkio";

const V1_CONTROLLERS: Controller[] = [
  "cpu",
  "cpuacct",
  "cpuset",
  "memory",
  "devices",
  "freezer",
  "blkio",
];
/** The controllers whose groups hold single threads (vCPU and emulator sub-groups). */
const THREAD_CONTROLLERS: Controller[] = ["cpu", "cpuacct", "cpuset"];
/** v2's names for the controllers libvirt uses, where they differ. */
const V2_NAMES: Partial<Record<Controller, string>> = { blkio: "io" };

/** Where each controller lives: a v1 mount point, or the v2 one. */
export interface CgroupMounts {
  v1: Map<Controller, string>;
  v2: string | null;
  v2Controllers: Set<Controller>;
}

/** The hierarchy's mounts as /proc/mounts lists them, each controller claimed once (v2 first). */
export function cgroupMounts(mountsText?: string): CgroupMounts {
  let text = mountsText ?? "";
  if (mountsText === undefined) {
    try {
      text = Deno.readTextFileSync("/proc/mounts");
    } catch {
      text = "";
    }
  }
  const v1 = new Map<Controller, string>();
  let v2: string | null = null;
  for (const line of text.split("\n")) {
    const [, dir, type, opts] = line.split(" ");
    if (!dir || !opts) continue;
    const path = dir.replace(/\\040/g, " ");
    if (type === "cgroup2" && v2 === null) v2 = path;
    if (type !== "cgroup") continue;
    for (const o of opts.split(",")) {
      if ((V1_CONTROLLERS as string[]).includes(o) && !v1.has(o as Controller)) {
        v1.set(o as Controller, path);
      }
    }
  }
  const v2Controllers = new Set<Controller>();
  if (v2 !== null) {
    let listed: string[] = [];
    try {
      listed = Deno.readTextFileSync(`${v2}/cgroup.controllers`).trim().split(/\s+/);
    } catch {
      v2 = null;
    }
    if (v2 !== null) {
      for (const c of V1_CONTROLLERS) {
        if (listed.includes(V2_NAMES[c] ?? c)) v2Controllers.add(c);
      }
      v2Controllers.add("cpuacct");
      v2Controllers.add("devices");
      for (const c of v2Controllers) v1.delete(c);
    }
  }
  return { v1, v2, v2Controllers };
}

/** The domain's group name (virDomainDriverGenerateMachineName, then the driver's suffix). */
export function machineGroupName(id: number, name: string): string {
  const safe = [...name].filter((ch) => /[A-Za-z0-9_.-]/.test(ch)).join("");
  let machine = `qemu-${id}-${safe}`.slice(0, 64);
  while (machine.endsWith("-")) machine = machine.slice(0, -1);
  return `${machine}.libvirt-qemu`;
}

/** A running domain's cgroup: its group's directory in each hierarchy that holds it. */
export interface DomainCgroup {
  mounts: CgroupMounts;
  rel: string;
}

/** The domain's group path below each mount point. */
function groupRel(id: number, name: string): string {
  return `machine/${machineGroupName(id, name)}`;
}

/** The directory of `controller` for the group `rel` (+ `sub`), or null when none is mounted. */
export function controllerDir(cg: DomainCgroup, controller: Controller, sub = ""): string | null {
  const base = cg.mounts.v2Controllers.has(controller)
    ? cg.mounts.v2
    : cg.mounts.v1.get(controller);
  if (!base) return null;
  return `${base}/${cg.rel}${sub ? `/${sub}` : ""}`;
}

/** Whether the domain's group holds `controller` (virCgroupHasController). */
export function hasController(cg: DomainCgroup | null, controller: Controller): boolean {
  if (!cg) return false;
  const dir = controllerDir(cg, controller);
  if (!dir) return false;
  try {
    if (!Deno.statSync(dir).isDirectory) return false;
    // v2: only what the group has enabled (cpu.stat and devices need nothing).
    if (!cg.mounts.v2Controllers.has(controller) || ["cpuacct", "devices"].includes(controller)) {
      return true;
    }
    const enabled = Deno.readTextFileSync(`${dir}/cgroup.controllers`).trim().split(/\s+/);
    return enabled.includes(V2_NAMES[controller] ?? controller);
  } catch {
    return false;
  }
}

/**
 * The cgroup of a running domain, or null when it runs without one (not
 * root, no hierarchy mounted, its group not made or held by another guest).
 */
export function domainCgroup(
  o: { pid: number; id: number; cgroup?: boolean; def: { name: string } },
): DomainCgroup | null {
  if (!o.cgroup || o.pid === 0) return null;
  return { mounts: cgroupMounts(), rel: groupRel(o.id, o.def.name) };
}

/** Whether a running QEMU sits in the domain's group (a daemon restart finds it so). */
export function inDomainGroup(pid: number, id: number, name: string): boolean {
  try {
    const rel = `/${groupRel(id, name)}`;
    return Deno.readTextFileSync(`/proc/${pid}/cgroup`).split("\n")
      .some((l) => l.slice(l.indexOf(":", l.indexOf(":") + 1) + 1).startsWith(rel));
  } catch {
    return false;
  }
}

/** The groups a domain numbered `id` would have, whether or not they exist. */
export function groupsOf(id: number, name: string): DomainCgroup {
  return { mounts: cgroupMounts(), rel: groupRel(id, name) };
}

/** A cgroup file's text, trimmed; libvirt's error when it cannot be read. */
export function readCgroupFile(
  cg: DomainCgroup,
  controller: Controller,
  file: string,
  sub = "",
): string {
  const path = `${controllerDir(cg, controller, sub)}/${file}`;
  try {
    return Deno.readTextFileSync(path).trim();
  } catch (e) {
    throw VirError.of(
      VIR_ERR_SYSTEM_ERROR,
      VIR_FROM_CGROUP,
      `Unable to read from '${path}': ${errnoText(e)}`,
    );
  }
}

/** Writes a cgroup file; libvirt's error when the kernel refuses it. */
export function writeCgroupFile(
  cg: DomainCgroup,
  controller: Controller,
  file: string,
  value: string,
  sub = "",
): void {
  const path = `${controllerDir(cg, controller, sub)}/${file}`;
  try {
    Deno.writeTextFileSync(path, value);
  } catch (e) {
    throw VirError.of(
      VIR_ERR_SYSTEM_ERROR,
      VIR_FROM_CGROUP,
      `Unable to write to '${path}': ${errnoText(e)}`,
    );
  }
}

/** Whether a cgroup file exists in the domain's group. */
export function cgroupFileExists(cg: DomainCgroup, controller: Controller, file: string): boolean {
  try {
    Deno.statSync(`${controllerDir(cg, controller)}/${file}`);
    return true;
  } catch {
    return false;
  }
}

function errnoText(e: unknown): string {
  if (e instanceof Deno.errors.NotFound) return "No such file or directory";
  if (e instanceof Deno.errors.PermissionDenied) return "Permission denied";
  if (e instanceof Deno.errors.InvalidData) return "Invalid argument";
  const text = e instanceof Error ? e.message : String(e);
  // strerror's words, without Deno's "(os error N)" and path suffix.
  return /^(.*?) \(os error \d+\)/.exec(text)?.[1] ?? text;
}

/** libvirt's refusal of a call needing a controller the domain's cgroup lacks. */
export function notMounted(message: string): VirError {
  return VirError.of(VIR_ERR_OPERATION_INVALID, VIR_FROM_QEMU, message);
}

/** Makes a group directory, a new v1 cpuset one taking its parent's CPUs and nodes. */
function makeGroup(dir: string, controller: Controller | "v2", threaded: boolean): void {
  try {
    Deno.mkdirSync(dir);
  } catch (e) {
    if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
  }
  if (controller === "cpuset") {
    const parent = dir.replace(/\/[^/]+$/, "");
    for (const f of ["cpuset.cpus", "cpuset.mems", "cpuset.memory_migrate"]) {
      const cur = Deno.readTextFileSync(`${dir}/${f}`).trim();
      if (cur === "") {
        Deno.writeTextFileSync(`${dir}/${f}`, Deno.readTextFileSync(`${parent}/${f}`));
      }
    }
  }
  if (controller === "v2" && threaded) Deno.writeTextFileSync(`${dir}/cgroup.type`, "threaded");
}

/** Every hierarchy directory the domain's group has, v1 mounts and v2, with its controller tag. */
function hierarchies(mounts: CgroupMounts): [string, Controller | "v2"][] {
  const out: [string, Controller | "v2"][] = [];
  const seen = new Set<string>();
  for (const [c, dir] of mounts.v1) {
    if (seen.has(dir)) continue;
    seen.add(dir);
    out.push([dir, c]);
  }
  if (mounts.v2) out.push([mounts.v2, "v2"]);
  return out;
}

/** Whether a v1 mount holds one of the thread controllers. */
function holdsThreads(mounts: CgroupMounts, dir: string): boolean {
  return THREAD_CONTROLLERS.some((c) => mounts.v1.get(c) === dir);
}

/**
 * Places a just-launched (still paused) QEMU in its cgroups as libvirt's
 * qemuProcessLaunch does: the process into the domain's group, its main
 * thread into `emulator`, each vCPU thread into `vcpuN`. Returns the
 * cgroup, or null when cgroups are not usable here (then nothing is left
 * behind).
 */
export function placeDomain(
  id: number,
  name: string,
  pid: number,
  vcpuThreads: Map<number, number>,
): DomainCgroup | null {
  if (Deno.uid() !== 0) return null;
  const mounts = cgroupMounts();
  const all = hierarchies(mounts);
  if (all.length === 0) return null;
  const cg: DomainCgroup = { mounts, rel: groupRel(id, name) };
  // A group of that name left empty by a QEMU that died goes; one still in
  // use belongs to another daemon's guest of the same name and number,
  // which this domain does not join: it runs without cgroups instead.
  removeDomainCgroup(cg, pid, 1);
  if (all.some(([root]) => exists(`${root}/${cg.rel}`))) return null;
  try {
    for (const [root, c] of all) {
      makeGroup(`${root}/machine`, c, false);
      const dir = `${root}/${cg.rel}`;
      makeGroup(dir, c, false);
      if (c === "memory") {
        try {
          Deno.writeTextFileSync(`${dir}/memory.use_hierarchy`, "1");
        } catch {
          // Already in force (or fixed by the kernel).
        }
      }
      Deno.writeTextFileSync(`${dir}/cgroup.procs`, String(pid));
    }
    for (const [root, c] of all) {
      if (c !== "v2" && !holdsThreads(mounts, root)) continue;
      const threadFile = c === "v2" ? "cgroup.threads" : "tasks";
      const dir = `${root}/${cg.rel}`;
      for (const [i, tid] of [...vcpuThreads].sort((a, b) => a[0] - b[0])) {
        makeGroup(`${dir}/vcpu${i}`, c, true);
        Deno.writeTextFileSync(`${dir}/vcpu${i}/${threadFile}`, String(tid));
      }
      makeGroup(`${dir}/emulator`, c, true);
      Deno.writeTextFileSync(`${dir}/emulator/${threadFile}`, String(pid));
    }
  } catch {
    // Not writable here (a read-only /sys, a container): the domain runs without cgroups.
    removeDomainCgroup(cg, pid);
    return null;
  }
  return cg;
}

/**
 * Removes the domain's groups once its QEMU (`pid`, 0: none) is gone
 * (virCgroupRemove). A group holding another process's threads (another
 * daemon's guest of the same name and number) is left to it; one still
 * holding the exiting QEMU's is tried again a few times.
 */
export function removeDomainCgroup(cg: DomainCgroup, pid = 0, tries = 10): void {
  for (const [root, c] of hierarchies(cg.mounts)) {
    const dir = `${root}/${cg.rel}`;
    let subs: string[] = [];
    try {
      subs = [...Deno.readDirSync(dir)].filter((e) => e.isDirectory).map((e) => e.name);
    } catch {
      continue;
    }
    const file = c === "v2" ? "cgroup.threads" : "tasks";
    for (const d of [...subs.map((s) => `${dir}/${s}`), dir]) {
      if (!foreignTasks(`${d}/${file}`, pid)) rmdirRetrying(d, tries);
    }
  }
}

/** Whether a group lists a thread of a process other than `pid`. */
function foreignTasks(file: string, pid: number): boolean {
  let tids: string[] = [];
  try {
    tids = Deno.readTextFileSync(file).split("\n").filter((t) => t);
  } catch {
    return false;
  }
  return tids.some((tid) => {
    try {
      const status = Deno.readTextFileSync(`/proc/${tid}/status`);
      return Number(/^Tgid:\s*(\d+)/m.exec(status)?.[1]) !== pid;
    } catch {
      return false;
    }
  });
}

/** rmdir, tried again a few times while the group's last tasks are still leaving. */
function rmdirRetrying(dir: string, tries: number): void {
  for (let i = 0; i < tries; i++) {
    try {
      Deno.removeSync(dir);
      return;
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return;
      if (i + 1 < tries) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
