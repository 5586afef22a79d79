// One suite, two drivers: the domain behaviours test:///default and the
// QEMU driver share — lookups and their errors, lists, the lifecycle and its
// states and reasons, duplicate definitions, transient domains, and the
// events another client sees — run alike against both, with the same XML.

import assert from "node:assert/strict";
import { startDaemon, type TestDaemon } from "../server/_daemon.ts";
import { errorOf, type RawClient } from "../_rpc_client.ts";
import {
  QEMU_PROC_DOMAIN_MONITOR_COMMAND,
  QEMU_PROGRAM,
  QEMU_PROGRAM_DEF,
} from "../../src/protocol/qemu.ts";
import * as P from "../../src/protocol/remote_procedure_numbers.ts";
import * as S from "../../src/drivers/domain_constants.ts";
import { uuidFromString } from "../../src/util/uuid.ts";
import { haveTools } from "../interop/_tools.ts";
import { call, failure, nextEvent, openClient } from "./_driver.ts";
import { killQemus, tinyVM } from "./_qemu.ts";

const haveQemu = haveTools("shared driver suite (QEMU half)", ["qemu-system-x86_64", "ps"]);
const UUID = "3e9d1f00-aaaa-4bbb-8ccc-000000000001";
const UUID_T = "3e9d1f00-aaaa-4bbb-8ccc-000000000002";

interface DriverCase {
  name: string;
  uri: string;
  runnable: boolean;
}

const DRIVERS: DriverCase[] = [
  { name: "test:///default", uri: "test:///default", runnable: true },
  { name: "qemu:///system", uri: "qemu:///system", runnable: haveQemu },
];

async function lifecycleEvents(c: RawClient, n: number): Promise<[string, number, number][]> {
  const out: [string, number, number][] = [];
  for (let i = 0; i < n; i++) {
    const ev = await nextEvent(c, P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE);
    out.push([ev.msg.dom.name, ev.msg.event, ev.msg.detail]);
  }
  return out;
}

