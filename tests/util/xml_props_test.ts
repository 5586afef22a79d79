// virXPathString and virXMLProp*: values read out of a document, and libvirt's errors.

import assert from "node:assert/strict";
import {
  prop,
  propEnum,
  propInt,
  propTristate,
  propUInt,
  propULongLong,
  stringValue,
  xpathAttr,
  xpathNode,
  xpathNodes,
  xpathString,
} from "../../src/util/xml_props.ts";
import { parseXml } from "../../src/util/xml.ts";
import { VirError } from "../../src/rpc/error.ts";

const DOC = parseXml(
  "<pool type='dir' e=''><a><b x=''/></a><a><b x='2'>one<i>two</i></b></a><n u='-1' v='12'/>" +
    "<p:t xmlns:p='urn:p' q='maybe'/><empty></empty></pool>",
);

function message(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof VirError) return e.message;
    throw e;
  }
  return "no error";
}

Deno.test("XPath readers follow ./a/b over every match, as libvirt's virXPath* do", () => {
  assert.equal(xpathNodes(DOC, "a", "b").length, 2);
  assert.equal(xpathNode(DOC, "a", "b")?.attrs[0]?.[1], "");
  assert.equal(stringValue(xpathNodes(DOC, "a", "b")[1]!), "onetwo");
  assert.equal(xpathString(DOC, "a", "b"), null);
  assert.equal(xpathString(DOC, "a"), null);
  assert.equal(xpathString(DOC, "empty"), null);
  assert.equal(xpathString(DOC, "missing"), null);
  assert.equal(xpathAttr(DOC, "x", "a", "b"), null);
  assert.equal(xpathAttr(DOC, "type"), "dir");
  assert.equal(xpathAttr(DOC, "e"), null);
  assert.equal(prop(DOC, "e"), "");
  assert.equal(prop(DOC, "missing"), null);
  assert.equal(prop(undefined, "type"), null);
});

Deno.test("virXMLProp* readers convert, or fail with libvirt's words", () => {
  const n = DOC.children.find((c) => c.name === "n")!;
  const t = DOC.children.find((c) => c.name === "p:t")!;
  assert.equal(propEnum(DOC, "type", ["dir", "fs"]), "dir");
  assert.equal(propEnum(DOC, "nope", ["dir", "fs"]), null);
  assert.equal(
    message(() => propEnum(DOC, "type", ["fs"])),
    "XML error: Invalid value for attribute 'type' in element 'pool': 'dir'.",
  );
  assert.equal(
    message(() => propEnum(DOC, "type", ["dir", "fs"], { nonzero: true })),
    "XML error: Invalid value for attribute 'type' in element 'pool': 'dir'.",
  );
  assert.equal(
    message(() => propEnum(t, "r", ["x"], { required: true })),
    "XML error: Missing required attribute 'r' in element 't'",
  );
  assert.equal(
    message(() => propTristate(t, "q")),
    "XML error: Invalid value for attribute 'q' in element 't': 'maybe'.",
  );
  assert.equal(propInt(n, "u", 10), -1);
  assert.equal(propUInt(n, "v", 16), 18);
  assert.equal(propULongLong(n, "v", 10), 12n);
  assert.equal(
    message(() => propUInt(n, "u", 10)),
    "XML error: Invalid value for attribute 'u' in element 'n': '-1'. " +
      "Expected non-negative integer value",
  );
  assert.equal(
    message(() => propInt(t, "q", 10)),
    "XML error: Invalid value for attribute 'q' in element 't': 'maybe'. Expected integer value",
  );
});
