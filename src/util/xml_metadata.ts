/**
 * The <metadata> element of domains and networks as libvirt keeps, changes
 * and prints it: copied out of its document with the namespaces it uses
 * (xmlCopyNode), children without a namespace or repeating one dropped
 * (virXMLNodeSanitizeNamespaces), an application's element added under its
 * namespace (virXMLInjectNamespace) and read back without it
 * (virXMLExtractNamespaceXML), whose elements and attributes in that
 * namespace lose their prefix. libvirt's src/util/virxml.c.
 *
 * @example
 * ```ts
 * import { metadataXML } from "./xml_metadata.ts";
 * import { parseXml } from "./xml.ts";
 * const dom = parseXml("<domain xmlns:a='urn:a'><metadata><a:x/><y/></metadata></domain>");
 * metadataXML(dom, 1); // '<metadata xmlns:a="urn:a">\n    <a:x/>\n  </metadata>'
 * ```
 *
 * @module
 */

import {
  appendNode,
  child,
  element,
  localName,
  lookupNamespace,
  namespaceDecls,
  prefixOf,
  type XmlElement,
  type XmlNode,
} from "./xml.ts";
import { dumpXml, withoutBlanks } from "./xml_dump.ts";

/** The namespace URI of an element, or undefined for none. */
function namespaceOf(scope: readonly XmlElement[], el: XmlElement): string | undefined {
  return lookupNamespace([...scope, el], prefixOf(el.name));
}

/**
 * xmlCopyNode(el, 1): a deep copy that declares on its root, after the
 * root's own declarations and in the order met, each namespace its
 * elements and attributes use but do not declare within it. `scope` is
 * `el`'s ancestors, outermost first.
 */
export function copyWithNamespaces(el: XmlElement, scope: readonly XmlElement[]): XmlElement {
  const hoisted: [string, string][] = [];
  const copy = (n: XmlElement, orig: XmlElement[], made: XmlElement[]): XmlElement => {
    const out = element(n.name, [...n.attrs], [], n.line);
    const origScope = [...orig, n];
    const madeScope = [...made, out];
    const need = (prefix: string) => {
      if (prefix === "xml") return;
      const uri = lookupNamespace(origScope, prefix);
      if (uri === undefined) return;
      if (lookupNamespace(madeScope, prefix) !== undefined) return;
      if (hoisted.some(([p]) => p === prefix)) return;
      hoisted.push([prefix, uri]);
    };
    need(prefixOf(n.name));
    for (const [k] of n.attrs) {
      if (k !== "xmlns" && !k.startsWith("xmlns:") && prefixOf(k) !== "") need(prefixOf(k));
    }
    for (const c of n.nodes) {
      appendNode(out, c.kind === "element" ? copy(c, origScope, madeScope) : { ...c });
    }
    return out;
  };
  const out = copy(el, [...scope], []);
  for (const [p, uri] of hoisted) out.attrs.push([p === "" ? "xmlns" : `xmlns:${p}`, uri]);
  return out;
}

/**
 * virXMLNodeSanitizeNamespaces: keeps of `el`'s children only elements in a
 * namespace, the first of each namespace. `scope` is `el`'s ancestors.
 */
export function sanitizeNamespaces(el: XmlElement, scope: readonly XmlElement[] = []): XmlElement {
  const seen = new Set<string>();
  const out = element(el.name, [...el.attrs], [], el.line);
  for (const c of el.nodes) {
    if (c.kind !== "element") continue;
    const uri = namespaceOf([...scope, el], c);
    if (uri === undefined || seen.has(uri)) continue;
    seen.add(uri);
    appendNode(out, c);
  }
  return out;
}

/**
 * The <metadata> child of `root` as libvirt keeps it from a definition it
 * parses (blanks dropped, copied with its namespaces, sanitised), or null
 * when there is none.
 */
export function metadataElement(root: XmlElement): XmlElement | null {
  const md = child(root, "metadata");
  if (!md) return null;
  return sanitizeNamespaces(copyWithNamespaces(withoutBlanks(md), [root]));
}

/** metadataElement() printed at nesting `level` (xmlNodeDump), or null. */
export function metadataXML(root: XmlElement, level: number): string | null {
  const md = metadataElement(root);
  return md === null ? null : dumpXml(md, level);
}

/** xmlValidateNCName, as virXMLInjectNamespace checks a new prefix. */
export function isNCName(s: string): boolean {
  return /^[\p{L}_][\p{L}\p{N}._\-]*$/u.test(s);
}

/**
 * virXMLInjectNamespace: `el` declares `uri` as `key` (after its own
 * declarations) and every element in it without a namespace moves into it.
 */
export function injectNamespace(el: XmlElement, uri: string, key: string): XmlElement {
  const move = (n: XmlElement, scope: XmlElement[], top: boolean): XmlElement => {
    const inScope = [...scope, n];
    const bare = namespaceOf(scope, n) === undefined && prefixOf(n.name) === "";
    const name = bare ? `${key}:${n.name}` : n.name;
    const attrs: [string, string][] = [...n.attrs];
    if (top) {
      const decls = attrs.filter(([k]) => k === "xmlns" || k.startsWith("xmlns:"));
      const rest = attrs.filter(([k]) => !(k === "xmlns" || k.startsWith("xmlns:")));
      attrs.splice(0, attrs.length, ...decls, [`xmlns:${key}`, uri], ...rest);
    }
    const out = element(name, attrs, [], n.line);
    for (const c of n.nodes) {
      appendNode(out, c.kind === "element" ? move(c, inScope, false) : { ...c });
    }
    return out;
  };
  return move(el, [], true);
}

/**
 * virXMLExtractNamespaceXML: the first child of `parent` in namespace `uri`,
 * copied with its namespaces, its elements in `uri` taken out of it and the
 * declaration of `uri` dropped, printed at nesting 0; null when there is none.
 */
export function extractNamespaceXML(
  parent: XmlElement,
  uri: string,
  scope: readonly XmlElement[] = [],
): string | null {
  const node = parent.children.find((c) => namespaceOf([...scope, parent], c) === uri);
  if (!node) return null;
  const copy = copyWithNamespaces(node, [...scope, parent]);
  const strip = (n: XmlElement, inScope: XmlElement[]): XmlElement => {
    const here = [...inScope, n];
    const name = namespaceOf(inScope, n) === uri ? localName(n.name) : n.name;
    const attrs = n.attrs.map(([k, v]): [string, string] =>
      !k.startsWith("xmlns") && prefixOf(k) !== "" && lookupNamespace(here, prefixOf(k)) === uri
        ? [localName(k), v]
        : [k, v]
    );
    const out = element(name, attrs, [], n.line);
    for (const c of n.nodes) {
      appendNode(out, c.kind === "element" ? strip(c, here) : { ...c } as XmlNode);
    }
    return out;
  };
  const out = strip(copy, []);
  const decl = namespaceDecls(out).findIndex(([, u]) => u === uri);
  if (decl >= 0) {
    let seen = -1;
    out.attrs = out.attrs.filter(([k]) => {
      if (k !== "xmlns" && !k.startsWith("xmlns:")) return true;
      return ++seen !== decl;
    });
  }
  return dumpXml(out, 0);
}
