import { orderByClause, parseUserSort } from './user-sort';

describe('parseUserSort', () => {
  it.each([
    [undefined, undefined, { key: 'name', descending: false }],
    [undefined, 'desc', { key: 'name', descending: true }],
    ['created', undefined, { key: 'created', descending: false }],
    ['-created', undefined, { key: 'created', descending: true }],
    ['last_active', 'desc', { key: 'last_active', descending: true }],
    ['-role', 'asc', { key: 'role', descending: true }],
    ['teams', undefined, { key: 'teams', descending: false }],
    ['-status', undefined, { key: 'status', descending: true }],
  ] as const)('sort=%s direction=%s', (sort, direction, expected) => {
    expect(parseUserSort(sort, direction)).toEqual(expected);
  });

  it('refuses an unknown key', () => {
    expect(() => parseUserSort('password')).toThrow(RangeError);
  });

  it('breaks ties by id in the same direction, never-active users last', () => {
    expect(orderByClause({ key: 'last_active', descending: true }, 'w.team_listing')).toBe('ORDER BY last_active_at DESC NULLS LAST, id DESC');
  });

  it('sorts by the names of the teams the column shows, read from the listing\'s teams', () => {
    expect(orderByClause({ key: 'teams', descending: false }, 'w.team_listing')).toBe(
      "ORDER BY (SELECT string_agg(lower(t.name), ',' ORDER BY lower(t.name)) FROM w.team_listing t WHERE t.id::text = ANY(teams)) ASC NULLS LAST, id ASC",
    );
  });
});
