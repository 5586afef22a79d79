// The XML tree libvirt's documents are read into, and its readers.

import assert from "node:assert/strict";
import {
  attr,
  child,
  children,
  localName,
  lookupNamespace,
  namespaceDecls,
  parseXml,
  path,
  prefixOf,
  XmlSyntaxError,
} from "../../src/util/xml.ts";

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

Deno.test("parseXml() keeps every node, mixed text, comments and PIs, in order", () => {
  const root = parseXml("<a>one<!--c--><b/>two<![CDATA[<3>]]><?t body?></a>");
  assert.deepEqual(
    root.nodes.map((n) => n.kind === "element" ? n.name : n.kind === "pi" ? n.target : n.text),
    ["one", "c", "b", "two", "<3>", "t"],
  );
  assert.equal(root.text, "onetwo<3>");
  assert.deepEqual(root.children.map((c) => c.name), ["b"]);
});

Deno.test("namespace helpers read declarations and resolve prefixes through a scope", () => {
  const root = parseXml("<a xmlns='urn:d' xmlns:p='urn:p'><p:b xmlns:p='urn:q' xmlns=''/></a>");
  const b = root.children[0]!;
  assert.deepEqual(namespaceDecls(root), [["", "urn:d"], ["p", "urn:p"]]);
  assert.equal(prefixOf(b.name), "p");
  assert.equal(localName(b.name), "b");
  assert.equal(lookupNamespace([root], "p"), "urn:p");
  assert.equal(lookupNamespace([root, b], "p"), "urn:q");
  assert.equal(lookupNamespace([root], ""), "urn:d");
  assert.equal(lookupNamespace([root, b], ""), undefined);
  assert.equal(lookupNamespace([root], "x"), undefined);
});
