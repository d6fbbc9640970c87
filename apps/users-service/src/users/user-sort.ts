import { USER_SORT_KEYS, UserSortKey } from '@warden/contracts';

export interface UserSort {
  key: UserSortKey;
  descending: boolean;
}

// Seed 002 sorts by name, type, role, last active and created. `-created` or
// `sort=created&direction=desc` sort descending; a `-` prefix wins over `direction`.
export function parseUserSort(sort?: string, direction?: 'asc' | 'desc'): UserSort {
  if (sort === undefined) return { key: 'name', descending: direction === 'desc' };
  const descending = sort.startsWith('-') || direction === 'desc';
  const key = sort.replace(/^-/, '');
  if (!(USER_SORT_KEYS as readonly string[]).includes(key)) throw new RangeError(`unknown sort key ${key}`);
  return { key: key as UserSortKey, descending };
}

/** The name a listing shows (friendly name, else first and last name, else username), in lower case. */
export const LISTED_NAME = `lower(coalesce(friendly_name, nullif(trim(concat_ws(' ', first_name, last_name)), ''), username))`;

const SORT_EXPRESSIONS: Record<UserSortKey, string> = {
  name: LISTED_NAME,
  account_type: 'account_type',
  role: `array_to_string(roles, ',')`,
  last_active: 'last_active_at',
  created: 'created_at',
};

/** ORDER BY for a listing query; the id breaks ties so pages never overlap. Nulls (never active) sort last. */
export function orderByClause(sort: UserSort): string {
  const direction = sort.descending ? 'DESC' : 'ASC';
  return `ORDER BY ${SORT_EXPRESSIONS[sort.key]} ${direction} NULLS LAST, id ${direction}`;
}
