// The test driver's nodedev procedures (being written).

import type { TestFamily } from "./state.ts";

export const nodedevFamily: TestFamily = {
  handlers: [],
  populate() {},
};
