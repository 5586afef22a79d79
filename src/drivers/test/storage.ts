// The test driver's storage procedures (being written).

import type { TestFamily } from "./state.ts";

export const storageFamily: TestFamily = {
  handlers: [],
  populate() {},
};
