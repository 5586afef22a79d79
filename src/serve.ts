/**
 * `deno task serve`: the daemon as users start it. By default it runs in this
 * process with every permission (the task's -A), as libvirtd runs with its
 * user's rights: it reads and writes the files clients name (save images,
 * node files, core dumps, disks, pool targets, log files) — whoever can reach
 * the rw socket (0700) has those rights already — and reads /proc, which Deno
 * opens only with every permission. `--sandbox` (or `sandbox = 1` in the
 * config) runs it instead as a child whose Deno permissions reach only its own
 * directories, libvirt's data files and the paths given with `--allow-path` /
 * `sandbox_allow_paths`; this process passes signals on, and the child stops
 * once this process is gone.
 *
 * @module
 */

import { defaultConfig, defaultRunDir, loadConfig, qemuDirs } from "./conf/config.ts";
import { LIBVIRTD_PID_FILE, SYSTEM_CONFIG_FILE } from "./conf/system.ts";
import { defaultUsersFile } from "./transport/sasl_users.ts";
import { KILL, PS, STAT } from "./drivers/qemu/proc.ts";
import { NETWORK_PROGRAMS } from "./drivers/network/host.ts";
import { consolePath, CONSOLES_PER_SLOT, monitorPath } from "./drivers/qemu/files.ts";
import { QEMU_MONITOR_SLOTS } from "./drivers/qemu/state.ts";
import { watchParent } from "./parent_watch.ts";
import { DAEMON_V8_FLAGS_ARG } from "./conf/v8_flags.ts";

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

// The process that started this one (`deno task`, a supervisor), read as early as can be.
const launcher = Deno.ppid;

const USAGE = `usage: deno task serve [--sandbox] [--allow-path PATH]... [--exit-with-parent]
                       [--system] [--listen] [--config FILE] [--run-dir DIR] [--lock-check]

  --sandbox           run the daemon under Deno permissions narrowed to its own directories
  --allow-path PATH   under --sandbox, let it read and write PATH too (repeatable)
  --exit-with-parent  stop once the process that started this one is gone (deno task's setting)
  --system            serve libvirt's standard paths (/run/libvirt, /etc/libvirt; root only)
  --listen            listen for TLS and TCP connections as listen_tls and listen_tcp say
  --config FILE       settings in libvirtd.conf syntax
  --run-dir DIR       where the sockets go (overrides unix_sock_dir)
  --lock-check        check every lock acquisition against the lock order`;

const daemonArgs: string[] = [];
const allowPaths: string[] = [];
let sandbox = false;
let exitWithParent = false;
let runDir: string | undefined;
let configPath: string | undefined;
let system = false;
let listen = false;
for (let i = 0; i < Deno.args.length; i++) {
  const a = Deno.args[i]!;
  if (a === "--sandbox") sandbox = true;
  else if (a === "--exit-with-parent") exitWithParent = true;
  else if (a === "--allow-path" && Deno.args[i + 1]) allowPaths.push(Deno.args[++i]!);
  else if (a === "--help" || a === "-h") {
    console.log(USAGE);
    Deno.exit(0);
  } else {
    if (a === "--config") configPath = Deno.args[i + 1];
    if (a === "--run-dir") runDir = Deno.args[i + 1];
    if (a === "--system") system = true;
    if (a === "--listen") listen = true;
    daemonArgs.push(a);
  }
}

if (system && !configPath && isFile(SYSTEM_CONFIG_FILE)) configPath = SYSTEM_CONFIG_FILE;
let settings = defaultConfig(system);
if (configPath) {
  try {
    settings = await loadConfig(configPath, () => {}, system);
  } catch {
    // The daemon reports a bad settings file itself.
  }
}
if (settings.sandbox === 1) sandbox = true;

if (!sandbox) {
  if (allowPaths.length > 0) console.error("denovirt: --allow-path only matters with --sandbox");
  const watch = exitWithParent ? ["--parent-pid", String(launcher)] : [];
  const { main } = await import("./main.ts");
  Deno.exit(await main([...daemonArgs, ...watch]));
}

runDir ??= configPath || system ? settings.unix_sock_dir : defaultRunDir();

