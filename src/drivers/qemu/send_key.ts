/**
 * virsh send-key on a QEMU domain: the keys translated to QEMU's own key
 * numbers (qnum: the PC/XT scancode set 1, an E0-prefixed code as 0x80 +
 * its second byte) and sent with QMP send-key, as qemuDomainSendKey does.
 * Keys come in Linux input codes (virsh's default), XT, AT set 1 or qnum;
 * a key with no translation here is refused with libvirt's error.
 *
 * @module
 */

import type { HandlerEntry } from "../../dispatch/handlers.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import { VirError } from "../../rpc/error.ts";
import { VIR_ERR_INTERNAL_ERROR, VIR_FROM_DOMAIN, VIR_FROM_QEMU } from "../../rpc/error_codes.ts";
import { on } from "./conn.ts";
import { checkFlags, notRunning } from "./domain_common.ts";
import { KEYCODE_SETS } from "../domain_constants.ts";

const LINUX = 0, XT = 1, ATSET1 = 2, QNUM = 9;

/**
 * Linux input codes whose scancode is E0-prefixed (or otherwise not the
 * Linux code itself), by their qnum. Codes 1–83 and 86–88 equal theirs.
 */
const LINUX_EXTENDED: Record<number, number> = {
  96: 0x9c, // KPENTER
  97: 0x9d, // RIGHTCTRL
  98: 0xb5, // KPSLASH
  99: 0x54, // SYSRQ
  100: 0xb8, // RIGHTALT
  102: 0xc7, // HOME
  103: 0xc8, // UP
  104: 0xc9, // PAGEUP
  105: 0xcb, // LEFT
  106: 0xcd, // RIGHT
  107: 0xcf, // END
  108: 0xd0, // DOWN
  109: 0xd1, // PAGEDOWN
  110: 0xd2, // INSERT
  111: 0xd3, // DELETE
  113: 0xa0, // MUTE
  114: 0xae, // VOLUMEDOWN
  115: 0xb0, // VOLUMEUP
  116: 0xde, // POWER
  117: 0x59, // KPEQUAL
  119: 0xc6, // PAUSE
  125: 0xdb, // LEFTMETA
  126: 0xdc, // RIGHTMETA
  127: 0xdd, // COMPOSE
};

/** A key's qnum, or null where this daemon has no translation. */
function toQnum(codeset: number, key: number): number | null {
  switch (codeset) {
    case QNUM:
      return key;
    case LINUX:
      if ((key >= 1 && key <= 83) || (key >= 86 && key <= 88)) return key;
      return LINUX_EXTENDED[key] ?? null;
    case XT:
      return key >= 1 && key <= 83 ? key : null;
    case ATSET1:
      if (key >= 1 && key <= 0x7f) return key;
      if (key >= 0xe001 && key <= 0xe07f) return 0x80 | (key & 0x7f);
      return null;
    default:
      return null;
  }
}

export const sendKeyHandlers: HandlerEntry[] = [
  on(P.REMOTE_PROC_DOMAIN_SEND_KEY, (c, a) => {
    const fn = "virDomainSendKey";
    if (a.keycodes.length === 0) {
      // An empty array arrives as a NULL pointer.
      throw VirError.argument(
        VIR_FROM_DOMAIN,
        fn,
        "keycodes",
        `keycodes in ${fn} must not be NULL`,
      );
    }
    if (a.codeset >= KEYCODE_SETS.length) {
      throw VirError.argument(VIR_FROM_DOMAIN, fn, "codeset", `Unsupported codeset '${a.codeset}'`);
    }
    checkFlags("qemuDomainSendKey", a.flags, 0);
    const keys = a.keycodes.map((k) => {
      const q = toQnum(a.codeset, k);
      if (q === null) {
        throw VirError.of(
          VIR_ERR_INTERNAL_ERROR,
          VIR_FROM_QEMU,
          `cannot translate keycode ${k} of ${KEYCODE_SETS[a.codeset]} codeset to qnum keycode`,
        );
      }
      return { type: "number", data: q };
    });
    c.job(a.dom, "remoteDispatchDomainSendKey", (entry) => {
      c.withObj(entry, (o) => {
        if (o.pid === 0) throw notRunning();
      });
      c.io("qemu.qmp", {
        uuid: entry.uuid,
        cmd: "send-key",
        args: { keys, ...(a.holdtime > 0 ? { "hold-time": a.holdtime } : {}) },
      });
    });
  }),
];
