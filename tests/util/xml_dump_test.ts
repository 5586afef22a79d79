// A parsed tree written back as libxml2's xmlNodeDump writes it for libvirt.

import assert from "node:assert/strict";
import {
  dumpXml,
  libxmlEscapeAttr,
  libxmlEscapeText,
  withoutBlanks,
} from "../../src/util/xml_dump.ts";
import { parseXml } from "../../src/util/xml.ts";

Deno.test("libxml2 escapes text and attribute values its own way", () => {
  assert.equal(libxmlEscapeText(`a&b<c>d"e'f\rg\nh é`), `a&amp;b&lt;c&gt;d"e'f&#13;g\nh é`);
  assert.equal(
    libxmlEscapeAttr(`a&b<c>d"e'f\rg\nh\ti é`),
    "a&amp;b&lt;c&gt;d&quot;e'f&#13;g&#10;h&#9;i &#xE9;",
  );
});

Deno.test("dumpXml() puts namespace declarations first and indents element-only content", () => {
  const el = parseXml("<a x='1' xmlns:p='u\"v' xmlns='w'><p:b/><!--c--><?t body?><?u?></a>");
  assert.equal(
    dumpXml(el, 1),
    `<a xmlns:p='u"v' xmlns="w" x="1">\n    <p:b/>\n    <!--c-->\n    <?t body?>\n    <?u?>\n  </a>`,
  );
  assert.equal(dumpXml(parseXml("<a>t<b/><![CDATA[<>]]></a>"), 3), "<a>t<b/><![CDATA[<>]]></a>");
});

Deno.test("withoutBlanks() drops blank text as libxml2 does without keepBlanks", () => {
  const el = withoutBlanks(
    parseXml("<a>\n  <b>  </b>\n  <c> x <d/>  </c>\n  <e>t</e>  <f/>\n</a>"),
  );
  assert.equal(dumpXml(el, 0), "<a>\n  <b>  </b>\n  <c> x <d/>  </c>\n  <e>t</e>\n  <f/>\n</a>");
  assert.deepEqual(el.children.map((c) => c.name), ["b", "c", "e", "f"]);
});
