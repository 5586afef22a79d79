/**
 * The CPUID instruction run in this process, as libvirt's cpuidSet runs it.
 *
 * Where the kernel runs under a paravirtualizing hypervisor (PVM, for one),
 * CPUID from user space and the kernel's own CPUID (what /dev/cpu/N/cpuid
 * answers) differ: the hypervisor filters only the kernel's. libvirt
 * executes the instruction in libvirtd, so its host CPU is user space's
 * view; so is ours when this module can run it. It needs Deno's FFI
 * (`--allow-ffi`, which `deno task serve` grants) on x86-64 Linux: the
 * instruction is put into a page of its own, made executable, and called.
 * Without FFI, null: the caller falls back to the kernel's device, which on
 * bare metal and ordinary virtual machines answers the same.
 *
 * @module
 */

import { openLibc } from "../../util/libc.ts";

/**
 * x86-64 System V: `void cpuid(u32 leaf, u32 subleaf, u32 out[4])`; RBX is
 * callee-saved and CPUID writes it, so it is pushed and popped.
 */
const CODE = new Uint8Array([
  ...[0x53, 0x89, 0xf8, 0x89, 0xf1, 0x49, 0x89, 0xd0], // push rbx; mov eax, edi; mov ecx, esi; mov r8, rdx
  ...[0x0f, 0xa2], // cpuid
  ...[0x41, 0x89, 0x00, 0x41, 0x89, 0x58, 0x04], // mov [r8], eax; mov [r8+4], ebx
  ...[0x41, 0x89, 0x48, 0x08, 0x41, 0x89, 0x50, 0x0c], // mov [r8+8], ecx; mov [r8+12], edx
  ...[0x5b, 0xc3], // pop rbx; ret
]);

const PAGE = 4096n;
const PROT_READ = 1;
const PROT_WRITE = 2;
const PROT_EXEC = 4;
const MAP_PRIVATE = 0x02;
const MAP_ANONYMOUS = 0x20;

const SYMBOLS = {
  mmap: { parameters: ["pointer", "usize", "i32", "i32", "i32", "i64"], result: "pointer" },
  mprotect: { parameters: ["pointer", "usize", "i32"], result: "i32" },
} as const;

/** Reads one CPUID leaf: EAX, EBX, ECX, EDX as 16 little-endian bytes. */
export type CpuidReader = (leaf: number, subleaf: number) => DataView;

let reader: CpuidReader | null | undefined;

/** The instruction as a function, or null where it cannot be run (no FFI, not x86-64 Linux). */
export function cpuidInstruction(): CpuidReader | null {
  if (reader !== undefined) return reader;
  reader = null;
  if (Deno.build.arch !== "x86_64") return null;
  // Without FFI the caller reads the kernel's device instead.
  const libc = openLibc(SYMBOLS)?.symbols;
  if (!libc) return null;
  const page = libc.mmap(
    null,
    PAGE,
    PROT_READ | PROT_WRITE,
    MAP_PRIVATE | MAP_ANONYMOUS,
    -1,
    0n,
  );
  // MAP_FAILED is (void *) -1.
  if (page === null || Deno.UnsafePointer.value(page) === 0xffffffffffffffffn) return null;
  new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(page, CODE.length)).set(CODE);
  // Executable, no longer writable (a kernel that refuses W^X changes keeps us on the device).
  if (libc.mprotect(page, PAGE, PROT_READ | PROT_EXEC) !== 0) return null;
  const signature = { parameters: ["u32", "u32", "buffer"], result: "void" } as const;
  const fn = new Deno.UnsafeFnPointer(page as Deno.PointerObject<typeof signature>, signature);
  reader = (leaf, subleaf) => {
    const out = new Uint32Array(4);
    fn.call(leaf >>> 0, subleaf >>> 0, out);
    return new DataView(out.buffer);
  };
  return reader;
}
