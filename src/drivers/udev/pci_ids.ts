/**
 * PCI vendor and device names, as libpciaccess's pci_get_strings gives
 * them to libvirt's udev node device driver: looked up in the PCI ID
 * database (pci.ids, Debian's `pci.ids` package) by vendor and device
 * number. A device the database does not name has no name (libvirt then
 * prints the bare id).
 *
 * The file is scanned once per batch of lookups and only the answers are
 * kept, so a Worker does not hold the whole database.
 *
 * @module
 */

/** Where libpciaccess looks on Debian. */
export const PCI_IDS_PATHS = ["/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids"];

export interface PciNames {
  vendor: string | null;
  device: string | null;
}

const cache = new Map<string, PciNames>();

function key(vendor: number, device: number): string {
  return `${vendor}:${device}`;
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, "0");
}

function readDatabase(paths: string[]): string | null {
  for (const p of paths) {
    try {
      return Deno.readTextFileSync(p);
    } catch {
      // Try the next place.
    }
  }
  return null;
}

/**
 * The names of each [vendor, device] pair, from the first database of
 * `paths` that can be read (all null when none can).
 */
export function pciNames(
  pairs: [number, number][],
  paths: string[] = PCI_IDS_PATHS,
): Map<string, PciNames> {
  const out = new Map<string, PciNames>();
  const missing = pairs.filter(([v, d]) => {
    const hit = cache.get(key(v, d));
    if (hit) out.set(key(v, d), hit);
    return !hit;
  });
  if (missing.length === 0) return out;
  const wantVendors = new Map<string, Set<string>>();
  for (const [v, d] of missing) {
    const set = wantVendors.get(hex4(v)) ?? new Set<string>();
    set.add(hex4(d));
    wantVendors.set(hex4(v), set);
  }
  const vendorNames = new Map<string, string>();
  const deviceNames = new Map<string, string>();
  const text = readDatabase(paths) ?? "";
  let vendor: string | null = null;
  for (const line of text.split("\n")) {
    if (line.startsWith("C ")) break; // the device classes follow the vendors
    if (line === "" || line.startsWith("#")) continue;
    if (line[0] !== "\t") {
      const id = line.slice(0, 4).toLowerCase();
      vendor = wantVendors.has(id) ? id : null;
      if (vendor) vendorNames.set(id, line.slice(4).trim());
    } else if (vendor && line[1] !== "\t") {
      const id = line.slice(1, 5).toLowerCase();
      if (wantVendors.get(vendor)!.has(id)) {
        deviceNames.set(`${vendor}:${id}`, line.slice(5).trim());
      }
    }
  }
  for (const [v, d] of missing) {
    const names: PciNames = {
      vendor: vendorNames.get(hex4(v)) ?? null,
      device: deviceNames.get(`${hex4(v)}:${hex4(d)}`) ?? null,
    };
    cache.set(key(v, d), names);
    out.set(key(v, d), names);
  }
  return out;
}

/** The names of one pair out of a pciNames answer. */
export function namesOf(all: Map<string, PciNames>, vendor: number, device: number): PciNames {
  return all.get(key(vendor, device)) ?? { vendor: null, device: null };
}
