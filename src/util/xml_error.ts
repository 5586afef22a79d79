/**
 * Malformed XML reported as libvirt reports it: libxml2 2.9's first fatal
 * error, worded as libxml2 words it, in libvirt's catchXMLError layout
 * (`(docname):LINE: message`, the line of input, a pointer under the
 * column). saxes finds that a document is malformed; this module walks the
 * document again the way libxml2's parser does to find where and why
 * libxml2 would have stopped.
 *
 * @example
 * ```ts
 * import { libxmlErrorText } from "./xml_error.ts";
 * libxmlErrorText("<a><b></a>", "(domain_definition)");
 * // "(domain_definition):1: Opening and ending tag mismatch: b line 1 and a\n<a><b></a>\n----------^"
 * ```
 *
 * @module
 */

import { VirError } from "../rpc/error.ts";
import { VIR_ERR_XML_DETAIL, VIR_ERR_XML_ERROR, VIR_FROM_XML } from "../rpc/error_codes.ts";
import { localName, parseXml, type XmlElement, XmlSyntaxError } from "./xml.ts";

/** Where libxml2 stopped: its message, its cursor and, where it differs, its line counter. */
export interface LibxmlFault {
  message: string;
  /** The parser's cursor, as an index into the document. */
  pos: number;
  /** libxml2's line counter when it ran ahead of the cursor (default: the cursor's line). */
  line?: number;
}

const DTD = /<!DOCTYPE|<!ENTITY/i;

/** libxml2's xmlParserMaxDepth without XML_PARSE_HUGE. */
const MAX_DEPTH = 256;

function isChar(c: number): boolean {
  return c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) ||
    (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

function isBlank(c: string | undefined): boolean {
  return c === " " || c === "\t" || c === "\n" || c === "\r";
}

/** XML 1.0 fifth edition NameStartChar (libxml2's default), ':' included as in QNames. */
function isNameStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x3a ||
    (c >= 0xc0 && c <= 0xd6) || (c >= 0xd8 && c <= 0xf6) || (c >= 0xf8 && c <= 0x2ff) ||
    (c >= 0x370 && c <= 0x37d) || (c >= 0x37f && c <= 0x1fff) || (c >= 0x200c && c <= 0x200d) ||
    (c >= 0x2070 && c <= 0x218f) || (c >= 0x2c00 && c <= 0x2fef) ||
    (c >= 0x3001 && c <= 0xd7ff) || (c >= 0xf900 && c <= 0xfdcf) ||
    (c >= 0xfdf0 && c <= 0xfffd) || (c >= 0x10000 && c <= 0xeffff);
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e || c === 0xb7 ||
    (c >= 0x300 && c <= 0x36f) || (c >= 0x203f && c <= 0x2040);
}

/** The characters libxml2's character-data fast path passes over (test_char_data). */
function isPlainCharData(ch: string | undefined): boolean {
  if (ch === undefined) return false;
  const c = ch.charCodeAt(0);
  return (c === 0x9 || (c >= 0x20 && c < 0x80)) && ch !== "<" && ch !== "&" && ch !== "]";
}

/** Thrown inside the walk with the first fatal error; caught by libxmlFault(). */
class Stop {
  constructor(readonly fault: LibxmlFault) {}
}

/**
 * The first fatal error libxml2 2.9 reports for `text` (parsed as libvirt
 * parses documents: no DTD, no entity substitution), or null when libxml2
 * would take it.
 */
