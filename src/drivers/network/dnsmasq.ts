/**
 * What dnsmasq gets for a virtual network, in libvirt 9.0's words
 * (networkDnsmasqConfContents and virdnsmasq.c): the configuration file, the
 * DHCP hosts file and the DNS hosts file, byte for byte as libvirtd writes
 * them but for their directory; and the leases dnsmasq keeps, read back for
 * virNetworkGetDHCPLeases.
 *
 * @module
 */

import {
  addrRange,
  type DHCPLease,
  formatIP,
  ipDefPrefix,
  type NetworkDef,
  type NetworkIPDef,
  parseIP,
  prefixToMask,
} from "../../conf/network_xml.ts";
import { VirError } from "../../rpc/error.ts";
import { VIR_ERR_CONFIG_UNSUPPORTED, VIR_FROM_NETWORK } from "../../rpc/error_codes.ts";

/** Where a network's dnsmasq files live (libvirt: /var/lib/libvirt/dnsmasq, /run/libvirt/network). */
export interface DnsmasqPaths {
  conf: string;
  hostsfile: string;
  addnhosts: string;
  pidfile: string;
  leases: string;
}

export function dnsmasqPaths(dnsmasqDir: string, pidDir: string, name: string): DnsmasqPaths {
  return {
    conf: `${dnsmasqDir}/${name}.conf`,
    hostsfile: `${dnsmasqDir}/${name}.hostsfile`,
    addnhosts: `${dnsmasqDir}/${name}.addnhosts`,
    pidfile: `${pidDir}/${name}.pid`,
    leases: `${dnsmasqDir}/${name}.leases`,
  };
}

const family = (ip: NetworkIPDef): 4 | 6 => (parseIP(ip.address)?.family ?? 4);

/** networkBuildDnsmasqLeaseTime: "infinite", or the count and the unit's first letter. */
function leaseTime(lease: DHCPLease | null): string | null {
  if (!lease) return null;
  if (lease.expiry === "0") return "infinite";
  return `${lease.expiry}${lease.unit[0]}`;
}

/** Whether dnsmasq has any work for this network (networkStartDhcpDaemon's test). */
export function needsDnsmasq(def: NetworkDef): boolean {
  if (def.ips.length === 0) return false;
  const dhcp = def.ips.some((ip) => ip.ranges.length > 0 || ip.hosts.length > 0);
  return dhcp || def.dns.enable !== "no";
}

/** The first IPv4 and IPv6 addresses with DHCP (libvirt serves one of each). */
export function dhcpDefs(def: NetworkDef): { v4: NetworkIPDef | null; v6: NetworkIPDef | null } {
  let v4: NetworkIPDef | null = null;
  let v6: NetworkIPDef | null = null;
  for (const ip of def.ips) {
    if (!(ip.ranges.length || ip.hosts.length)) continue;
    if (family(ip) === 4) {
      if (v4) {
        throw VirError.of(
          VIR_ERR_CONFIG_UNSUPPORTED,
          VIR_FROM_NETWORK,
          "For IPv4, multiple DHCP definitions cannot be specified.",
        );
      }
      v4 = ip;
    } else {
      if (v6) {
        throw VirError.of(
          VIR_ERR_CONFIG_UNSUPPORTED,
          VIR_FROM_NETWORK,
          "For IPv6, multiple DHCP definitions cannot be specified.",
        );
      }
      v6 = ip;
    }
  }
  return { v4, v6 };
}

/** One dhcp-hostsfile line per <host> (dnsmasqAddDhcpHost). */
function hostLines(ip: NetworkIPDef): string[] {
  const v6 = family(ip) === 6;
  const out: string[] = [];
  for (const h of ip.hosts) {
    if (!h.ip && !v6 && !h.mac) continue;
    let line: string;
    if (v6) {
      const addr = h.ip ? `[${h.ip}]` : "";
      if (h.id) line = `id:${h.id},${addr}`;
      else if (h.name) line = `${h.name},${addr}`;
      else line = `${h.mac},${addr}`;
    } else if (h.name && h.mac) line = `${h.mac},${h.ip},${h.name}`;
    else if (h.name) line = `${h.name},${h.ip}`;
    else line = `${h.mac},${h.ip}`;
    const lt = leaseTime(h.lease);
    if (lt) line += `,${lt}`;
    out.push(line);
  }
  return out;
}

/** The dhcp-hostsfile: the <host>s of the IPv4 DHCP address, then of the IPv6 one. */
export function hostsFile(def: NetworkDef): string {
  const { v4, v6 } = dhcpDefs(def);
  const lines = [...(v4 ? hostLines(v4) : []), ...(v6 ? hostLines(v6) : [])];
  return lines.map((l) => l + "\n").join("");
}

