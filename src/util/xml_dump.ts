/**
 * A parsed tree written back the way libxml2 writes a node for libvirt:
 * xmlNodeDump with format=1 and xmlIndentTreeOutput (namespace declarations
 * before attributes, libxml2's escaping, element-only content indented two
 * spaces a level, mixed content as it stands), and the blank text libxml2
 * drops when it parses without keeping blanks.
 *
 * @example
 * ```ts
 * import { dumpXml, withoutBlanks } from "./xml_dump.ts";
 * import { parseXml } from "./xml.ts";
 * dumpXml(withoutBlanks(parseXml("<a b='é'><c/>  <d>x</d></a>")), 0);
 * // '<a b="&#xE9;">\n  <c/>\n  <d>x</d>\n</a>'
 * ```
 *
 * @module
 */

import { element, type XmlElement, type XmlNode } from "./xml.ts";

/** libxml2's escaping of text content (xmlEscapeContent). */
export function libxmlEscapeText(s: string): string {
  return s.replace(
    /[&<>\r]/g,
    (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : "&#13;"),
  );
}

/**
 * libxml2's escaping of an attribute value in a node without a document
 * encoding (xmlBufAttrSerializeTxtContent): markup, quotes and white space
 * other than ' ' as references, non-ASCII as hexadecimal references.
 */
export function libxmlEscapeAttr(s: string): string {
  let out = "";
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === "&") out += "&amp;";
    else if (ch === "<") out += "&lt;";
    else if (ch === ">") out += "&gt;";
    else if (ch === '"') out += "&quot;";
    else if (ch === "\n") out += "&#10;";
    else if (ch === "\r") out += "&#13;";
    else if (ch === "\t") out += "&#9;";
    else if (cp >= 0x80) out += `&#x${cp.toString(16).toUpperCase()};`;
    else out += ch;
  }
  return out;
}

/** A namespace URI quoted as xmlBufWriteQuotedString quotes it. */
function quoteUri(uri: string): string {
  return uri.includes('"') ? `'${uri}'` : `"${uri}"`;
}

function isNamespaceDecl(name: string): boolean {
  return name === "xmlns" || name.startsWith("xmlns:");
}

/**
 * xmlNodeDump(format=1) of `el` nested `level` deep: the first line is not
 * indented, nor is anything after it ended with a newline.
 */
export function dumpXml(el: XmlElement, level: number): string {
  let out = "";
  const dump = (n: XmlNode, depth: number) => {
    switch (n.kind) {
      case "text":
        out += libxmlEscapeText(n.text);
        return;
      case "cdata":
        out += `<![CDATA[${n.text}]]>`;
        return;
      case "comment":
        out += `<!--${n.text}-->`;
        return;
      case "pi":
        out += n.body === "" ? `<?${n.target}?>` : `<?${n.target} ${n.body}?>`;
        return;
    }
    out += `<${n.name}`;
    for (const [k, v] of n.attrs) if (isNamespaceDecl(k)) out += ` ${k}=${quoteUri(v)}`;
    for (const [k, v] of n.attrs) if (!isNamespaceDecl(k)) out += ` ${k}="${libxmlEscapeAttr(v)}"`;
    if (n.nodes.length === 0) {
      out += "/>";
      return;
    }
    out += ">";
    // libxml2 indents only where no text or CDATA sits among the children.
    const format = !n.nodes.some((c) => c.kind === "text" || c.kind === "cdata");
    for (const c of n.nodes) {
      if (format) out += "\n" + "  ".repeat(depth + 1);
      dump(c, depth + 1);
    }
    if (format) out += "\n" + "  ".repeat(depth);
    out += `</${n.name}>`;
  };
  dump(el, level);
  return out;
}

/** Text of ' ', tab, newline and carriage return only. */
function isBlankText(n: XmlNode): boolean {
  return n.kind === "text" && /^[ \t\r\n]*$/.test(n.text);
}

/**
 * A copy of `el` without the blank text libxml2 drops when it does not keep
 * blanks (its areBlanks heuristic): blank text is kept only as an element's
 * sole content, or after text, or where its first child is text.
 */
export function withoutBlanks(el: XmlElement): XmlElement {
  const out = element(el.name, [...el.attrs], [], el.line);
  el.nodes.forEach((n, i) => {
    if (isBlankText(n)) {
      const kept = out.nodes;
      const last = kept[kept.length - 1];
      const keep = (kept.length === 0 && i === el.nodes.length - 1) ||
        last?.kind === "text" || kept[0]?.kind === "text";
      if (keep) out.nodes.push({ kind: "text", text: (n as { text: string }).text });
      if (keep) out.text += (n as { text: string }).text;
      return;
    }
    const copy = n.kind === "element" ? withoutBlanks(n) : { ...n };
    out.nodes.push(copy);
    if (copy.kind === "element") out.children.push(copy);
    if (copy.kind === "text" || copy.kind === "cdata") out.text += copy.text;
  });
  return out;
}
