/**
 * The host's TSC frequency as libvirt reads it for the capabilities' host
 * CPU (virHostCPUGetTscInfo): a KVM vCPU's KVM_GET_TSC_KHZ, and whether KVM
 * can scale it (KVM_CAP_TSC_CONTROL). These are ioctls, made through libc
 * by FFI; without the FFI permission (`--sandbox`) or KVM there is no
 * answer, and the host CPU has no `<counter>`, as libvirt's has none when
 * it cannot ask.
 *
 * @module
 */

import { openLibc } from "../../util/libc.ts";

const O_RDWR = 2;
const O_CLOEXEC = 0o2000000;
const KVM_CREATE_VM = 0xae01;
const KVM_CHECK_EXTENSION = 0xae03;
const KVM_CREATE_VCPU = 0xae41;
const KVM_GET_TSC_KHZ = 0xaea3;
const KVM_CAP_TSC_CONTROL = 60;

const SYMBOLS = {
  open: { parameters: ["buffer", "i32"], result: "i32" },
  ioctl: { parameters: ["i32", "u64", "u64"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
} as const;

export interface TscInfo {
  /** Hz */
  frequency: number;
  scaling: boolean;
}

let cached: TscInfo | null | undefined;

/** The TSC's frequency and scaling, or null when KVM cannot be asked. */
export function hostTscInfo(): TscInfo | null {
  if (cached !== undefined) return cached;
  cached = null;
  const lib = openLibc(SYMBOLS);
  if (!lib) return null;
  const s = lib.symbols;
  const fds: number[] = [];
  try {
    const kvm = s.open(new TextEncoder().encode("/dev/kvm\0"), O_RDWR | O_CLOEXEC);
    if (kvm < 0) return null;
    fds.push(kvm);
    const vm = s.ioctl(kvm, BigInt(KVM_CREATE_VM), 0n);
    if (vm < 0) return null;
    fds.push(vm);
    const vcpu = s.ioctl(vm, BigInt(KVM_CREATE_VCPU), 0n);
    if (vcpu < 0) return null;
    fds.push(vcpu);
    const khz = s.ioctl(vcpu, BigInt(KVM_GET_TSC_KHZ), 0n);
    if (khz <= 0) return null;
    const scaling = s.ioctl(kvm, BigInt(KVM_CHECK_EXTENSION), BigInt(KVM_CAP_TSC_CONTROL));
    if (scaling < 0) return null;
    cached = { frequency: khz * 1000, scaling: scaling > 0 };
    return cached;
  } finally {
    for (const fd of fds.reverse()) s.close(fd);
    lib.close();
  }
}
