/**
 * Bringing a virtual network up and down on the host, as libvirt 9.0's
 * networkStartNetworkVirtual / networkShutdownNetworkVirtual do, as plans of
 * `ip`, `sysctl`, `iptables` and `dnsmasq` steps the event loop runs
 * (host.ts): the bridge with its MAC, MTU, STP and addresses, static routes,
 * the firewall rules, IP forwarding, then dnsmasq. Each plan carries the
 * steps that undo it, so a start that fails part-way leaves nothing.
 *
 * @module
 */

import {
  formatIP,
  ipDefPrefix,
  maskAddr,
  type NetworkDef,
  parseIP,
  prefixToMask,
} from "../../conf/network_xml.ts";
import { VirError } from "../../rpc/error.ts";
import { VIR_ERR_INTERNAL_ERROR, VIR_FROM_NETWORK } from "../../rpc/error_codes.ts";
import { addRuleSteps, privateChainSteps, removeRuleSteps } from "./firewall.ts";
import type { HostStep } from "./host.ts";

const ip = (args: string[], opts: Partial<HostStep> = {}): HostStep => ({
  cmd: "ip",
  args,
  ...opts,
});
const sysctl = (key: string, value: string): HostStep => ({
  cmd: "sysctl",
  args: ["-q", "-w", `${key}=${value}`],
  // A kernel without IPv6 has no such keys; libvirt skips them too.
  ignoreFailure: true,
});

const familyOf = (a: string) => parseIP(a)?.family ?? 4;

/** Whether a network's addresses clash with a route already on the host (networkCheckRouteCollision). */
export function checkRouteCollision(
  def: NetworkDef,
  routes: { dst: string; dev?: string }[],
): void {
  for (const d of def.ips) {
    const a = parseIP(d.address);
    if (!a) continue;
    const prefix = ipDefPrefix(d);
    const net = `${formatIP(maskAddr(a, prefixToMask(prefix, a.family)!))}/${prefix}`;
    const hit = routes.find((r) => r.dst === net || (prefix === 32 && r.dst === d.address));
    if (hit && a.family === 4) {
      throw VirError.of(
        VIR_ERR_INTERNAL_ERROR,
        VIR_FROM_NETWORK,
        `Network is already in use by interface ${hit.dev ?? "?"}`,
      );
    }
  }
}

/** The IPv4 broadcast address of an address definition. */
function broadcast(address: string, prefix: number): string {
  const a = parseIP(address)!;
  const mask = prefixToMask(prefix, 4)!;
  return a.bytes.map((b, i) => (b | (~mask[i]! & 0xff)) & 0xff).join(".");
}

/**
 * Steps that set up a virtual network's bridge, routes and firewall; each
 * carries its undoing, run if a later step fails (a bridge that was there
 * already is not this plan's to remove).
 */
export function bridgeUpPlan(def: NetworkDef): HostStep[] {
  const br = def.bridge!;
  const steps: HostStep[] = [];
  steps.push(
    ip(["link", "add", "name", br, ...(def.mac ? ["address", def.mac] : []), "type", "bridge"], {
      error: `error creating bridge interface ${br}`,
      undo: [ip(["link", "del", br], { ignoreFailure: true })],
    }),
  );
  if (def.mtu) {
    steps.push(ip(["link", "set", "dev", br, "mtu", String(def.mtu)], {
      error: `Cannot set interface MTU on '${br}'`,
    }));
  }
  // networkSetIPv6Sysctls: IPv6 off without an IPv6 address; never RA or autoconf on a gateway.
  const v6 = def.ips.some((d) => familyOf(d.address) === 6);
  steps.push(
    sysctl(`net.ipv6.conf.${br}.disable_ipv6`, v6 ? "0" : "1"),
    sysctl(`net.ipv6.conf.${br}.accept_ra`, "0"),
    sysctl(`net.ipv6.conf.${br}.autoconf`, "0"),
  );
  // Firewall: libvirt's private chains, then this network's rules.
  steps.push(...privateChainSteps(), ...addRuleSteps(def));
  // STP and its forward delay (seconds; the bridge counts centiseconds).
  steps.push(
    ip([
      "link",
      "set",
      "dev",
      br,
      "type",
      "bridge",
      "forward_delay",
      String(Number(def.delay) * 100),
      "stp_state",
      def.stp ? "1" : "0",
    ], { error: `Unable to set STP on bridge ${br}` }),
  );
  for (const d of def.ips) {
    const prefix = ipDefPrefix(d);
    const args = ["addr", "add", `${d.address}/${prefix}`];
    if (familyOf(d.address) === 4) args.push("broadcast", broadcast(d.address, prefix));
    steps.push(ip([...args, "dev", br], {
      error: `Failed to add IP address ${d.address}/${prefix} to ${br}`,
    }));
  }
  steps.push(ip(["link", "set", "dev", br, "up"], {
    error: `Failed to set bridge interface ${br} up`,
  }));
  for (const r of def.routes) {
    const prefix = r.prefix ?? ipDefPrefix({ address: r.address, netmask: r.netmask, prefix: 0 });
    steps.push(ip([
      ...(familyOf(r.address) === 6 ? ["-6"] : []),
      "route",
      "add",
      `${r.address}/${prefix}`,
      "via",
      r.gateway,
      "dev",
      br,
      "metric",
      String(r.metric ?? 1),
    ], { error: `Failed to add route to ${r.address}/${prefix} via ${r.gateway}` }));
  }
  // A network that forwards turns on the host's forwarding (networkEnableIPForwarding).
  if (def.forward.mode !== "none") {
    if (def.ips.some((d) => familyOf(d.address) === 4)) {
      steps.push({ ...sysctl("net.ipv4.ip_forward", "1"), ignoreFailure: false });
    }
    if (v6) steps.push({ ...sysctl("net.ipv6.conf.all.forwarding", "1"), ignoreFailure: false });
  }
  return steps;
}

/** Steps that take a virtual network's bridge and rules away (networkShutdownNetworkVirtual). */
export function bridgeDownPlan(def: NetworkDef): HostStep[] {
  const br = def.bridge!;
  return [
    ...removeRuleSteps(def),
    ip(["link", "set", "dev", br, "down"], { ignoreFailure: true }),
    ip(["link", "del", br], { ignoreFailure: true }),
  ];
}

/** Whether a forward mode is one of the bridge driver's virtual ones (it makes the bridge). */
export function isVirtual(def: NetworkDef): boolean {
  return ["none", "nat", "route", "open"].includes(def.forward.mode);
}
