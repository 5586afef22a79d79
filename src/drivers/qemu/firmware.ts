/**
 * Firmware descriptors (QEMU's docs/interop/firmware.json) and the choice
 * libvirt's qemu_firmware.c makes with them: `<os firmware='efi'>` takes the
 * first descriptor, in file-name order (a file in /etc/qemu/firmware hides
 * the one of the same name in /usr/share/qemu/firmware), whose interface,
 * architecture and machine fit the domain and whose features do not clash
 * with what it asks (secure boot, enrolled keys, SMM). The domain
 * capabilities list the same executables as loader values.
 *
 * @module
 */

export interface FirmwareDesc {
  file: string;
  interfaces: string[];
  device: string;
  executable: string;
  executableFormat: string;
  nvramTemplate: string | null;
  targets: { architecture: string; machines: string[] }[];
  features: string[];
}

/** Where descriptors are searched, most specific first (libvirt's order). */
export const FIRMWARE_DIRS = ["/etc/qemu/firmware", "/usr/share/qemu/firmware"];

let cached: { key: string; list: FirmwareDesc[] } | null = null;

function readDir(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  try {
    for (const e of Deno.readDirSync(dir)) {
      if (e.name.endsWith(".json")) out.set(e.name, `${dir}/${e.name}`);
    }
  } catch {
    // No such directory.
  }
  return out;
}

/** Every usable descriptor, in libvirt's order. */
export function firmwareDescriptors(dirs: string[] = FIRMWARE_DIRS): FirmwareDesc[] {
  const byName = new Map<string, string>();
  for (const d of [...dirs].reverse()) {
    for (const [name, path] of readDir(d)) byName.set(name, path);
  }
  const names = [...byName.keys()].sort();
  const key = names.map((n) => byName.get(n)).join("\n");
  if (cached?.key === key) return cached.list;
  const list: FirmwareDesc[] = [];
  for (const n of names) {
    try {
      const j = JSON.parse(Deno.readTextFileSync(byName.get(n)!));
      const mapping = j.mapping ?? {};
      // Only flash firmware in split (code + vars) or combined form and ROMs are used.
      const exec = mapping.executable?.filename ?? mapping.filename ?? null;
      if (typeof exec !== "string") continue;
      list.push({
        file: byName.get(n)!,
        interfaces: j["interface-types"] ?? [],
        device: mapping.device ?? "flash",
        executable: exec,
        executableFormat: mapping.executable?.format ?? "raw",
        nvramTemplate: mapping["nvram-template"]?.filename ?? null,
        targets: (j.targets ?? []).map((t: { architecture: string; machines: string[] }) => ({
          architecture: t.architecture,
          machines: t.machines ?? [],
        })),
        features: j.features ?? [],
      });
    } catch {
      // An unreadable descriptor is skipped, as libvirt skips it.
    }
  }
  cached = { key, list };
  return list;
}

function glob(pattern: string, s: string): boolean {
  const re = new RegExp(
    "^" + pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".") +
      "$",
  );
  return re.test(s);
}

export function fitsMachine(f: FirmwareDesc, arch: string, machine: string): boolean {
  return f.targets.some((t) => t.architecture === arch && t.machines.some((m) => glob(m, machine)));
}

/** What a domain asks of its firmware. */
export interface FirmwareWants {
  arch: string;
  machine: string;
  /** <loader secure='yes|no'> or the secure-boot feature; null: no preference */
  secure: boolean | null;
  enrolledKeys: boolean | null;
  /** <smm state='off'/> rules out firmware that requires SMM */
  smmOff: boolean;
  /** <loader type='rom|pflash'> */
  type: string | null;
}

/** The descriptor `<os firmware='efi'>` gets, or null when none fits. */
export function selectFirmware(
  w: FirmwareWants,
  list = firmwareDescriptors(),
): FirmwareDesc | null {
  for (const f of list) {
    if (!f.interfaces.includes("uefi")) continue;
    if (!fitsMachine(f, w.arch, w.machine)) continue;
    if (w.type === "pflash" && f.device !== "flash") continue;
    if (w.type === "rom" && f.device !== "memory") continue;
    const secure = f.features.includes("secure-boot");
    if (w.secure !== null && w.secure !== secure) continue;
    const enrolled = f.features.includes("enrolled-keys");
    if (w.enrolledKeys !== null && w.enrolledKeys !== enrolled) continue;
    if (w.smmOff && f.features.includes("requires-smm")) continue;
    return f;
  }
  return null;
}

/** The loader values of the domain capabilities: executables fitting the machine. */
export function loaderValues(arch: string, machine: string): FirmwareDesc[] {
  return firmwareDescriptors().filter((f) =>
    f.interfaces.includes("uefi") && fitsMachine(f, arch, machine)
  );
}
