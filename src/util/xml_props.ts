/**
 * Reading values out of a parsed document as libvirt's XML helpers do
 * (src/util/virxml.c): the XPath lookups the models use (virXPathString on
 * `./a/b` and `./a/@b`) and the typed attribute readers virXMLProp*, with
 * their error texts (VIR_ERR_XML_ERROR from VIR_FROM_XML).
 *
 * @example
 * ```ts
 * import { propEnum, propUInt, xpathString } from "./xml_props.ts";
 * import { parseXml } from "./xml.ts";
 * const pool = parseXml("<pool type='dir'><target><path>/p</path></target><x n='7'/></pool>");
 * xpathString(pool, "target", "path"); // "/p"
 * propEnum(pool, "type", ["dir", "fs"]); // "dir"
 * propUInt(pool.children[1]!, "n", 10); // 7
 * ```
 *
 * @module
 */

import { VirError } from "../rpc/error.ts";
import { VIR_ERR_XML_ERROR, VIR_FROM_XML } from "../rpc/error_codes.ts";
import { type Base, strToInt, strToUIntP, strToULongLongP } from "./strtol.ts";
import { attr, localName, type XmlElement } from "./xml.ts";

/** XPath string() of an element: all the character data below it. */
export function stringValue(el: XmlElement): string {
  let s = el.text;
  for (const c of el.children) s += stringValue(c);
  return s;
}

/** The elements `path` names below `el`, in document order (XPath `./a/b`). */
export function xpathNodes(el: XmlElement | undefined, ...path: string[]): XmlElement[] {
  let cur = el ? [el] : [];
  for (const name of path) {
    const next: XmlElement[] = [];
    for (const e of cur) for (const c of e.children) if (c.name === name) next.push(c);
    cur = next;
  }
  return cur;
}

/** The first element at `path`, or undefined. */
export function xpathNode(el: XmlElement | undefined, ...path: string[]): XmlElement | undefined {
  return xpathNodes(el, ...path)[0];
}

/** virXPathString("string(./path)"): the first match's string value, null when none or empty. */
export function xpathString(el: XmlElement | undefined, ...path: string[]): string | null {
  const n = xpathNode(el, ...path);
  if (!n) return null;
  const s = stringValue(n);
  return s === "" ? null : s;
}

/** virXPathString("string(./path/@name)"): null when no element at `path` has it, or it is empty. */
export function xpathAttr(
  el: XmlElement | undefined,
  name: string,
  ...path: string[]
): string | null {
  for (const n of xpathNodes(el, ...path)) {
    const v = attr(n, name);
    if (v !== undefined) return v === "" ? null : v;
  }
  return null;
}

/** virXMLPropString: the attribute exactly as written (empty kept), or null. */
export function prop(el: XmlElement | undefined, name: string): string | null {
  if (!el) return null;
  return attr(el, name) ?? null;
}

function propError(detail: string): VirError {
  return VirError.of(VIR_ERR_XML_ERROR, VIR_FROM_XML, detail);
}

/** How a virXMLProp* reader treats an absent attribute and the first enum value. */
export interface PropOptions {
  /** VIR_XML_PROP_REQUIRED: an absent attribute is an error. */
  required?: boolean;
  /** VIR_XML_PROP_NONZERO: the enum's first value is refused. */
  nonzero?: boolean;
}

/** The attribute, or null when absent (an error when `required`). */
function present(el: XmlElement, name: string, opts: PropOptions): string | null {
  const v = attr(el, name);
  if (v !== undefined) return v;
  if (opts.required) {
    throw propError(`Missing required attribute '${name}' in element '${localName(el.name)}'`);
  }
  return null;
}

/** virXMLPropEnum: the value must be one of `values`. */
export function propEnum<T extends string>(
  el: XmlElement | undefined,
  name: string,
  values: readonly T[],
  opts: PropOptions = {},
): T | null {
  if (!el) return null;
  const v = present(el, name, opts);
  if (v === null) return null;
  const idx = values.indexOf(v as T);
  if (idx < 0 || (opts.nonzero && idx === 0)) {
    throw propError(
      `Invalid value for attribute '${name}' in element '${localName(el.name)}': '${v}'.`,
    );
  }
  return values[idx]!;
}

/** virXMLPropTristateBool: "yes", "no", or null when absent. */
export function propTristate(el: XmlElement | undefined, name: string): "yes" | "no" | null {
  return propEnum(el, name, ["yes", "no"] as const);
}

/** A number attribute read with `read`, libvirt's error naming `expected` otherwise. */
function propNumber<N>(
  el: XmlElement,
  name: string,
  opts: PropOptions,
  read: (v: string) => N | null,
  expected: string,
): N | null {
  const v = present(el, name, opts);
  if (v === null) return null;
  const n = read(v);
  if (n === null) {
    throw propError(
      `Invalid value for attribute '${name}' in element '${localName(el.name)}': '${v}'. ` +
        `Expected ${expected}`,
    );
  }
  return n;
}

/** virXMLPropInt. */
export function propInt(
  el: XmlElement,
  name: string,
  base: Base,
  opts: PropOptions = {},
): number | null {
  return propNumber(el, name, opts, (v) => strToInt(v, base), "integer value");
}

/** virXMLPropUInt. */
export function propUInt(
  el: XmlElement,
  name: string,
  base: Base,
  opts: PropOptions = {},
): number | null {
  return propNumber(el, name, opts, (v) => strToUIntP(v, base), "non-negative integer value");
}

/** virXMLPropULongLong. */
export function propULongLong(
  el: XmlElement,
  name: string,
  base: Base,
  opts: PropOptions = {},
): bigint | null {
  return propNumber(el, name, opts, (v) => strToULongLongP(v, base), "non-negative integer value");
}
