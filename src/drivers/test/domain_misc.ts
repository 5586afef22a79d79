/**
 * The test driver's remaining domain procedures: user password, NMI, keys,
 * process signals, memory peek, lifecycle actions, memory stats period,
 * rename and create-with-files. Procedures libvirt 9.0's test driver does
 * not implement have no handler.
 *
 * @module
 */

import type { HandlerEntry } from "../../dispatch/handlers.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_INVALID_ARG,
  VIR_ERR_OPERATION_INVALID,
  VIR_ERR_XML_ERROR,
  VIR_FROM_DOMAIN,
} from "../../rpc/error_codes.ts";
import { on } from "./conn.ts";
import { checkFlags, rpcLimit, testError } from "./errors.ts";
import { bothDefs, create, createXML, isActive, notActive, oneDef } from "./domain.ts";
import { VIR_DOMAIN_EVENT_DEFINED, VIR_DOMAIN_EVENT_UNDEFINED } from "./state.ts";
import {
  KEYCODE_SETS,
  VIR_DOMAIN_AFFECT_CONFIG,
  VIR_DOMAIN_AFFECT_LIVE,
} from "../domain_constants.ts";
import { stoppedRef } from "./domain_common.ts";
import { apiInvalidArg } from "../domain_metadata.ts";
import {
  allowedLifecycleAction,
  checkLifecycleArgs,
  setLifecycleAction,
} from "../lifecycle_action.ts";

const VIR_DOMAIN_EVENT_UNDEFINED_RENAMED = 1;
const VIR_DOMAIN_EVENT_DEFINED_RENAMED = 2;

/** The key codes each code set knows (libvirt's keymaps, as ranges). */
const KEYCODES: [number, number][][] = [
  [
    [0, 265],
    [272, 279],
    [288, 299],
    [303, 318],
    [320, 327],
    [330, 337],
    [352, 439],
    [448, 451],
    [
      464,
      484,
    ],
    [497, 506],
    [512, 524],
  ],
  [
    [0, 95],
    [99, 109],
    [111, 121],
    [123, 123],
    [125, 126],
    [57345, 57356],
    [57358, 57360],
    [
      57362,
      57385,
    ],
    [57387, 57398],
    [57400, 57439],
    [57443, 57453],
    [57455, 57465],
    [57467, 57467],
    [
      57469,
      57469,
    ],
  ],
  [
    [0, 95],
    [99, 109],
    [111, 121],
    [123, 123],
    [125, 126],
    [57345, 57356],
    [57358, 57360],
    [
      57362,
      57385,
    ],
    [57387, 57398],
    [57400, 57439],
    [57443, 57453],
    [57455, 57465],
    [57467, 57467],
    [
      57469,
      57469,
    ],
  ],
  [
    [0, 1],
    [3, 7],
    [9, 15],
    [17, 22],
    [26, 30],
    [33, 39],
    [41, 47],
    [49, 55],
    [58, 63],
    [65, 70],
    [
      73,
      78,
    ],
    [81, 82],
    [84, 85],
    [88, 91],
    [93, 93],
    [95, 95],
    [97, 100],
    [102, 103],
    [105, 109],
    [
      112,
      127,
    ],
    [131, 131],
    [57360, 57362],
    [57364, 57365],
    [57368, 57368],
    [57375, 57377],
    [57379, 57379],
    [
      57383,
      57384,
    ],
    [57387, 57387],
    [57391, 57392],
    [57394, 57394],
    [57396, 57396],
    [57399, 57400],
    [
      57402,
      57403,
    ],
    [57407, 57408],
    [57416, 57416],
    [57418, 57418],
    [57421, 57421],
    [57424, 57424],
    [
      57434,
      57434,
    ],
    [57438, 57438],
    [57449, 57449],
    [57451, 57452],
    [57455, 57458],
    [57460, 57461],
    [
      57463,
      57463,
    ],
    [57465, 57466],
    [57469, 57469],
  ],
  [
    [0, 0],
    [7, 63],
    [65, 71],
    [73, 79],
    [82, 82],
    [84, 103],
    [105, 118],
    [121, 122],
    [124, 131],
    [
      133,
      135,
    ],
    [139, 142],
    [145, 145],
    [147, 152],
    [154, 163],
  ],
  [[0, 51], [53, 65], [67, 67], [69, 69], [71, 76], [78, 107], [109, 111], [113, 126], [255, 255]],
  [
    [0, 95],
    [99, 109],
    [111, 121],
    [123, 123],
    [125, 126],
    [257, 268],
    [270, 272],
    [274, 297],
    [
      299,
      310,
    ],
    [312, 351],
    [355, 365],
    [367, 377],
    [379, 379],
    [381, 381],
  ],
  [[0, 0], [4, 48], [50, 119], [121, 125], [133, 133], [135, 140], [144, 148], [182, 183], [
    224,
    251,
  ]],
  [
    [0, 2],
    [4, 6],
    [8, 9],
    [13, 13],
    [17, 22],
    [26, 29],
    [32, 42],
    [44, 57],
    [65, 93],
    [95, 135],
    [
      144,
      145,
    ],
    [160, 161],
    [163, 163],
    [165, 180],
    [186, 192],
    [219, 222],
    [226, 226],
    [242, 242],
    [
      250,
      251,
    ],
  ],
  [
    [0, 95],
    [99, 109],
    [111, 121],
    [123, 123],
    [125, 126],
    [129, 140],
    [142, 144],
    [146, 169],
    [
      171,
      182,
    ],
    [184, 223],
    [227, 237],
    [239, 249],
    [251, 251],
    [253, 253],
  ],
];

