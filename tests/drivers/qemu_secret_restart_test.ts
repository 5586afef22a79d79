// Secrets on qemu:///system kept as libvirt keeps them (issue 13): a
// persistent secret is UUID.xml in the secrets directory beside the QEMU
// driver's configuration, its value UUID.base64 (plain base64, no newline);
// after a restart the secret and its value are back, an ephemeral one is
// gone; a file added while the daemon runs is read on SIGHUP.

import assert from "node:assert/strict";
import { RawClient } from "../_rpc_client.ts";
import * as P from "../../src/protocol/remote_procedure_numbers.ts";
import { defaultConfig, qemuDirs } from "../../src/conf/config.ts";
import { uuidFromString, uuidToString } from "../../src/util/uuid.ts";
import { call } from "./_driver.ts";
import { spawnDaemon, waitForSocket } from "./_qemu.ts";

async function client(sock: string): Promise<RawClient> {
  const c = await RawClient.connect(sock);
  await call(c, P.REMOTE_PROC_CONNECT_OPEN, { name: "qemu:///system", flags: 0 });
  return c;
}

const KEPT = "5ec7e700-0000-4000-8000-000000000001";
const GONE = "5ec7e700-0000-4000-8000-000000000002";
const ADDED = "5ec7e700-0000-4000-8000-000000000003";

const KEPT_XML = `<secret ephemeral='no' private='yes'>
  <uuid>${KEPT}</uuid>
  <description>kept</description>
  <usage type='ceph'><name>client.kept secret</name></usage>
</secret>`;
const KEPT_FORMATTED = `<secret ephemeral='no' private='yes'>
  <uuid>${KEPT}</uuid>
  <description>kept</description>
  <usage type='ceph'>
    <name>client.kept secret</name>
  </usage>
</secret>
`;

Deno.test("a system daemon keeps its secrets in /etc/libvirt/secrets, as libvirtd", () => {
  assert.equal(qemuDirs(defaultConfig(true)).secretsDir, "/etc/libvirt/secrets");
});

Deno.test({
  name: "secrets and their values come back after a restart; SIGHUP reads new files",
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  const dir = await Deno.makeTempDir({ prefix: "denovirt-secret-restart-" });
  const conf = `${dir}/denovirt.conf`;
  await Deno.writeTextFile(conf, `unix_sock_dir = "${dir}/run"\n`);
  const sock = `${dir}/run/libvirt-sock`;
  const secrets = `${dir}/run/secrets`;
  let daemon = spawnDaemon(conf);
  try {
    await waitForSocket(sock);
    let c = await client(sock);
    const kept = (await call(c, P.REMOTE_PROC_SECRET_DEFINE_XML, { xml: KEPT_XML, flags: 0 }))
      .secret;
    await call(c, P.REMOTE_PROC_SECRET_SET_VALUE, {
      secret: kept,
      value: new TextEncoder().encode("s3cret"),
      flags: 0,
    });
    const gone = (await call(c, P.REMOTE_PROC_SECRET_DEFINE_XML, {
      xml: `<secret ephemeral='yes'><uuid>${GONE}</uuid></secret>`,
      flags: 0,
    })).secret;
    await call(c, P.REMOTE_PROC_SECRET_SET_VALUE, {
      secret: gone,
      value: new Uint8Array([1, 2, 3]),
      flags: 0,
    });
    // libvirt's layout: the definition and the value, nothing for the ephemeral one.
    assert.deepEqual([...Deno.readDirSync(secrets)].map((e) => e.name).sort(), [
      `${KEPT}.base64`,
      `${KEPT}.xml`,
    ]);
    assert.equal(Deno.readTextFileSync(`${secrets}/${KEPT}.xml`), KEPT_FORMATTED);
    assert.equal(Deno.readTextFileSync(`${secrets}/${KEPT}.base64`), btoa("s3cret"));
    assert.equal(Deno.statSync(`${secrets}/${KEPT}.xml`).mode! & 0o777, 0o600);
    c.close();
    await c.done;

    daemon.kill("SIGTERM");
    await daemon.status;
    daemon = spawnDaemon(conf);
    await waitForSocket(sock);
    c = await client(sock);
    const all = await call(c, P.REMOTE_PROC_CONNECT_LIST_ALL_SECRETS, {
      need_results: 1,
      flags: 0,
    });
    assert.deepEqual(
      all.secrets.map((s: { uuid: Uint8Array; usageType: number; usageID: string }) => [
        uuidToString(s.uuid),
        s.usageType,
        s.usageID,
      ]),
      [[KEPT, 2, "client.kept secret"]],
    );
    assert.deepEqual(
      (await call(c, P.REMOTE_PROC_CONNECT_LIST_SECRETS, { maxuuids: 10 })).uuids,
      [KEPT],
    );
    await assert.rejects(
      () => call(c, P.REMOTE_PROC_CONNECT_LIST_SECRETS, { maxuuids: 16385 }),
      /maxuuids > REMOTE_SECRET_LIST_MAX/,
    );
    const back = (await call(c, P.REMOTE_PROC_SECRET_LOOKUP_BY_USAGE, {
      usageType: 2,
      usageID: "client.kept secret",
    })).secret;
    assert.equal(
      (await call(c, P.REMOTE_PROC_SECRET_GET_XML_DESC, { secret: back, flags: 0 })).xml,
      KEPT_FORMATTED,
    );
    // Private: its value is refused over the protocol.
    await assert.rejects(
      () => call(c, P.REMOTE_PROC_SECRET_GET_VALUE, { secret: back, flags: 0 }),
      /secret is private/,
    );
    await assert.rejects(
      () => call(c, P.REMOTE_PROC_SECRET_LOOKUP_BY_UUID, { uuid: uuidFromString(GONE)! }),
      /no secret with matching uuid/,
    );

    // A file written while the daemon runs is read on SIGHUP, its value with it.
    await Deno.writeTextFile(
      `${secrets}/${ADDED}.xml`,
      `<secret ephemeral='no' private='no'><uuid>${ADDED}</uuid></secret>\n`,
    );
    await Deno.writeTextFile(`${secrets}/${ADDED}.base64`, btoa("added"));
    daemon.kill("SIGHUP");
    let added = null;
    for (let i = 0; i < 100 && added === null; i++) {
      added = await call(c, P.REMOTE_PROC_SECRET_LOOKUP_BY_UUID, { uuid: uuidFromString(ADDED)! })
        .then((r) => r.secret, () => null);
      if (added === null) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(added, "the new file was read on SIGHUP");
    const v = await call(c, P.REMOTE_PROC_SECRET_GET_VALUE, { secret: added, flags: 0 });
    assert.equal(new TextDecoder().decode(v.value), "added");

    // Undefine removes both files.
    await call(c, P.REMOTE_PROC_SECRET_UNDEFINE, { secret: back });
    await call(c, P.REMOTE_PROC_SECRET_UNDEFINE, { secret: added });
    assert.deepEqual([...Deno.readDirSync(secrets)], []);
    c.close();
    await c.done;
  } finally {
    daemon.kill("SIGTERM");
    await daemon.status;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
