// The printed table, the machine line, and the figures section of BENCHMARKS.md.
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import Redis from 'ioredis';
import { connect } from 'nats';
import { Client } from 'pg';
import { TEST_DATABASE_URL, TEST_NATS_URL, TEST_REDIS_URL } from '@warden/testing';
import type { Row } from './context';

export async function machine(): Promise<string> {
  const pg = new Client({ connectionString: TEST_DATABASE_URL });
  await pg.connect();
  const postgres = (await pg.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
  await pg.end();
  const redis = new Redis(TEST_REDIS_URL);
  const redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1];
  redis.disconnect();
  const nc = await connect({ servers: TEST_NATS_URL });
  const natsVersion = nc.info?.version;
  await nc.close();
  const cpus = os.cpus();
  return (
    `${cpus.length} cores (${cpus[0]?.model.trim()}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB memory; ` +
    `Node ${process.version}, PostgreSQL ${postgres}, Redis ${redisVersion}, NATS ${natsVersion}`
  );
}

export const loadAverage = () => os.loadavg()[0]!.toFixed(2);

const cell = (text: string) => text.replace(/\|/g, '\\|');

export function table(rows: Row[]): string {
  const lines = [
    '| benchmark | the system | figure: median (min-max) | baseline in the same run | baseline figure | ratio | target | verdict |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const row of rows) {
    const verdict = row.verdict === 'missed' ? '**missed**' : row.verdict;
    lines.push(`| ${[row.benchmark, row.system, row.systemFigure, row.baseline, row.baselineFigure, row.ratio, row.target, verdict].map(cell).join(' | ')} |`);
  }
  const notes = rows.filter((row) => row.note).map((row) => `- ${row.benchmark}: ${row.note}`);
  return notes.length > 0 ? `${lines.join('\n')}\n\n${notes.join('\n')}` : lines.join('\n');
}

export const FIGURES_START = '<!-- figures:start (rewritten by npm run bench) -->';
export const FIGURES_END = '<!-- figures:end -->';

export async function rewriteFigures(file: string, figures: string): Promise<void> {
  const current = await readFile(file, 'utf8').catch(() => `# Benchmarks\n\n${FIGURES_START}\n${FIGURES_END}\n`);
  const start = current.indexOf(FIGURES_START);
  const end = current.indexOf(FIGURES_END);
  if (start < 0 || end < start) throw new Error(`${file} lacks the ${FIGURES_START} ... ${FIGURES_END} markers`);
  await writeFile(file, `${current.slice(0, start + FIGURES_START.length)}\n${figures}\n${current.slice(end)}`);
}