await Deno.mkdir(runDir, { recursive: true, mode: 0o755 });
runDir = await Deno.realPath(runDir);
const src = new URL(".", import.meta.url).pathname.replace(/\/$/, "");
const sockets = ["libvirt-sock", "libvirt-sock-ro", "libvirt-admin-sock"].map((f) =>
  `unix:${runDir}/${f}`
);
// The QEMU driver: its directories (by default inside the run directory), the
// two programs it runs, and /proc, where it checks on its QEMU processes.
const qemu = qemuDirs({ ...settings, unix_sock_dir: runDir });
const qemuPaths = [qemu.configDir, qemu.stateDir, qemu.secretsDir].filter((p) =>
  !p.startsWith(`${runDir}/`)
);
const monitors = Array.from({ length: QEMU_MONITOR_SLOTS }, (_, i) => [
  `unix:${monitorPath(qemu.stateDir, i)}`,
  ...Array.from(
    { length: CONSOLES_PER_SLOT },
    (_, k) => `unix:${consolePath(qemu.stateDir, i, k)}`,
  ),
]).flat();
// Log files the settings name are the administrator's choice, as the directories are.
const logFiles = [...settings.log_outputs.matchAll(/(?:^|\s)[1-4]:file:(\S+)/g)].map((m) => m[1]!);
const extra = [...settings.sandbox_allow_paths, ...allowPaths];
// The network services (--listen): their ports, their x509 files, the SASL users.
const ports = listen
  ? [
    ...(settings.listen_tls ? [settings.tls_port] : []),
    ...(settings.listen_tcp ? [settings.tcp_port] : []),
  ].flatMap((p) =>
    settings.listen_addr ? [`${settings.listen_addr}:${p}`] : [`0.0.0.0:${p}`, `[::]:${p}`]
  )
  : [];
let pki: string[] = [];
if (listen && settings.listen_tls) {
  // Imported only here: it loads node:tls, which the daemon itself loads only when it listens.
  const { tlsFiles } = await import("./transport/tls.ts");
  try {
    const f = tlsFiles(settings, Deno.uid() === 0);
    pki = [f.ca, f.cert, f.key, ...(f.crl ? [f.crl] : [])];
  } catch {
    // The daemon reports incomplete x509 settings itself.
  }
}
const saslUsers = settings.sasl_users_file || defaultUsersFile();
const reads = [
  src,
  runDir,
  "/usr/share/libvirt",
  "/proc",
  "/dev/kvm",
  // QEMU's firmware descriptors and the OVMF images they name (EFI guests).
  "/usr/share/qemu/firmware",
  "/etc/qemu/firmware",
  "/usr/share/OVMF",
  // The emulator's timestamp tells whether its probed capabilities are stale.
  settings.qemu_emulator,
  ...qemuPaths,
  ...(configPath ? [configPath] : []),
  ...logFiles,
  ...extra,
  ...pki,
  saslUsers,
  ...(system ? [LIBVIRTD_PID_FILE] : []),
];
const flags = [
  `--allow-read=${reads.join(",")}`,
  `--allow-write=${[runDir, ...qemuPaths, ...logFiles, ...extra].join(",")}`,
  `--allow-net=${[...sockets, ...monitors, ...ports].join(",")}`,
  // The network driver's host work: ip, iptables, ip6tables, dnsmasq, sysctl, tc.
  `--allow-run=${
    [settings.qemu_emulator, settings.qemu_img, PS, KILL, STAT, ...NETWORK_PROGRAMS].join(",")
  }`,
  "--allow-env=XDG_RUNTIME_DIR,XDG_CONFIG_HOME,HOME,TMPDIR,DENOVIRT_LOCK_CHECK",
  "--allow-sys=hostname,uid,gid,systemMemoryInfo",
];
const daemon = new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "--no-prompt",
    DAEMON_V8_FLAGS_ARG,
    ...flags,
    `${src}/main.ts`,
    ...daemonArgs,
    "--run-dir",
    runDir,
    // The daemon stops once this launcher is gone, however it went (kill -9 included).
    "--parent-pid",
    String(Deno.pid),
  ],
  stdin: "null",
  stdout: "inherit",
  stderr: "inherit",
}).spawn();
// Signals reach the daemon through the process group from a terminal; a
// supervisor's reach only this process: pass them on (SIGHUP too, which would
// otherwise end this process and so the daemon).
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  Deno.addSignalListener(sig, () => {
    try {
      daemon.kill(sig);
    } catch {
      // Already gone.
    }
  });
}
if (exitWithParent) {
  watchParent(launcher, () => {
    try {
      daemon.kill("SIGTERM");
    } catch {
      // Already gone.
    }
  });
}
Deno.exit((await daemon.status).code);
