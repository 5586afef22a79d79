/**
 * libvirt's allow-list patterns (tls_allowed_dn_list,
 * sasl_allowed_username_list), matched as GLib's g_pattern_match_simple
 * matches them: `*` any run of characters, `?` any one, nothing else special.
 *
 * @module
 */

/** Whether `text` matches the wildcard `pattern` as a whole. */
export function matchWildcard(pattern: string, text: string): boolean {
  const p = [...pattern];
  const t = [...text];
  // Iterative match with backtracking to the last `*` (linear in practice).
  let i = 0;
  let j = 0;
  let star = -1;
  let mark = 0;
  while (j < t.length) {
    if (i < p.length && (p[i] === "?" || (p[i] !== "*" && p[i] === t[j]))) {
      i++;
      j++;
    } else if (i < p.length && p[i] === "*") {
      star = i++;
      mark = j;
    } else if (star >= 0) {
      i = star + 1;
      j = ++mark;
    } else {
      return false;
    }
  }
  while (i < p.length && p[i] === "*") i++;
  return i === p.length;
}

/** Whether `text` matches any of `patterns`. */
export function matchAny(patterns: readonly string[], text: string): boolean {
  return patterns.some((p) => matchWildcard(p, text));
}
