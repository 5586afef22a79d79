/**
 * A network interface's offload features as libvirt's virNetDevGetFeatures
 * asks the kernel for them: SIOCETHTOOL ioctls on a datagram socket, one
 * ETHTOOL_G* command per feature (rx and tx checksumming, scatter-gather,
 * TSO, GSO, GRO) and the ETHTOOL_GFLAGS bits (LRO, VLAN offloads, n-tuple
 * filters, receive hashing). Deno has no ioctl, so this calls libc's through
 * FFI; where FFI is not permitted (a `--sandbox` daemon) or the interface is
 * not in this network namespace, no feature is reported. The features read
 * through ETHTOOL_GFEATURES string sets (txudptnl), devlink (switchdev) and
 * InfiniBand (rdma) are not read.
 *
 * @module
 */

import { openLibc } from "../../util/libc.ts";

const SIOCETHTOOL = 0x8946;
const AF_UNIX = 1;
const SOCK_DGRAM = 2;

/** ETHTOOL_G* commands and the feature each answers, in libvirt's order. */
const COMMANDS: [number, string][] = [
  [0x14, "rx"], // ETHTOOL_GRXCSUM
  [0x16, "tx"], // ETHTOOL_GTXCSUM
  [0x18, "sg"], // ETHTOOL_GSG
  [0x1e, "tso"], // ETHTOOL_GTSO
  [0x23, "gso"], // ETHTOOL_GGSO
  [0x2b, "gro"], // ETHTOOL_GGRO
];
const ETHTOOL_GFLAGS = 0x25;
/** ETH_FLAG_* bits of ETHTOOL_GFLAGS and their features, in libvirt's order. */
const FLAGS: [number, string][] = [
  [1 << 15, "lro"],
  [1 << 8, "rxvlan"],
  [1 << 7, "txvlan"],
  [1 << 27, "ntuple"],
  [1 << 28, "rxhash"],
];

const SYMBOLS = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  ioctl: { parameters: ["i32", "u64", "buffer"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
} as const;

type Libc = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];
let libc: Libc | null | undefined;

function loadLibc(): Libc | null {
  if (libc === undefined) libc = openLibc(SYMBOLS)?.symbols ?? null;
  return libc;
}

/** The features of `ifname` libvirt lists in `<feature name=…/>`, in its order. */
export function netFeatures(ifname: string): string[] {
  const c = loadLibc();
  const name = new TextEncoder().encode(ifname);
  if (!c || name.length >= 16) return [];
  const fd = c.socket(AF_UNIX, SOCK_DGRAM, 0);
  if (fd < 0) return [];
  try {
    const value = new Uint32Array(2); // struct ethtool_value { cmd; data; }
    const ifr = new Uint8Array(40); // struct ifreq: name[16], then ifr_data
    ifr.set(name);
    const ptr = Deno.UnsafePointer.value(Deno.UnsafePointer.of(value));
    new DataView(ifr.buffer).setBigUint64(16, BigInt(ptr), true);
    const ask = (cmd: number): number | null => {
      value[0] = cmd;
      value[1] = 0;
      return c.ioctl(fd, BigInt(SIOCETHTOOL), ifr) < 0 ? null : value[1]!;
    };
    const out: string[] = [];
    for (const [cmd, feature] of COMMANDS) {
      if (ask(cmd)) out.push(feature);
    }
    const flags = ask(ETHTOOL_GFLAGS);
    if (flags !== null) {
      for (const [bit, feature] of FLAGS) if (flags & bit) out.push(feature);
    }
    return out;
  } finally {
    c.close(fd);
  }
}