export function libxmlFault(text: string): LibxmlFault | null {
  // libvirt hands libxml2 a C string: it ends at the first NUL.
  const nul = text.indexOf("\0");
  const s = nul < 0 ? text : text.slice(0, nul);
  const n = s.length;
  let i = 0;
  const stop = (message: string, pos = i, line?: number): never => {
    throw new Stop(line === undefined ? { message, pos } : { message, pos, line });
  };
  const lineAt = (p: number) => {
    let l = 1;
    for (let k = s.indexOf("\n"); k >= 0 && k < p; k = s.indexOf("\n", k + 1)) l++;
    return l;
  };
  const code = (p: number) => (p < n ? s.codePointAt(p)! : 0);
  const width = (c: number) => (c > 0xffff ? 2 : 1);
  const skipBlanks = (): number => {
    const from = i;
    while (i < n && isBlank(s[i])) i++;
    return i - from;
  };
  const name = (at = i): string => {
    if (at >= n || !isNameStart(code(at))) return "";
    let e = at + width(code(at));
    while (e < n && isNameChar(code(e))) e += width(code(e));
    return s.slice(at, e);
  };
  // xmlParseCharRef at '&#'; returns the position after the reference.
  const charRef = (): void => {
    const hex = s[i + 2] === "x";
    i += hex ? 3 : 2;
    let val = 0;
    while (s[i] !== ";") {
      const d = s[i] ?? "";
      const v = hex ? "0123456789abcdef".indexOf(d.toLowerCase()) : "0123456789".indexOf(d);
      if (d === "" || v < 0) {
        stop(hex ? "CharRef: invalid hexadecimal value" : "CharRef: invalid decimal value");
      }
      val = Math.min(val * (hex ? 16 : 10) + v, 0x110000);
      i++;
    }
    i++;
    if (val >= 0x110000) stop("xmlParseCharRef: character reference out of bounds");
    if (!isChar(val)) stop(`xmlParseCharRef: invalid xmlChar value ${val}`);
  };
  // xmlParseEntityRef at '&': only the five predefined entities exist.
  const entityRef = (): void => {
    i++;
    const nm = name();
    if (nm === "") stop("xmlParseEntityRef: no name");
    i += nm.length;
    if (s[i] !== ";") stop("EntityRef: expecting ';'");
    i++;
    if (!["lt", "gt", "amp", "quot", "apos"].includes(nm)) stop(`Entity '${nm}' not defined`);
  };
  const reference = () => (s[i + 1] === "#" ? charRef() : entityRef());
  // xmlParseComment at '<!--'.
  const comment = (): void => {
    const start = i + 4;
    i = start;
    // The fast path: printable ASCII, tabs and line ends, up to '--'.
    for (;;) {
      const c = s.charCodeAt(i);
      if (s[i] === "\r" && s[i + 1] === "\n") {
        i += 2;
        continue;
      }
      if (i >= n || !(c === 0x9 || c === 0xa || (c >= 0x20 && c < 0x80))) break;
      if (s[i] === "-" && s[i + 1] === "-") {
        if (s[i + 2] === ">") {
          i += 3;
          return;
        }
        stop(
          i === start
            ? "Double hyphen within comment"
            : `Double hyphen within comment: <!--${utf8Prefix(s.slice(start, i), 50)}`,
        );
      }
      i++;
    }
    // xmlParseCommentComplex: a character at a time, looking two behind.
    const fast = s.slice(start, i);
    const rest = [...s.slice(i)];
    let k = 0;
    // libxml2 names the character before an invalid second one (its `q`, not `r`).
    const take = (named?: string): string => {
      const ch = rest[k];
      if (ch === undefined) stop("Comment not terminated", n);
      if (!isChar(ch!.codePointAt(0)!)) {
        stop(`xmlParseComment: invalid xmlChar value ${(named ?? ch!).codePointAt(0)}`);
      }
      return ch!;
    };
    let q = take();
    i += q.length;
    k++;
    let r = take(q);
    i += r.length;
    k++;
    let cur = take();
    for (;;) {
      if (q === "-" && r === "-") {
        if (cur === ">") {
          i += 1;
          return;
        }
        stop("Comment must not contain '--' (double-hyphen)");
      }
      i += cur.length;
      k++;
      const next = rest[k];
      if (next === undefined) {
        stop(
          `Comment not terminated \n<!--${utf8Prefix(fast + rest.slice(0, k - 2).join(""), 50)}`,
        );
      }
      if (!isChar(next!.codePointAt(0)!)) {
        stop(`xmlParseComment: invalid xmlChar value ${next!.codePointAt(0)}`);
      }
      q = r;
      r = cur;
      cur = next!;
    }
  };
  // xmlParsePI at '<?'.
  const pi = (): void => {
    i += 2;
    const target = name();
    if (target === "") stop("xmlParsePI : no target name");
    i += target.length;
    if (/^xml$/i.test(target)) {
      stop(
        target === "xml"
          ? "XML declaration allowed only at the start of the document"
          : "Invalid PI name",
      );
    }
    if (s[i] === "?" && s[i + 1] === ">") {
      i += 2;
      return;
    }
    if (skipBlanks() === 0) stop(`ParsePI: PI ${target} space expected`);
    for (;;) {
      if (i >= n || !isChar(code(i))) stop(`ParsePI: PI ${target} never end ...`);
      if (s[i] === "?" && s[i + 1] === ">") {
        i += 2;
        return;
      }
      i += width(code(i));
    }
  };
  // xmlParseMisc: blanks, comments and PIs around the root element.
  const misc = (): void => {
    for (;;) {
      skipBlanks();
      if (s.startsWith("<?", i)) pi();
      else if (s.startsWith("<!--", i)) comment();
      else return;
    }
  };
  // xmlParseAttValueInternal at the opening quote.
  const attValue = (): void => {
    const q = s[i];
    if (q !== '"' && q !== "'") stop(`AttValue: " or ' expected`);
    i++;
    for (;;) {
      if (i >= n) stop("AttValue: ' expected");
      const ch = s[i]!;
      if (ch === q) {
        i++;
        return;
      }
      if (ch === "<") stop("Unescaped '<' not allowed in attributes values");
      if (ch === "&") {
        reference();
        continue;
      }
      if (!isChar(code(i))) stop("invalid character in attribute value");
      i += width(code(i));
    }
  };
  // '=' between a declaration's name and value.
  const equals = (): void => {
    skipBlanks();
    if (s[i] !== "=") stop("expected '='");
    i++;
    skipBlanks();
  };
  // A quoted value of the XML declaration, read by `body` (which stops at what it cannot take).
  const quoted = (body: () => void): void => {
    const q = s[i];
    if (q !== '"' && q !== "'") stop(`String not started expecting ' or "`);
    i++;
    body();
    if (s[i] !== q) stop("String not closed expecting \" or '");
    i++;
  };
  // xmlParseXMLDecl at '<?xml' + blank.
  const xmlDecl = (): void => {
    const end = (): boolean => {
      if (s[i] === "?" && s[i + 1] === ">") {
        i += 2;
        return true;
      }
      return false;
    };
    i += 5;
    skipBlanks();
    if (!s.startsWith("version", i)) stop("Malformed declaration expecting version");
    i += 7;
    equals();
    let version: string | null = null;
    quoted(() => {
      // xmlParseVersionNum: a digit, '.', digits.
      const m = /^[0-9]\.[0-9]*/.exec(s.slice(i));
      if (m) {
        version = m[0];
        i += m[0].length;
      }
    });
    if (version === null) stop("Malformed declaration expecting version");
    if (!/^1\./.test(version!)) stop(`Unsupported version '${version}'`);
    if (!isBlank(s[i])) {
      if (end()) return;
      stop("Blank needed here");
    }
    skipBlanks();
    let encoding = false;
    if (s.startsWith("encoding", i)) {
      i += 8;
      equals();
      quoted(() => {
        while (i < n && /[A-Za-z0-9._-]/.test(s[i]!)) i++;
      });
      encoding = true;
    }
    if (encoding && !isBlank(s[i])) {
      if (end()) return;
      stop("Blank needed here");
    }
    skipBlanks();
    if (s.startsWith("standalone", i)) {
      i += 10;
      equals();
      quoted(() => {
        if (s.startsWith("no", i)) i += 2;
        else if (s.startsWith("yes", i)) i += 3;
        else stop("standalone accepts only 'yes' or 'no'");
      });
    }
    skipBlanks();
    if (!end()) stop("parsing XML declaration: '?>' expected");
  };
  // xmlParseStartTag2 after '<'; returns the name and whether the element was empty.
  const startTag = (): { name: string; line: number; empty: boolean } => {
    const line = lineAt(i);
    i++;
    const nm = name();
    if (nm === "") stop("StartTag: invalid element name");
    i += nm.length;
    skipBlanks();
    const seen: string[] = [];
    let dup: string | null = null;
    while (
      i < n && s[i] !== ">" && !(s[i] === "/" && s[i + 1] === ">") &&
      (s.charCodeAt(i) >= 0x20 || isBlank(s[i]))
    ) {
      const an = name();
      if (an === "") stop("error parsing attribute name");
      i += an.length;
      skipBlanks();
      if (s[i] !== "=") stop(`Specification mandates value for attribute ${an}`);
      i++;
      skipBlanks();
      attValue();
      if (dup === null && seen.includes(an)) dup = an;
      seen.push(an);
      if (s[i] === ">" || (s[i] === "/" && s[i + 1] === ">")) break;
      if (skipBlanks() === 0) stop("attributes construct error");
    }
    if (dup !== null) stop(`Attribute ${dup} redefined`);
    if (s[i] === "/" && s[i + 1] === ">") {
      i += 2;
      return { name: nm, line, empty: true };
    }
    if (s[i] !== ">") stop(`Couldn't find end of Start Tag ${nm} line ${line}`);
    i++;
    return { name: nm, line, empty: false };
  };
  // xmlParseEndTag2 at '</' for the open element `top`.
  const endTag = (top: { name: string; line: number }): void => {
    i += 2;
    let closing: string | null;
    if (
      s.startsWith(top.name, i) &&
      (s[i + top.name.length] === ">" || isBlank(s[i + top.name.length]))
    ) {
      closing = top.name;
      i += top.name.length;
    } else {
      closing = name() || null;
      if (closing !== null) i += closing.length;
    }
    skipBlanks();
    if (s[i] !== ">") stop("expected '>'");
    i++;
    if (closing !== top.name) {
      stop(
        `Opening and ending tag mismatch: ${top.name} line ${top.line} and ${
          closing ?? "unparsable"
        }`,
      );
    }
  };
  // xmlParseCharData (not in CDATA): stops at '<' or '&'.
  const charData = (): void => {
    // The fast path commits its cursor only at line ends after '\r' and where it
    // leaves; a ']]>' it meets is reported there, with the line it has reached.
    let cur = i;
    let scan = i;
    for (;;) {
      while (isPlainCharData(s[scan]) || s[scan] === "\n") scan++;
      if (s[scan] === "]") {
        if (s[scan + 1] === "]" && s[scan + 2] === ">") {
          stop("Sequence ']]>' not allowed in content", cur, lineAt(scan));
        }
        scan++;
        continue;
      }
      cur = scan;
      if (s[scan] === "\r" && s[scan + 1] === "\n") {
        cur = scan + 1;
        scan += 2;
        continue;
      }
      break;
    }
    i = cur;
    if (i >= n || s[i] === "<" || s[i] === "&") return;
    // xmlParseCharDataComplex: a character at a time.
    while (i < n && s[i] !== "<" && s[i] !== "&" && isChar(code(i))) {
      if (s.startsWith("]]>", i)) stop("Sequence ']]>' not allowed in content");
      i += width(code(i));
    }
    if (i < n && s[i] !== "<" && s[i] !== "&") stop(`PCDATA invalid Char value ${code(i)}`);
  };
  // xmlParseCDSect at '<![CDATA['.
  const cdata = (): void => {
    i += 9;
    const chars = [...s.slice(i)];
    let k = 0;
    const step = () => {
      const ch = chars[k];
      if (ch === undefined || !isChar(ch.codePointAt(0)!)) stop("Unregistered error message");
      i += ch!.length;
      k++;
    };
    step();
    step();
    for (;;) {
      const ch = chars[k];
      if (ch === undefined || !isChar(ch.codePointAt(0)!)) {
        const body = chars.slice(0, k - 2).join("");
        stop(`CData section not finished\n${utf8Prefix(body, 50)}`);
      }
      if (chars[k - 2] === "]" && chars[k - 1] === "]" && ch === ">") {
        i += 1;
        return;
      }
      i += ch!.length;
      k++;
    }
  };

  try {
    if (n === 0) stop("Document is empty", 0);
    if (s.startsWith("<?xml") && isBlank(s[5])) xmlDecl();
    misc();
    if (DTD.test(s.slice(i, i + 9))) stop("DTDs and entity declarations are not accepted");
    if (s[i] !== "<") stop("Start tag expected, '<' not found");
    const open: { name: string; line: number }[] = [];
    const first = startTag();
    if (!first.empty) open.push(first);
    while (open.length > 0) {
      const top = open[open.length - 1]!;
      if (i >= n) stop(`Premature end of data in tag ${top.name} line ${top.line}`);
      if (s.startsWith("</", i)) {
        endTag(top);
        open.pop();
      } else if (s.startsWith("<?", i)) pi();
      else if (s.startsWith("<![CDATA[", i)) cdata();
      else if (s.startsWith("<!--", i)) comment();
      else if (s[i] === "<") {
        const el = startTag();
        if (!el.empty) {
          open.push(el);
          if (open.length > MAX_DEPTH) {
            stop(`Excessive depth in document: ${MAX_DEPTH} use XML_PARSE_HUGE option`);
          }
        }
      } else if (s[i] === "&") reference();
      else charData();
    }
    misc();
    if (i < n) stop("Extra content at the end of the document");
    return null;
  } catch (e) {
    if (e instanceof Stop) return e.fault;
    throw e;
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The first `max` bytes of `s` in UTF-8 (printf's `%.50s`), whole characters only. */
function utf8Prefix(s: string, max: number): string {
  const b = encoder.encode(s);
  if (b.length <= max) return s;
  return decoder.decode(b.slice(0, max)).replace(/\uFFFD$/, "");
}

/**
 * libvirt's catchXMLError text for a fault: `docName:LINE: message`, then
 * the input line holding libxml2's cursor ("(null)" when empty) and a
 * pointer of '-' (tabs kept) up to the cursor's byte column.
 */
export function formatLibxmlFault(text: string, docName: string, fault: LibxmlFault): string {
  const bytes = encoder.encode(text);
  const pos = encoder.encode(text.slice(0, fault.pos)).length;
  const isEol = (b: number | undefined) => b === 0x0a || b === 0x0d;
  let cur = pos;
  while (cur > 0 && isEol(bytes[cur])) cur--;
  while (cur > 0 && !isEol(bytes[cur])) cur--;
  if (isEol(bytes[cur])) cur++;
  const col = pos - cur;
  let end = cur;
  while (end < bytes.length && bytes[end] !== 0 && !isEol(bytes[end])) end++;
  const content = bytes.slice(cur, end);
  let pointer = "";
  for (let k = 0; k < col && k < content.length; k++) pointer += content[k] === 0x09 ? "\t" : "-";
  const line = fault.line ?? text.slice(0, fault.pos).split("\n").length;
  const context = content.length === 0 ? "(null)" : decoder.decode(content);
  return `${docName}:${line}: ${fault.message}\n${context}\n${pointer}^`;
}

/**
 * The text libvirt reports for a document saxes refused: libxml2's fault
 * where the walk finds one, else saxes' own reason at its position.
 */
export function libxmlErrorText(text: string, docName: string, e?: XmlSyntaxError): string {
  const fault = libxmlFault(text);
  if (fault) return formatLibxmlFault(text, docName, fault);
  const line = e?.line ?? 1;
  const lines = text.split("\n");
  const pos = lines.slice(0, line - 1).reduce((a, l) => a + l.length + 1, 0) +
    Math.max(0, Math.min((e?.column ?? 1) - 1, (lines[line - 1] ?? "").length));
  return formatLibxmlFault(text, docName, { message: e?.reason ?? "malformed XML", pos, line });
}

/** libvirt's error for a malformed document: VIR_ERR_XML_DETAIL in the caller's `domain`. */
export function libxmlError(
  text: string,
  docName: string,
  domain: number,
  e?: XmlSyntaxError,
): VirError {
  return VirError.of(VIR_ERR_XML_DETAIL, domain, libxmlErrorText(text, docName, e));
}

/**
 * virXMLParse: parses `text` as document `docName`, worded as libvirt words
 * a malformed one (VIR_ERR_XML_DETAIL in `domain`); with `root`, the root
 * element must have that (local) name (VIR_ERR_XML_ERROR from VIR_FROM_XML).
 */
export function parseXmlDocument(
  text: string,
  docName: string,
  domain: number,
  root?: string,
): XmlElement {
  let doc: XmlElement;
  try {
    doc = parseXml(text);
  } catch (e) {
    if (e instanceof XmlSyntaxError) throw libxmlError(text, docName, domain, e);
    throw e;
  }
  if (root !== undefined && localName(doc.name) !== root) {
    throw VirError.of(
      VIR_ERR_XML_ERROR,
      VIR_FROM_XML,
      `expecting root element of '${root}', not '${localName(doc.name)}'`,
    );
  }
  return doc;
}
