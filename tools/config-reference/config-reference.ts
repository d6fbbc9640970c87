// The configuration reference of README.md, rendered from the apps' own config schemas so
// it cannot drift from what the apps validate at boot. `config-reference.spec.ts` fails
// when README.md differs; `npm run docs:config` rewrites the block.
import { describeConfig } from '@warden/platform';
import { serviceConfigSchema } from '@warden/runtime';
import type { z } from 'zod';
import { gatewayConfigSchema } from '../../apps/gateway/src/gateway-config';
import { tokensConfigSchema } from '../../apps/tokens-service/src/tokens-config';
import { usersConfigSchema } from '../../apps/users-service/src/users-config';
import { webhooksConfigSchema } from '../../apps/webhooks-service/src/webhooks-config';

export const CONFIG_START = '<!-- config:start -->';
export const CONFIG_END = '<!-- config:end -->';

/** Every app and the whole schema it validates at boot (shared fragments included). */
export const APP_CONFIG_SCHEMAS: ReadonlyArray<{ app: string; schema: z.AnyZodObject }> = [
  { app: 'gateway', schema: gatewayConfigSchema },
  { app: 'users-service', schema: serviceConfigSchema(3001).merge(usersConfigSchema) },
  { app: 'tokens-service', schema: tokensConfigSchema },
  { app: 'audit-service', schema: serviceConfigSchema(3003) },
  { app: 'webhooks-service', schema: webhooksConfigSchema },
];

interface Row {
  name: string;
  description: string;
  defaults: Map<string, string[]>;
  apps: string[];
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/</g, '&lt;');
const REQUIRED = 'required';
const UNSET = 'unset';
const code = (value: string) => (value === REQUIRED || value === UNSET ? value : `\`${value}\``);

function defaultCell(row: Row): string {
  const entries = [...row.defaults.entries()];
  if (entries.length === 1 && entries[0]![1].length === row.apps.length) return code(entries[0]![0]);
  return entries.map(([value, apps]) => `${code(value)} (${apps.join(', ')})`).join(', ');
}

export function renderConfigReference(schemas = APP_CONFIG_SCHEMAS): string {
  const rows = new Map<string, Row>();
  for (const { app, schema } of schemas) {
    for (const variable of describeConfig(schema)) {
      const row: Row = rows.get(variable.name) ?? { name: variable.name, description: variable.description, defaults: new Map<string, string[]>(), apps: [] };
      const value = variable.default ?? (variable.required ? REQUIRED : UNSET);
      row.defaults.set(value, [...(row.defaults.get(value) ?? []), app]);
      row.apps.push(app);
      rows.set(variable.name, row);
    }
  }
  const all = schemas.length;
  const lines = ['| variable | default | what | used by |', '|---|---|---|---|'];
  for (const row of [...rows.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    const usedBy = row.apps.length === all ? 'all' : row.apps.join(', ');
    lines.push(`| \`${row.name}\` | ${cell(defaultCell(row))} | ${cell(row.description)} | ${usedBy} |`);
  }
  return lines.join('\n');
}

/** README.md's text with the block between the markers replaced by the rendering. */
export function withConfigReference(readme: string, rendered = renderConfigReference()): string {
  const start = readme.indexOf(CONFIG_START);
  const end = readme.indexOf(CONFIG_END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${CONFIG_START} ... ${CONFIG_END} block`);
  return `${readme.slice(0, start + CONFIG_START.length)}\n${rendered}\n${readme.slice(end)}`;
}
