// The host-model CPU of the QEMU driver against libvirt's own (Debian's
// libvirtd 9.0, tests/_reference_qemu.ts), issue 13: what domain
// capabilities offer as host-model under TCG and under KVM (model, vendor,
// features and their policies), the -cpu argument `domxml-to-native` shows
// for a `<cpu mode='host-model'>` domain (with and without features of its
// own), its inactive XML, and the `<cpu>` of its live XML once started under
// TCG (a guest with no disk: the firmware finds nothing to boot and waits).

import assert from "node:assert/strict";
import { startDenovirt } from "../_daemons.ts";
import { haveCondition, haveTools } from "./_tools.ts";
import { run as runProgram } from "./_serve.ts";
import { referenceQemuMissing, startReferenceQemu } from "../_reference_qemu.ts";
import { kvmUsable } from "../../src/drivers/qemu/probe.ts";
import { which } from "../_daemons.ts";

const missing = referenceQemuMissing();
const runnable = haveTools("host-model CPU against libvirtd's", ["virsh", "qemu-system-x86_64"]) &&
  haveCondition("host-model CPU against libvirtd's", missing === null, missing ?? "");

/** A program's output (stdout, then stderr) and whether it succeeded. */
async function run(cmd: string, args: string[]): Promise<{ ok: boolean; out: string }> {
  const r = await runProgram(cmd, args);
  return { ok: r.code === 0, out: r.out };
}

/** The `<cpu>` element of a document (the first). */
function cpuOf(xml: string): string {
  const m = /<cpu[ >][\s\S]*?<\/cpu>|<cpu [^>]*\/>/.exec(xml);
  assert.ok(m, `no <cpu> in ${xml}`);
  return m[0];
}

/** The argument of -cpu in a command line. */
function cpuArg(argv: string): string {
  const m = / -cpu (\S+)/.exec(argv);
  assert.ok(m, `no -cpu in ${argv}`);
  return m[1]!;
}

const DOMAINS: Record<string, { type: string; uuid: string; cpu: string }> = {
  "hostmodel-tcg": {
    type: "qemu",
    uuid: "5775f843-7267-40a2-aa47-18e86268a396",
    cpu: "<cpu mode='host-model'/>",
  },
  "hostmodel-tcg-own": {
    type: "qemu",
    uuid: "26f72fda-2b9c-456c-89cc-aa9d86767c7b",
    cpu: "<cpu mode='host-model'><topology sockets='1' cores='2' threads='1'/>" +
      "<feature policy='disable' name='acpi'/><feature policy='disable' name='lahf_lm'/>" +
      "<feature policy='require' name='sse2'/></cpu>",
  },
  // Features the host-model CPU does not have, or has, under TCG: refused at start.
  "hostmodel-tcg-require": {
    type: "qemu",
    uuid: "ee4a7713-d29c-4f76-a3ef-0031c7069ab6",
    cpu: "<cpu mode='host-model'><feature policy='require' name='vme'/>" +
      "<feature policy='require' name='3dnowprefetch'/></cpu>",
  },
  "hostmodel-tcg-forbid": {
    type: "qemu",
    uuid: "4f0a2d6e-8c1b-4e59-9d73-b2a6c5e81f04",
    cpu: "<cpu mode='host-model'><feature policy='forbid' name='acpi'/></cpu>",
  },
  "hostmodel-kvm": {
    type: "kvm",
    uuid: "b043304a-53f8-4b48-b680-1c1e74bfe829",
    cpu: "<cpu mode='host-model'/>",
  },
  // Under KVM the host's own features (CPUID) decide: it has sse4.1 and vme, which QEMU's
  // host CPU lacks, and not avx512f.
  "hostmodel-kvm-own": {
    type: "kvm",
    uuid: "14353678-3c3d-4217-b301-57356eb3f32c",
    cpu: "<cpu mode='host-model'><feature policy='require' name='sse4.1'/>" +
      "<feature policy='require' name='vme'/></cpu>",
  },
  "hostmodel-kvm-require": {
    type: "kvm",
    uuid: "b7e2e7ec-a433-45c1-a8df-f31a7c288623",
    cpu: "<cpu mode='host-model'><feature policy='require' name='avx512f'/></cpu>",
  },
  "hostmodel-kvm-forbid": {
    type: "kvm",
    uuid: "7b5f4e9c-65ba-4a6f-90dc-887506a37078",
    cpu: "<cpu mode='host-model'><feature policy='forbid' name='sse4.1'/></cpu>",
  },
};

