// SCRAM server side against the exchanges of RFC 5802 (SHA-1) and RFC 7677
// (SHA-256), and the messages it must refuse.

import assert from "node:assert/strict";
import {
  deriveVerifier,
  fromBase64,
  ScramError,
  type ScramMechanism,
  ScramServer,
  type ScramVerifier,
} from "../../src/transport/scram.ts";

interface Vector {
  mech: ScramMechanism;
  clientFirst: string;
  serverNonce: string;
  salt: string;
  serverFirst: string;
  clientFinal: string;
  serverFinal: string;
}

const VECTORS: Vector[] = [
  {
    mech: "SCRAM-SHA-1",
    clientFirst: "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
    serverNonce: "3rfcNHYJY1ZVvWVs7j",
    salt: "QSXCR+Q6sek8bf92",
    serverFirst: "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
    clientFinal:
      "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
    serverFinal: "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=",
  },
  {
    mech: "SCRAM-SHA-256",
    clientFirst: "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
    serverNonce: "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
    salt: "W22ZaJ0SNY7soEsUEjb6gQ==",
    serverFirst:
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
    clientFinal:
      "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
    serverFinal: "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
  },
];

function server(v: Vector, users: Record<string, ScramVerifier>): ScramServer {
  return new ScramServer(v.mech, {
    lookup: (u) => Promise.resolve(users[u] ?? null),
    secret: new Uint8Array(32),
    nonce: v.serverNonce,
  });
}

for (const v of VECTORS) {
  const verifier = () => deriveVerifier(v.mech, "pencil", fromBase64(v.salt), 4096);

  Deno.test(`ScramServer (${v.mech}) answers the RFC's exchange`, async () => {
    const s = server(v, { user: await verifier() });
    assert.equal(await s.first(v.clientFirst), v.serverFirst);
    assert.equal(await s.final(v.clientFinal), v.serverFinal);
    assert.equal(s.user, "user");
  });

  Deno.test(`ScramServer (${v.mech}) refuses a wrong proof`, async () => {
    const s = server(v, { user: await deriveVerifier(v.mech, "pen", fromBase64(v.salt)) });
    await s.first(v.clientFirst);
    await assert.rejects(s.final(v.clientFinal), ScramError);
  });

  Deno.test(`ScramServer (${v.mech}) gives an unknown user a stable salt and refuses it`, async () => {
    const a = server(v, {});
    const b = server(v, {});
    const fa = await a.first(v.clientFirst);
    assert.equal(fa, await b.first(v.clientFirst));
    assert.match(fa, /^r=[^,]+,s=[A-Za-z0-9+/=]+,i=4096$/);
    await assert.rejects(a.final(v.clientFinal), /unknown user 'user'/);
  });

  const finals: [string, string, RegExp][] = [
    ["another nonce", v.clientFinal.replace(/r=[^,]+/, "r=abc"), /nonce does not match/],
    ["another channel binding", v.clientFinal.replace("c=biws", "c=eSws"), /channel binding/],
    ["no proof", v.clientFinal.replace(/,p=.*$/, ""), /lacks a proof/],
    ["a proof that is not base64", v.clientFinal.replace(/p=.*$/, "p=!!"), /not base64/],
  ];
  for (const [what, msg, why] of finals) {
    Deno.test(`ScramServer (${v.mech}) refuses a client-final-message with ${what}`, async () => {
      const s = server(v, { user: await verifier() });
      await s.first(v.clientFirst);
      await assert.rejects(s.final(msg), why);
    });
  }
}

const FIRSTS: [string, RegExp][] = [
  ["", /malformed/],
  ["n,,r=abc", /lacks n= or r=/],
  ["n,,n=user", /lacks n= or r=/],
  ["p=tls-unique,,n=user,r=abc", /channel binding is not offered/],
  ["n,,m=ext,n=user,r=abc", /mandatory extension/],
  ["n,,n=us=er,r=abc", /bad escape/],
  ["x,,n=user,r=abc", /malformed/],
];

for (const [msg, why] of FIRSTS) {
  Deno.test(`ScramServer refuses the client-first-message ${JSON.stringify(msg)}`, async () => {
    const s = server(VECTORS[1]!, {});
    await assert.rejects(s.first(msg), why);
  });
}

Deno.test("ScramServer reads an authzid and escaped names", async () => {
  const s = server(VECTORS[1]!, {});
  await s.first("n,a=ad=2Cmin,n=a=3Db,r=abc");
  assert.equal(s.authzid, "ad,min");
  assert.equal(s.user, "a=b");
});

Deno.test("ScramServer takes its messages in order, once", async () => {
  const v = VECTORS[1]!;
  const s = server(v, { user: await deriveVerifier(v.mech, "pencil", fromBase64(v.salt)) });
  await assert.rejects(s.final(v.clientFinal), /out of order/);
  await s.first(v.clientFirst);
  await assert.rejects(s.first(v.clientFirst), /out of order/);
});
