/**
 * A virtual network's firewall rules as libvirt 9.0 sets them with iptables
 * (src/network/bridge_driver_linux.c, src/util/viriptables.c): libvirt's
 * private chains (LIBVIRT_INP, _OUT, _FWI, _FWO, _FWX in filter, LIBVIRT_PRT
 * in nat and mangle) made once and jumped to from the built-in chains, then
 * per network the DHCP/DNS openings, the reject-by-default forwarding rules,
 * and per address the NAT (masquerade) or routing rules. Every rule is
 * inserted at the top, as libvirt inserts them, so `iptables-save` lists
 * them in the same order; removal deletes them in reverse.
 *
 * @module
 */

import {
  formatIP,
  ipDefPrefix,
  maskAddr,
  type NetworkDef,
  type NetworkIPDef,
  parseIP,
  prefixToMask,
} from "../../conf/network_xml.ts";
import type { HostStep } from "./host.ts";

type Family = 4 | 6;
const tool = (f: Family) => (f === 4 ? "iptables" : "ip6tables");

/** `iptables -w ARGS` as a step. */
function ipt(f: Family, args: string[], opts: Partial<HostStep> = {}): HostStep {
  return { cmd: tool(f), args: ["-w", ...args], ...opts };
}

/**
 * libvirt's private chains (iptablesSetupPrivateChains): made if missing, and
 * jumped to from the top of the built-in chain if no jump is there yet.
 */
export function privateChainSteps(): HostStep[] {
  const chains: [string, string, string[]][] = [
    ["filter", "INPUT", ["LIBVIRT_INP"]],
    ["filter", "OUTPUT", ["LIBVIRT_OUT"]],
    ["filter", "FORWARD", ["LIBVIRT_FWO", "LIBVIRT_FWI", "LIBVIRT_FWX"]],
    ["nat", "POSTROUTING", ["LIBVIRT_PRT"]],
    ["mangle", "POSTROUTING", ["LIBVIRT_PRT"]],
  ];
  const out: HostStep[] = [];
  for (const f of [4, 6] as const) {
    for (const [table, parent, mine] of chains) {
      for (const chain of mine) {
        out.push(
          ipt(f, ["-t", table, "-N", chain], {
            unless: { cmd: tool(f), args: ["-w", "-t", table, "-S", chain] },
          }),
          ipt(f, ["-t", table, "-I", parent, "1", "-j", chain], {
            unless: { cmd: tool(f), args: ["-w", "-t", table, "-C", parent, "-j", chain] },
          }),
        );
      }
    }
  }
  return out;
}

/** A rule: its family, table, chain and match/target arguments. */
interface Rule {
  f: Family;
  table: string;
  chain: string;
  spec: string[];
}

const del = (r: Rule): HostStep =>
  ipt(r.f, ["-t", r.table, "-D", r.chain, ...r.spec], { ignoreFailure: true });
const add = (r: Rule): HostStep =>
  ipt(r.f, ["-t", r.table, "-I", r.chain, ...r.spec], { undo: [del(r)] });

function port(f: Family, br: string, dir: "in" | "out", proto: string, p: number): Rule {
  return dir === "in"
    ? {
      f,
      table: "filter",
      chain: "LIBVIRT_INP",
      spec: ["-i", br, "-p", proto, "-m", proto, "--dport", String(p), "-j", "ACCEPT"],
    }
    : {
      f,
      table: "filter",
      chain: "LIBVIRT_OUT",
      spec: ["-o", br, "-p", proto, "-m", proto, "--dport", String(p), "-j", "ACCEPT"],
    };
}

/** The forwarding catch-alls and the cross-guest rule of one family. */
function bridgeRules(f: Family, br: string): Rule[] {
  return [
    { f, table: "filter", chain: "LIBVIRT_FWO", spec: ["-i", br, "-j", "REJECT"] },
    { f, table: "filter", chain: "LIBVIRT_FWI", spec: ["-o", br, "-j", "REJECT"] },
    { f, table: "filter", chain: "LIBVIRT_FWX", spec: ["-i", br, "-o", br, "-j", "ACCEPT"] },
  ];
}

function familyOf(ip: NetworkIPDef): Family {
  return parseIP(ip.address)?.family ?? 4;
}

/** NET/PREFIX of an address definition. */
function networkOf(ip: NetworkIPDef): string {
  const a = parseIP(ip.address)!;
  const prefix = ipDefPrefix(ip);
  return `${formatIP(maskAddr(a, prefixToMask(prefix, a.family)!))}/${prefix}`;
}

