// The allow-list patterns of tls_allowed_dn_list and
// sasl_allowed_username_list: `*` and `?` only, as g_pattern_match_simple.

import assert from "node:assert/strict";
import { matchAny, matchWildcard } from "../../src/util/pattern.ts";

const ROWS: [string, string, boolean][] = [
  ["alice", "alice", true],
  ["alice", "alicia", false],
  ["ali*", "alice", true],
  ["ali*", "ali", true],
  ["*", "", true],
  ["", "", true],
  ["", "a", false],
  ["a?c", "abc", true],
  ["a?c", "ac", false],
  ["*CN=client*", "C=GB,ST=London,L=London,O=Example,CN=client1", true],
  ["C=GB,*,CN=admin", "C=GB,O=Example,CN=admin", true],
  ["C=GB,*,CN=admin", "C=GB,O=Example,CN=admin2", false],
  ["*a*b*c", "xaxbxc", true],
  ["*a*b*c", "xaxcxb", false],
  // No character classes or escapes: brackets and backslashes are themselves.
  ["[ab]", "a", false],
  ["[ab]", "[ab]", true],
  ["a\\*", "a\\xyz", true],
];

for (const [pattern, text, want] of ROWS) {
  Deno.test(`matchWildcard(${JSON.stringify(pattern)}, ${JSON.stringify(text)}) is ${want}`, () => {
    assert.equal(matchWildcard(pattern, text), want);
  });
}

Deno.test("matchAny() holds when one pattern matches, never for an empty list", () => {
  assert.equal(matchAny(["bob", "ali*"], "alice"), true);
  assert.equal(matchAny(["bob"], "alice"), false);
  assert.equal(matchAny([], "alice"), false);
});
