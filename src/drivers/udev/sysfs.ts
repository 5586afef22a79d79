/**
 * What libudev tells libvirt's udev drivers about a device, read straight
 * from sysfs as libudev reads it: the device's attributes (files under its
 * syspath), its kernel properties (the `uevent` file: DEVTYPE, DRIVER,
 * PCI_CLASS, INTERFACE, DEVNAME, …) and, where udevd runs, the properties
 * its rules added (the database under /run/udev/data: ID_SERIAL, ID_TYPE,
 * ID_VENDOR_ID, …). Enumeration walks /sys/bus/SUBSYSTEM/devices and
 * /sys/class/SUBSYSTEM as udev_enumerate_scan_devices does, sorted by
 * syspath.
 *
 * Every read is synchronous: the udev drivers run in a dispatch Worker,
 * never on the event loop.
 *
 * @module
 */

/** One device as libudev describes it. */
export interface SysDevice {
  /** Canonical path under /sys/devices (udev_device_get_syspath). */
  syspath: string;
  /** Last path element (udev_device_get_sysname). */
  sysname: string;
  /** The subsystem link's name, or null (udev_device_get_subsystem). */
  subsystem: string | null;
  /** Kernel and udev database properties; DEVNAME is the full /dev path. */
  props: Map<string, string>;
  /** The device node (/dev/DEVNAME), or null. */
  devnode: string | null;
  /** The node's symlinks udevd made (the database's S: lines), under /dev. */
  devlinks: string[];
}

/** The sysfs root; tests point it at a tree of their own. */
export interface SysRoot {
  sys: string;
  /** udevd's database directory (/run/udev/data). */
  udevData: string;
}

export const HOST_ROOT: SysRoot = { sys: "/sys", udevData: "/run/udev/data" };

/** A file's contents without the trailing newline, or null when it cannot be read. */
export function readAttr(dir: string, name: string): string | null {
  try {
    return Deno.readTextFileSync(`${dir}/${name}`).replace(/\n$/, "");
  } catch {
    return null;
  }
}

/** Whether `dir/name` exists (a sysattr that is present, readable or not). */
export function hasAttr(dir: string, name: string): boolean {
  try {
    Deno.lstatSync(`${dir}/${name}`);
    return true;
  } catch {
    return false;
  }
}

/** The names in a directory, sorted; empty when it cannot be read. */
export function listDir(dir: string): string[] {
  try {
    return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  } catch {
    return [];
  }
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** KEY=VALUE lines (the uevent file's format). */
function parseProps(text: string, into: Map<string, string>): void {
  for (const line of text.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) into.set(line.slice(0, eq), line.slice(eq + 1));
  }
}

/** udevd's database name for a device: b/c MAJOR:MINOR, nIFINDEX or +SUBSYSTEM:SYSNAME. */
function databaseId(dev: SysDevice): string | null {
  const major = dev.props.get("MAJOR");
  const minor = dev.props.get("MINOR");
  if (major !== undefined && minor !== undefined) {
    return `${dev.subsystem === "block" ? "b" : "c"}${major}:${minor}`;
  }
  const ifindex = dev.props.get("IFINDEX");
  if (ifindex !== undefined) return `n${ifindex}`;
  return dev.subsystem ? `+${dev.subsystem}:${dev.sysname}` : null;
}

/** Reads the device at `syspath` (a canonical path), or null when it is not a device. */
export function readDevice(root: SysRoot, syspath: string): SysDevice | null {
  const uevent = readAttr(syspath, "uevent");
  if (uevent === null) return null;
  let subsystem: string | null = null;
  try {
    subsystem = basename(Deno.readLinkSync(`${syspath}/subsystem`));
  } catch {
    // A device without a subsystem (a bus's root, for one).
  }
  const dev: SysDevice = {
    syspath,
    sysname: basename(syspath),
    subsystem,
    props: new Map(),
    devnode: null,
    devlinks: [],
  };
  parseProps(uevent, dev.props);
  const devname = dev.props.get("DEVNAME");
  if (devname !== undefined) {
    dev.devnode = devname.startsWith("/") ? devname : `/dev/${devname}`;
    dev.props.set("DEVNAME", dev.devnode);
  }
  if (subsystem !== null) dev.props.set("SUBSYSTEM", subsystem);
  const id = databaseId(dev);
  const db = id === null ? null : readAttr(root.udevData, id);
  if (db !== null) {
    for (const line of db.split("\n")) {
      if (line.startsWith("E:")) parseProps(line.slice(2), dev.props);
      else if (line.startsWith("S:")) dev.devlinks.push(`/dev/${line.slice(2)}`);
    }
  }
  return dev;
}

/** The device's parent device (udev_device_get_parent), or null at the top. */
export function parentDevice(root: SysRoot, dev: SysDevice): SysDevice | null {
  let path = dev.syspath;
  const top = `${root.sys}/devices`;
  while (true) {
    path = path.slice(0, path.lastIndexOf("/"));
    if (path.length <= top.length) return null;
    const parent = readDevice(root, path);
    if (parent) return parent;
  }
}

/** The canonical syspath behind a link under /sys/bus or /sys/class. */
function resolve(path: string): string | null {
  try {
    return Deno.realPathSync(path);
  } catch {
    return null;
  }
}

/**
 * The devices of the given subsystems (every subsystem when null), as
 * udev_enumerate_scan_devices lists them: bus devices and class devices,
 * sorted by syspath (which puts a parent before its children).
 */
export function enumerateDevices(root: SysRoot, subsystems: string[] | null): SysDevice[] {
  const wanted = (s: string) => subsystems === null || subsystems.includes(s);
  const paths = new Set<string>();
  for (const bus of listDir(`${root.sys}/bus`)) {
    if (!wanted(bus)) continue;
    for (const name of listDir(`${root.sys}/bus/${bus}/devices`)) {
      const p = resolve(`${root.sys}/bus/${bus}/devices/${name}`);
      if (p) paths.add(p);
    }
  }
  for (const cls of listDir(`${root.sys}/class`)) {
    if (!wanted(cls)) continue;
    for (const name of listDir(`${root.sys}/class/${cls}`)) {
      const p = resolve(`${root.sys}/class/${cls}/${name}`);
      if (p) paths.add(p);
    }
  }
  if (wanted("block")) {
    for (const name of listDir(`${root.sys}/block`)) {
      const p = resolve(`${root.sys}/block/${name}`);
      if (p) paths.add(p);
    }
  }
  const out: SysDevice[] = [];
  for (const p of [...paths].sort()) {
    const dev = readDevice(root, p);
    if (dev) out.push(dev);
  }
  return out;
}

/** The device of `subsystem` named `sysname` (udev_device_new_from_subsystem_sysname). */
export function deviceBySysname(
  root: SysRoot,
  subsystem: string,
  sysname: string,
): SysDevice | null {
  if (sysname.includes("/") || sysname === "." || sysname === "..") return null;
  for (const base of [`${root.sys}/class/${subsystem}`, `${root.sys}/bus/${subsystem}/devices`]) {
    const p = resolve(`${base}/${sysname}`);
    if (p) return readDevice(root, p);
  }
  return null;
}
