import { EventStore } from '@warden/event-store';
import { loadState } from '@warden/kernel';
import { RoleDefinition, isDefaultRoleName, roleDecider, roleStreamId, toRoleDefinition } from '@warden/users-domain';

/**
 * The definitions of the custom roles among `names`, read from their streams (so an
 * assignment sees a role created a moment ago); unknown names are left out.
 */
export async function loadCustomRoles(
  store: EventStore,
  organizationId: string,
  names: readonly string[],
): Promise<RoleDefinition[]> {
  const custom = [...new Set(names)].filter((name) => !isDefaultRoleName(name));
  const loaded = await Promise.all(custom.map((name) => loadState(store, roleDecider, roleStreamId(organizationId, name))));
  return loaded.flatMap(({ state }) => (state.status === 'absent' ? [] : [toRoleDefinition(state)]));
}
