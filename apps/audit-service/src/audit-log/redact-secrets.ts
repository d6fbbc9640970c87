// The audit log keeps what happened, never a credential: a field whose name says it holds
// a secret (a password, its hash, a token secret or hash, a login key) is dropped before
// the record is written. Identifiers such as `tokenId` are kept.
const SECRET_FIELD = /(password|secret|passphrase|credential|private_?key|api_?key|^key$|hash$|^token$|_token$|Token$)/i;
const KEPT_FIELD = /(token_?id|tokenIds?|token_?prefix|last_?four|hash_?algorithm)$/i;

export const REDACTED = '[redacted]';

export function isSecretField(name: string): boolean {
  return SECRET_FIELD.test(name) && !KEPT_FIELD.test(name);
}

export function redactSecrets<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item)) as T;
  if (value === null || typeof value !== 'object') return value;
  const copy: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(value as Record<string, unknown>)) {
    copy[name] = isSecretField(name) ? REDACTED : redactSecrets(field);
  }
  return copy as T;
}
