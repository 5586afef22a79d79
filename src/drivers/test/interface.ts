// The test driver's interface procedures (being written).

import type { TestFamily } from "./state.ts";

export const interfaceFamily: TestFamily = {
  handlers: [],
  populate() {},
};
