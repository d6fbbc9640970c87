import type { WardenSchema } from '@warden/api-client';

// The largest page the API serves (MAX_PAGE_SIZE in the contracts), so a listing takes few requests.
export const PAGE_SIZE = 200;

/** Every result of a paginated list route, page after page until `next` is null. */
export async function listAll<T>(
  pageOf: (page: number) => Promise<{ pagination: WardenSchema<'Pagination'>; results: T[] }>,
): Promise<T[]> {
  const results: T[] = [];
  for (let page = 1; ; page++) {
    const answer = await pageOf(page);
    results.push(...answer.results);
    if (answer.pagination.next === null || answer.results.length === 0) return results;
  }
}
