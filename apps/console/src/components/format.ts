// How times, account types and lists read on every screen.

export const ACCOUNT_TYPE_LABELS: Readonly<Record<string, string>> = {
  user: 'User',
  service_internal: 'Service Internal',
  service_external: 'Service External',
};

export function when(iso: string | null | undefined, never = 'Never'): string {
  if (!iso) return never;
  return new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}

export function list(values: readonly string[] | null | undefined, empty = '—'): string {
  return values && values.length > 0 ? values.join(', ') : empty;
}

/** An instant as a datetime-local input's value (to the second), in the browser's time zone. */
export function toLocalInput(date: Date): string {
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 19);
}

export function seconds(total: number | null | undefined): string {
  if (total === null || total === undefined) return 'No limit';
  if (total % 86_400 === 0) return `${total / 86_400} day${total === 86_400 ? '' : 's'}`;
  if (total % 3600 === 0) return `${total / 3600} hour${total === 3600 ? '' : 's'}`;
  return `${total} seconds`;
}
