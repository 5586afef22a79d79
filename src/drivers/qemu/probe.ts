/**
 * What an emulator binary offers, asked of it over QMP as libvirt's
 * qemu_capabilities.c does (virQEMUCapsInitQMP): machine types (the default
 * one, aliases, vCPU limits), whether KVM works, its CPU models with their
 * usability under each accelerator, and the device types it has. QEMU runs
 * with `-machine none` and a monitor on a pipe chardev whose ".in" is a
 * file of commands ending in `quit` and whose ".out" is read back: one
 * synchronous run per accelerator (about 0.1 s), with no socket to serve.
 * Answers are kept per binary path and modification time, as libvirt
 * caches them, once for the whole daemon (host_facts.ts).
 *
 * @module
 */

import { log } from "../../log.ts";
import { hostFact } from "../host_facts.ts";
import { STAT } from "./proc.ts";
import { VirError } from "../../rpc/error.ts";
import { VIR_ERR_INTERNAL_ERROR, VIR_FROM_QEMU } from "../../rpc/error_codes.ts";

export interface QemuMachine {
  name: string;
  alias: string | null;
  isDefault: boolean;
  maxCpus: number;
  deprecated: boolean;
  defaultCpuType: string | null;
  defaultRamId: string | null;
}

export interface QemuCpuModel {
  name: string;
  usable: boolean;
  /** The features QEMU cannot give this model here (its "unavailable-features"). */
  blockers: string[];
}

/**
 * QEMU's full expansion of the accelerator's host-like CPU (`host` under
 * KVM, `max` under TCG), as libvirt asks it (virQEMUCapsProbeQMPHostCPU):
 * the properties it has when migratable and those it adds when not.
 */
export interface QemuHostCpu {
  model: string;
  migratable: Record<string, boolean | number | string>;
  all: Record<string, boolean | number | string>;
}

export interface QemuProbe {
  /** The binary and its modification time: what the answers were kept under. */
  id: string;
  /** major × 1,000,000 + minor × 1,000 + micro */
  version: number;
  /** Machines with the default one first, as libvirt keeps them. */
  machines: QemuMachine[];
  /** KVM is present and /dev/kvm opens read-write. */
  kvm: boolean;
  /** CPU models in QEMU's order, usable under TCG / under KVM (null: no KVM). */
  cpuTcg: QemuCpuModel[];
  cpuKvm: QemuCpuModel[] | null;
  /** The host-like CPU's expansion under TCG / under KVM (null: QEMU gave none). */
  hostCpuTcg: QemuHostCpu | null;
  hostCpuKvm: QemuHostCpu | null;
  /** Every QOM type the binary has (device models among them). */
  types: string[];
}

/**
 * Whether /dev/kvm opens for reading and writing (libvirt's
 * virFileIsAccessible, an access(2) check). Deno opens or even stats a
 * device file only with every permission, so stat(1) reads its mode and the
 * check is access(2)'s rule: root may, the owner by the owner bits, others
 * by the group or other bits (the supplementary groups are in /proc, which
 * Deno also closes; the KVM probe that follows tells for certain).
 */
export function kvmUsable(): boolean {
  let out: Deno.CommandOutput;
  try {
    out = new Deno.Command(STAT, {
      args: ["-L", "-c", "%F|%u|%g|%a", "/dev/kvm"],
      stdout: "piped",
      stderr: "null",
    }).outputSync();
  } catch {
    return false;
  }
  const [type, owner, , mode] = new TextDecoder().decode(out.stdout).trim().split("|");
  if (!out.success || type !== "character special file") return false;
  if (Deno.uid() === 0) return true;
  const bits = parseInt(mode ?? "0", 8);
  const rw = (shift: number) => ((bits >> shift) & 0o6) === 0o6;
  if (Number(owner) === Deno.uid()) return rw(6);
  return rw(3) || rw(0);
}

interface RawRun {
  replies: unknown[];
}

