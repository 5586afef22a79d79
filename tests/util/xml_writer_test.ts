// XML written the way libvirt writes it: its escaping and its layout.

import assert from "node:assert/strict";
import { escapeXml, formatElement, VirBuffer, XmlWriter } from "../../src/util/xml_writer.ts";
import { parseXml } from "../../src/util/xml.ts";

Deno.test("escapeXml() escapes as virBufferEscapeString does", () => {
  assert.equal(escapeXml(`a&b<c>d"e'f`), "a&amp;b&lt;c&gt;d&quot;e&apos;f");
  assert.equal(escapeXml("plain é\n"), "plain é\n");
});

Deno.test("XmlWriter lays out elements two spaces a level, attributes in order", () => {
  const w = new XmlWriter()
    .open("domain", [["type", "test"], ["id", 1], ["skip", undefined], ["no", false]])
    .text("name", "a<b")
    .empty("on_poweroff", [["x", null]])
    .open("devices")
    .raw("<disk/>\n<disk>\n  <target dev='vda'/>\n</disk>\n")
    .close("devices")
    .close("domain");
  assert.equal(
    w.toString(),
    "<domain type='test' id='1'>\n" +
      "  <name>a&lt;b</name>\n" +
      "  <on_poweroff/>\n" +
      "  <devices>\n" +
      "    <disk/>\n" +
      "    <disk>\n" +
      "      <target dev='vda'/>\n" +
      "    </disk>\n" +
      "  </devices>\n" +
      "</domain>\n",
  );
});

Deno.test("formatElement() writes a parsed tree back in libvirt's layout", () => {
  const el = parseXml("<a x='1'>\n <b>  t  </b><c/>\n</a>");
  assert.equal(formatElement(el).toString(), "<a x='1'>\n  <b>t</b>\n  <c/>\n</a>\n");
});

Deno.test("VirBuffer indents where text starts a line, not within it", () => {
  const b = new VirBuffer()
    .add("<network>\n")
    .adjust(2)
    .add("<name>n</name>\n")
    .add("<bridge")
    .escapeString(" name='%s'", "vir$&<br>")
    .escapeString(" zone='%s'", null)
    .add("/>\n")
    .add("<description>a\nb</description>\n")
    .adjust(-2)
    .add("</network>\n");
  assert.equal(
    b.toString(),
    "<network>\n  <name>n</name>\n  <bridge name='vir$&amp;&lt;br&gt;'/>\n" +
      "  <description>a\nb</description>\n</network>\n",
  );
});

Deno.test("XmlWriter keeps text with newlines as written, and writes '\\n' when empty", () => {
  assert.equal(
    new XmlWriter().open("a").text("d", "x\ny").empty("e").close("a").toString(),
    "<a>\n  <d>x\ny</d>\n  <e/>\n</a>\n",
  );
  assert.equal(new XmlWriter().toString(), "\n");
});
