/**
 * XML out the way libvirt writes it: libvirt's escaping, and a writer with
 * two-space indent and attributes in the order given. Reading is in xml.ts.
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

type AttrValue = string | number | bigint | undefined | null | false;

/**
 * Builds XML text the way libvirt's virBuffer does: every element on its
 * own line, two spaces per level, empty elements as `<x/>`, text inline.
 */
export class XmlWriter {
  #out: string[] = [];
  #depth = 0;

  #indent(): string {
    return "  ".repeat(this.#depth);
  }

  static #attrs(attrs: [string, AttrValue][]): string {
    let s = "";
    for (const [k, v] of attrs) {
      if (v === undefined || v === null || v === false) continue;
      s += ` ${k}='${escapeXml(String(v))}'`;
    }
    return s;
  }

  /** `<name attrs>` and one level deeper. */
  open(name: string, attrs: [string, AttrValue][] = []): this {
    this.#out.push(`${this.#indent()}<${name}${XmlWriter.#attrs(attrs)}>`);
    this.#depth++;
    return this;
  }

  close(name: string): this {
    this.#depth--;
    this.#out.push(`${this.#indent()}</${name}>`);
    return this;
  }

  /** `<name attrs/>`. */
  empty(name: string, attrs: [string, AttrValue][] = []): this {
    this.#out.push(`${this.#indent()}<${name}${XmlWriter.#attrs(attrs)}/>`);
    return this;
  }

  /** `<name attrs>text</name>` on one line. */
  text(name: string, text: string | number | bigint, attrs: [string, AttrValue][] = []): this {
    this.#out.push(
      `${this.#indent()}<${name}${XmlWriter.#attrs(attrs)}>${escapeXml(String(text))}</${name}>`,
    );
    return this;
  }

  /** Raw, already formatted lines, re-indented to the current depth. */
  raw(xml: string): this {
    for (const line of xml.split("\n")) if (line.length > 0) this.#out.push(this.#indent() + line);
    return this;
  }

  /** The document, each line ended with a newline as libvirt ends it. */
  toString(): string {
    return this.#out.join("\n") + "\n";
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