/** Runs the emulator once with `commands`; the `return` of each, in order. */
function qmpRun(emulator: string, accel: string, commands: object[], workDir?: string): RawRun {
  if (workDir) Deno.mkdirSync(workDir, { recursive: true, mode: 0o700 });
  const dir = Deno.makeTempDirSync({ prefix: "probe-", ...(workDir ? { dir: workDir } : {}) });
  try {
    const base = `${dir}/qmp`;
    const script = [{ execute: "qmp_capabilities" }, ...commands, { execute: "quit" }]
      .map((c) => JSON.stringify(c)).join("\n") + "\n";
    Deno.writeTextFileSync(`${base}.in`, script);
    Deno.writeTextFileSync(`${base}.out`, "");
    const out = new Deno.Command(emulator, {
      args: [
        "-S",
        "-no-user-config",
        "-nodefaults",
        "-nographic",
        "-machine",
        `none,accel=${accel}`,
        "-chardev",
        `pipe,id=probe,path=${base}`,
        "-mon",
        "chardev=probe,mode=control",
      ],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).outputSync();
    const text = Deno.readTextFileSync(`${base}.out`);
    const replies: unknown[] = [];
    for (const line of text.split("\n")) {
      if (!line.trim()) continue;
      const msg = JSON.parse(line) as Record<string, unknown>;
      if ("return" in msg) replies.push(msg.return);
      else if ("error" in msg) replies.push(null);
    }
    // The first reply answers qmp_capabilities.
    replies.shift();
    if (replies.length < commands.length) {
      throw new Error(new TextDecoder().decode(out.stderr).trim() || `exit status ${out.code}`);
    }
    return { replies };
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

interface RawMachine {
  name: string;
  alias?: string;
  "is-default"?: boolean;
  "cpu-max"?: number;
  deprecated?: boolean;
  "default-cpu-type"?: string;
  "default-ram-id"?: string;
}

interface RawCpuDef {
  name: string;
  "unavailable-features"?: string[];
}

function cpuModels(raw: unknown): QemuCpuModel[] {
  return ((raw ?? []) as RawCpuDef[]).map((d) => ({
    name: d.name,
    usable: (d["unavailable-features"] ?? []).length === 0,
    blockers: d["unavailable-features"] ?? [],
  }));
}

/** The two expansions of `model` (migratable, then not) asked of QEMU. */
function expansionCommands(model: string): object[] {
  return [
    { execute: "query-cpu-model-expansion", arguments: { type: "full", model: { name: model } } },
    {
      execute: "query-cpu-model-expansion",
      arguments: { type: "full", model: { name: model, props: { migratable: false } } },
    },
  ];
}

type Props = Record<string, boolean | number | string>;

function hostCpu(model: string, migratable: unknown, all: unknown): QemuHostCpu | null {
  const props = (r: unknown) => (r as { model?: { props?: Props } } | null)?.model?.props ?? null;
  const m = props(migratable);
  const a = props(all);
  if (!m || !a) return null;
  return { model, migratable: m, all: a };
}

/**
 * Asks `emulator` what it offers (cached per path and modification time).
 * Its monitor files go in a directory made under `workDir` (the driver's
 * state directory, which the daemon may write under --sandbox).
 */
export function probeEmulator(emulator: string, workDir?: string): QemuProbe {
  let mtime = 0;
  try {
    mtime = Deno.statSync(emulator).mtime?.getTime() ?? 0;
  } catch (e) {
    throw VirError.of(
      VIR_ERR_INTERNAL_ERROR,
      VIR_FROM_QEMU,
      `Cannot find QEMU binary ${emulator}: ${e instanceof Error ? e.message : e}`,
    );
  }
  const id = `${emulator} ${mtime}`;
  return hostFact(`qemu-probe ${id}`, () => runProbe(id, emulator, workDir));
}

function runProbe(id: string, emulator: string, workDir?: string): QemuProbe {
  const common = [
    { execute: "query-version" },
    { execute: "query-machines" },
    { execute: "query-cpu-definitions" },
    { execute: "qom-list-types" },
    ...expansionCommands("max"),
  ];
  let tcg: RawRun;
  try {
    tcg = qmpRun(emulator, "tcg", common, workDir);
  } catch (e) {
    throw VirError.of(
      VIR_ERR_INTERNAL_ERROR,
      VIR_FROM_QEMU,
      `Failed to probe capabilities for ${emulator}: ${e instanceof Error ? e.message : e}`,
    );
  }
  let cpuKvm: QemuCpuModel[] | null = null;
  let kvm = false;
  let hostCpuKvm: QemuHostCpu | null = null;
  if (kvmUsable()) {
    try {
      const k = qmpRun(emulator, "kvm", [
        { execute: "query-kvm" },
        { execute: "query-cpu-definitions" },
        ...expansionCommands("host"),
      ], workDir);
      const q = k.replies[0] as { enabled?: boolean; present?: boolean } | null;
      kvm = q?.enabled === true;
      if (kvm) {
        cpuKvm = cpuModels(k.replies[1]);
        hostCpuKvm = hostCpu("host", k.replies[2], k.replies[3]);
      }
    } catch (e) {
      kvm = false;
      log("qemu").warn("/dev/kvm is there but {emulator} cannot use KVM: {reason}", {
        emulator,
        reason: e instanceof Error ? e.message : String(e),
      });
    }
  }
  const ver = (tcg.replies[0] as { qemu: { major: number; minor: number; micro: number } }).qemu;
  const machines: QemuMachine[] = [];
  let def = -1;
  for (const m of (tcg.replies[1] ?? []) as RawMachine[]) {
    if (m.name === "none") continue;
    if (m["is-default"]) def = machines.length;
    machines.push({
      name: m.name,
      alias: m.alias ?? null,
      isDefault: m["is-default"] === true,
      maxCpus: m["cpu-max"] ?? 1,
      deprecated: m.deprecated === true,
      defaultCpuType: m["default-cpu-type"] ?? null,
      defaultRamId: m["default-ram-id"] ?? null,
    });
  }
  // virQEMUCapsSetDefaultMachine: the default machine moves to the front.
  if (def > 0) machines.unshift(...machines.splice(def, 1));
  const types = ((tcg.replies[3] ?? []) as { name: string }[]).map((t) => t.name);
  const probe: QemuProbe = {
    id,
    version: ver.major * 1_000_000 + ver.minor * 1000 + ver.micro,
    machines,
    kvm,
    cpuTcg: cpuModels(tcg.replies[2]),
    cpuKvm,
    hostCpuTcg: hostCpu("max", tcg.replies[4], tcg.replies[5]),
    hostCpuKvm,
    types,
  };
  return probe;
}

/** The machine a name stands for (an alias resolves to its canonical machine). */
export function findMachine(p: QemuProbe, name: string): QemuMachine | null {
  return p.machines.find((m) => m.name === name) ??
    p.machines.find((m) => m.alias === name) ?? null;
}

/** The canonical name of a machine type, as libvirt writes it into a definition. */
export function canonicalMachine(p: QemuProbe, name: string): string {
  return p.machines.find((m) => m.alias === name)?.name ?? name;
}

export const isQ35 = (machine: string): boolean =>
  machine === "q35" || machine.startsWith("pc-q35-");
export const isI440fx = (machine: string): boolean =>
  machine === "pc" || machine.startsWith("pc-i440fx-") || machine.startsWith("pc-");
