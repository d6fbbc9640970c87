import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { APP_CONFIG_SCHEMAS, renderConfigReference, withConfigReference } from './config-reference';

const README = path.resolve(__dirname, '../../README.md');

describe('the configuration reference', () => {
  it('is in README.md exactly as rendered from the config schemas', () => {
    const readme = readFileSync(README, 'utf8');
    expect(withConfigReference(readme)).toBe(readme);
  });

  it('names every variable every app validates, once', () => {
    const rendered = renderConfigReference();
    for (const { schema } of APP_CONFIG_SCHEMAS) {
      for (const name of Object.keys(schema.shape)) expect(rendered.split(`| \`${name}\` |`)).toHaveLength(2);
    }
  });

  it('tells shared variables from per-app ones, and per-app defaults apart', () => {
    const rendered = renderConfigReference([
      { app: 'a', schema: z.object({ SHARED: z.string().default('x').describe('Both'), PORT: z.coerce.number().default(1).describe('Port') }) },
      { app: 'b', schema: z.object({ SHARED: z.string().default('x').describe('Both'), PORT: z.coerce.number().default(2).describe('Port'), KEY: z.string().describe('A | key') }) },
    ]);
    expect(rendered.split('\n')).toEqual([
      '| variable | default | what | used by |',
      '|---|---|---|---|',
      '| `KEY` | required | A \\| key | b |',
      '| `PORT` | `1` (a), `2` (b) | Port | all |',
      '| `SHARED` | `x` | Both | all |',
    ]);
  });

  it('refuses a README without the markers', () => {
    expect(() => withConfigReference('# no block here')).toThrow(/config:start/);
  });
});
