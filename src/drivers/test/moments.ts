/**
 * The test driver's checkpoint tree over the moment list every driver
 * shares (src/drivers/moments.ts).
 *
 * @module
 */

import { Moments } from "../moments.ts";
import type { CheckpointObj, DomainObj } from "./state.ts";

export { checkCycles, Snapshots } from "../moments.ts";

export class Checkpoints extends Moments<CheckpointObj> {
  constructor(o: DomainObj) {
    super(
      o.checkpoints ??= [],
      o.checkpointRoots ??= [],
      () => o.currentCheckpoint ?? null,
      (n) => (o.currentCheckpoint = n),
    );
  }
}
