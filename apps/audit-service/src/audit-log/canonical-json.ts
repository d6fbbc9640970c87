// One serialization per value, whatever order its keys were built or stored in: object
// keys sorted (by UTF-16 code units, as Array.prototype.sort does) at every depth, no
// whitespace. PostgreSQL's jsonb reorders keys, so a hash over plain JSON.stringify would
// not survive a round trip through the audit table.
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`cannot serialize ${value} canonically`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item === undefined ? null : item)).join(',')}]`;
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, field]) => field !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([key, field]) => `${JSON.stringify(key)}:${canonicalJson(field)}`).join(',')}}`;
    }
    default:
      throw new TypeError(`cannot serialize a ${typeof value} canonically`);
  }
}
