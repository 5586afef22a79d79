// XML in and out for libvirt's documents: a strict parser (saxes) into a
// small element tree that refuses DTDs and entity declarations outright, and
// a writer that formats the way libvirt does (two-space indent, attributes
// in the order given, libvirt's escaping).

import { SaxesParser } from "saxes";

/** An element: its name, attributes in document order, children, and text. */
export interface XmlElement {
  name: string;
  attrs: [string, string][];
  children: XmlElement[];
  /** Concatenated character data directly inside this element (trimmed by readers as needed). */
  text: string;
  /** 1-based line of the start tag, for error messages. */
  line: number;
}

/** XML that is not well-formed, or that carries a DTD or an entity. */
export class XmlSyntaxError extends SyntaxError {
  override readonly name = "XmlSyntaxError";
  readonly code = "ERR_DENOVIRT_XML";
  readonly line: number;
  readonly column: number;
  readonly reason: string;
  constructor(reason: string, line: number, column: number) {
    super(`Cannot parse XML at line ${line}: ${reason}`);
    this.reason = reason;
    this.line = line;
    this.column = column;
  }
}

/** Parses a document and returns its root element. */
export function parseXml(text: string): XmlElement {
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) {
    // Refused before parsing: no DTD is ever read and no entity ever expanded.
    const before = text.slice(0, text.search(/<!DOCTYPE|<!ENTITY/i));
    throw new XmlSyntaxError(
      "DTDs and entity declarations are not accepted",
      before.split("\n").length,
      1,
    );
  }
  const parser = new SaxesParser({ position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  let error: XmlSyntaxError | null = null;
  parser.on("error", (e) => {
    if (!error) {
      const reason = e.message.replace(/^(?:[^:\n]*:)?\d+:\d+: /, "");
      error = new XmlSyntaxError(reason, parser.line, parser.column);
    }
  });
  parser.on("doctype", () => {
    error ??= new XmlSyntaxError(
      "DTDs and entity declarations are not accepted",
      parser.line,
      parser.column,
    );
  });
  parser.on("opentag", (tag) => {
    const el: XmlElement = {
      name: tag.name,
      attrs: Object.entries(tag.attributes as Record<string, string>),
      children: [],
      text: "",
      line: parser.line,
    };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(el);
    else if (!root) root = el;
    stack.push(el);
  });
  parser.on("closetag", () => {
    stack.pop();
  });
  parser.on("text", (t) => {
    const top = stack[stack.length - 1];
    if (top) top.text += t;
  });
  parser.on("cdata", (t) => {
    const top = stack[stack.length - 1];
    if (top) top.text += t;
  });
  try {
    parser.write(text).close();
  } catch (e) {
    if (!error) throw e;
  }
  if (error) throw error;
  if (!root) throw new XmlSyntaxError("Start tag expected, '<' not found", 1, 1);
  return root;
}

// ---- Reading helpers ---------------------------------------------------------------------

export function attr(el: XmlElement, name: string): string | undefined {
  for (const [k, v] of el.attrs) if (k === name) return v;
  return undefined;
}

export function child(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}

export function children(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}

/** The trimmed text of a child element, if present. */
export function childText(el: XmlElement, name: string): string | undefined {
  const c = child(el, name);
  return c === undefined ? undefined : c.text.trim();
}

/** Follows a path of child names, e.g. `path(dom, "os", "type")`. */
export function path(el: XmlElement, ...names: string[]): XmlElement | undefined {
  let cur: XmlElement | undefined = el;
  for (const n of names) {
    if (!cur) return undefined;
    cur = child(cur, n);
  }
  return cur;
}

// ---- Writing ------------------------------------------------------------------------------

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
