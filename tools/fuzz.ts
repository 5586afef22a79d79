// `deno task fuzz`: the long fuzzing run, bounded by counts and time.
//
//   deno task fuzz [--cases 1000000] [--live 100000] [--seconds 600] [--seed N]

import { feedInProcess, fuzzLive, mutate, Rng, seeds } from "../tests/fuzz/_fuzz.ts";
import { startDaemon } from "../tests/server/_daemon.ts";

function arg(name: string, def: number): number {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Number(Deno.args[i + 1]) : def;
}

const cases = arg("cases", 1_000_000);
const live = arg("live", 100_000);
const seconds = arg("seconds", 600);
const seed = arg("seed", Date.now() & 0x7fffffff);
const deadline = Date.now() + seconds * 1000;
const rng = new Rng(seed);
const list = seeds();

let done = 0;
let failures = 0;
const t0 = Date.now();
while (done < cases && Date.now() < deadline) {
  const input = mutate(rng, list);
  const err = feedInProcess(rng, input);
  if (err) {
    failures++;
    console.error(`case ${done} (seed ${seed}): ${err}`);
  }
  done++;
}
console.log(
  `in-process: ${done} cases in ${
    ((Date.now() - t0) / 1000).toFixed(1)
  } s, ${failures} unexpected exceptions (seed ${seed})`,
);

const d = await startDaemon();
let leaked = -1;
try {
  const t1 = Date.now();
  const r = await fuzzLive(rng, d.rw, Math.min(live, live), list);
  // Every fuzzing connection is gone: the client count returns to zero.
  const until = Date.now() + 10_000;
  while (d.server.clientCount !== 0 && Date.now() < until) {
    await new Promise((res) => setTimeout(res, 20));
  }
  leaked = d.server.clientCount;
  console.log(
    `live: ${r.packets} packets on ${r.connections} connections in ${
      ((Date.now() - t1) / 1000).toFixed(1)
    } s, ` +
      `${r.checks} well-formed probes answered exactly, ${leaked} clients leaked`,
  );
} finally {
  await d.stop();
}
if (failures > 0 || leaked !== 0) Deno.exit(1);
Deno.exit(0);
