// Schema names come from configuration, so they are quoted, never pasted into SQL.
import { createHash } from 'node:crypto';

// PostgreSQL silently truncates longer identifiers, which would make two names one.
const MAX_IDENTIFIER_BYTES = 63;

export function quoteIdentifier(name: string): string {
  if (name.length === 0 || name.includes('\0'))
    throw new RangeError(`invalid SQL identifier ${JSON.stringify(name)}`);
  if (Buffer.byteLength(name) > MAX_IDENTIFIER_BYTES)
    throw new RangeError(`SQL identifier longer than ${MAX_IDENTIFIER_BYTES} bytes: ${name}`);
  return `"${name.replace(/"/g, '""')}"`;
}

// standard_conforming_strings is on (the default since 9.1): only quotes need doubling.
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new RangeError('a SQL literal cannot hold NUL');
  return `'${value.replace(/'/g, "''")}'`;
}

/** The NOTIFY channel of a schema's events: readable when it fits, hashed when it does not. */
export function appendChannel(schema: string): string {
  const readable = `events.${schema}`;
  if (Buffer.byteLength(readable) <= MAX_IDENTIFIER_BYTES) return readable;
  return `events.${createHash('sha256').update(schema).digest('hex').slice(0, 40)}`;
}
