/**
 * The test driver's statistics and guest-agent stand-ins: block,
 * interface, memory and CPU stats, interface addresses, guest time,
 * control and block info, filesystems, and CONNECT_GET_ALL_DOMAIN_STATS.
 *
 * @module
 */

import type { HandlerEntry } from "../../dispatch/handlers.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import type { RemoteDomain } from "../../protocol/remote_types.ts";
import type { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_ARGUMENT_UNSUPPORTED,
  VIR_ERR_INVALID_ARG,
  VIR_ERR_NO_NETWORK,
  VIR_ERR_OPERATION_INVALID,
  VIR_ERR_OPERATION_UNSUPPORTED,
} from "../../rpc/error_codes.ts";
import { param, type TypedParam } from "../../rpc/typed_params.ts";
import { diskIndexByName, diskIsEmpty } from "../../conf/snapshot_xml.ts";
import { uuidToString } from "../../util/uuid.ts";
import type { NetworkObj } from "./network.ts";
import { on, type TestConn } from "./conn.ts";
import { checkFlags, rpcLimit, testError, unknownError } from "./errors.ts";
import { isActive, notActive, wire } from "./domain.ts";
import {
  type DomainEntry,
  type DomainObj,
  type TestDirectory,
  VIR_DOMAIN_PAUSED,
  VIR_DOMAIN_RUNNING,
  VIR_DOMAIN_SHUTOFF,
} from "./state.ts";
import { findNet } from "./tune.ts";

/** nodeInfo.cores, the CPU count of per-CPU statistics. */
const STATS_CPUS = 2;

/** testDomainObjPrivateAlloc's initial guest time. */
const DEFAULT_GUEST_SECONDS = "627319920";

const TEST_TOTAL_CPUTIME = 48772617035n;

/** g_get_real_time(): microseconds. */
export function realTime(): bigint {
  // The wall clock (libvirt's g_get_real_time), with the monotonic clock's
  // microseconds below its milliseconds: timeOrigin + now() drifts from it.
  return BigInt(Date.now()) * 1000n + BigInt(Math.floor((performance.now() % 1) * 1000));
}

interface NetInfo {
  ips: {
    family: string | null;
    address: string;
    netmask: string | null;
    prefix: number;
    start: string | null;
  }[];
}

/** The networks' addresses, read before any domain is locked (one object lock at a time). */
function networkInfo(c: TestConn): Map<string, NetInfo> {
  return c.dir((d) => {
    const m = new Map<string, NetInfo>();
    for (
      const { entry, obj } of c.readAll<NetworkObj, TestDirectory["networks"][number]>(d.networks)
    ) {
      m.set(entry.name, {
        ips: obj.def.ips.map((ip) => ({
          family: ip.family,
          address: ip.address,
          netmask: ip.netmask,
          prefix: ip.prefix,
          start: ip.ranges[0]?.start ?? null,
        })),
      });
    }
    return m;
  });
}

function ipv4ToInt(s: string): number {
  return s.split(".").reduce((a, p) => a * 256 + Number(p), 0);
}

function intToIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

/** virSocketAddrGetIPPrefix for IPv4. */
function ipv4Prefix(address: string, netmask: string | null, prefix: number): number {
  if (prefix > 0) return prefix;
  if (netmask) {
    let n = ipv4ToInt(netmask);
    let bits = 0;
    while (n & 0x80000000) {
      bits++;
      n = (n << 1) >>> 0;
    }
    return bits;
  }
  const first = Number(address.split(".")[0]);
  if (first < 128) return 8;
  if (first < 192) return 16;
  if (first < 224) return 24;
  return -1;
}

/** IPv6 text with its last byte increased by `offset` (as the test driver does). */
function ipv6Bump(addr: string, offset: number): string {
  const [head, tail] = addr.includes("::") ? addr.split("::") : [addr, null];
  const h = head ? head.split(":").filter((x) => x !== "") : [];
  const t = tail ? tail.split(":").filter((x) => x !== "") : [];
  const groups = tail === null ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  const words = groups.map((g) => parseInt(g, 16));
  words[7] = (words[7]! & 0xff00) | ((words[7]! + offset) & 0xff);
  // RFC 5952 text: the longest run of zero words (two or more) becomes "::".
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (best < 0) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
}

function timeOf(o: DomainObj): { seconds: bigint; nseconds: number } {
  const t = o.guestTime ?? { seconds: DEFAULT_GUEST_SECONDS, nseconds: 0 };
  return { seconds: BigInt(t.seconds), nseconds: t.nseconds };
}

function mountpointError(mp: string): VirError {
  return testError(VIR_ERR_OPERATION_INVALID, `mount point not found: ${mp}`);
}

