// <metadata> as libvirt 9.0 keeps, changes and prints it. Each expected text
// is what libvirt printed on test:///default for the same document or call.

import assert from "node:assert/strict";
import {
  extractNamespaceXML,
  injectNamespace,
  isNCName,
  metadataXML,
} from "../../src/util/xml_metadata.ts";
import { parseXml } from "../../src/util/xml.ts";
import { dumpXml } from "../../src/util/xml_dump.ts";

const HEAD = "<name>m</name><memory>1024</memory><os><type>hvm</type></os>";

Deno.test("metadataXML() keeps namespaced children, hoists their namespaces, prints as libxml2", () => {
  const cases: [string, string][] = [
    [
      `<domain xmlns:r='urn:root'>${HEAD}<metadata a='1'><r:x r:attr='v'><r:y/></r:x>` +
      `<d:e xmlns:d='urn:d'>\n  text\n  <d:f t='é&#10;x'/>\n</d:e><c:q xmlns:c='urn:c'>  </c:q>` +
      `</metadata></domain>`,
      '<metadata xmlns:r="urn:root" a="1">\n    <r:x r:attr="v">\n      <r:y/>\n    </r:x>\n' +
      '    <d:e xmlns:d="urn:d">\n  text\n  <d:f t="&#xE9;&#10;x"/>\n</d:e>\n' +
      '    <c:q xmlns:c="urn:c">  </c:q>\n  </metadata>',
    ],
    [
      `<domain xmlns:r='urn:root' xmlns:s='urn:s'>${HEAD}<metadata><r:x><s:y s:a='1'/></r:x>` +
      `<q:z xmlns:q='urn:q' r:b='2'>é&#13;</q:z></metadata></domain>`,
      '<metadata xmlns:r="urn:root" xmlns:s="urn:s">\n    <r:x>\n      <s:y s:a="1"/>\n' +
      '    </r:x>\n    <q:z xmlns:q="urn:q" r:b="2">é&#13;</q:z>\n  </metadata>',
    ],
    [
      `<domain xmlns:r='urn:root'>${HEAD}<metadata>\n  <r:x>\n    <r:y>t</r:y>\n  </r:x>\n` +
      `  <r:dup/>\n  <!-- c -->\n  <?pi body?>\n</metadata></domain>`,
      '<metadata xmlns:r="urn:root">\n    <r:x>\n      <r:y>t</r:y>\n    </r:x>\n  </metadata>',
    ],
    [`<domain>${HEAD}<metadata/></domain>`, "<metadata/>"],
    [`<domain>${HEAD}<metadata><x/></metadata></domain>`, "<metadata/>"],
    [
      `<domain xmlns:a='urn:a' xmlns:b='urn:a'>${HEAD}<metadata><a:x/><b:y b:z='1'/></metadata></domain>`,
      '<metadata xmlns:a="urn:a" xmlns:b="urn:a">\n    <a:x/>\n  </metadata>',
    ],
    [
      `<domain>${HEAD}<metadata><q:x xmlns:q='urn:q'><![CDATA[a<b]]></q:x>` +
      `<q2:x xmlns:q2='urn:q2'><q2:a/>text<q2:b/></q2:x></metadata></domain>`,
      '<metadata>\n    <q:x xmlns:q="urn:q"><![CDATA[a<b]]></q:x>\n' +
      '    <q2:x xmlns:q2="urn:q2"><q2:a/>text<q2:b/></q2:x>\n  </metadata>',
    ],
  ];
  for (const [doc, want] of cases) assert.equal(metadataXML(parseXml(doc), 1), want, doc);
  assert.equal(metadataXML(parseXml(`<domain>${HEAD}</domain>`), 1), null);
});

Deno.test("injectNamespace() moves unqualified elements into the new namespace", () => {
  // virDomainSetMetadata(ELEMENT, "<b:w xmlns:b='urn:b'><c/></b:w>", "k2", "urn:k2")
  assert.equal(
    dumpXml(injectNamespace(parseXml("<b:w xmlns:b='urn:b'><c/></b:w>"), "urn:k2", "k2"), 2),
    '<b:w xmlns:b="urn:b" xmlns:k2="urn:k2">\n      <k2:c/>\n    </b:w>',
  );
  assert.equal(
    dumpXml(injectNamespace(parseXml("<d xmlns='urn:dflt'><e/></d>"), "urn:k3", "k3"), 2),
    '<d xmlns="urn:dflt" xmlns:k3="urn:k3">\n      <e/>\n    </d>',
  );
  assert.equal(isNCName("k2"), true);
  assert.equal(isNCName("1bad"), false);
  assert.equal(isNCName("a:b"), false);
});

Deno.test("extractNamespaceXML() gives the element back without its namespace", () => {
  const md = parseXml(
    '<metadata xmlns:r="urn:root" a="1"><r:x r:attr="v"><r:y/></r:x>' +
      '<d xmlns="urn:dflt" xmlns:k3="urn:k3"><e/></d></metadata>',
  );
  assert.equal(extractNamespaceXML(md, "urn:root"), '<x attr="v">\n  <y/>\n</x>');
  assert.equal(extractNamespaceXML(md, "urn:k3"), null);
  assert.equal(extractNamespaceXML(md, "urn:dflt"), '<d xmlns:k3="urn:k3">\n  <e/>\n</d>');
  assert.equal(extractNamespaceXML(md, "urn:none"), null);
});
