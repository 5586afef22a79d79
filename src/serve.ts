// `deno task serve`: works out the run directory, then runs the daemon
// (src/main.ts) under Deno permissions narrowed to it — read and write its
// run directory, listen on its three sockets, read libvirt's data files —
// instead of running it with broad permissions.

import { defaultConfig, defaultRunDir, loadConfig, qemuDirs } from "./conf/config.ts";
import { KILL, PS } from "./drivers/qemu/proc.ts";
import { consolePath, CONSOLES_PER_SLOT, monitorPath } from "./drivers/qemu/files.ts";
import { QEMU_MONITOR_SLOTS } from "./drivers/qemu/state.ts";

const args = [...Deno.args];
const at = (flag: string) => {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
};

let runDir = at("--run-dir");
const config = at("--config");
let settings = defaultConfig();
if (config) {
  try {
    settings = await loadConfig(config);
    runDir ??= settings.unix_sock_dir;
  } catch {
    // main.ts reports a bad settings file itself.
  }
}
runDir ??= defaultRunDir();
await Deno.mkdir(runDir, { recursive: true, mode: 0o755 });
runDir = await Deno.realPath(runDir);

const src = new URL(".", import.meta.url).pathname.replace(/\/$/, "");
const sockets = ["libvirt-sock", "libvirt-sock-ro", "libvirt-admin-sock"].map((f) =>
  `unix:${runDir}/${f}`
);
// `--allow-path P` (repeatable) lets the daemon read and write P too (save files, node files, logs).
const extra: string[] = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--allow-path" && args[i + 1]) extra.push(args[i + 1]!);
}
// The QEMU driver: its directories (by default inside the run directory), the
// two programs it runs, and /proc, where it checks on its QEMU processes.
const qemu = qemuDirs({ ...settings, unix_sock_dir: runDir });
const qemuPaths = [qemu.configDir, qemu.stateDir].filter((p) => !p.startsWith(`${runDir}/`));
const monitors = Array.from({ length: QEMU_MONITOR_SLOTS }, (_, i) => [
  `unix:${monitorPath(qemu.stateDir, i)}`,
  ...Array.from(
    { length: CONSOLES_PER_SLOT },
    (_, k) => `unix:${consolePath(qemu.stateDir, i, k)}`,
  ),
]).flat();
const reads = [
  src,
  runDir,
  "/usr/share/libvirt",
  "/proc",
  ...qemuPaths,
  ...(config ? [config] : []),
  ...extra,
];
const flags = [
  `--allow-read=${reads.join(",")}`,
  `--allow-write=${[runDir, ...qemuPaths, ...extra].join(",")}`,
  `--allow-net=${[...sockets, ...monitors].join(",")}`,
  `--allow-run=${[settings.qemu_emulator, settings.qemu_img, PS, KILL].join(",")}`,
  "--allow-env=XDG_RUNTIME_DIR,TMPDIR,DENOVIRT_LOCK_CHECK",
  "--allow-sys=hostname,uid,systemMemoryInfo",
];
const daemon = new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "--no-prompt",
    ...flags,
    `${src}/main.ts`,
    ...args.filter((a, i) =>
      !["--run-dir", "--allow-path"].includes(a) &&
      !["--run-dir", "--allow-path"].includes(args[i - 1] ?? "")
    ),
    "--run-dir",
    runDir,
  ],
  stdin: "inherit",
  stdout: "inherit",
  stderr: "inherit",
}).spawn();
// Signals reach the daemon through the process group; forward them for a direct kill too.
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(sig, () => {
    try {
      daemon.kill(sig);
    } catch {
      // Already gone.
    }
  });
}
Deno.exit((await daemon.status).code);
