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

/** Character data runs at least this long are parsed as a placeholder (see `stowLongText`). */
const LONG_TEXT = 64 * 1024;
/** Brackets a stowed run's number; a document holding U+E000 is parsed as it is. */
const STOW_OPEN = "\uE000";
const STOW_CLOSE = "\uE001";
/** What may be stowed: XML's Char production less CR (saxes normalizes line ends), no '&'. */
const STOWABLE = /^[\t\n\x20-\x25\x27-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;

/** Where a tag's scan stops: its end, or a quote opening an attribute value. */
const TAG_STOP = /[>"']/g;

/**
 * saxes reads character data a character at a time (~30 ns each): a 4 MiB
 * <metadata> text — the largest string a call carries — took 120 ms to parse
 * where libxml2 takes a few (issue 20). Each run of character data between
 * tags this long, made only of characters that need no checking beyond the
 * Char production (checked here at native speed: no '&', no CR, no "]]>"),
 * is replaced by a short placeholder that keeps its line breaks, so saxes
 * sees the same structure and lines, and the run is put back when saxes hands
 * the placeholder on. Tags, comments, CDATA and PIs are skipped as saxes
 * reads them (quoted attribute values included); anything else (a malformed
 * tail) ends the scan, and saxes reads the rest as it is. Returns null when
 * nothing was stowed.
 */
function stowLongText(text: string): { text: string; runs: Map<string, string> } | null {
  if (text.length < LONG_TEXT || text.includes(STOW_OPEN)) return null;
  const runs = new Map<string, string>();
  const parts: string[] = [];
  let copied = 0;
  let p = 0;
  const skipTo = (s: string, from: number) => {
    const i = text.indexOf(s, from);
    return i < 0 ? -1 : i + s.length;
  };
  while (p >= 0 && p < text.length) {
    const lt = text.indexOf("<", p);
    const end = lt < 0 ? text.length : lt;
    if (end - p >= LONG_TEXT) {
      const run = text.slice(p, end);
      if (!run.includes("]]>") && /\S/.test(run) && STOWABLE.test(run)) {
        let nl = 0;
        for (let i = run.indexOf("\n"); i >= 0; i = run.indexOf("\n", i + 1)) nl++;
        const key = `${STOW_OPEN}${runs.size}${STOW_CLOSE}${"\n".repeat(nl)}`;
        runs.set(key, run);
        parts.push(text.slice(copied, p), key);
        copied = end;
      }
    }
    if (lt < 0) break;
    if (text.startsWith("<!--", lt)) p = skipTo("-->", lt + 4);
    else if (text.startsWith("<![CDATA[", lt)) p = skipTo("]]>", lt + 9);
    else if (text.startsWith("<?", lt)) p = skipTo("?>", lt + 2);
    else if (text.startsWith("<!", lt)) break;
    else {
      // A tag: to its '>', past quoted attribute values (which may hold '>').
      let i = lt + 1;
      for (;;) {
        TAG_STOP.lastIndex = i;
        if (!TAG_STOP.exec(text)) {
          i = -1;
          break;
        }
        i = TAG_STOP.lastIndex - 1;
        if (text[i] === ">") break;
        const close = text.indexOf(text[i]!, i + 1);
        if (close < 0) {
          i = -1;
          break;
        }
        i = close + 1;
      }
      p = i < 0 ? -1 : i + 1;
    }
  }
  if (runs.size === 0) return null;
  parts.push(text.slice(copied));
  return { text: parts.join(""), runs };
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
  const stowed = stowLongText(text);
  // What saxes hands on, with any stowed run put back (see stowLongText).
  const back = stowed
    ? (s: string) =>
      s.includes(STOW_OPEN)
        ? stowed.runs.get(s) ?? s.replace(/\uE000\d+\uE001\n*/g, (k) => stowed.runs.get(k) ?? k)
        : s
    : (s: string) => s;
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
      Object.entries(tag.attributes as Record<string, string>).map(([k, v]) => [k, back(v)]),
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
  parser.on("text", (t) => add({ kind: "text", text: back(t) }));
  parser.on("cdata", (t) => add({ kind: "cdata", text: back(t) }));
  parser.on("comment", (t) => add({ kind: "comment", text: back(t) }));
  parser.on(
    "processinginstruction",
    (pi) => add({ kind: "pi", target: pi.target, body: back(pi.body) }),
  );
  try {
    parser.write(stowed?.text ?? text).close();
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
