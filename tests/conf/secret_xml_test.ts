// The <secret> model (src/conf/secret_xml.ts) against libvirt 9.0's
// virSecretDefParse/virSecretDefFormat: each usage type's element, the
// generated UUID, the defaults, the errors in libvirt's words.

import assert from "node:assert/strict";
import {
  formatSecretXML,
  parseSecretXML,
  VIR_SECRET_USAGE_TYPE_ISCSI,
  VIR_SECRET_USAGE_TYPE_NONE,
  VIR_SECRET_USAGE_TYPE_VOLUME,
  VIR_SECRET_USAGE_TYPE_VTPM,
} from "../../src/conf/secret_xml.ts";
import { VirError } from "../../src/rpc/error.ts";

const UUID = "0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f";

Deno.test("each usage type is read from its own element and formatted back", () => {
  const cases: [string, string, number][] = [
    ["volume", "volume", VIR_SECRET_USAGE_TYPE_VOLUME],
    ["ceph", "name", 2],
    ["iscsi", "target", VIR_SECRET_USAGE_TYPE_ISCSI],
    ["tls", "name", 4],
    ["vtpm", "name", VIR_SECRET_USAGE_TYPE_VTPM],
  ];
  for (const [type, el, n] of cases) {
    const def = parseSecretXML(
      `<secret private='yes'><uuid>${UUID}</uuid><usage type='${type}'><${el}>id &amp; x</${el}></usage></secret>`,
    );
    assert.equal(def.usageType, n);
    assert.equal(def.usageID, "id & x");
    assert.equal(
      formatSecretXML(def),
      `<secret ephemeral='no' private='yes'>\n  <uuid>${UUID}</uuid>\n  <usage type='${type}'>\n` +
        `    <${el}>id &amp; x</${el}>\n  </usage>\n</secret>\n`,
    );
  }
});

Deno.test("no uuid: one is generated; usage none and a description", () => {
  const def = parseSecretXML(
    "<secret ephemeral='yes'><description>d</description><usage type='none'/></secret>",
  );
  assert.match(def.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(def.usageType, VIR_SECRET_USAGE_TYPE_NONE);
  assert.equal(
    formatSecretXML(def),
    `<secret ephemeral='yes' private='no'>\n  <uuid>${def.uuid}</uuid>\n  <description>d</description>\n</secret>\n`,
  );
});

Deno.test("malformed definitions fail with libvirt's words and codes", () => {
  const cases: [string, number, string][] = [
    ["<secret><usage type='bogus'/></secret>", 67, "unknown secret usage type bogus"],
    ["<secret><usage/></secret>", 27, "unknown secret usage type"],
    ["<secret><usage type='iscsi'/></secret>", 1, "iSCSI usage specified, but target is missing"],
    ["<secret><uuid>zzz</uuid></secret>", 1, "malformed uuid element"],
    ["<secret ephemeral='1'/>", 27, "invalid value of 'ephemeral'"],
    ["<network/>", 27, "expecting root element of 'secret', not 'network'"],
  ];
  for (const [xml, code, text] of cases) {
    assert.throws(() => parseSecretXML(xml), (e: unknown) => {
      assert.ok(e instanceof VirError);
      assert.equal(e.code, code);
      assert.ok(e.message.includes(text), e.message);
      return true;
    });
  }
});
