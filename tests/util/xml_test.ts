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

Deno.test("parseXml() reads long character data whole, wherever it sits, lines kept", () => {
  const run = (c: string) =>
    Array.from({ length: 80 }, (_, i) => `${c}${i}`.padEnd(1023, c)).join("\n");
  const a = run("a");
  const b = run("b");
  const doc = `<r k="x>y ${"q".repeat(10)}">\n<m>${a}</m><!-- ${b} --><![CDATA[${b}]]>\n` +
    `<e>${a}&amp;${a}</e><t>${a}</t>\n<w/></r>`;
  const root = parseXml(doc);
  assert.equal(attr(root, "k"), `x>y ${"q".repeat(10)}`);
  assert.equal(child(root, "m")?.text, a);
  assert.deepEqual(
    root.nodes.filter((n) => n.kind === "comment" || n.kind === "cdata").map((n) =>
      n.kind === "comment" || n.kind === "cdata" ? n.text : ""
    ),
    [` ${b} `, b],
  );
  assert.equal(child(root, "e")?.text, `${a}&${a}`, "an entity in a long run");
  assert.equal(child(root, "t")?.text, a);
  // Lines after the long runs are counted as in the document.
  assert.equal(child(root, "w")?.line, doc.slice(0, doc.indexOf("<w/>")).split("\n").length);
});

Deno.test("parseXml() refuses a long run holding a character XML forbids", () => {
  const bad = `<r>${"x".repeat(70_000)}\u0001${"x".repeat(10)}</r>`;
  assert.throws(() => parseXml(bad), XmlSyntaxError);
  const cdataEnd = `<r>${"x".repeat(70_000)}]]>x</r>`;
  assert.throws(() => parseXml(cdataEnd), XmlSyntaxError);
  // Text that only looks like the placeholder is read as written.
  const pua = `<r>\uE0000\uE001${"x".repeat(70_000)}</r>`;
  assert.equal(parseXml(pua).text, `\uE0000\uE001${"x".repeat(70_000)}`);
});
