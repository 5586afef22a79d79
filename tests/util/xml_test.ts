// The XML tree libvirt's documents are read into, and its readers.

import assert from "node:assert/strict";
import { attr, child, children, parseXml, path, XmlSyntaxError } from "../../src/util/xml.ts";

Deno.test("parseXml() gives the root with attributes in order, children and text", () => {
  const root = parseXml("<a y='2' x='1'>\n  <b>one</b>\n  <b>two</b>\n  <c><d>deep</d></c>\n</a>");
  assert.equal(root.name, "a");
  assert.deepEqual(root.attrs, [["y", "2"], ["x", "1"]]);
  assert.equal(attr(root, "x"), "1");
  assert.equal(attr(root, "z"), undefined);
  assert.deepEqual(children(root, "b").map((b) => b.text), ["one", "two"]);
  assert.equal(child(root, "b")?.line, 2);
  assert.equal(path(root, "c", "d")?.text, "deep");
  assert.equal(path(root, "c", "x", "d"), undefined);
});

Deno.test("parseXml() refuses malformed XML and any DTD with XmlSyntaxError", () => {
  for (const text of ["", "<a>", "<a></b>", "<!DOCTYPE a><a/>", "<a/>\n<!ENTITY x 'y'>"]) {
    assert.throws(() => parseXml(text), XmlSyntaxError, JSON.stringify(text));
  }
});