/** The rules of a network, in the order libvirt adds them (networkAddFirewallRules). */
export function networkRules(def: NetworkDef): Rule[] {
  const br = def.bridge!;
  const mode = def.forward.mode;
  if (mode === "open") return [];
  const rules: Rule[] = [];
  const v4 = def.ips.filter((ip) => familyOf(ip) === 4);
  const v6 = def.ips.filter((ip) => familyOf(ip) === 6);
  // General IPv4 rules: DHCP and DNS to and from dnsmasq, TFTP if served.
  rules.push(
    port(4, br, "in", "tcp", 67),
    port(4, br, "in", "udp", 67),
    port(4, br, "out", "tcp", 68),
    port(4, br, "out", "udp", 68),
    port(4, br, "in", "tcp", 53),
    port(4, br, "in", "udp", 53),
    port(4, br, "out", "tcp", 53),
    port(4, br, "out", "udp", 53),
  );
  const dhcp4 = v4.find((ip) => ip.ranges.length || ip.hosts.length);
  if (dhcp4?.tftpRoot) {
    rules.push(port(4, br, "in", "udp", 69), port(4, br, "out", "udp", 69));
  }
  rules.push(...bridgeRules(4, br));
  // General IPv6 rules.
  if (v6.length || def.ipv6) {
    rules.push(...bridgeRules(6, br));
    if (v6.length) {
      rules.push(
        port(6, br, "in", "tcp", 53),
        port(6, br, "in", "udp", 53),
        port(6, br, "out", "tcp", 53),
        port(6, br, "out", "udp", 53),
        port(6, br, "in", "udp", 547),
        port(6, br, "out", "udp", 546),
      );
    }
  }
  // Per address: NAT (IPv4, or IPv6 with <nat ipv6='yes'/>) or routing.
  const dev = def.forward.ifs[0]?.type === "netdev" ? def.forward.ifs[0].dev : null;
  for (const ip of def.ips) {
    const f = familyOf(ip);
    const net = networkOf(ip);
    const routing = (): Rule[] => [
      {
        f,
        table: "filter",
        chain: "LIBVIRT_FWO",
        spec: ["-s", net, "-i", br, ...(dev ? ["-o", dev] : []), "-j", "ACCEPT"],
      },
      {
        f,
        table: "filter",
        chain: "LIBVIRT_FWI",
        spec: ["-d", net, "-o", br, ...(dev ? ["-i", dev] : []), "-j", "ACCEPT"],
      },
    ];
    if (mode === "nat" && (f === 4 || def.forward.natIPv6 === "yes")) {
      rules.push(...masquerade(def, f, net, br, dev));
    } else if (mode === "nat" || mode === "route") {
      rules.push(...routing());
    }
  }
  if (dhcp4) {
    rules.push({
      f: 4,
      table: "mangle",
      chain: "LIBVIRT_PRT",
      spec: [
        "-o",
        br,
        "-p",
        "udp",
        "-m",
        "udp",
        "--dport",
        "68",
        "-j",
        "CHECKSUM",
        "--checksum-fill",
      ],
    });
  }
  return rules;
}

/** networkAddMasqueradingFirewallRules for one address. */
function masquerade(
  def: NetworkDef,
  f: Family,
  net: string,
  br: string,
  dev: string | null,
): Rule[] {
  const fw = def.forward;
  const outDev = dev ? ["-o", dev] : [];
  const ports = fw.natPortStart || fw.natPortEnd
    ? `${fw.natPortStart}-${fw.natPortEnd}`
    : "1024-65535";
  const addr = fw.natAddrStart
    ? fw.natAddrEnd && fw.natAddrEnd !== fw.natAddrStart
      ? `${fw.natAddrStart}-${fw.natAddrEnd}`
      : fw.natAddrStart
    : null;
  const masq = (proto: string | null): Rule => {
    const target = addr
      ? ["-j", "SNAT", "--to-source", proto ? `${addr}:${ports}` : addr]
      : ["-j", "MASQUERADE", ...(proto ? ["--to-ports", ports] : [])];
    return {
      f,
      table: "nat",
      chain: "LIBVIRT_PRT",
      spec: ["-s", net, ...(proto ? ["-p", proto] : []), "!", "-d", net, ...outDev, ...target],
    };
  };
  const keep = (dst: string): Rule => ({
    f,
    table: "nat",
    chain: "LIBVIRT_PRT",
    spec: ["-s", net, "-d", dst, ...outDev, "-j", "RETURN"],
  });
  return [
    {
      f,
      table: "filter",
      chain: "LIBVIRT_FWO",
      spec: ["-s", net, "-i", br, ...outDev, "-j", "ACCEPT"],
    },
    {
      f,
      table: "filter",
      chain: "LIBVIRT_FWI",
      spec: [
        "-d",
        net,
        "-o",
        br,
        ...(dev ? ["-i", dev] : []),
        "-m",
        "conntrack",
        "--ctstate",
        "ESTABLISHED,RELATED",
        "-j",
        "ACCEPT",
      ],
    },
    masq(null),
    masq("udp"),
    masq("tcp"),
    ...(f === 4 ? [keep("255.255.255.255/32"), keep("224.0.0.0/24")] : [keep("ff02::/16")]),
  ];
}

/** The steps that add a network's rules. */
export function addRuleSteps(def: NetworkDef): HostStep[] {
  return networkRules(def).map(add);
}

/** The steps that take them away again (each may already be gone). */
export function removeRuleSteps(def: NetworkDef): HostStep[] {
  return networkRules(def).map(del).reverse();
}
