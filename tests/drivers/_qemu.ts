// What the QEMU driver tests share: a tiny VM definition and a look at the
// host's QEMU processes (to prove one runs, or none is left behind).

/** A tiny VM: SeaBIOS's output goes to `serialFile`. */
export function tinyVM(name: string, uuid: string, serialFile: string): string {
  return `<domain type='qemu'>
  <name>${name}</name>
  <uuid>${uuid}</uuid>
  <memory unit='MiB'>32</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><bios useserial='yes'/></os>
  <devices>
    <serial type='file'><source path='${serialFile}'/><target port='0'/></serial>
    <graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'/>
    <video><model type='vga'/></video>
  </devices>
</domain>`;
}

/** Every live QEMU process whose command line names `uuid`. */
export function qemuProcesses(uuid: string): number[] {
  const out: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${e.name}/stat`);
      if (stat.slice(stat.lastIndexOf(")") + 2)[0] === "Z") continue;
      const cmd = Deno.readTextFileSync(`/proc/${e.name}/cmdline`);
      if (cmd.includes("qemu-system") && cmd.includes(uuid)) out.push(Number(e.name));
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

/** Kills whatever QEMU of these domains is left (a failed test must not leak VMs). */
export function killQemus(...uuids: string[]): void {
  for (const u of uuids) {
    for (const pid of qemuProcesses(u)) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch {
        // Gone.
      }
    }
  }
}
