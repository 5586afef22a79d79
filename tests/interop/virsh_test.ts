// Differential: the same virsh sessions against the real libvirtd (test
// driver) and against denovirt must print the same, byte for byte, except
// for the differences listed in KNOWN_DIFFERENCES.

import assert from "node:assert/strict";
import { haveTools } from "./_tools.ts";
import { type BenchDaemon, startLibvirtd } from "../_daemons.ts";
import { startDaemon, type TestDaemon } from "../server/_daemon.ts";

/**
 * Output that cannot match, each with its reason; applied to both sides
 * before comparing.
 */
const KNOWN_DIFFERENCES: [RegExp, string, string][] = [
  // The test driver reports the wall clock as a running domain's CPU time.
  [/^(CPU time:\s+)\S+$/gm, "$1<wall clock>", "running domain CPU time is the current time"],
  // Snapshots and checkpoints record the real time they were made.
  [/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}/g, "<time>", "snapshot creation time"],
  [/<creationTime>\d+<\/creationTime>/g, "<creationTime/>", "snapshot creation time"],
  // The URI virsh prints names the socket, which lives in each daemon's own run directory.
  [/\?socket=\S+/g, "?socket=<run dir>", "each daemon has its own socket path"],
];

function normalize(s: string): string {
  let out = s;
  for (const [re, rep] of KNOWN_DIFFERENCES) out = out.replace(re, rep);
  return out;
}