function fsFreezeThaw(
  c: TestConn,
  a: { dom: RemoteDomain; mountpoints: string[]; flags: number },
  freeze: boolean,
): { filesystems: number } {
  checkFlags(freeze ? "testDomainFSFreeze" : "testDomainFSThaw", a.flags, 0);
  return c.domain(a.dom, (o, x) => {
    if (!isActive(o)) throw notActive();
    const frozen: [boolean, boolean] = o.frozen ? [...o.frozen] : [false, false];
    let n = 0;
    if (a.mountpoints.length === 0) {
      n = freeze ? 2 - (+frozen[0] + +frozen[1]) : +frozen[0] + +frozen[1];
      frozen[0] = frozen[1] = freeze;
    } else {
      for (const mp of a.mountpoints) {
        if (mp !== "/" && mp !== "/boot") throw mountpointError(mp);
        const i = mp === "/" ? 0 : 1;
        if (frozen[i] !== freeze) {
          frozen[i] = freeze;
          n++;
        }
      }
    }
    o.frozen = frozen;
    x.save();
    return { filesystems: n };
  });
}

function statsRecord(o: DomainObj, stats: number): TypedParam[] {
  const out: TypedParam[] = [];
  if (stats & 1) {
    out.push(param.int("state.state", o.state), param.int("state.reason", o.reason));
  }
  if ((stats & 0x80) && isActive(o) && o.iothreadParams?.length) {
    out.push(param.uint("iothread.count", o.iothreadParams.length));
    for (const t of o.iothreadParams) {
      out.push(
        param.ullong(`iothread.${t.id}.poll-max-ns`, BigInt(t.pollMaxNs)),
        param.uint(`iothread.${t.id}.poll-grow`, t.pollGrow),
        param.uint(`iothread.${t.id}.poll-shrink`, t.pollShrink),
      );
    }
  }
  return out;
}

/** virDomainObjListFilter's flags (active/persistent/state groups) for GET_ALL_DOMAIN_STATS. */
function statsFilter(o: DomainObj, flags: number): boolean {
  const active = isActive(o);
  const pick = (a: number, b: number, va: boolean, vb: boolean) =>
    !(flags & (a | b)) || ((flags & a) !== 0 && va) || ((flags & b) !== 0 && vb);
  if (!pick(1, 2, active, !active)) return false;
  if (!pick(4, 8, o.persistent, !o.persistent)) return false;
  const states = 0x10 | 0x20 | 0x40 | 0x80;
  if (flags & states) {
    return ((flags & 0x10) !== 0 && o.state === VIR_DOMAIN_RUNNING) ||
      ((flags & 0x20) !== 0 && o.state === VIR_DOMAIN_PAUSED) ||
      ((flags & 0x40) !== 0 && o.state === VIR_DOMAIN_SHUTOFF) ||
      ((flags & 0x80) !== 0 &&
        ![VIR_DOMAIN_RUNNING, VIR_DOMAIN_PAUSED, VIR_DOMAIN_SHUTOFF].includes(o.state));
  }
  return true;
}

