/**
 * test:///ABSOLUTE_PATH: a driver state loaded from a node file in libvirt's
 * test-driver format — a <node> holding <domain>, <network>, <interface>,
 * <pool> (with <volume>s) and <device> elements, each inline or as
 * `file='…'` relative to the node file. Such a state belongs to the one
 * connection that opened it (not shared), as in libvirt.
 *
 * @module
 */

import { VirError } from "../../rpc/error.ts";
import { fileError } from "../system_error.ts";
import { VIR_ERR_XML_ERROR, VIR_FROM_TEST } from "../../rpc/error_codes.ts";
import { attr, parseXml, type XmlElement } from "../../util/xml.ts";
import { formatElement } from "../../util/xml_writer.ts";
import { copyDomainDef, parseDomainXML } from "../../conf/domain_xml.ts";
import { parseNetworkXML } from "../../conf/network_xml.ts";
import { parseInterfaceXML } from "../../conf/interface_xml.ts";
import { parsePoolXML, parseVolXML } from "../../conf/storage_xml.ts";
import { parseNodeDeviceXML } from "../../conf/nodedev_xml.ts";
import type { DomainEntry, TestDirectory } from "./state.ts";
import { VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_BOOTED } from "./state.ts";
import type { DomainObj } from "./state.ts";
import type { NetworkObj } from "./network.ts";
import type { InterfaceObj } from "./interface.ts";
import type { PoolObj } from "./storage.ts";
import type { NodeDevObj } from "./nodedev.ts";
import { assignTestIfnames } from "./domain_common.ts";

function xmlError(path: string): VirError {
  return VirError.of(VIR_ERR_XML_ERROR, VIR_FROM_TEST, `failed to parse xml document '${path}'`);
}

/** Reads a node file or a file it names: libvirt's words when it cannot, the sandbox's when that is why. */
function readDocument(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotCapable) {
      throw fileError(VIR_FROM_TEST, `failed to parse xml document '${path}'`, path, e);
    }
    throw xmlError(path);
  }
}

/** The element's document: inline, or the file its `file` attribute names (relative to `dir`). */
function documentOf(el: XmlElement, dir: string): string {
  const file = attr(el, "file");
  if (file === undefined) return formatElement(el).toString();
  return readDocument(file.startsWith("/") ? file : `${dir}/${file}`);
}

/**
 * Reads and parses the node file at `path` (errors are thrown here, before
 * any shared state exists) and returns the builder of its directory.
 */
export function loadNodeFile(
  path: string,
  uri: string,
): (create: (value: unknown) => number) => TestDirectory {
  const steps: ((d: TestDirectory, create: (value: unknown) => number) => void)[] = [];
  const text = readDocument(path);
  let root: XmlElement;
  try {
    root = parseXml(text);
  } catch {
    throw xmlError(path);
  }
  if (root.name !== "node") throw xmlError(path);
  const dir = path.slice(0, path.lastIndexOf("/")) || "/";
  const fresh = (): TestDirectory => ({
    uri,
    nextDomId: 1,
    domains: [],
    networks: [],
    interfaces: [],
    pools: [],
    nodedevs: [],
    ifaceTransaction: null,
    callbacks: [],
    nextCallbackId: 0,
  });
  for (const el of root.children) {
    switch (el.name) {
      case "domain": {
        // Every domain of a node file starts running, as libvirt's test driver starts them.
        const def = assignTestIfnames(parseDomainXML(documentOf(el, dir)));
        steps.push((d, create) => {
          const id = d.nextDomId++;
          const obj: DomainObj = {
            def,
            newDef: copyDomainDef(def),
            id,
            state: VIR_DOMAIN_RUNNING,
            reason: VIR_DOMAIN_RUNNING_BOOTED,
            persistent: true,
            autostart: false,
            hasManagedSave: false,
            schedWeight: 50,
          };
          const entry: DomainEntry = {
            name: def.name,
            uuid: def.uuid,
            handle: create(obj),
            id,
            active: true,
            persistent: true,
          };
          d.domains.push(entry);
        });
        break;
      }
      case "network": {
        const def = parseNetworkXML(documentOf(el, dir));
        steps.push((d, create) => {
          const o: NetworkObj = {
            def,
            newDef: null,
            active: true,
            persistent: true,
            autostart: false,
          };
          d.networks.push({
            name: def.name,
            uuid: def.uuid,
            handle: create(o),
            active: true,
            persistent: true,
          });
        });
        break;
      }
      case "interface": {
        const def = parseInterfaceXML(documentOf(el, dir));
        steps.push((d, create) => {
          const o: InterfaceObj = { def, active: true };
          d.interfaces.push({
            name: def.name,
            uuid: def.mac ?? "",
            handle: create(o),
            active: true,
            persistent: true,
          });
        });
        break;
      }
      case "pool": {
        const def = parsePoolXML(documentOf(el, dir));
        const volumes = el.children.filter((c) => c.name === "volume").map((v) =>
          parseVolXML(documentOf(v, dir), def)
        );
        steps.push((d, create) => {
          const o: PoolObj = { def, active: true, persistent: true, autostart: false, volumes };
          d.pools.push({
            name: def.name,
            uuid: def.uuid,
            handle: create(o),
            active: true,
            persistent: true,
          });
        });
        break;
      }
      case "device": {
        const def = parseNodeDeviceXML(documentOf(el, dir), "existing");
        steps.push((d, create) => {
          const o: NodeDevObj = { def };
          d.nodedevs.push({ name: def.name, uuid: "", handle: create(o) });
        });
        break;
      }
    }
  }
  return (create) => {
    const d = fresh();
    for (const step of steps) step(d, create);
    return d;
  };
}
