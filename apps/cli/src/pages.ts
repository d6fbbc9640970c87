import type { Page } from '@warden/contracts';
import { QueryValue, WardenApi } from './warden-api';

// The largest page the API serves (MAX_PAGE_SIZE in the contracts), so a listing takes few requests.
const PAGE_SIZE = 200;

/** Every result of a paginated list route, page after page until `next` is null. */
export async function listAll<T>(api: WardenApi, path: string, query: Record<string, QueryValue> = {}): Promise<T[]> {
  const results: T[] = [];
  for (let page = 1; ; page++) {
    const answer = await api.get<Page<T>>(path, { ...query, page, page_size: PAGE_SIZE });
    results.push(...answer.results);
    if (answer.pagination.next === null || answer.results.length === 0) return results;
  }
}
