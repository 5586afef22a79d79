// The tiny Linux test guest (build.sh), built once per machine into a cache
// directory the QEMU suites share, so each suite does not pay its ~10 s; the
// directory is named after the builder's content, so a changed builder builds anew.

const SCRIPT = new URL("./build.sh", import.meta.url).pathname;

/** The directory holding vmlinuz, initrd.gz and guest.iso. */
export async function buildGuest(): Promise<string> {
  const tmp = Deno.env.get("TMPDIR") ?? "/tmp";
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", await Deno.readFile(SCRIPT)));
  const tag = [...hash.slice(0, 6)].map((b) => b.toString(16).padStart(2, "0")).join("");
  const out = `${tmp}/denovirt-test-guest-${tag}`;
  const r = await new Deno.Command("bash", {
    args: [SCRIPT, out],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!r.success) {
    throw new Error(`building the test guest failed: ${new TextDecoder().decode(r.stderr)}`);
  }
  return out;
}
