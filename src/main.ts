// denovirt's entry point: `deno task serve`.

if (import.meta.main) {
  console.error(
    "denovirt: the daemon core (sockets, worker pool) is not built yet; " +
      "see README.md. Nothing was started.",
  );
  Deno.exit(1);
}
