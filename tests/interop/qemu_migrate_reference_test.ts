// Migration's answers held to libvirtd 9.0's QEMU driver (tests/_reference_qemu.ts):
// the features CONNECT_SUPPORTS_FEATURE reports (virsh picks the v3 protocol
// with parameters from them), and what virsh prints for migration commands
// that fail before any QEMU is involved — a shut-off domain, --offline
// without --persistent, job calls with no job.

import assert from "node:assert/strict";
import { startDaemon } from "../server/_daemon.ts";
import { haveCondition, haveTools } from "./_tools.ts";
import { referenceQemuMissing, startReferenceQemu } from "../_reference_qemu.ts";
import { RawClient } from "../_rpc_client.ts";
import * as P from "../../src/protocol/remote_procedure_numbers.ts";
import {
  remote_connect_open_args,
  remote_connect_supports_feature_args,
  remote_connect_supports_feature_ret,
} from "../../src/protocol/remote_host.ts";
import { xdrVoid } from "../../src/xdr/mod.ts";

const missing = referenceQemuMissing();
const runnable = haveTools("migration against libvirtd's QEMU driver", [
  "virsh",
  "qemu-system-x86_64",
]) &&
  haveCondition("migration against libvirtd's QEMU driver", missing === null, missing ?? "");

const VM = `<domain type='qemu'><name>migref</name>
  <uuid>7e2c3b4d-4e5f-4a9b-8c1d-2e3f4a5b6c7d</uuid>
  <memory unit='MiB'>32</memory><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
</domain>`;

/** virDrvFeature 1…17: what each daemon answers on a qemu:///system connection. */
async function features(socket: string): Promise<number[]> {
  const c = await RawClient.connect(socket);
  try {
    await c.invoke(
      P.REMOTE_PROC_CONNECT_OPEN,
      xdrVoid,
      (w) => remote_connect_open_args.encode(w, { name: "qemu:///system", flags: 0 }),
    );
    const out: number[] = [];
    for (let f = 1; f <= 17; f++) {
      const r = await c.invoke(
        P.REMOTE_PROC_CONNECT_SUPPORTS_FEATURE,
        remote_connect_supports_feature_ret,
        (w) => remote_connect_supports_feature_args.encode(w, { feature: f }),
      );
      out.push(r.supported);
    }
    return out;
  } finally {
    c.close();
  }
}

async function virsh(uri: string, ...args: string[]): Promise<string> {
  const o = await new Deno.Command("virsh", {
    args: ["-c", uri, ...args],
    env: { LC_ALL: "C" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return `${o.code} ${dec.decode(o.stdout)}${dec.decode(o.stderr)}`;
}

Deno.test({
  name: "migration features and early refusals are libvirtd's",
  ignore: !runnable,
  sanitizeResources: false,
  sanitizeOps: false,
}, async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "denovirt-migref-" });
  const ref = await startReferenceQemu();
  const ours = await startDaemon({
    qemu_config_dir: `${dir}/config`,
    qemu_state_dir: `${dir}/state`,
  });
  const oursUri = `qemu:///system?socket=${ours.rw}`;
  try {
    await t.step("CONNECT_SUPPORTS_FEATURE, but for the v2 protocol (not built)", async () => {
      const theirs = await features(
        new URL(ref.uri.replace("qemu:", "http:")).searchParams.get(
          "socket",
        )!,
      );
      const mine = await features(ours.rw);
      const V2 = 3 - 1; // VIR_DRV_FEATURE_MIGRATION_V2's index
      assert.equal(theirs[V2], 1);
      assert.equal(mine[V2], 0);
      theirs[V2] = 0;
      assert.deepEqual(mine, theirs);
    });

    await Deno.writeTextFile(`${dir}/vm.xml`, VM);
    for (const uri of [ref.uri, oursUri]) {
      assert.match(await virsh(uri, "define", `${dir}/vm.xml`), /^0 /);
    }
    // The destination of each is the other daemon: both refuse before it is called.
    const cases: [string, string[]][] = [
      ["live migration of a shut-off domain", ["migrate", "--live", "migref"]],
      ["--offline without --persistent", ["migrate", "--offline", "migref"]],
      ["domjobinfo of a shut-off domain", ["domjobinfo", "migref"]],
      ["domjobabort of a shut-off domain", ["domjobabort", "migref"]],
      ["migrate-getspeed, never set", ["migrate-getspeed", "migref"]],
      ["migrate-setmaxdowntime of a shut-off domain", ["migrate-setmaxdowntime", "migref", "500"]],
    ];
    for (const [what, args] of cases) {
      await t.step(what, async () => {
        const dest = (uri: string) =>
          args[0] === "migrate" ? [uri === ref.uri ? oursUri : ref.uri] : [];
        const theirs = await virsh(ref.uri, ...args, ...dest(ref.uri));
        const mine = await virsh(oursUri, ...args, ...dest(oursUri));
        assert.equal(mine, theirs);
      });
    }
  } finally {
    await virsh(oursUri, "undefine", "migref");
    await ours.stop();
    await ref.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
