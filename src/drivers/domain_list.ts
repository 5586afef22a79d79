/**
 * What every driver's domain list checks when a definition comes in
 * (libvirt's virDomainObjListAdd): a name already taken by another UUID, or a
 * UUID already defined under another name, is refused with libvirt's errors.
 *
 * @module
 */

import { VirError } from "../rpc/error.ts";
import { VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN } from "../rpc/error_codes.ts";

/**
 * The entry `def` redefines (same name and UUID), or undefined for a new
 * domain; throws when the name or the UUID belongs to another domain.
 */
export function findRedefined<E extends { name: string; uuid: string }>(
  list: readonly E[],
  def: { name: string; uuid: string },
): E | undefined {
  // The UUID is looked at first, then the name (virDomainObjListAddLocked's order).
  const sameUuid = list.find((e) => e.uuid === def.uuid);
  if (sameUuid) {
    if (sameUuid.name !== def.name) {
      throw VirError.of(
        VIR_ERR_OPERATION_FAILED,
        VIR_FROM_DOMAIN,
        `domain '${sameUuid.name}' is already defined with uuid ${def.uuid}`,
      );
    }
    return sameUuid;
  }
  const sameName = list.find((e) => e.name === def.name);
  if (sameName) {
    throw VirError.of(
      VIR_ERR_OPERATION_FAILED,
      VIR_FROM_DOMAIN,
      `domain '${def.name}' already exists with uuid ${sameName.uuid}`,
    );
  }
  return undefined;
}
