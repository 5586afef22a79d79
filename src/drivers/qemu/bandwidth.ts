/**
 * An interface's `<bandwidth>` on its tap, as libvirt's virNetDevBandwidthSet
 * applies it with tc: the rate the guest receives shapes the tap's transmit
 * side (an HTB class with an SFQ below it), the rate it sends polices the
 * tap's ingress. On a tap plugged into a bridge (types network and bridge)
 * the host sees the guest's traffic from the other side, so inbound and
 * outbound swap; an `ethernet` tap shares the guest's view. Rates are in
 * kilobytes per second and bursts in kilobytes, written `kbps` and `kb` for tc.
 *
 * @module
 */

import type { NetDef, RawElement } from "../../conf/domain_xml.ts";
import { type BandwidthRate, parseBandwidth } from "../../conf/network_xml.ts";
import { element, type XmlElement } from "../../util/xml.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_CONFIG_UNSUPPORTED,
  VIR_ERR_OPERATION_UNSUPPORTED,
  VIR_FROM_NONE,
  VIR_FROM_QEMU,
} from "../../rpc/error_codes.ts";
import type { HostStep } from "../network/host.ts";

/** One direction's limits (libvirt's virNetDevBandwidthRate), kB/s and kB; 0 is unset. */
export interface Rate {
  average: number;
  peak: number;
  burst: number;
}

export interface Bandwidth {
  in: Rate | null;
  out: Rate | null;
}

const UINT_MAX = 0xffffffff;

function tree(r: RawElement): XmlElement {
  return element(r.name, r.attrs, r.children.map(tree));
}

function rate(r: BandwidthRate | null): Rate | null {
  return r && { average: Number(r.average), peak: Number(r.peak), burst: Number(r.burst) };
}

/**
 * The interface's limits, or null when it has none, checked as libvirt
 * parses them (virNetDevBandwidthParse). A guaranteed `floor` needs the
 * network's QoS classes (virNetDevBandwidthPlug), which are not built.
 */
export function bandwidthOf(n: NetDef): Bandwidth | null {
  if (!n.bandwidth) return null;
  const bw = parseBandwidth(tree(n.bandwidth), true);
  if (!bw) return null;
  if (bw.inbound && bw.inbound.floor !== "0") {
    throw VirError.of(
      VIR_ERR_CONFIG_UNSUPPORTED,
      VIR_FROM_QEMU,
      `unsupported configuration: <bandwidth> floor on interface ${n.mac}`,
    );
  }
  return { in: rate(bw.inbound), out: rate(bw.outbound) };
}

/** The tc commands libvirt runs for `bw` on tap `dev` (virNetDevBandwidthClear, then Set). */
export function bandwidthSteps(dev: string, bw: Bandwidth, swapped: boolean): HostStep[] {
  if (Deno.uid() !== 0) {
    throw VirError.of(
      VIR_ERR_OPERATION_UNSUPPORTED,
      VIR_FROM_NONE,
      "Network bandwidth tuning is not available in session mode",
    );
  }
  const [rx, tx] = swapped ? [bw.out, bw.in] : [bw.in, bw.out];
  const tc = (...args: string[]): HostStep => ({ cmd: "tc", args });
  const steps: HostStep[] = [
    { ...tc("qdisc", "del", "dev", dev, "root"), ignoreFailure: true },
    { ...tc("qdisc", "del", "dev", dev, "ingress"), ignoreFailure: true },
  ];
  if (tx && tx.average) {
    const average = `${tx.average}kbps`;
    // virNetDevBandwidthCmdAddOptimalQuantum: rate / MTU, at least 1.
    const quantum = String(Math.max(1, Math.floor(tx.average * 1024 / 8 / 1500)));
    steps.push(
      tc("qdisc", "add", "dev", dev, "root", "handle", "1:", "htb", "default", "1"),
      tc(
        "class",
        "add",
        "dev",
        dev,
        "parent",
        "1:",
        "classid",
        "1:1",
        "htb",
        "rate",
        average,
        ...(tx.peak ? ["ceil", `${tx.peak}kbps`] : []),
        ...(tx.burst ? ["burst", `${tx.burst}kb`] : []),
        "quantum",
        quantum,
      ),
      tc("qdisc", "add", "dev", dev, "parent", "1:1", "handle", "2:", "sfq", "perturb", "10"),
      tc(
        "filter",
        ...["add", "dev", dev, "parent", "1:0", "protocol", "all", "prio", "1"],
        ...["handle", "1", "fw", "flowid", "1"],
      ),
    );
  }
  if (rx) {
    // tc keeps a burst in bytes as an unsigned int.
    const burst = rx.burst || Math.min(rx.average, Math.floor(UINT_MAX / 1024));
    steps.push(
      tc("qdisc", "add", "dev", dev, "ingress"),
      tc(
        "filter",
        ...["add", "dev", dev, "parent", "ffff:", "protocol", "all", "u32", "match", "u32"],
        ...["0", "0", "police", "rate", `${rx.average}kbps`, "burst", `${burst}kb`],
        ...["mtu", "64kb", "drop", "flowid", ":1"],
      ),
    );
  }
  return steps;
}
