/**
 * Lists the runtime import cycles among the modules under a directory
 * (src/ by default): a module that imports, through any chain, one that
 * imports it back. Type-only imports (`import type`) do not count; they are
 * gone at run time. The graph is Deno's own (`deno info --json`), over every
 * .ts file found, so modules only Workers load are walked too.
 *
 * ```sh
 * deno run -A tools/import_cycles.ts [DIR]   # prints each cycle; exits 1 if there is one
 * ```
 *
 * tests/import_cycles_test.ts runs it over src/ as part of `deno task test`.
 *
 * @module
 */

/** The .ts files below `dir`, as file URLs, in a stable order. */
async function modulesUnder(dir: URL): Promise<URL[]> {
  const out: URL[] = [];
  for await (const e of Deno.readDir(dir)) {
    const u = new URL(e.name + (e.isDirectory ? "/" : ""), dir);
    if (e.isDirectory) out.push(...await modulesUnder(u));
    else if (e.isFile && e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) out.push(u);
  }
  return out.sort((a, b) => (a.href < b.href ? -1 : 1));
}

interface InfoModule {
  specifier: string;
  dependencies?: { code?: { specifier?: string } }[];
}

/**
 * The runtime import cycles among the modules under `dir`: each cycle is
 * the modules of one strongly connected component of the import graph
 * (paths relative to `dir`, sorted), a module importing itself included.
 * `config` is the deno.json that resolves bare specifiers.
 */
export async function importCycles(dir: URL, config?: URL): Promise<string[][]> {
  const files = await modulesUnder(dir);
  const tmp = await Deno.makeTempDir({ prefix: "import_cycles" });
  try {
    const root = `${tmp}/root.ts`;
    await Deno.writeTextFile(root, files.map((f) => `import "${f.href}";\n`).join(""));
    const args = ["info", "--json", ...(config ? ["--config", config.pathname] : []), root];
    const run = await new Deno.Command(Deno.execPath(), { args, stderr: "piped" }).output();
    if (!run.success) {
      throw new Error(`deno info failed: ${new TextDecoder().decode(run.stderr)}`);
    }
    const info = JSON.parse(new TextDecoder().decode(run.stdout)) as { modules: InfoModule[] };
    const inside = new Set(files.map((f) => f.href));
    const graph = new Map<string, string[]>();
    for (const m of info.modules) {
      if (!inside.has(m.specifier)) continue;
      const deps = (m.dependencies ?? [])
        .map((d) => d.code?.specifier)
        .filter((s): s is string => s !== undefined && inside.has(s));
      graph.set(m.specifier, deps);
    }
    return stronglyConnected(graph)
      .filter((c) => c.length > 1 || (graph.get(c[0]!) ?? []).includes(c[0]!))
      .map((c) => c.map((s) => s.slice(dir.href.length)).sort())
      .sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

/** Tarjan's strongly connected components, iteratively (no recursion limit). */
function stronglyConnected(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  let next = 0;
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work: { v: string; i: number }[] = [{ v: start, i: 0 }];
    index.set(start, next);
    low.set(start, next++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const deps = graph.get(top.v) ?? [];
      if (top.i < deps.length) {
        const w = deps[top.i++]!;
        if (!index.has(w)) {
          index.set(w, next);
          low.set(w, next++);
          stack.push(w);
          onStack.add(w);
          work.push({ v: w, i: 0 });
        } else if (onStack.has(w)) {
          low.set(top.v, Math.min(low.get(top.v)!, index.get(w)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.v, Math.min(low.get(parent.v)!, low.get(top.v)!));
      if (low.get(top.v) === index.get(top.v)) {
        const comp: string[] = [];
        for (;;) {
          const w = stack.pop()!;
          onStack.delete(w);
          comp.push(w);
          if (w === top.v) break;
        }
        out.push(comp);
      }
    }
  }
  return out;
}

if (import.meta.main) {
  const repo = new URL("../", import.meta.url);
  const dir = Deno.args[0]
    ? new URL(Deno.args[0].replace(/\/?$/, "/"), `file://${Deno.cwd()}/`)
    : new URL("src/", repo);
  const cycles = await importCycles(dir, new URL("deno.json", repo));
  for (const c of cycles) console.log(`import cycle: ${c.join(" -> ")}`);
  if (cycles.length === 0) console.log(`no import cycle under ${dir.pathname}`);
  Deno.exit(cycles.length === 0 ? 0 : 1);
}
