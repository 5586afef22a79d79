// Running the soak's client programs (virsh, virt-admin, python3, script,
// the load client): each with a time limit past which it counts as hung and
// is killed, optionally cut off (SIGKILLed) on purpose after a delay, and
// its output collected. Only processes the soak started are ever killed, by
// their own pid.

export interface Ran {
  code: number | null;
  out: string;
  /** Killed on purpose (the cut came before it ended). */
  cut: boolean;
  /** Still running at its time limit (then killed): a client that hung. */
  hung: boolean;
  ms: number;
}

export interface RunOptions {
  /** SIGKILL it after this many ms, on purpose (a client killed mid-call). */
  cutAfterMs?: number;
  /** Past this it counts as hung and is killed (default 120 s). */
  limitMs?: number;
  env?: Record<string, string>;
}

/** Live children, so that a soak ending early kills what it started. */
export const children = new Set<Deno.ChildProcess>();

/** Kills a child the soak started, ignoring one that has already gone. */
export function kill(child: Deno.ChildProcess): void {
  try {
    child.kill("SIGKILL");
  } catch {
    // Exited already.
  }
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<string> {
  let text = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    // Enough to judge by; a client stuck printing must not fill the soak's memory.
    if (text.length < 64 * 1024) text += chunk;
  }
  return text;
}

/** Runs a command to its end (or its cut, or its limit). */
export async function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<Ran> {
  const t0 = performance.now();
  const child = new Deno.Command(cmd, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { LC_ALL: "C", ...opts.env },
  }).spawn();
  children.add(child);
  let cut = false;
  let hung = false;
  const timers = [
    opts.cutAfterMs !== undefined
      ? setTimeout(() => {
        cut = true;
        kill(child);
      }, opts.cutAfterMs)
      : undefined,
    setTimeout(() => {
      hung = true;
      kill(child);
    }, opts.limitMs ?? 120_000),
  ];
  const [out, err, status] = await Promise.all([
    collect(child.stdout),
    collect(child.stderr),
    child.status,
  ]);
  for (const t of timers) clearTimeout(t);
  children.delete(child);
  return {
    code: status.signal ? null : status.code,
    out: out + err,
    cut: cut && !hung,
    hung,
    ms: performance.now() - t0,
  };
}

/** Reads a child's stdout line by line. */
export async function lines(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
): Promise<void> {
  let rest = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    rest += chunk;
    let nl: number;
    while ((nl = rest.indexOf("\n")) >= 0) {
      onLine(rest.slice(0, nl));
      rest = rest.slice(nl + 1);
    }
  }
  if (rest) onLine(rest);
}