/** CPU definitions `hypervisor-cpu-compare` is given (besides each daemon's documents). */
const CPUS: Record<string, string> = {
  epyc: "<cpu mode='custom' match='exact'><model fallback='forbid'>EPYC</model></cpu>",
  qemu64: "<cpu><model>qemu64</model></cpu>",
  strict: "<cpu match='strict'><model>qemu64</model></cpu>",
  milan: "<cpu><model>EPYC-Milan</model></cpu>",
  require: "<cpu><model>qemu64</model><feature policy='require' name='vme'/>" +
    "<feature policy='require' name='avx512f'/></cpu>",
  forbid: "<cpu><model>qemu64</model><feature policy='forbid' name='sse2'/></cpu>",
  optional: "<cpu><model>qemu64</model><feature policy='optional' name='avx512f'/>" +
    "<feature policy='disable' name='sse2'/><feature policy='force' name='vme'/></cpu>",
  vendor: "<cpu><model>qemu64</model><vendor>Intel</vendor></cpu>",
  haswell: "<cpu><model>Haswell</model></cpu>",
  hostmodel: "<cpu mode='host-model'/>",
};

function domainXml(name: string): string {
  const d = DOMAINS[name]!;
  return `<domain type='${d.type}'><name>${name}</name><uuid>${d.uuid}</uuid>
<memory unit='MiB'>128</memory><vcpu>${d.cpu.includes("cores='2'") ? 2 : 1}</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type></os>${d.cpu}
<devices><emulator>/usr/bin/qemu-system-x86_64</emulator><graphics type='vnc'/></devices></domain>`;
}

