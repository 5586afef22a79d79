/**
 * The test driver's domain checkpoints (virDomainCheckpoint*): create,
 * redefine, list, walk and delete, as libvirt 9.0's test driver does.
 *
 * @module
 */

import type { HandlerEntry } from "../../dispatch/handlers.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import type { RemoteDomain } from "../../protocol/remote_types.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_INVALID_ARG,
  VIR_ERR_NO_DOMAIN_CHECKPOINT,
  VIR_ERR_OPERATION_FAILED,
  VIR_ERR_OPERATION_UNSUPPORTED,
  VIR_FROM_DOMAIN,
  VIR_FROM_DOMAIN_CHECKPOINT,
} from "../../rpc/error_codes.ts";
import {
  alignCheckpointDisks,
  assignBitmapNames,
  formatCheckpointXML,
  parseCheckpointXML,
  snapshotDomainCopy,
} from "../../conf/snapshot_xml.ts";
import { on, type TestConn } from "./conn.ts";
import { checkFlags, testError } from "./errors.ts";
import { exclusiveFlags } from "../flags.ts";
import { isActive, notActive, wire } from "./domain.ts";
import type { CheckpointObj } from "./state.ts";
import { checkCycles, Checkpoints } from "./moments.ts";

/** virDomainCheckpointObjListGetNames (ROOTS/DESCENDANTS 1, TOPOLOGICAL 2, LEAVES 4, NO_LEAVES 8). */
function checkpointNames(m: Checkpoints, from: CheckpointObj | null, flags: number): string[] {
  let descendants = (flags & 1) !== 0;
  if (!from) descendants = !descendants;
  let filter = flags & (4 | 8);
  if (filter === (4 | 8)) filter = 0;
  const candidates = descendants
    ? (from || (flags & 2) ? m.descendants(from) : [...m.list])
    : m.children(from).map((n) => m.find(n)!).filter((s) => s);
  return candidates.filter((s) =>
    !((filter & 4) && s.children.length) && !((filter & 8) && !s.children.length)
  ).map((s) => s.def.name);
}

function checkpointOf(m: Checkpoints, name: string): CheckpointObj {
  const chk = m.find(name);
  if (!chk) {
    throw testError(
      VIR_ERR_NO_DOMAIN_CHECKPOINT,
      `no domain checkpoint with matching name '${name}'`,
    );
  }
  return chk;
}

function checkpointCreate(c: TestConn, a: { dom: RemoteDomain; xml_desc: string; flags: number }) {
  checkFlags("testDomainCheckpointCreateXML", a.flags, 1 | 2);
  const redefine = (a.flags & 1) !== 0;
  let updateCurrent = !redefine;
  return c.domain(a.dom, (o, x) => {
    if (o.snapshots?.length) {
      throw testError(
        VIR_ERR_OPERATION_UNSUPPORTED,
        "cannot create checkpoint while snapshot exists",
      );
    }
    if (!isActive(o)) {
      throw testError(
        VIR_ERR_OPERATION_UNSUPPORTED,
        "cannot create checkpoint for inactive domain",
      );
    }
    const def = parseCheckpointXML(a.xml_desc, { redefine });
    const m = new Checkpoints(o);
    let chk: CheckpointObj;
    if (redefine) {
      checkCycles(m, def);
      if (def.dom) {
        if (def.dom.uuid !== o.def.uuid) {
          throw VirError.of(
            VIR_ERR_INVALID_ARG,
            VIR_FROM_DOMAIN_CHECKPOINT,
            `definition for checkpoint ${def.name} must use uuid ${o.def.uuid}`,
          );
        }
        alignCheckpointDisks(def);
      } else {
        assignBitmapNames(def);
      }
      if (def.parent !== null && m.find(def.parent) && def.parent === m.current) {
        updateCurrent = true;
      }
      if (m.current === null) updateCurrent = true;
      const other = m.find(def.name);
      if (other) {
        m.dropParent(other);
        other.def = def;
        chk = other;
      } else {
        chk = { def, children: [], link: null };
        m.list.push(chk);
      }
    } else {
      def.dom = snapshotDomainCopy(o.def);
      alignCheckpointDisks(def);
      if (m.find(def.name)) {
        throw VirError.of(
          VIR_ERR_OPERATION_FAILED,
          VIR_FROM_DOMAIN,
          `domain moment ${def.name} already exists`,
        );
      }
      chk = { def, children: [], link: null };
      m.list.push(chk);
    }
    const current = m.find(m.current);
    if (current && current !== chk) {
      if (!redefine) chk.def.parent = current.def.name;
      if (updateCurrent) m.current = null;
    }
    if (updateCurrent) m.current = chk.def.name;
    m.linkParent(chk);
    x.save();
    return { checkpoint: { name: chk.def.name, dom: wire(x.entry) } };
  });
}

