// kill -9 of the daemon while QEMU domains run, then a restart on the same
// directories: definitions come back from disk, running domains are adopted
// from their status files (same ids, monitors reconnected, not started
// twice), autostart domains start with the daemon.

import assert from "node:assert/strict";
import { RawClient } from "../_rpc_client.ts";
import * as P from "../../src/protocol/remote_procedure_numbers.ts";
import * as S from "../../src/drivers/domain_constants.ts";
import { haveTools } from "../interop/_tools.ts";
import { call, nextEvent } from "./_driver.ts";
import { killQemus, qemuProcesses, spawnDaemon, tinyVM, waitForSocket } from "./_qemu.ts";

const runnable = haveTools("QEMU driver", ["qemu-system-x86_64", "ps"]);
async function client(sock: string): Promise<RawClient> {
  const c = await RawClient.connect(sock);
  await call(c, P.REMOTE_PROC_CONNECT_OPEN, { name: "qemu:///system", flags: 0 });
  return c;
}

const KEPT = "7c1d2e3f-0000-4000-8000-000000000001"; // defined, never started
const RUNS = "7c1d2e3f-0000-4000-8000-000000000002"; // running through the crash
const AUTO = "7c1d2e3f-0000-4000-8000-000000000003"; // autostart, shut off
const TRANSIENT = "7c1d2e3f-0000-4000-8000-000000000004"; // createXML, running

Deno.test({
  name: "after kill -9 the daemon comes back with every definition and adopts the running VMs",
  ignore: !runnable,
}, async () => {
  const dir = await Deno.makeTempDir({ prefix: "denovirt-qemu-restart-" });
  const conf = `${dir}/denovirt.conf`;
  await Deno.writeTextFile(conf, `unix_sock_dir = "${dir}/run"\n`);
  const sock = `${dir}/run/libvirt-sock`;
  let daemon = spawnDaemon(conf);
  try {
    await waitForSocket(sock);
    let c = await client(sock);
    const def = (name: string, uuid: string) => tinyVM(name, uuid, `${dir}/${name}.serial`);
    await call(c, P.REMOTE_PROC_DOMAIN_DEFINE_XML, { xml: def("kept", KEPT) });
    const runs = (await call(c, P.REMOTE_PROC_DOMAIN_DEFINE_XML, { xml: def("runs", RUNS) })).dom;
    const auto = (await call(c, P.REMOTE_PROC_DOMAIN_DEFINE_XML, { xml: def("auto", AUTO) })).dom;
    await call(c, P.REMOTE_PROC_DOMAIN_SET_AUTOSTART, { dom: auto, autostart: 1 });
    await call(c, P.REMOTE_PROC_DOMAIN_CREATE, { dom: runs });
    await call(c, P.REMOTE_PROC_DOMAIN_SUSPEND, { dom: runs });
    const transient = (await call(c, P.REMOTE_PROC_DOMAIN_CREATE_XML, {
      xml_desc: def("transient", TRANSIENT),
      flags: 0,
    })).dom;
    const runsId = (await call(c, P.REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, { name: "runs" })).dom.id;
    const pidBefore = qemuProcesses(RUNS);
    assert.equal(pidBefore.length, 1);
    // The scheduler's answer depends on the domain's cgroup (or its absence).
    const sched = async (c: RawClient) => {
      try {
        return JSON.stringify(
          await call(c, P.REMOTE_PROC_DOMAIN_GET_SCHEDULER_TYPE, { dom: runs }),
        );
      } catch (e) {
        return String(e);
      }
    };
    const schedBefore = await sched(c);
    if ((await Deno.readTextFile(`/proc/${pidBefore[0]}/cgroup`)).includes("qemu-")) {
      assert.match(schedBefore, /posix/);
    }
    c.close();
    await c.done;

    daemon.kill("SIGKILL");
    await daemon.status;
    // The VMs do not depend on the daemon.
    assert.deepEqual(qemuProcesses(RUNS), pidBefore);
    assert.equal(qemuProcesses(TRANSIENT).length, 1);

    daemon = spawnDaemon(conf);
    await waitForSocket(sock);
    c = await client(sock);
    const all = await call(c, P.REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS, {
      need_results: 1,
      flags: 0,
    });
    const byName = new Map<string, { id: number }>(
      all.domains.map((x: { name: string; id: number }) => [x.name, x]),
    );
    assert.deepEqual([...byName.keys()].sort(), ["auto", "kept", "runs", "transient"]);
    // Adopted: same id, same process, its state read back from QEMU (paused).
    assert.equal(byName.get("runs")!.id, runsId);
    assert.deepEqual(qemuProcesses(RUNS), pidBefore, "not started twice");
    // Its cgroup is found again (/proc/PID/cgroup).
    assert.equal(await sched(c), schedBefore);
    const st = await call(c, P.REMOTE_PROC_DOMAIN_GET_STATE, { dom: runs, flags: 0 });
    assert.equal(st.state, S.VIR_DOMAIN_PAUSED);
    // Its monitor is live again: resume goes through QMP, and the event reaches us.
    await call(c, P.REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY, {
      eventID: 0,
      dom: null,
    });
    await call(c, P.REMOTE_PROC_DOMAIN_RESUME, { dom: runs });
    const ev = await nextEvent(c, P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE);
    assert.deepEqual([ev.msg.dom.name, ev.msg.event], ["runs", S.VIR_DOMAIN_EVENT_RESUMED]);
    // The transient domain was adopted too; the autostart one started with the daemon.
    assert.equal(
      (await call(c, P.REMOTE_PROC_DOMAIN_GET_STATE, { dom: transient, flags: 0 })).state,
      S.VIR_DOMAIN_RUNNING,
    );
    assert.equal(
      (await call(c, P.REMOTE_PROC_DOMAIN_GET_STATE, { dom: auto, flags: 0 })).state,
      S.VIR_DOMAIN_RUNNING,
    );
    assert.equal(qemuProcesses(AUTO).length, 1);
    // New ids continue after the adopted ones.
    assert.ok(byName.get("auto")!.id > Math.max(runsId, byName.get("transient")!.id));
    for (const dom of [runs, auto, transient]) await call(c, P.REMOTE_PROC_DOMAIN_DESTROY, { dom });
    c.close();
    await c.done;
  } finally {
    killQemus(KEPT, RUNS, AUTO, TRANSIENT);
    try {
      daemon.kill("SIGTERM");
    } catch {
      // Already gone.
    }
    await daemon.status;
    await Deno.remove(dir, { recursive: true });
  }
});
