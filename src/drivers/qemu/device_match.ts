/**
 * Which device of a definition a device document names, as libvirt's
 * domain_conf.c finds it for a detach (virDomainChrEquals,
 * virDomainRNGFind, virDomainInputDefFind, virDomainControllerFind, the
 * watchdog and redirdev look-ups): by the properties the document gives,
 * and by its address when it gives one.
 *
 * @module
 */

import type {
  ChrDef,
  ChrSource,
  DeviceAddress,
  DeviceInfo,
  DomainDef,
  InputDef,
  RedirdevDef,
  RngDef,
  WatchdogDef,
} from "../../conf/domain_xml.ts";

/** virDomainDeviceInfoAddressIsEqual: the same kind of address with the same fields. */
export function addressEqual(a: DeviceAddress | null, b: DeviceAddress | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.type !== b.type) return false;
  const norm = (x: DeviceAddress) => {
    const o: Record<string, unknown> = { ...x };
    delete o.multifunction;
    for (const [k, v] of Object.entries(o)) if (typeof v === "number") o[k] = String(v);
    return JSON.stringify(Object.entries(o).sort(([p], [q]) => p < q ? -1 : 1));
  };
  return norm(a) === norm(b);
}

/** Whether a document's device, at its address if it names one, is at `info`'s. */
function sameAddress(want: DeviceInfo, have: DeviceInfo): boolean {
  return want.address === null || addressEqual(want.address, have.address);
}

/** virDomainChrSourceDefIsEqual. */
export function chrSourceEqual(a: ChrSource, b: ChrSource): boolean {
  if (a.type !== b.type) return false;
  const bind = (s: ChrSource) => s.mode !== "connect";
  switch (a.type) {
    case "file":
      return (a.append ?? "default") === (b.append ?? "default") && a.path === b.path;
    case "pty":
    case "dev":
    case "pipe":
      return a.path === b.path;
    case "tcp":
      return (a.mode === "bind") === (b.mode === "bind") && a.host === b.host &&
        a.service === b.service && (a.protocol ?? "raw") === (b.protocol ?? "raw");
    case "unix":
      return bind(a) === bind(b) && a.path === b.path;
    case "spicevmc":
      return (a.channel ?? "vdagent") === (b.channel ?? "vdagent");
    case "udp":
      return a.host === b.host && a.service === b.service && a.connectHost === b.connectHost &&
        a.connectService === b.connectService;
    default:
      return true;
  }
}

/** virDomainChrEquals: a character device of the same kind, source and target. */
export function chrEquals(a: ChrDef, b: ChrDef): boolean {
  if (a.deviceType !== b.deviceType || !chrSourceEqual(a.source, b.source)) return false;
  switch (a.deviceType) {
    case "channel":
      if (a.targetType !== b.targetType) return false;
      if (a.targetType === "virtio") return a.targetName === b.targetName;
      return a.targetAddress === b.targetAddress && a.targetPort === b.targetPort;
    case "serial":
      if ((a.targetType ?? "isa-serial") !== (b.targetType ?? "isa-serial")) return false;
      return (a.targetModel ?? null) === (b.targetModel ?? null) && a.targetPort === b.targetPort;
    case "console":
      return (a.targetModel ?? null) === (b.targetModel ?? null) && a.targetPort === b.targetPort;
    default:
      return a.targetPort === b.targetPort;
  }
}

/** The list of a definition's character devices of one kind. */
export function chrList(def: DomainDef, deviceType: string): ChrDef[] {
  const d = def.devices;
  switch (deviceType) {
    case "serial":
      return d.serials;
    case "console":
      return d.consoles;
    case "parallel":
      return d.parallels;
    default:
      return d.channels;
  }
}

/** virDomainRNGFind. */
export function rngMatches(want: RngDef, have: RngDef): boolean {
  if (want.model !== have.model || want.backendModel !== have.backendModel) return false;
  if (want.rateBytes !== have.rateBytes || want.ratePeriod !== have.ratePeriod) return false;
  if (want.backendModel === "random" && want.backendFile !== have.backendFile) return false;
  if (
    want.backendModel === "egd" && want.backendChr && have.backendChr &&
    !chrSourceEqual(want.backendChr, have.backendChr)
  ) {
    return false;
  }
  return sameAddress(want.info, have.info);
}

/** virDomainInputDefFind. */
export function inputMatches(want: InputDef, have: InputDef): boolean {
  return want.type === have.type && want.bus === have.bus && sameAddress(want.info, have.info);
}

/** The watchdog a detach names: model, action and address all alike (an address-less one never is). */
export function watchdogMatches(want: WatchdogDef, have: WatchdogDef): boolean {
  return want.model === have.model && want.action === have.action &&
    addressEqual(want.info.address, have.info.address);
}

/** virDomainRedirdevDefFind. */
export function redirdevMatches(want: RedirdevDef, have: RedirdevDef): boolean {
  return want.bus === have.bus && chrSourceEqual(want.source, have.source) &&
    sameAddress(want.info, have.info);
}

/** The number after an alias's prefix (qemuDomainDeviceAliasIndex), or -1. */
function aliasIndex(alias: string | null, prefix: string): number {
  const m = alias?.startsWith(prefix) ? /^(\d+)$/.exec(alias.slice(prefix.length)) : null;
  return m ? Number(m[1]) : -1;
}

/** The next alias of a family: one past the highest in use (qemuAssignDevice*Alias). */
export function nextAlias(infos: DeviceInfo[], prefix: string): string {
  let max = -1;
  for (const i of infos) max = Math.max(max, aliasIndex(i.alias, prefix));
  return `${prefix}${max + 1}`;
}
