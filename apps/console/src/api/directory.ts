import { type Member, type Role, type Team, allPages, answer, warden } from './warden-api';

// The organization's lists that pickers and names come from: roles, teams, service accounts.
// A principal that may not read one gets an empty list (the API refused; nothing to offer).

export async function roleCatalogue(): Promise<Role[]> {
  const byApplication = await answer(warden.GET('/api/v1/roles')).catch(() => ({}) as Record<string, Role[]>);
  return Object.values(byApplication).flat();
}

export function allTeams(): Promise<Team[]> {
  return allPages((page) => answer(warden.GET('/api/v1/teams', { params: { query: { page, page_size: 200 } } }))).catch(() => []);
}

export async function serviceAccounts(): Promise<Member[]> {
  const ofType = (account_type: 'service_internal' | 'service_external') =>
    allPages((page) => answer(warden.GET('/api/v1/users', { params: { query: { page, page_size: 200, account_type, sort: 'name' } } })));
  const [internal, external] = await Promise.all([ofType('service_internal'), ofType('service_external')]);
  return [...internal, ...external].sort((a, b) => a.name.localeCompare(b.name));
}
