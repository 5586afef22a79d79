// The CPUID instruction run through FFI answers as the CPU does: the vendor,
// family, model and stepping /proc/cpuinfo reports.

import assert from "node:assert/strict";
import { cpuidInstruction } from "../../src/drivers/qemu/cpuid_instruction.ts";

const x86 = Deno.build.os === "linux" && Deno.build.arch === "x86_64";

Deno.test({
  name: "the CPUID instruction: vendor and signature as /proc/cpuinfo gives them",
  ignore: !x86,
}, () => {
  const cpuid = cpuidInstruction();
  assert.ok(cpuid, "tests run with every permission: FFI is there");
  const info = Deno.readTextFileSync("/proc/cpuinfo").split("\n\n")[0]!;
  const field = (name: string) => new RegExp(`^${name}\\s*: (.*)$`, "m").exec(info)?.[1];
  const l0 = cpuid(0, 0);
  const vendor = [4, 12, 8]
    .map((o) => String.fromCharCode(...new Uint8Array(l0.buffer, o, 4)))
    .join("");
  assert.equal(vendor, field("vendor_id"));
  const sig = cpuid(1, 0).getUint32(0, true);
  const base = (sig >> 8) & 0xf;
  const family = base + (base === 0xf ? (sig >> 20) & 0xff : 0);
  const model = ((sig >> 4) & 0xf) + (base === 0x6 || base === 0xf ? (sig >> 12) & 0xf0 : 0);
  assert.equal(String(family), field("cpu family"));
  assert.equal(String(model), field("model"));
  assert.equal(String(sig & 0xf), field("stepping"));
  // The same reader each time: the page is made once.
  assert.equal(cpuidInstruction(), cpuid);
});
