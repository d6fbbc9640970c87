import { USER_SORT_KEYS, UserSortKey } from '@warden/contracts';

export interface UserSort {
  key: UserSortKey;
  descending: boolean;
}

// The members' columns sort by name, type, role, teams, status, last active and created.
// `-created` or `sort=created&direction=desc` sort descending; a `-` prefix wins over `direction`.
export function parseUserSort(sort?: string, direction?: 'asc' | 'desc'): UserSort {
  if (sort === undefined) return { key: 'name', descending: direction === 'desc' };
  const descending = sort.startsWith('-') || direction === 'desc';
  const key = sort.replace(/^-/, '');
  if (!(USER_SORT_KEYS as readonly string[]).includes(key)) throw new RangeError(`unknown sort key ${key}`);
  return { key: key as UserSortKey, descending };
}

/**
 * The name a listing shows (friendly name, else first and last name, else username), in lower
 * case: the listing's stored column (see the listing migrations), which its index orders.
 */
export const LISTED_NAME = 'listed_name';

/** What each key sorts by; `teamsTable` is the listing's teams, whose names the teams column shows. */
function sortExpression(key: UserSortKey, teamsTable: string): string {
  switch (key) {
    case 'name':
      return LISTED_NAME;
    case 'account_type':
      return 'account_type';
    case 'role':
      return `array_to_string(roles, ',')`;
    case 'teams':
      // The team names as the column shows them, in order; no team sorts last.
      return `(SELECT string_agg(lower(t.name), ',' ORDER BY lower(t.name)) FROM ${teamsTable} t WHERE t.id::text = ANY(teams))`;
    case 'status':
      return 'status';
    case 'last_active':
      return 'last_active_at';
    case 'created':
      return 'created_at';
  }
}

/**
 * ORDER BY for a listing query; the id breaks ties so pages never overlap. Nulls (never
 * active, no team) sort last. The listed name is never null: its order is left as the index
 * has it in both directions (forwards and backwards), so a page is read off the index.
 */
export function orderByClause(sort: UserSort, teamsTable: string): string {
  const direction = sort.descending ? 'DESC' : 'ASC';
  const nulls = sort.key === 'name' ? '' : ' NULLS LAST';
  return `ORDER BY ${sortExpression(sort.key, teamsTable)} ${direction}${nulls}, id ${direction}`;
}
