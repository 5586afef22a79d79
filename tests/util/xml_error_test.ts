// libxml2's first fatal error for malformed XML, in libvirt's layout, against
// libvirt 9.0's own answers: tests/testdata/xml/libxml2/expected.json was made
// by regenerate.py beside it from virStoragePoolDefineXML on test:///default.

import assert from "node:assert/strict";
import {
  formatLibxmlFault,
  libxmlError,
  libxmlFault,
  parseXmlDocument,
} from "../../src/util/xml_error.ts";
import { VirError } from "../../src/rpc/error.ts";
import {
  VIR_ERR_XML_DETAIL,
  VIR_ERR_XML_ERROR,
  VIR_FROM_NETWORK,
  VIR_FROM_XML,
} from "../../src/rpc/error_codes.ts";

const VECTORS = JSON.parse(
  Deno.readTextFileSync(new URL("../testdata/xml/libxml2/expected.json", import.meta.url)),
) as { xml: string; code: number; message: string }[];

const LABEL = "(storage_pool_definition)";

Deno.test("libxmlFault() words each malformed vector as libvirt 9.0 does", () => {
  let n = 0;
  for (const v of VECTORS) {
    if (v.code !== VIR_ERR_XML_DETAIL) continue;
    const fault = libxmlFault(v.xml);
    assert.ok(fault, JSON.stringify(v.xml));
    assert.equal(formatLibxmlFault(v.xml, LABEL, fault), v.message, JSON.stringify(v.xml));
    n++;
  }
  assert.ok(n > 250, `${n} vectors`);
});

Deno.test("libxmlFault() finds nothing in the well-formed vectors", () => {
  for (const v of VECTORS) {
    if (v.code === VIR_ERR_XML_DETAIL) continue;
    assert.equal(libxmlFault(v.xml), null, JSON.stringify(v.xml));
  }
});

Deno.test("formatLibxmlFault() counts bytes, keeps tabs and says (null) for an empty line", () => {
  const text = "<a>\n\t<b c='é' c='2'/></a>";
  assert.equal(
    formatLibxmlFault(text, "(x)", { message: "m", pos: text.indexOf("/>") }),
    "(x):2: m\n\t<b c='é' c='2'/></a>\n\t---------------^",
  );
  assert.equal(formatLibxmlFault("<a>\n", "(x)", { message: "m", pos: 4 }), "(x):2: m\n(null)\n^");
  assert.equal(
    formatLibxmlFault("<a>\n]]>", "(x)", { message: "m", pos: 3, line: 2 }),
    "(x):2: m\n<a>\n---^",
  );
});

Deno.test("libxmlError() is VIR_ERR_XML_DETAIL in the caller's domain", () => {
  const e = libxmlError("<a>", "(network_definition)", VIR_FROM_NETWORK);
  assert.equal(e.code, VIR_ERR_XML_DETAIL);
  assert.equal(e.domain, VIR_FROM_NETWORK);
  assert.equal(
    e.message,
    "(network_definition):1: Premature end of data in tag a line 1\n<a>\n---^",
  );
});

Deno.test("parseXmlDocument() checks the root's local name as virXMLParse does", () => {
  assert.equal(
    parseXmlDocument("<n:pool xmlns:n='u'/>", LABEL, VIR_FROM_NETWORK, "pool").name,
    "n:pool",
  );
  let err: unknown;
  try {
    parseXmlDocument("<network/>", LABEL, VIR_FROM_NETWORK, "pool");
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof VirError);
  assert.equal(err.code, VIR_ERR_XML_ERROR);
  assert.equal(err.domain, VIR_FROM_XML);
  assert.equal(err.message, "XML error: expecting root element of 'pool', not 'network'");
});