export interface VirshResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function virsh(
  socket: string,
  commands: string,
  opts: { readonly?: boolean; path?: string } = {},
): Promise<VirshResult> {
  const args = [
    ...(opts.readonly ? ["-r"] : []),
    "-c",
    `test+unix://${opts.path ?? "/default"}?socket=${socket}`,
    commands,
  ];
  const out = await new Deno.Command("virsh", {
    args,
    stdout: "piped",
    stderr: "piped",
    env: { LC_ALL: "C" },
  })
    .output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

const DOMAIN_XML = `<domain type='test'>
  <name>probe</name>
  <uuid>0e5dfb54-5a59-4a4d-9c7d-3b2f0a0f7a01</uuid>
  <memory unit='MiB'>512</memory>
  <currentMemory unit='MiB'>256</currentMemory>
  <vcpu>2</vcpu>
  <os><type>hvm</type></os>
</domain>
`;

/** virsh sessions, each run in one virsh invocation (one connection). */
const SCENARIOS: { name: string; commands: string; readonly?: boolean; path?: string }[] = [
  { name: "list --all", commands: "list --all" },
  {
    name: "a custom node file (test:///PATH)",
    commands:
      "list --all; dominfo fv0; dumpxml fc4; net-list --all; net-dumpxml private; pool-list --all; vol-list images; vol-dumpxml disk1.img --pool images; define /nonexistent.xml",
    path: new URL("../testdata/test_driver/node/node.xml", import.meta.url).pathname,
  },
  {
    name: "a missing node file",
    commands: "list",
    path: "/nonexistent/node.xml",
  },
  {
    name: "list variants",
    commands: "list; list --inactive; list --name --all; list --uuid --all; list --persistent",
  },
  { name: "dominfo", commands: "dominfo test" },
  { name: "dumpxml", commands: "dumpxml test" },
  {
    name: "domain ids",
    commands: "domid test; domuuid test; domname 1; domname 6695eb01-f6a4-8304-79aa-97f2502e193f",
  },
  { name: "domstate", commands: "domstate test; domstate test --reason" },
  { name: "nodeinfo", commands: "nodeinfo" },
  { name: "capabilities", commands: "capabilities" },
  { name: "sysinfo", commands: "sysinfo" },
  { name: "version", commands: "version" },
  { name: "uri and hostname", commands: "uri; hostname" },
  { name: "nodememstats", commands: "freecell; freecell --all; nodememstats; nodecpustats" },
  {
    name: "suspend, resume, shutdown, start",
    commands:
      "suspend test; domstate test --reason; resume test; domstate test --reason; shutdown test; domstate test --reason; " +
      "list --all; start test; domstate test --reason; domid test; dominfo test",
  },
  {
    name: "destroy and start",
    commands: "destroy test; list --all; domid test; start test; domid test; list",
  },
  { name: "lifecycle errors", commands: "resume test; start test" },
  { name: "destroy inactive", commands: "destroy test; destroy test" },
  { name: "suspend inactive", commands: "destroy test; suspend test" },
  { name: "unknown domain", commands: "dominfo nope" },
  { name: "unknown domain id", commands: "domname 42" },
  {
    name: "setmem and setvcpus",
    commands: "setmem test 1048576; setvcpus test 1; dominfo test; setmem test 99999999",
  },
  { name: "setvcpus too many", commands: "setvcpus test 99" },
  {
    name: "memory and vCPUs, live and persistent",
    commands:
      "setmem test 900000 --config; setmem test 800000 --live; setmem test 700000 --live --config; " +
      "setmaxmem test 6000000 --config; setmaxmem test 5000000 --live; setvcpus test 3 --maximum --config; " +
      "setvcpus test 3 --config; setvcpus test 1 --live; vcpucount test; dominfo test; " +
      "dumpxml test --inactive; destroy test; setmem test 500000; setmem test 300000 --config; " +
      "setmaxmem test 4000000; setvcpus test 2 --live; setvcpus test 1; vcpucount test; start test; " +
      "vcpucount test; dominfo test",
  },

  {
    name: "autostart",
    commands: "autostart test; dominfo test; autostart --disable test; dominfo test",
  },
  {
    name: "managedsave",
    commands:
      "managedsave test; domstate test --reason; dominfo test; list --all --managed-save; start test; domstate test --reason",
  },
  { name: "schedinfo", commands: "schedinfo test" },
  { name: "vcpucount", commands: "vcpucount test" },
  { name: "read-only list", commands: "list --all; dominfo test", readonly: true },
  { name: "read-only destroy", commands: "destroy test", readonly: true },
];

const NET_XML = `<network>
  <name>sample</name>
  <uuid>11111111-2222-3333-4444-555555555555</uuid>
  <bridge name='virbr5'/>
  <ip address='192.168.150.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.150.2' end='192.168.150.100'/>
    </dhcp>
  </ip>
</network>
`;

const IFACE_XML = `<interface type='ethernet' name='eth2'>
  <start mode='onboot'/>
  <mac address='00:11:22:33:44:55'/>
  <protocol family='ipv4'>
    <ip address='192.168.1.10' prefix='24'/>
  </protocol>
</interface>
`;

/** Snapshot, save/restore and tuning sessions of the default domain (${dir} is a scratch directory). */
const DOMAIN_EXTRA_SCENARIOS = [
  "snapshot-create-as test s1 --description hello; snapshot-create-as test s2; snapshot-list test; snapshot-list test --tree; snapshot-info test s1; snapshot-current test --name; snapshot-parent test s2",
  "snapshot-create-as test s1 'my desc'; snapshot-dumpxml test s1",
  "snapshot-create-as test s1; suspend test; snapshot-create-as test s2; snapshot-revert test s1; domstate test --reason; snapshot-revert test s2; domstate test --reason",
  "snapshot-create-as test a; snapshot-create-as test b; snapshot-create-as test c; snapshot-delete test b; snapshot-list test --parent; snapshot-delete test a --children; snapshot-list test",
  "snapshot-create-as test a; destroy test; undefine test; undefine test --snapshots-metadata; list --all",
  "checkpoint-create-as test c1 'first'; checkpoint-create-as test c2; checkpoint-list test --tree; checkpoint-parent test c2; checkpoint-delete test c1",
  "save test ${dir}/x.img; domstate test --reason; restore ${dir}/x.img; domstate test --reason; domid test",
  "save test /nonexistent/x.img",
  "memtune test; memtune test --hard-limit 1024 --soft-limit 512; memtune test",
  "blkiotune test; blkiotune test --weight 500; blkiotune test",
  "numatune test; numatune test --nodeset 0-1 --mode preferred; numatune test",
  "perf test; perf test --enable cmt --disable cpu_cycles; perf test",
  "domtime test; domcontrol test; domblkinfo test vda; domblkerror test",
  "vcpupin test; vcpupin test 1 0,2; vcpupin test; emulatorpin test 1-2; emulatorpin test",
  "iothreadinfo test; iothreadadd test 3; iothreadinfo test; iothreaddel test 3; iothreadinfo test",
  "metadata test http://example.org/ --key ex --set '<foo bar=\"1\"><x/></foo>'; metadata test http://example.org/; desc test --title 'my title'; desc test --title; dumpxml test",
  "set-lifecycle-action test poweroff restart; dumpxml test",
  "destroy test; domrename test t2; list --all",
  "domjobinfo test",
];

/** Network and host-interface sessions (${dir} holds net.xml and iface.xml). */
const NETWORK_SCENARIOS = [
  "net-list --all",
  "net-list; net-list --inactive; net-list --all --name; net-list --all --uuid",
  "net-list --persistent; net-list --transient; net-list --autostart; net-list --no-autostart",
  "net-info default",
  "net-dumpxml default",
  "net-dumpxml --inactive default",
  "net-uuid default; net-name dd8fe884-6c02-601e-7551-cca97df1c5df",
  "net-destroy default; net-list --all; net-info default; net-start default; net-list --all",
  "net-start default",
  "net-destroy default; net-destroy default; net-undefine default; net-list --all",
  "net-define ${dir}/net.xml; net-list --all; net-info sample; net-dumpxml sample; net-start sample; net-list --all; net-undefine sample; net-destroy sample; net-undefine sample; net-list --all",
  "net-define ${dir}/net.xml; net-define ${dir}/net.xml; net-list --all",
  "net-create ${dir}/net.xml; net-list --all; net-info sample; net-autostart sample; net-destroy sample; net-list --all",
  "net-autostart default; net-info default; net-list --autostart; net-autostart --disable default; net-info default",
  `net-update default add ip-dhcp-host "<host mac='00:11:22:33:44:55' ip='192.168.122.5'/>"; net-dumpxml default`,
  `net-update default add ip-dhcp-host "<host mac='00:11:22:33:44:55' ip='192.168.122.5'/>" --config; net-dumpxml default; net-destroy default; net-dumpxml default`,
  `net-update default delete ip-dhcp-range "<range start='192.168.122.2' end='192.168.122.254'/>"; net-dumpxml default`,
  `net-update default add dns-host "<host ip='192.168.122.7'><hostname>foo</hostname></host>"; net-dumpxml default`,
  `net-update default modify bridge "<bridge name='x'/>"`,
  "net-info nope",
  "net-dhcp-leases default",
  "iface-list --all; iface-list; iface-list --inactive",
  "iface-dumpxml eth1",
  "iface-mac eth1; iface-name aa:bb:cc:dd:ee:ff; iface-name AA:BB:CC:DD:EE:FF",
  "iface-destroy eth1; iface-list --all; iface-start eth1; iface-list --all; iface-start eth1",
  "iface-define ${dir}/iface.xml; iface-list --all; iface-dumpxml eth2; iface-start eth2; iface-list --all; iface-undefine eth2; iface-list --all",
  "iface-begin; iface-define ${dir}/iface.xml; iface-list --all; iface-rollback; iface-list --all",
  "iface-begin; iface-begin; iface-define ${dir}/iface.xml; iface-commit; iface-list --all; iface-commit; iface-rollback",
  "iface-mac nope; iface-name 00:00:00:00:00:01",
  "iface-undefine eth1; iface-list --all",
];

const tools = haveTools("virsh differential", ["virsh", "libvirtd"]);

Deno.test({
  name: "virsh sessions print the same against libvirtd and denovirt",
  ignore: !tools,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const ref: BenchDaemon | null = await startLibvirtd();
    assert.ok(ref, "libvirtd did not start");
    const dir = await Deno.makeTempDir();
    await Deno.writeTextFile(`${dir}/probe.xml`, DOMAIN_XML);
    await Deno.writeTextFile(`${dir}/net.xml`, NET_XML);
    await Deno.writeTextFile(`${dir}/iface.xml`, IFACE_XML);
    // Names that look like paths: libvirt refuses '/', and '..' alone is only a name.
    const names = {
      "slash.xml": DOMAIN_XML.replace("<name>probe</name>", "<name>a/b</name>"),
      "dots.xml": DOMAIN_XML.replace("<name>probe</name>", "<name>..</name>"),
      "net-slash.xml": "<network><name>x/y</name></network>",
      "pool-dots.xml":
        "<pool type='dir'><name>../p</name><target><path>/nonexistent/p</path></target></pool>",
    };
    for (const [f, xml] of Object.entries(names)) await Deno.writeTextFile(`${dir}/${f}`, xml);
    let ours: TestDaemon | null = null;
    try {
      ours = await startDaemon();
      const scenarios = [
        ...SCENARIOS,
        {
          name: "define, start, destroy, undefine",
          commands:
            `define ${dir}/probe.xml; list --all; dominfo probe; dumpxml probe; start probe; list --all; ` +
            `dumpxml probe; destroy probe; undefine probe; list --all`,
        },
        {
          name: "define duplicate uuid",
          commands: `define ${dir}/probe.xml; define ${dir}/probe.xml; list --all`,
        },
        {
          name: "create transient",
          commands: `create ${dir}/probe.xml; list --all; destroy probe; list --all`,
        },
        { name: "screenshot (a stream)", commands: `screenshot test ${dir}/shot.png` },
        {
          name: "names that look like paths",
          commands: `define ${dir}/slash.xml; net-define ${dir}/net-slash.xml; ` +
            `pool-define ${dir}/pool-dots.xml; define ${dir}/dots.xml; list --all --name; ` +
            `dominfo ..; net-list --all --name; pool-list --all --name`,
        },
        ...DOMAIN_EXTRA_SCENARIOS.map((c, i) => ({
          name: `domain ${i + 1}: ${c.slice(0, 40)}`,
          commands: c.replaceAll("${dir}", dir),
        })),
        ...NETWORK_SCENARIOS.map((c, i) => ({
          name: `network ${i + 1}: ${c.slice(0, 40)}`,
          commands: c.replaceAll("${dir}", dir),
        })),
      ];
      for (const s of scenarios) {
        await t.step(s.name, async () => {
          const opts = {
            ...(s.readonly ? { readonly: true } : {}),
            ...("path" in s && s.path ? { path: s.path } : {}),
          };
          const refSock = s.readonly ? ref.socket + "-ro" : ref.socket;
          const ourSock = s.readonly ? ours!.ro : ours!.rw;
          const want = await virsh(refSock, s.commands, opts);
          const got = await virsh(ourSock, s.commands, opts);
          assert.equal(normalize(got.stdout), normalize(want.stdout), `stdout of: ${s.commands}`);
          assert.equal(normalize(got.stderr), normalize(want.stderr), `stderr of: ${s.commands}`);
          assert.equal(got.code, want.code, `exit code of: ${s.commands}`);
        });
      }
    } finally {
      await ours?.stop();
      await ref.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