for (const drv of DRIVERS) {
  Deno.test(
    { name: `${drv.name}: the shared domain behaviours`, ignore: !drv.runnable },
    async () => {
      const dir = await Deno.makeTempDir({ prefix: "denovirt-shared-" });
      const d: TestDaemon = await startDaemon({
        qemu_config_dir: `${dir}/config`,
        qemu_state_dir: `${dir}/state`,
      });
      const a = await openClient(d, drv.uri);
      const b = await openClient(d, drv.uri);
      try {
        await call(b, P.REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY, {
          eventID: 0,
          dom: null,
        });
        const before = (await call(a, P.REMOTE_PROC_CONNECT_NUM_OF_DEFINED_DOMAINS)).num;
        const xml = tinyVM("shared", UUID, `${dir}/serial.log`);
        const { dom } = await call(a, P.REMOTE_PROC_DOMAIN_DEFINE_XML, { xml });
        assert.equal(dom.name, "shared");
        assert.equal(dom.id, -1);

        // Lookups, and libvirt's code for a missing domain.
        const byUuid = await call(a, P.REMOTE_PROC_DOMAIN_LOOKUP_BY_UUID, {
          uuid: uuidFromString(UUID),
        });
        assert.equal(byUuid.dom.name, "shared");
        const missing = await failure(a, P.REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, { name: "nosuch" });
        assert.equal(missing.code, 42);
        assert.equal((await call(a, P.REMOTE_PROC_CONNECT_NUM_OF_DEFINED_DOMAINS)).num, before + 1);
        const dumped = (await call(a, P.REMOTE_PROC_DOMAIN_GET_XML_DESC, { dom, flags: 0 })).xml;
        assert.match(dumped, /<name>shared<\/name>/);
        assert.match(dumped, new RegExp(`<uuid>${UUID}</uuid>`));
        assert.match(dumped, /<memory unit='KiB'>32768<\/memory>/);

        // The same name with another UUID is refused, as libvirt refuses it.
        const dup = await failure(a, P.REMOTE_PROC_DOMAIN_DEFINE_XML, {
          xml: xml.replace(UUID, UUID_T),
        });
        assert.equal(dup.code, 9);
        assert.equal(
          dup.message,
          `operation failed: domain 'shared' already exists with uuid ${UUID}`,
        );

        // Lifecycle: states and reasons.
        const state = async () => {
          const s = await call(a, P.REMOTE_PROC_DOMAIN_GET_STATE, { dom, flags: 0 });
          return [s.state, s.reason];
        };
        assert.deepEqual(await state(), [S.VIR_DOMAIN_SHUTOFF, S.VIR_DOMAIN_SHUTOFF_UNKNOWN]);
        await call(a, P.REMOTE_PROC_DOMAIN_CREATE, { dom });
        assert.deepEqual(await state(), [S.VIR_DOMAIN_RUNNING, S.VIR_DOMAIN_RUNNING_BOOTED]);
        const running =
          (await call(a, P.REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, { name: "shared" })).dom;
        assert.ok(running.id > 0);
        const byId = await call(a, P.REMOTE_PROC_DOMAIN_LOOKUP_BY_ID, { id: running.id });
        assert.equal(byId.dom.name, "shared");
        assert.equal((await call(a, P.REMOTE_PROC_DOMAIN_IS_ACTIVE, { dom })).active, 1);
        assert.equal((await call(a, P.REMOTE_PROC_DOMAIN_IS_PERSISTENT, { dom })).persistent, 1);
        await call(a, P.REMOTE_PROC_DOMAIN_SUSPEND, { dom });
        assert.deepEqual(await state(), [S.VIR_DOMAIN_PAUSED, S.VIR_DOMAIN_PAUSED_USER]);
        await call(a, P.REMOTE_PROC_DOMAIN_RESUME, { dom });
        assert.deepEqual(await state(), [S.VIR_DOMAIN_RUNNING, S.VIR_DOMAIN_RUNNING_UNPAUSED]);
        const info = await call(a, P.REMOTE_PROC_DOMAIN_GET_INFO, { dom });
        assert.deepEqual([info.state, info.maxMem, info.nrVirtCpu], [1, 32768n, 1]);
        await call(a, P.REMOTE_PROC_DOMAIN_DESTROY, { dom });
        assert.deepEqual(await state(), [S.VIR_DOMAIN_SHUTOFF, S.VIR_DOMAIN_SHUTOFF_DESTROYED]);
        // Destroying what is not running: code 55, operation invalid.
        assert.equal((await failure(a, P.REMOTE_PROC_DOMAIN_DESTROY, { dom })).code, 55);

        // A transient domain goes when it stops.
        const t = (await call(a, P.REMOTE_PROC_DOMAIN_CREATE_XML, {
          xml_desc: tinyVM("transient", UUID_T, `${dir}/t.log`),
          flags: 0,
        })).dom;
        assert.equal((await call(a, P.REMOTE_PROC_DOMAIN_IS_PERSISTENT, { dom: t })).persistent, 0);
        await call(a, P.REMOTE_PROC_DOMAIN_DESTROY, { dom: t });
        const tGone = await failure(a, P.REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, { name: "transient" });
        assert.equal(tGone.code, 42);

        await call(a, P.REMOTE_PROC_DOMAIN_UNDEFINE, { dom });
        assert.equal(
          (await failure(a, P.REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, { name: "shared" })).code,
          42,
        );

        // The other client saw every change, in order.
        assert.deepEqual(await lifecycleEvents(b, 8), [
          ["shared", S.VIR_DOMAIN_EVENT_DEFINED, S.VIR_DOMAIN_EVENT_DEFINED_ADDED],
          ["shared", S.VIR_DOMAIN_EVENT_STARTED, S.VIR_DOMAIN_EVENT_STARTED_BOOTED],
          ["shared", S.VIR_DOMAIN_EVENT_SUSPENDED, S.VIR_DOMAIN_EVENT_SUSPENDED_PAUSED],
          ["shared", S.VIR_DOMAIN_EVENT_RESUMED, S.VIR_DOMAIN_EVENT_RESUMED_UNPAUSED],
          ["shared", S.VIR_DOMAIN_EVENT_STOPPED, S.VIR_DOMAIN_EVENT_STOPPED_DESTROYED],
          ["transient", S.VIR_DOMAIN_EVENT_STARTED, S.VIR_DOMAIN_EVENT_STARTED_BOOTED],
          ["transient", S.VIR_DOMAIN_EVENT_STOPPED, S.VIR_DOMAIN_EVENT_STOPPED_DESTROYED],
          ["shared", S.VIR_DOMAIN_EVENT_UNDEFINED, S.VIR_DOMAIN_EVENT_UNDEFINED_REMOVED],
        ]);
      } finally {
        killQemus(UUID, UUID_T);
        a.close();
        b.close();
        await a.done;
        await b.done;
        await d.stop();
        await Deno.remove(dir, { recursive: true });
      }
    },
  );
}

Deno.test("the QEMU program on a test:///default connection: not supported, as libvirtd answers", async () => {
  const d = await startDaemon();
  const c = await openClient(d);
  try {
    const mc = QEMU_PROGRAM_DEF.procedures.get(QEMU_PROC_DOMAIN_MONITOR_COMMAND)!;
    const dom = {
      name: "test",
      uuid: uuidFromString("6695eb01-f6a4-8304-79aa-97f2502e193f")!,
      id: 1,
    };
    const r = await c.reply(
      await c.call(
        QEMU_PROC_DOMAIN_MONITOR_COMMAND,
        (w) => mc.args.encode(w, { dom, cmd: '{"execute":"query-status"}', flags: 0 }),
        { prog: QEMU_PROGRAM },
      ),
    );
    const e = errorOf(r);
    assert.deepEqual([e.code, e.domain, e.message], [
      3,
      0,
      "this function is not supported by the connection driver: virDomainQemuMonitorCommand",
    ]);
  } finally {
    c.close();
    await c.done;
    await d.stop();
  }
});
