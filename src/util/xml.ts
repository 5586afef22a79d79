/**
 * XML in for libvirt's documents: a strict parser (saxes) into an element
 * tree that refuses DTDs and entity declarations outright, and the readers
 * the models walk it with. The tree keeps what libxml2 keeps for libvirt:
 * every child node in order (text, CDATA, comments, processing
 * instructions) and namespace declarations as attributes, so parts such as
 * <metadata> can be written back as libvirt writes them (xml_dump.ts).
 * Writing new documents is in xml_writer.ts.
 *
 * @example
 * ```ts
 * import { child, parseXml } from "./xml.ts";
 * const dom = parseXml("<domain><name>a</name><!-- note --></domain>");
 * child(dom, "name")?.text; // "a"
 * dom.nodes.map((n) => n.kind); // ["element", "comment"]
 * ```
 *
 * @module
 */

import { SaxesParser } from "saxes";

/** An element: its name, attributes in document order, children, and text. */
export interface XmlElement {
  kind: "element";
  /** The qualified name as written (`prefix:local` or `local`). */
  name: string;
  /** Attributes in document order, namespace declarations (`xmlns`, `xmlns:p`) included. */
  attrs: [string, string][];
  /** The child elements. */
  children: XmlElement[];
  /** Every child node in document order: elements, text, CDATA, comments, PIs. */
  nodes: XmlNode[];
  /** Concatenated character data directly inside this element (trimmed by readers as needed). */
  text: string;
  /** 1-based line of the start tag, for error messages. */
  line: number;
}

/** Character data, a CDATA section or a comment, as written (entities expanded). */
export interface XmlText {
  kind: "text" | "cdata" | "comment";
  text: string;
}

/** A processing instruction. */
export interface XmlPI {
  kind: "pi";
  target: string;
  body: string;
}

/** A node of the tree. */
export type XmlNode = XmlElement | XmlText | XmlPI;

/** A new element with no content. */
export function element(
  name: string,
  attrs: [string, string][] = [],
  nodes: XmlNode[] = [],
  line = 0,
): XmlElement {
  const el: XmlElement = { kind: "element", name, attrs, children: [], nodes: [], text: "", line };
  for (const n of nodes) appendNode(el, n);
  return el;
}

/** Appends `node` to `el`, keeping `children` and `text` in step with `nodes`. */
export function appendNode(el: XmlElement, node: XmlNode): void {
  if (node.kind === "text" || node.kind === "cdata") el.text += node.text;
  if (node.kind === "element") el.children.push(node);
  const last = el.nodes[el.nodes.length - 1];
  if (node.kind === "text" && last?.kind === "text") last.text += node.text;
  else el.nodes.push(node);
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
    const el = element(
      tag.name,
      Object.entries(tag.attributes as Record<string, string>),
      [],
      parser.line,
    );
    const parent = stack[stack.length - 1];
    if (parent) appendNode(parent, el);
    else if (!root) root = el;
    stack.push(el);
  });
  parser.on("closetag", () => {
    stack.pop();
  });
  // Outside the root only elements count: libvirt reads nothing else there.
  const add = (node: XmlNode) => {
    const top = stack[stack.length - 1];
    if (top) appendNode(top, node);
  };
  parser.on("text", (t) => add({ kind: "text", text: t }));
  parser.on("cdata", (t) => add({ kind: "cdata", text: t }));
  parser.on("comment", (t) => add({ kind: "comment", text: t }));
  parser.on("processinginstruction", (pi) => add({ kind: "pi", target: pi.target, body: pi.body }));
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

/** An element's or attribute's namespace prefix ("" for none). */
export function prefixOf(name: string): string {
  const c = name.indexOf(":");
  return c < 0 ? "" : name.slice(0, c);
}

/** The namespaces an element declares: [prefix ("" for the default), URI], in order. */
export function namespaceDecls(el: XmlElement): [string, string][] {
  const out: [string, string][] = [];
  for (const [k, v] of el.attrs) {
    if (k === "xmlns") out.push(["", v]);
    else if (k.startsWith("xmlns:")) out.push([k.slice(6), v]);
  }
  return out;
}

/**
 * The URI `prefix` stands for at the innermost of `scope` (outermost first),
 * or undefined when none is declared; the default namespace declared as ""
 * is none.
 */
export function lookupNamespace(scope: readonly XmlElement[], prefix: string): string | undefined {
  if (prefix === "xml") return "http://www.w3.org/XML/1998/namespace";
  for (let i = scope.length - 1; i >= 0; i--) {
    for (const [p, uri] of namespaceDecls(scope[i]!)) {
      if (p === prefix) return uri === "" ? undefined : uri;
    }
  }
  return undefined;
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
