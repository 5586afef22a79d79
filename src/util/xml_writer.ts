/**
 * XML out the way libvirt writes it: libvirt's escaping
 * (virBufferEscapeString), its auto-indenting buffer (virBuffer), and an
 * element writer on that buffer with two-space indent and attributes in the
 * order given (as virXMLFormatElement). Reading is in xml.ts; writing a
 * parsed tree back as libxml2 does is in xml_dump.ts.
 *
 * @example
 * ```ts
 * import { VirBuffer, XmlWriter } from "./xml_writer.ts";
 * new XmlWriter().open("pool", [["type", "dir"]]).text("name", "a&b").close("pool").toString();
 * // "<pool type='dir'>\n  <name>a&amp;b</name>\n</pool>\n"
 * new VirBuffer().add("<a>\n").adjust(2).escapeString("<b>%s</b>\n", "<").adjust(-2).add("</a>\n")
 *   .toString();
 * // "<a>\n  <b>&lt;</b>\n</a>\n"
 * ```
 *
 * @module
 */

import type { XmlElement } from "./xml.ts";

/** libvirt's escaping for attribute values and text (virBufferEscapeString). */
export function escapeXml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) =>
      c === "&"
        ? "&amp;"
        : c === "<"
        ? "&lt;"
        : c === ">"
        ? "&gt;"
        : c === '"'
        ? "&quot;"
        : "&apos;",
  );
}

/**
 * Text built as libvirt's virBuffer builds it with auto-indent: the current
 * indentation is added where text starts a line (not within added text).
 */
export class VirBuffer {
  #s = "";
  #indent = 0;

  /** virBufferAdd: `text` as is, indented if it starts a line. */
  add(text: string): this {
    if (text === "") return this;
    if (this.#s === "" || this.#s.endsWith("\n")) this.#s += " ".repeat(this.#indent);
    this.#s += text;
    return this;
  }

  /** virBufferEscapeString: `fmt` with its %s as the escaped `value`; nothing when null. */
  escapeString(fmt: string, value: string | null): this {
    return value === null ? this : this.add(fmt.replace("%s", () => escapeXml(value)));
  }

  /** virBufferAdjustIndent. */
  adjust(n: number): this {
    this.#indent += n;
    return this;
  }

  toString(): string {
    return this.#s;
  }
}

type AttrValue = string | number | bigint | undefined | null | false;

function formatAttrs(attrs: [string, AttrValue][]): string {
  let s = "";
  for (const [k, v] of attrs) {
    if (v === undefined || v === null || v === false) continue;
    s += ` ${k}='${escapeXml(String(v))}'`;
  }
  return s;
}

/**
 * Builds XML text on a VirBuffer the way libvirt's formatters do: every
 * element on its own line, two spaces per level, empty elements as `<x/>`,
 * text inline.
 */
export class XmlWriter {
  #buf = new VirBuffer();

  /** `<name attrs>` and one level deeper. */
  open(name: string, attrs: [string, AttrValue][] = []): this {
    this.#buf.add(`<${name}${formatAttrs(attrs)}>\n`).adjust(2);
    return this;
  }

  close(name: string): this {
    this.#buf.adjust(-2).add(`</${name}>\n`);
    return this;
  }

  /** `<name attrs/>`. */
  empty(name: string, attrs: [string, AttrValue][] = []): this {
    this.#buf.add(`<${name}${formatAttrs(attrs)}/>\n`);
    return this;
  }

  /** `<name attrs>text</name>` on one line. */
  text(name: string, text: string | number | bigint, attrs: [string, AttrValue][] = []): this {
    this.#buf.add(`<${name}${formatAttrs(attrs)}>${escapeXml(String(text))}</${name}>\n`);
    return this;
  }

  /** Raw, already formatted lines, re-indented to the current depth. */
  raw(xml: string): this {
    for (const line of xml.split("\n")) if (line.length > 0) this.#buf.add(line + "\n");
    return this;
  }

  /** The document, each line ended with a newline as libvirt ends it. */
  toString(): string {
    return this.#buf.toString() || "\n";
  }
}

/** Formats an element tree back as XML, libvirt style (used for passthrough parts such as metadata). */
export function formatElement(el: XmlElement, w: XmlWriter = new XmlWriter()): XmlWriter {
  const text = el.text.trim();
  if (el.children.length === 0) {
    if (text === "") w.empty(el.name, el.attrs);
    else w.text(el.name, text, el.attrs);
    return w;
  }
  w.open(el.name, el.attrs);
  for (const c of el.children) formatElement(c, w);
  w.close(el.name);
  return w;
}
