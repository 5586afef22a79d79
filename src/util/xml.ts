/**
 * XML in for libvirt's documents: a strict parser (saxes) into a small
 * element tree that refuses DTDs and entity declarations outright, and the
 * readers the models walk it with. Writing is in xml_writer.ts.
 *
 * @module
 */

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

/** An element's name without its namespace prefix (what libxml2 calls its name). */
export function localName(name: string): string {
  const c = name.indexOf(":");
  return c < 0 ? name : name.slice(c + 1);
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