/** The addn-hosts file: `IP\tNAME\t…\t` per <dns><host> (dnsmasqAddHostsRecord). */
export function addnHostsFile(def: NetworkDef): string {
  // dnsmasq's hosts file groups the names of one address on one line.
  const byIP = new Map<string, string[]>();
  for (const h of def.dns.hosts) {
    const names = byIP.get(h.ip) ?? [];
    names.push(...h.hostnames);
    byIP.set(h.ip, names);
  }
  let out = "";
  for (const [ip, names] of byIP) {
    out += ip;
    for (const n of names) out += `\t${n}`;
    out += "\t\n";
  }
  return out;
}

/** The PTR zone of an address with `localPtr='yes'` (virSocketAddrPTRDomain). */
function ptrDomain(ip: NetworkIPDef): string {
  const a = parseIP(ip.address)!;
  const prefix = ipDefPrefix(ip);
  if (a.family === 4) {
    if (prefix % 8 !== 0 || prefix === 0) {
      throw VirError.of(
        VIR_ERR_CONFIG_UNSUPPORTED,
        VIR_FROM_NETWORK,
        `PTR domain for IPv4 network with prefix ${prefix} cannot be automatically created`,
      );
    }
    return a.bytes.slice(0, prefix / 8).reverse().join(".") + ".in-addr.arpa";
  }
  if (prefix % 4 !== 0 || prefix === 0) {
    throw VirError.of(
      VIR_ERR_CONFIG_UNSUPPORTED,
      VIR_FROM_NETWORK,
      `PTR domain for IPv6 network with prefix ${prefix} cannot be automatically created`,
    );
  }
  const nibbles: string[] = [];
  for (const b of a.bytes) nibbles.push((b >> 4).toString(16), (b & 15).toString(16));
  return nibbles.slice(0, prefix / 4).reverse().join(".") + ".ip6.arpa";
}

/** The network address and mask text of an IPv4 address definition. */
function netmaskOf(ip: NetworkIPDef): string {
  return prefixToMask(ipDefPrefix(ip), 4)!.join(".");
}

/** The configuration file (networkDnsmasqConfContents with dnsmasq ≥ 2.64's capabilities). */
export function dnsmasqConf(def: NetworkDef, paths: DnsmasqPaths): string {
  const wantDNS = def.dns.enable !== "no";
  let s = "##WARNING:  THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE\n" +
    "##OVERWRITTEN AND LOST.  Changes to this configuration should be made using:\n" +
    `##    virsh net-edit ${def.name}\n` +
    "## or other application using the libvirt API.\n" +
    "##\n## dnsmasq conf file created by libvirt\n" +
    "strict-order\n";
  if (!wantDNS) s += "port=0\n";
  if (wantDNS && def.dns.forwarders.length) {
    let noResolv = false;
    for (const f of def.dns.forwarders) {
      s += "server=";
      if (f.domain) s += `/${f.domain}/`;
      if (f.addr) {
        s += `${formatIP(parseIP(f.addr)!)}\n`;
        if (!f.domain) noResolv = true;
      } else s += "#\n";
    }
    if (noResolv) s += "no-resolv\n";
  }
  if (def.domain) {
    if (def.domainLocalOnly === "yes") s += `local=/${def.domain}/\n`;
    s += `domain=${def.domain}\nexpand-hosts\n`;
  }
  if (wantDNS) {
    for (const ip of def.ips) if (ip.localPtr === "yes") s += `local=/${ptrDomain(ip)}/\n`;
  }
  if (wantDNS && def.dns.forwardPlainNames === "no") s += "domain-needed\nlocal=//\n";
  s += `pid-file=${paths.pidfile}\n`;
  s += "except-interface=lo\n";
  s += `bind-dynamic\ninterface=${def.bridge}\n`;
  if (def.forward.mode === "none") s += "dhcp-option=3\nno-resolv\nra-param=*,0,0\n";
  if (wantDNS) {
    for (const t of def.dns.txts) s += `txt-record=${t.name},${t.value}\n`;
    for (const r of def.dns.srvs) {
      s += `srv-host=_${r.service}._${r.protocol}`;
      if (r.domain) s += `.${r.domain}`;
      if (r.target && r.target !== ".") {
        s += `,${r.target}`;
        if (r.port || r.priority || r.weight) s += `,${r.port || 1}`;
        if (r.priority || r.weight) s += `,${r.priority}`;
        if (r.weight) s += `,${r.weight}`;
      }
      s += "\n";
    }
  }
  const { v4, v6 } = dhcpDefs(def);
  let leases = 0;
  for (const ip of [v4, v6]) {
    if (!ip) continue;
    const prefix = ipDefPrefix(ip);
    const is6 = family(ip) === 6;
    const net = parseIP(ip.address)!;
    for (const r of ip.ranges) {
      s += is6
        ? `dhcp-range=${r.start},${r.end},${prefix}`
        : `dhcp-range=${r.start},${r.end},${netmaskOf(ip)}`;
      const lt = leaseTime(r.lease);
      if (lt) s += `,${lt}`;
      s += "\n";
      leases += addrRange(parseIP(r.start)!, parseIP(r.end)!, net, prefix);
    }
    if (!ip.ranges.length && ip.hosts.length) {
      s += `dhcp-range=${ip.address},static${is6 ? `,${prefix}` : ""}\n`;
    }
    if (!is6) {
      s += "dhcp-no-override\ndhcp-authoritative\n";
      if (ip.tftpRoot) s += `enable-tftp\ntftp-root=${ip.tftpRoot}\n`;
      if (ip.bootpFile) {
        s += ip.bootpServer
          ? `dhcp-boot=${ip.bootpFile},,${ip.bootpServer}\n`
          : `dhcp-boot=${ip.bootpFile}\n`;
      }
    }
  }
  if (leases > 0) s += `dhcp-lease-max=${leases}\n`;
  if (v4 || v6) s += `dhcp-hostsfile=${paths.hostsfile}\n`;
  if (wantDNS) s += `addn-hosts=${paths.addnhosts}\n`;
  if (def.mtu > 0) s += `dhcp-option=option:mtu,${def.mtu}\n`;
  if (v6) s += "enable-ra\n";
  else {
    for (const ip of def.ips) {
      if (family(ip) === 6 && !(ip.ranges.length || ip.hosts.length)) {
        s += `dhcp-range=${ip.address},ra-only\n`;
      }
    }
  }
  return s;
}