export const checkpointHandlers: HandlerEntry[] = [
  on(P.REMOTE_PROC_DOMAIN_CHECKPOINT_CREATE_XML, checkpointCreate),
  on(P.REMOTE_PROC_DOMAIN_LIST_ALL_CHECKPOINTS, (c, a) => {
    checkFlags("testDomainListAllCheckpoints", a.flags, 0xf);
    return c.domain(a.dom, (o) => {
      const names = checkpointNames(new Checkpoints(o), null, a.flags);
      return {
        checkpoints: a.need_results ? names.map((name) => ({ name, dom: a.dom })) : [],
        ret: names.length,
      };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_CHECKPOINT_LIST_ALL_CHILDREN, (c, a) => {
    checkFlags("testDomainCheckpointListAllChildren", a.flags, 0xf);
    return c.domain(a.checkpoint.dom, (o) => {
      const m = new Checkpoints(o);
      const names = checkpointNames(m, checkpointOf(m, a.checkpoint.name), a.flags);
      return {
        checkpoints: a.need_results ? names.map((name) => ({ name, dom: a.checkpoint.dom })) : [],
        ret: names.length,
      };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_CHECKPOINT_LOOKUP_BY_NAME, (c, a) => {
    checkFlags("testDomainCheckpointLookupByName", a.flags, 0);
    return c.domain(a.dom, (o, x) => ({
      checkpoint: { name: checkpointOf(new Checkpoints(o), a.name).def.name, dom: wire(x.entry) },
    }));
  }),
  on(P.REMOTE_PROC_DOMAIN_CHECKPOINT_GET_PARENT, (c, a) => {
    checkFlags("testDomainCheckpointGetParent", a.flags, 0);
    return c.domain(a.checkpoint.dom, (o) => {
      const chk = checkpointOf(new Checkpoints(o), a.checkpoint.name);
      if (chk.def.parent === null) {
        throw testError(
          VIR_ERR_NO_DOMAIN_CHECKPOINT,
          `checkpoint '${chk.def.name}' does not have a parent`,
        );
      }
      return { parent: { name: chk.def.parent, dom: a.checkpoint.dom } };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_CHECKPOINT_GET_XML_DESC, (c, a) => {
    checkFlags("testDomainCheckpointGetXMLDesc", a.flags, 1 | 2 | 4);
    return c.domain(a.checkpoint.dom, (o) => {
      const chk = checkpointOf(new Checkpoints(o), a.checkpoint.name);
      if ((a.flags & 4) && !isActive(o)) throw notActive();
      return { xml: formatCheckpointXML(chk.def, a.flags) };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_CHECKPOINT_DELETE, (c, a) => {
    exclusiveFlags("virDomainCheckpointDelete", VIR_FROM_DOMAIN_CHECKPOINT, a.flags, 1, 4, [
      "VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN",
      "VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY",
    ]);
    checkFlags("testDomainCheckpointDelete", a.flags, 1 | 2 | 4);
    c.domain(a.checkpoint.dom, (o, x) => {
      const m = new Checkpoints(o);
      m.delete(checkpointOf(m, a.checkpoint.name), a.flags & ~2);
      x.save();
    });
  }),
];
