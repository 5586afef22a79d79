/**
 * The network driver's event-loop side: the host work a Worker asks for
 * (I/O requests `net.*`, src/pool/io.ts) — running `ip`, `iptables`,
 * `dnsmasq`, `sysctl` and `tc` (Deno has no netlink), listing links and
 * routes, signalling dnsmasq, reading a device's counters. A plan of steps
 * runs in order; when one fails, the plan's rollback steps run (their own
 * failures ignored), so a network or a tap that cannot come up leaves
 * nothing behind, and the Worker gets libvirt's error.
 *
 * @module
 */

import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_SYSTEM_ERROR,
  VIR_FROM_NETWORK,
} from "../../rpc/error_codes.ts";
import type { IoRequest } from "../../pool/io.ts";
import { signal } from "../qemu/proc.ts";

/** The programs a step may run (the sandbox allows these too: src/serve.ts). */
export const NETWORK_PROGRAMS = ["ip", "iptables", "ip6tables", "dnsmasq", "sysctl", "tc"];

/** One command of a plan. */
export interface HostStep {
  cmd: string;
  args: string[];
  /** Its failure does not stop the plan (a rule or device that may be gone already). */
  ignoreFailure?: boolean;
  /** Skipped when this command succeeds (a chain or jump that is there already). */
  unless?: { cmd: string; args: string[] };
  /** libvirt's words for the failure; dnsmasq's or the kernel's reason follows. */
  error?: string;
  /** What undoes this step once it has succeeded, should a later step of the plan fail. */
  undo?: HostStep[];
}

export interface LinkInfo {
  ifname: string;
  address?: string;
  master?: string;
  mtu?: number;
  operstate?: string;
}

const dec = new TextDecoder();

async function exec(
  cmd: string,
  args: string[],
): Promise<{ ok: boolean; out: string; err: string }> {
  if (!NETWORK_PROGRAMS.includes(cmd)) {
    return { ok: false, out: "", err: `program '${cmd}' is not one the network driver runs` };
  }
  try {
    const o = await new Deno.Command(cmd, {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { LC_ALL: "C" },
    }).output();
    return { ok: o.success, out: dec.decode(o.stdout), err: dec.decode(o.stderr) };
  } catch (e) {
    return { ok: false, out: "", err: e instanceof Error ? e.message : String(e) };
  }
}

/** The kernel's reason in a tool's complaint ("RTNETLINK answers: File exists" → "File exists"). */
function reason(err: string): string {
  const line = err.trim().split("\n").filter((l) => l.trim()).pop() ?? "";
  const m = /(?:RTNETLINK answers|ioctl\(\w+\)|Error): (.*)$/.exec(line);
  return (m ? m[1]! : line).replace(/\.$/, "");
}

function stepError(s: HostStep, err: string): VirError {
  if (s.error) {
    return new VirError({
      code: VIR_ERR_SYSTEM_ERROR,
      domain: VIR_FROM_NETWORK,
      str1: "%s",
      str2: `${s.error}: ${reason(err)}`,
      int1: 0,
    });
  }
  // virCommandRun's words for a child that failed.
  return VirError.of(
    VIR_ERR_INTERNAL_ERROR,
    VIR_FROM_NETWORK,
    `Child process (${s.cmd} ${s.args.join(" ")}) unexpected exit status 1: ${err.trim()}`,
  );
}

/**
 * Runs `steps`; on a failure undoes the steps done so far (latest first), runs
 * `rollback`, and throws. Answers each step's output.
 */
export async function runPlan(steps: HostStep[], rollback: HostStep[] = []): Promise<string[]> {
  const outputs: string[] = [];
  const undo: HostStep[] = [];
  for (const s of steps) {
    if (s.unless && (await exec(s.unless.cmd, s.unless.args)).ok) {
      outputs.push("");
      continue;
    }
    const r = await exec(s.cmd, s.args);
    if (!r.ok && !s.ignoreFailure) {
      for (const u of [...undo.reverse(), ...rollback]) await exec(u.cmd, u.args);
      throw stepError(s, r.err || r.out);
    }
    if (r.ok && s.undo) undo.push(...[...s.undo].reverse());
    outputs.push(r.out);
  }
  return outputs;
}

async function links(): Promise<LinkInfo[]> {
  const r = await exec("ip", ["-j", "link", "show"]);
  if (!r.ok) return [];
  return JSON.parse(r.out || "[]") as LinkInfo[];
}

/** The destinations of the routes of both families ("default" for a default route). */
async function routes(): Promise<{ dst: string; dev?: string }[]> {
  const out: { dst: string; dev?: string }[] = [];
  for (const f of ["-4", "-6"]) {
    const r = await exec("ip", ["-j", f, "route", "show"]);
    if (r.ok) out.push(...(JSON.parse(r.out || "[]") as { dst: string; dev?: string }[]));
  }
  return out;
}

/**
 * A device's counters (domifstat), from `ip -s`: sysfs shows the namespace
 * that mounted it, which need not be the daemon's.
 */
async function stats(dev: string): Promise<Record<string, number>> {
  const r = await exec("ip", ["-j", "-s", "link", "show", "dev", dev]);
  const link = r.ok
    ? (JSON.parse(r.out || "[]") as {
      stats64?: Record<"rx" | "tx", Record<string, number>>;
    }[])[0]
    : undefined;
  if (!link?.stats64) {
    throw VirError.of(
      VIR_ERR_INTERNAL_ERROR,
      VIR_FROM_NETWORK,
      `cannot read statistics of interface '${dev}'`,
    );
  }
  const out: Record<string, number> = {};
  for (const dir of ["rx", "tx"] as const) {
    const s = link.stats64[dir];
    out[`${dir}_bytes`] = s.bytes ?? 0;
    out[`${dir}_packets`] = s.packets ?? 0;
    out[`${dir}_errors`] = s.errors ?? 0;
    out[`${dir}_dropped`] = s.dropped ?? 0;
  }
  return out;
}

/** Does one `net.*` request of a Worker. */
export async function handleNetworkIo(req: IoRequest): Promise<unknown> {
  switch (req.op) {
    case "net.run":
      return {
        outputs: await runPlan(req.steps as HostStep[], (req.rollback ?? []) as HostStep[]),
      };
    case "net.links":
      return { links: await links() };
    case "net.routes":
      return { routes: await routes() };
    case "net.signal":
      // Through procps's kill where the sandbox denies Deno.kill.
      return {
        sent: await signal(Number(req.pid), (req.signal ?? "SIGTERM") as "SIGTERM" | "SIGHUP"),
      };
    case "net.neigh": {
      // The host's IPv4 neighbours (libvirt reads the ARP table for domifaddr --source arp).
      const r = await exec("ip", ["-j", "-4", "neigh", "show"]);
      return { neigh: r.ok ? JSON.parse(r.out || "[]") : [] };
    }
    case "net.stats":
      return { stats: await stats(String(req.dev)) };
    default:
      throw VirError.internal(VIR_FROM_NETWORK, `unknown I/O request '${req.op}'`);
  }
}