/** dnsmasq's command line: libvirt's, but dnsmasq keeps the leases itself (no leases helper). */
export function dnsmasqArgs(paths: DnsmasqPaths): string[] {
  return [`--conf-file=${paths.conf}`, `--dhcp-leasefile=${paths.leases}`];
}

/** One lease as virNetworkGetDHCPLeases returns it. */
export interface Lease {
  expirytime: number;
  /** VIR_IP_ADDR_TYPE_IPV4 (0) or _IPV6 (1). */
  type: 0 | 1;
  mac: string | null;
  iaid: string | null;
  ipaddr: string;
  prefix: number;
  hostname: string | null;
  clientid: string | null;
}

/**
 * The unexpired leases in dnsmasq's lease file (`EXPIRY MAC IP NAME CLIENTID`
 * lines; after a `duid` line, IPv6 ones: `EXPIRY IAID IP NAME DUID`), with the
 * prefix of the network address each falls in.
 */
export function parseLeases(text: string, def: NetworkDef, now = Date.now() / 1000): Lease[] {
  const out: Lease[] = [];
  let v6 = false;
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length < 2) continue;
    if (f[0] === "duid") {
      v6 = true;
      continue;
    }
    const [exp, macOrIaid, ip, name, cid] = f;
    const expiry = Number(exp);
    if (!ip || (expiry !== 0 && expiry < now)) continue;
    const addr = parseIP(ip);
    if (!addr) continue;
    const prefix = prefixFor(def, addr.family, ip);
    const opt = (x: string | undefined) => (x === undefined || x === "*" ? null : x);
    out.push({
      expirytime: expiry,
      type: v6 ? 1 : 0,
      mac: v6 ? null : opt(macOrIaid),
      iaid: v6 ? opt(macOrIaid) : null,
      ipaddr: ip,
      prefix,
      hostname: opt(name),
      clientid: opt(cid),
    });
  }
  return out;
}

function prefixFor(def: NetworkDef, fam: 4 | 6, ip: string): number {
  const a = parseIP(ip)!;
  for (const d of def.ips) {
    const n = parseIP(d.address);
    if (!n || n.family !== fam) continue;
    const prefix = ipDefPrefix(d);
    const mask = prefixToMask(prefix, fam);
    if (mask && n.bytes.every((b, i) => (b & mask[i]!) === (a.bytes[i]! & mask[i]!))) {
      return prefix;
    }
  }
  return 0;
}