Deno.test({
  name: "host-model CPU against libvirtd's: domain capabilities, -cpu, inactive and live XML",
  ignore: !runnable,
  sanitizeResources: false,
  sanitizeOps: false,
}, async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "denovirt-cpu-ref-" });
  const ref = await startReferenceQemu();
  // As `deno task serve` runs it: every permission (the host's CPUID device included).
  const d = await startDenovirt(
    `qemu_config_dir = "${dir}/config"\nqemu_state_dir = "${dir}/state"\n`,
  );
  const ours = `qemu:///system?socket=${d.socket}`;
  const both = [ref.uri, ours];
  const virsh = (uri: string, ...a: string[]) => run("virsh", ["-c", uri, ...a]);
  const kvm = kvmUsable();
  const types = kvm ? ["qemu", "kvm"] : ["qemu"];
  try {
    for (const virttype of types) {
      await t.step(`domcapabilities --virttype ${virttype}: the same <cpu> modes`, async () => {
        const [a, b] = await Promise.all(
          both.map((u) => virsh(u, "domcapabilities", "--virttype", virttype)),
        );
        assert.ok(a!.ok && b!.ok, a!.out + b!.out);
        const hm = /<mode name='host-model' supported='yes'>[\s\S]*?<\/mode>/;
        // The reference offers host-model with a model and features: so must we.
        assert.match(a!.out, hm);
        assert.equal(hm.exec(b!.out)?.[0], hm.exec(a!.out)![0]);
        assert.equal(cpuOf(b!.out), cpuOf(a!.out));
      });
    }

    await t.step("capabilities: the host <cpu> is the reference's", async () => {
      const [a, b] = await Promise.all(both.map((u) => virsh(u, "capabilities")));
      const host = (s: string) => /<host>[\s\S]*?(<cpu>[\s\S]*?<\/cpu>)/.exec(s)?.[1];
      // libvirtd names the host's model, vendor, signature and features (read by CPUID).
      assert.match(host(a!.out)!, /<model>[^<]+<\/model>[\s\S]*<feature name=/);
      assert.equal(host(b!.out), host(a!.out));
    });

    await t.step("cpu-models: the CPU map's models, per architecture", async () => {
      for (const arch of ["x86_64", "i686", "ppc64", "aarch64", "s390x", "riscv64", "nosuch"]) {
        const [a, b] = await Promise.all(both.map((u) => virsh(u, "cpu-models", arch)));
        assert.equal(b!.out, a!.out, arch);
        assert.equal(b!.ok, a!.ok, arch);
      }
      const x86 = await virsh(ours, "cpu-models", "x86_64");
      assert.match(x86.out, /^EPYC-Milan$/m);
    });

    const cpuFiles: string[] = [];
    for (const [name, xml] of Object.entries(CPUS)) {
      cpuFiles.push(`${dir}/cpu-${name}.xml`);
      await Deno.writeTextFile(cpuFiles.at(-1)!, xml);
    }
    for (const virttype of types) {
      const doc = await virsh(ref.uri, "domcapabilities", "--virttype", virttype);
      cpuFiles.push(`${dir}/domcaps-${virttype}.xml`);
      await Deno.writeTextFile(cpuFiles.at(-1)!, doc.out);
    }
    cpuFiles.push(`${dir}/capabilities.xml`);
    await Deno.writeTextFile(cpuFiles.at(-1)!, (await virsh(ref.uri, "capabilities")).out);
    for (const virttype of types) {
      await t.step(`hypervisor-cpu-compare --virttype ${virttype}: same verdicts`, async () => {
        const verdicts = new Set<string>();
        for (const file of cpuFiles) {
          for (const error of [[], ["--error"]]) {
            const args = ["hypervisor-cpu-compare", "--virttype", virttype, ...error, file];
            const [a, b] = await Promise.all(both.map((u) => virsh(u, ...args)));
            assert.equal(b!.out, a!.out, args.join(" "));
            assert.equal(b!.ok, a!.ok, args.join(" "));
            verdicts.add(/identical|superset|incompatible/.exec(a!.out)?.[0] ?? "error");
          }
        }
        // The inputs reach every verdict, so each path is held to the reference's.
        assert.deepEqual([...verdicts].sort(), ["identical", "incompatible", "superset"]);
      });
    }

    for (const virttype of types) {
      await t.step(`hypervisor-cpu-baseline --virttype ${virttype}: same CPUs`, async () => {
        let cpus = 0;
        for (const file of cpuFiles) {
          for (const flags of [[], ["--features"], ["--migratable"]]) {
            const args = ["hypervisor-cpu-baseline", "--virttype", virttype, ...flags, file];
            const [a, b] = await Promise.all(both.map((u) => virsh(u, ...args)));
            assert.equal(b!.out, a!.out, args.join(" "));
            assert.equal(b!.ok, a!.ok, args.join(" "));
            if (a!.ok && a!.out.includes("<model fallback='forbid'>")) cpus++;
          }
        }
        // Most inputs give a CPU (only the host-model one, naming no model, does not).
        assert.ok(cpus >= (cpuFiles.length - 1) * 3, `${cpus} CPUs`);
      });
    }

    await t.step("cpu-compare and cpu-baseline: the host CPU's answers", async () => {
      const verdicts = new Set<string>();
      for (const file of cpuFiles) {
        for (
          const args of [
            ["cpu-compare", file],
            ["cpu-compare", "--error", file],
            ["cpu-baseline", file],
            ["cpu-baseline", "--features", file],
            ["cpu-baseline", "--migratable", file],
          ]
        ) {
          const [a, b] = await Promise.all(both.map((u) => virsh(u, ...args)));
          assert.equal(b!.out, a!.out, args.join(" "));
          assert.equal(b!.ok, a!.ok, args.join(" "));
          if (args[0] === "cpu-compare") {
            verdicts.add(/identical|superset|incompatible/.exec(a!.out)?.[0] ?? "error");
          }
        }
      }
      // The host's own CPU (from capabilities) is identical to itself.
      assert.deepEqual([...verdicts].sort(), ["identical", "incompatible", "superset"]);
    });

    await t.step({
      name: "virt-install --cpu host-model / host-model-only: the same <cpu> and -cpu",
      ignore: !which("virt-install"),
      fn: async () => {
        for (const mode of ["host-model", "host-model-only"]) {
          const args = (u: string) => [
            "--connect",
            u,
            "--virt-type",
            "qemu",
            "--name",
            "hostmodel-virtinst",
            "--uuid",
            "9998ae5e-62d1-434a-bb74-d5f6ec2b04bf",
            "--memory",
            "128",
            "--cpu",
            mode,
            "--disk",
            "none",
            "--network",
            "none",
            "--graphics",
            "none",
            "--boot",
            "hd",
            "--osinfo",
            "detect=on,require=off",
            "--print-xml",
          ];
          const [a, b] = await Promise.all(both.map((u) => run("virt-install", args(u))));
          assert.ok(a!.ok && b!.ok, a!.out + b!.out);
          assert.equal(cpuOf(b!.out), cpuOf(a!.out), mode);
          const file = `${dir}/virtinst-${mode}.xml`;
          await Deno.writeTextFile(file, a!.out);
          const [na, nb] = await Promise.all(
            both.map((u) => virsh(u, "domxml-to-native", "qemu-argv", file)),
          );
          assert.ok(na!.ok && nb!.ok, na!.out + nb!.out);
          assert.equal(cpuArg(nb!.out), cpuArg(na!.out), mode);
        }
      },
    });

    for (const name of Object.keys(DOMAINS)) {
      if (DOMAINS[name]!.type === "kvm" && !kvm) continue;
      const file = `${dir}/${name}.xml`;
      await Deno.writeTextFile(file, domainXml(name));
      await t.step(`${name}: inactive <cpu> and domxml-to-native -cpu alike`, async () => {
        const defined = await Promise.all(both.map((u) => virsh(u, "define", file)));
        for (const r of defined) assert.ok(r.ok, r.out);
        const [a, b] = await Promise.all(both.map((u) => virsh(u, "dumpxml", name)));
        assert.equal(cpuOf(b!.out), cpuOf(a!.out));
        assert.match(cpuOf(a!.out), /mode='host-model'/);
        const [na, nb] = await Promise.all(
          both.map((u) => virsh(u, "domxml-to-native", "qemu-argv", file)),
        );
        // The TCG host model is QEMU's, the same on any host: these features it refuses.
        // Under KVM the host's CPU decides, so whatever the reference says is the answer.
        if (/^hostmodel-tcg-(require|forbid)$/.test(name)) {
          assert.match(na!.out, /the CPU is incompatible with host CPU/);
        }
        if (!na!.ok) {
          assert.ok(!nb!.ok, nb!.out);
          assert.equal(nb!.out, na!.out);
          const [sa, sb] = await Promise.all(both.map((u) => virsh(u, "start", name)));
          assert.ok(!sa!.ok && !sb!.ok, sa!.out + sb!.out);
          assert.equal(sb!.out, sa!.out);
          return;
        }
        assert.ok(na!.ok && nb!.ok, na!.out + nb!.out);
        // libvirt names a model and features; host-model never reaches QEMU as such.
        assert.doesNotMatch(cpuArg(na!.out), /^host/);
        assert.equal(cpuArg(nb!.out), cpuArg(na!.out));
      });
    }

    for (const name of ["hostmodel-tcg", "hostmodel-tcg-own"]) {
      await t.step(`${name}: started, the live <cpu> is the reference's`, async () => {
        const started = await Promise.all(both.map((u) => virsh(u, "start", name)));
        for (const r of started) assert.ok(r.ok, r.out);
        const [a, b] = await Promise.all(both.map((u) => virsh(u, "dumpxml", name)));
        const live = cpuOf(a!.out);
        assert.match(live, /<cpu mode='custom' match='exact' check='full'>/);
        assert.equal(cpuOf(b!.out), live);
        // The running domain keeps host-model in its persistent definition.
        const [ia, ib] = await Promise.all(
          both.map((u) => virsh(u, "dumpxml", "--inactive", name)),
        );
        assert.equal(cpuOf(ib!.out), cpuOf(ia!.out));
        assert.match(cpuOf(ib!.out), /mode='host-model'/);
        // What a migration sends is the expanded CPU.
        const [ma, mb] = await Promise.all(
          both.map((u) => virsh(u, "dumpxml", "--migratable", name)),
        );
        assert.equal(cpuOf(mb!.out), cpuOf(ma!.out));
        for (const u of both) await virsh(u, "destroy", name);
      });
    }
  } finally {
    for (const u of both) {
      for (const name of Object.keys(DOMAINS)) {
        await virsh(u, "destroy", name);
        await virsh(u, "undefine", name);
      }
    }
    await d.stop();
    await ref.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