export const statsHandlers: HandlerEntry[] = [
  on(P.REMOTE_PROC_DOMAIN_BLOCK_STATS, (c, a) => {
    if (a.path === "") {
      throw testError(
        VIR_ERR_OPERATION_UNSUPPORTED,
        "summary statistics are not supported yet",
      );
    }
    return c.domain(a.dom, (o) => {
      if (!isActive(o)) throw notActive();
      if (diskIndexByName(o.def, a.path, false) < 0) {
        throw testError(VIR_ERR_INVALID_ARG, `invalid path: ${a.path}`);
      }
      const s = realTime();
      return {
        rd_req: s / 10n,
        rd_bytes: s / 20n,
        wr_req: s / 30n,
        wr_bytes: s / 40n,
        errs: s / 2_000_000n,
      };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_INTERFACE_STATS, (c, a) =>
    c.domain(a.dom, (o) => {
      if (!isActive(o)) throw notActive();
      findNet(o.def, a.device);
      const s = realTime();
      return {
        rx_bytes: s / 10n,
        rx_packets: s / 100n,
        rx_errs: s / 1_000_000n,
        rx_drop: s / 2_000_000n,
        tx_bytes: s / 20n,
        tx_packets: s / 110n,
        tx_errs: s / 3_000_000n,
        tx_drop: s / 4_000_000n,
      };
    })),
  on(P.REMOTE_PROC_DOMAIN_MEMORY_STATS, (c, a) => {
    if (a.maxStats > 1024) throw rpcLimit("maxStats > REMOTE_DOMAIN_MEMORY_STATS_MAX");
    if (a.maxStats === 0) return { stats: [] };
    checkFlags("testDomainMemoryStats", a.flags, 0);
    return c.domain(a.dom, (o) => {
      if (!isActive(o)) throw notActive();
      const cur = BigInt(o.def.currentMemory | 0);
      const mb = o.def.devices.memballoon;
      if (!mb || mb.model === "none") return { stats: [] };
      const all: [number, bigint][] = [
        [6, cur],
        [0, 0n],
        [1, 0n],
        [2, 0n],
        [3, 0n],
        [4, cur / 2n],
        [5, cur],
        [8, cur / 2n],
        [9, 627319920n],
        [10, cur / 8n],
        [11, 0n],
        [12, 0n],
        [7, cur / 2n],
      ];
      return {
        stats: all.slice(0, Math.min(a.maxStats, 13)).map(([tag, val]) => ({ tag, val })),
      };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_GET_CPU_STATS, (
    c,
    a,
  ) => {
    if (a.nparams > 16) throw rpcLimit("nparams too large");
    if (a.ncpus > 128) throw rpcLimit("ncpus too large");
    checkFlags("testDomainGetCPUStats", a.flags | 4, 4);
    return c.domain(a.dom, (o) => {
      if (!isActive(o)) throw notActive();
      if (a.start_cpu === -1) {
        if (a.nparams === 0) return { params: [], nparams: 3 };
        const all = [
          param.ullong("cpu_time", TEST_TOTAL_CPUTIME),
          param.ullong("user_time", 5540000000n),
          param.ullong("system_time", 6460000000n),
        ];
        const n = Math.min(a.nparams, 3);
        return { params: all.slice(0, n), nparams: n };
      }
      if (a.nparams === 0 && a.ncpus !== 0) return { params: [], nparams: 2 };
      if (a.ncpus === 0) return { params: [], nparams: STATS_CPUS };
      if (a.start_cpu >= STATS_CPUS) {
        throw testError(
          VIR_ERR_INVALID_ARG,
          `start_cpu ${a.start_cpu} larger than maximum of ${STATS_CPUS - 1}`,
        );
      }
      const per = TEST_TOTAL_CPUTIME / BigInt(STATS_CPUS);
      const need = Math.min(STATS_CPUS, a.start_cpu + a.ncpus);
      const out: TypedParam[] = [];
      for (let i = a.start_cpu; i < need; i++) {
        out.push(param.ullong("cpu_time", per + BigInt(i)));
        if (a.nparams > 1) out.push(param.ullong("vcpu_time", per + BigInt(i) - 1234567890n));
      }
      return { params: out, nparams: a.nparams > 1 ? 2 : 1 };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_INTERFACE_ADDRESSES, (c, a) => {
    checkFlags("testDomainInterfaceAddresses", a.flags, 0);
    if (a.source >= 3) {
      throw testError(
        VIR_ERR_ARGUMENT_UNSUPPORTED,
        `Unknown IP address data source ${a.source}`,
      );
    }
    const nets = networkInfo(c);
    return c.domain(a.dom, (o) => {
      if (!isActive(o)) throw notActive();
      const ifaces = o.def.devices.interfaces.map((n, i) => {
        let addr: { type: number; addr: string; prefix: number };
        if (n.type === "network") {
          const name = n.source["network"] ?? "";
          const net = nets.get(name);
          if (!net) {
            throw testError(VIR_ERR_NO_NETWORK, `no network with matching name '${name}'`);
          }
          const ip = net.ips[0];
          if (!ip) throw unknownError();
          const offset = 20 * (o.id - 1) + i + 1;
          const base = ip.start ?? ip.address;
          if (ip.family === "ipv6") {
            addr = { type: 1, addr: ipv6Bump(base, offset), prefix: ip.prefix };
          } else {
            addr = {
              type: 0,
              addr: intToIpv4((ipv4ToInt(base) + offset) >>> 0),
              prefix: ipv4Prefix(ip.address, ip.netmask, ip.prefix),
            };
          }
        } else {
          addr = { type: 0, addr: `192.168.0.${1 + i}`, prefix: 24 };
        }
        return { name: n.targetDev ?? "", hwaddr: n.mac.toLowerCase(), addrs: [addr] };
      });
      return { ifaces };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_GET_TIME, (c, a) => {
    checkFlags("testDomainGetTime", a.flags, 0);
    return c.domain(a.dom, (o) => {
      if (o.state !== VIR_DOMAIN_RUNNING) {
        throw testError(VIR_ERR_OPERATION_INVALID, "domain is not running");
      }
      return timeOf(o);
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_SET_TIME, (c, a) => {
    checkFlags("testDomainSetTime", a.flags, 1);
    c.domain(a.dom, (o, x) => {
      if (!isActive(o)) throw notActive();
      o.guestTime = { seconds: String(a.seconds), nseconds: a.nseconds };
      x.save();
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_GET_CONTROL_INFO, (c, a) => {
    checkFlags("testDomainGetControlInfo", a.flags, 0);
    return c.domain(a.dom, (o) => {
      if (!isActive(o)) throw notActive();
      const s = timeOf(o).seconds;
      if (s > 0n && s < 10000n) return { state: 1, details: 0, stateTime: s };
      if (s >= 10000n && s < 30000n) return { state: 2, details: 0, stateTime: s - 10000n };
      if (s >= 30000n && s < 60000n) {
        return { state: 3, details: Number(s % 4n), stateTime: s - 30000n };
      }
      return { state: 0, details: 0, stateTime: 0n };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_GET_BLOCK_INFO, (c, a) => {
    checkFlags("testDomainGetBlockInfo", a.flags, 0);
    return c.domain(a.dom, (o) => {
      const idx = diskIndexByName(o.def, a.path, false);
      if (idx < 0) {
        throw testError(VIR_ERR_INVALID_ARG, `invalid path ${a.path} not assigned to domain`);
      }
      if (diskIsEmpty(o.def.devices.disks[idx]!)) {
        throw testError(
          VIR_ERR_INVALID_ARG,
          `disk '${a.path}' does not currently have a source assigned`,
        );
      }
      return {
        allocation: 1099511627776n,
        capacity: 1099506450432n,
        physical: 1099511627776n,
      };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_GET_DISK_ERRORS, (c, a) => {
    if (a.maxerrors > 256) throw rpcLimit("maxerrors too large");
    checkFlags("testDomainGetDiskErrors", a.flags, 0);
    return c.domain(a.dom, (o) => {
      if (!isActive(o)) throw notActive();
      const disks = o.def.devices.disks;
      if (a.maxerrors === 0) return { errors: [], nerrors: disks.length };
      const n = Math.min(disks.length, a.maxerrors);
      const errors = disks.slice(0, n).map((d, i) => ({ disk: d.targetDev, error: (i % 2) + 1 }));
      return { errors, nerrors: n };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_FSFREEZE, (c, a) => fsFreezeThaw(c, a, true)),
  on(P.REMOTE_PROC_DOMAIN_FSTHAW, (c, a) => fsFreezeThaw(c, a, false)),
  on(P.REMOTE_PROC_DOMAIN_FSTRIM, (c, a) => {
    checkFlags("testDomainFSTrim", a.flags, 0);
    c.domain(a.dom, (o) => {
      if (!isActive(o)) throw notActive();
      const mp = a.mountPoint;
      if (mp !== null && mp !== "/" && mp !== "/boot") throw mountpointError(mp);
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_GET_FSINFO, (c, a) => {
    checkFlags("testDomainGetFSInfo", a.flags, 0);
    return c.domain(a.dom, (o) => {
      if (!isActive(o)) throw notActive();
      const disk = o.def.devices.disks.find((d) => d.device === "disk");
      if (!disk) return { info: [], ret: 0 };
      const n = disk.targetDev;
      return {
        info: [
          { mountpoint: "/", name: `${n}1`, fstype: "ext4", dev_aliases: [n] },
          { mountpoint: "/boot", name: `${n}2`, fstype: "ext4", dev_aliases: [n] },
        ],
        ret: 2,
      };
    });
  }),
  on(P.REMOTE_PROC_CONNECT_GET_ALL_DOMAIN_STATS, (c, a) => {
    const filters = 0x3 | 0xc | 0xf0;
    checkFlags(
      "testConnectGetAllDomainStats",
      a.flags,
      filters | 0x20000000 | 0x40000000 | 0x80000000,
    );
    const supported = 1 | 0x80;
    let stats = a.stats;
    if (!stats) stats = supported;
    else if ((a.flags & 0x80000000) && (stats & ~supported)) {
      throw testError(
        VIR_ERR_ARGUMENT_UNSUPPORTED,
        `Stats types bits 0x${
          ((stats & ~supported) >>> 0).toString(16)
        } are not supported by this daemon`,
      );
    }
    const lflags = a.flags & filters;
    return c.dir((d) => {
      const all = c.readAll<DomainObj, DomainEntry>(d.domains);
      let chosen: { entry: DomainEntry; obj: DomainObj }[];
      if (a.doms.length) {
        chosen = [];
        for (const ref of a.doms) {
          const u = uuidToString(ref.uuid);
          const f = all.find((x) => x.entry.uuid === u);
          // virDomainObjListConvert skips domains that are gone.
          if (f && statsFilter(f.obj, lflags)) chosen.push(f);
        }
      } else {
        chosen = all.filter((x) => statsFilter(x.obj, lflags));
      }
      return {
        retStats: chosen.map((x) => ({ dom: wire(x.entry), params: statsRecord(x.obj, stats) })),
      };
    });
  }),
];
