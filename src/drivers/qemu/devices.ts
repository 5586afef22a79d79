/**
 * Small helpers for building device definitions in the QEMU driver (what
 * the post-parse and address assignment share), and its "unsupported
 * configuration" error.
 *
 * @module
 */

import type { ControllerDef, DeviceInfo, DomainDef } from "../../conf/domain_xml.ts";
import { VirError } from "../../rpc/error.ts";
import { VIR_ERR_CONFIG_UNSUPPORTED, VIR_FROM_QEMU } from "../../rpc/error_codes.ts";

export function unsupported(what: string): VirError {
  return VirError.of(VIR_ERR_CONFIG_UNSUPPORTED, VIR_FROM_QEMU, what);
}

export function emptyInfo(): DeviceInfo {
  return {
    address: null,
    alias: null,
    bootOrder: null,
    bootLoadparm: null,
    rom: null,
    acpiIndex: null,
    masterStartport: null,
  };
}

export function newController(type: string, index: number, model: string | null): ControllerDef {
  return {
    type,
    index,
    model,
    attrs: {},
    driver: null,
    modelName: null,
    target: null,
    targetNode: null,
    pcihole64: null,
    serial: null,
    info: emptyInfo(),
  };
}

/** Adds a controller after those of its type (virDomainControllerInsert). */
export function insertController(def: DomainDef, c: ControllerDef): void {
  const list = def.devices.controllers;
  let at = -1;
  for (let i = 0; i < list.length; i++) {
    if (list[i]!.type === c.type && list[i]!.index <= c.index) at = i + 1;
  }
  if (at < 0) list.push(c);
  else list.splice(at, 0, c);
}
