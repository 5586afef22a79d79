// A short fuzzing run as part of the test suite (the long one is `deno task
// fuzz`): mutated and split packets give only the typed errors in-process,
// and a live daemon keeps answering, leaking no client.

import assert from "node:assert/strict";
import { feedInProcess, fuzzLive, mutate, Rng, seeds } from "./_fuzz.ts";
import { eventually, startDaemon } from "../server/_daemon.ts";

Deno.test("20,000 mutated inputs give only FramingError or XdrError", () => {
  const rng = new Rng(20261127);
  const list = seeds();
  for (let i = 0; i < 20_000; i++) {
    const input = mutate(rng, list);
    const err = feedInProcess(rng, input);
    assert.equal(err, null, `case ${i}: ${err}`);
  }
});

Deno.test("a live daemon survives 2,000 mutated packets, answers every probe and leaks no client", async () => {
  const d = await startDaemon();
  try {
    const r = await fuzzLive(new Rng(42), d.rw, 2_000, seeds());
    assert.equal(r.packets, 2_000);
    assert.equal(r.checks, 40);
    await eventually(() => d.server.clientCount === 0, 10_000, "no client left");
    assert.equal(d.server.pool.queueDepth, 0);
  } finally {
    await d.stop();
  }
});