export const miscHandlers: HandlerEntry[] = [
  on(P.REMOTE_PROC_DOMAIN_SET_USER_PASSWORD, (
    c,
    a,
  ) => {
    if (a.user === null) {
      throw apiInvalidArg(
        "virDomainSetUserPassword",
        "user",
        "user in virDomainSetUserPassword must not be NULL",
      );
    }
    checkFlags("testDomainSetUserPassword", a.flags, 1);
    c.domain(a.dom, (o) => {
      if (!isActive(o)) throw notActive();
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_INJECT_NMI, (c, a) => {
    checkFlags("testDomainInjectNMI", a.flags, 0);
    c.domain(a.dom, (o) => {
      if (!isActive(o)) throw notActive();
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_SEND_KEY, (
    c,
    a,
  ) => {
    const fn = "virDomainSendKey";
    if (a.keycodes.length === 0) {
      // An empty array arrives as a NULL pointer.
      throw apiInvalidArg(fn, "keycodes", `keycodes in ${fn} must not be NULL`);
    }
    if (a.codeset >= KEYCODE_SETS.length) {
      throw apiInvalidArg(fn, "codeset", `Unsupported codeset '${a.codeset}'`);
    }
    checkFlags("testDomainSendKey", a.flags, 0);
    c.domain(a.dom, (o) => {
      if (!isActive(o)) throw notActive();
      const ranges = KEYCODES[a.codeset]!;
      for (const k of a.keycodes) {
        if (!ranges.some(([lo, hi]) => k >= lo && k <= hi)) {
          throw testError(
            VIR_ERR_INTERNAL_ERROR,
            `invalid keycode ${k} of ${KEYCODE_SETS[a.codeset]} codeset`,
          );
        }
      }
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_SEND_PROCESS_SIGNAL, (c, a) => {
    checkFlags("testDomainSendProcessSignal", a.flags, 0);
    if (a.pid_value !== 1n) {
      throw testError(VIR_ERR_INVALID_ARG, "only sending a signal to pid 1 is supported");
    }
    if (a.signum >= 65) {
      throw testError(VIR_ERR_INVALID_ARG, `signum value ${a.signum} is out of range`);
    }
    c.domain(a.dom, () => undefined);
  }),
  on(P.REMOTE_PROC_DOMAIN_MEMORY_PEEK, (c, a) => {
    if (a.size > 4194304) throw rpcLimit("size > maximum buffer size");
    checkFlags("testDomainMemoryPeek", a.flags, 1 | 2);
    if (a.flags !== 1 && a.flags !== 2) {
      throw testError(
        VIR_ERR_INVALID_ARG,
        "flags parameter must be VIR_MEMORY_VIRTUAL or VIR_MEMORY_PHYSICAL",
      );
    }
    return c.domain(a.dom, (o) => {
      if (!isActive(o)) throw notActive();
      const buffer = new Uint8Array(a.size);
      const b = Number(a.offset & 0xffn);
      for (let i = 0; i < a.size; i++) buffer[i] = (b + i) & 0xff;
      return { buffer };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_SET_LIFECYCLE_ACTION, (c, a) => {
    checkLifecycleArgs(a.type, a.action);
    checkFlags(
      "testDomainSetLifecycleAction",
      a.flags,
      VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG,
    );
    const action = allowedLifecycleAction(a.type, a.action);
    c.domain(a.dom, (o, x) => {
      const { live, config } = bothDefs(o, a.flags);
      for (const def of [live, config]) {
        if (!def) continue;
        setLifecycleAction(def, a.type, action);
      }
      x.save();
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_SET_MEMORY_STATS_PERIOD, (c, a) => {
    if (a.period < 0) {
      throw apiInvalidArg(
        "virDomainSetMemoryStatsPeriod",
        "period",
        "period in virDomainSetMemoryStatsPeriod must be greater than or equal to 0",
      );
    }
    checkFlags(
      "testDomainSetMemoryStatsPeriod",
      a.flags,
      VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG,
    );
    c.domain(a.dom, (o, x) => {
      const { def } = oneDef(o, a.flags);
      const mb = def.devices.memballoon;
      if (!mb || mb.model === "none") {
        throw testError(
          VIR_ERR_INTERNAL_ERROR,
          "No memory balloon device configured, can not set the collection period",
        );
      }
      mb.statsPeriod = a.period;
      x.save();
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_RENAME, (c, a) => {
    if (a.new_name === null) {
      throw apiInvalidArg(
        "virDomainRename",
        "new_name",
        "new_name in virDomainRename must not be NULL",
      );
    }
    const newName = a.new_name;
    checkFlags("testDomainRename", a.flags, 0);
    c.domain(a.dom, (o, x) => {
      if (isActive(o)) throw testError(VIR_ERR_OPERATION_INVALID, "cannot rename active domain");
      if (!o.persistent) {
        throw testError(VIR_ERR_OPERATION_INVALID, "cannot rename a transient domain");
      }
      if (o.def.name === newName) {
        throw VirError.of(
          VIR_ERR_OPERATION_INVALID,
          VIR_FROM_DOMAIN,
          "Can't rename domain to itself",
        );
      }
      if (x.dir.domains.some((e) => e.name === newName)) {
        throw VirError.of(
          VIR_ERR_OPERATION_INVALID,
          VIR_FROM_DOMAIN,
          `domain with name '${newName}' already exists`,
        );
      }
      if (newName.includes("/")) {
        throw testError(VIR_ERR_XML_ERROR, `name ${newName} cannot contain '/'`);
      }
      const old = stoppedRef(x.entry);
      c.lifecycle(x.dir, old, VIR_DOMAIN_EVENT_UNDEFINED, VIR_DOMAIN_EVENT_UNDEFINED_RENAMED);
      o.def.name = newName;
      x.entry.name = newName;
      x.save();
      x.saveDir();
      c.lifecycle(
        x.dir,
        stoppedRef(x.entry),
        VIR_DOMAIN_EVENT_DEFINED,
        VIR_DOMAIN_EVENT_DEFINED_RENAMED,
      );
    }, { dir: true });
    return { retcode: 0 };
  }),
  // No descriptors cross a Unix socket here: the same as without files.
  on(P.REMOTE_PROC_DOMAIN_CREATE_WITH_FILES, (c, a) => ({ dom: create(c, a.dom, a.flags) })),
  on(P.REMOTE_PROC_DOMAIN_CREATE_XML_WITH_FILES, (c, a) => createXML(c, a.xml_desc, a.flags)),
];
