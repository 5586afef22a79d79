/**
 * bench/RESULTS.md, which each benchmark writes its own section of.
 *
 * @module
 */

/**
 * Replaces the section of RESULTS.md whose heading starts with `heading`
 * (up to the next `## `), or appends `section` when there is none.
 */
export function writeResultsSection(heading: string, section: string): void {
  const file = new URL("./RESULTS.md", import.meta.url);
  const text = Deno.readTextFileSync(file);
  const start = text.indexOf(heading);
  if (start < 0) {
    Deno.writeTextFileSync(file, text.trimEnd() + "\n\n" + section);
    return;
  }
  const next = text.indexOf("\n## ", start + 1);
  Deno.writeTextFileSync(
    file,
    text.slice(0, start) + section.trimEnd() + "\n" + (next < 0 ? "" : text.slice(next)),
  );
}
