// `npm run golden-events`: records the golden events this repository lacks. Starts the built
// services in a database of their own, drives them through every event type
// (every-event-type.ts), and writes, for each event type and version of its shape that has
// no golden file yet, the stored events that together show every key of its data. An
// existing golden file is never changed: golden events are fixtures for ever.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { RecordedEvent } from '@warden/event-store';
import { PostgresEventStore } from '@warden/event-store-postgres';
import { goldenFileName, keyPaths, pollUntil, silentStoreLogger, startSystem } from '@warden/testing';
import { storeEveryEventType } from './every-event-type';

const ROOT = path.resolve(__dirname, '../..');
// Each service's schema, and where its context keeps its golden events.
const CONTEXTS = [
  { schema: 'users', directory: 'libs/users/domain/golden-events' },
  { schema: 'tokens', directory: 'libs/tokens/domain/golden-events' },
  { schema: 'webhooks', directory: 'apps/webhooks-service/golden-events' },
];

async function storedEvents(databaseUrl: string, schema: string): Promise<RecordedEvent[]> {
  const store = await PostgresEventStore.connect({ connectionString: databaseUrl, schema, logger: silentStoreLogger, poolSize: 2 });
  try {
    const events: RecordedEvent[] = [];
    for (let page = await store.readAll({ limit: 500 }); page.length > 0; page = await store.readAll({ after: page[page.length - 1]!.position, limit: 500 })) {
      events.push(...page);
    }
    return events;
  } finally {
    await store.close();
  }
}

/** The fewest of `events` (richest first, then oldest) that show every key path any of them has. */
export function showingEveryKey(events: RecordedEvent[]): RecordedEvent[] {
  const all = new Set(events.flatMap((event) => keyPaths(event.data)));
  const shown = new Set<string>();
  const chosen: RecordedEvent[] = [];
  const richestFirst = [...events].sort((a, b) => keyPaths(b.data).length - keyPaths(a.data).length);
  for (const event of richestFirst) {
    if (shown.size === all.size) break;
    const paths = keyPaths(event.data);
    if (paths.every((key) => shown.has(key)) && chosen.length > 0) continue;
    chosen.push(event);
    for (const key of paths) shown.add(key);
  }
  return chosen;
}

async function main(): Promise<void> {
  // A retry window of a second: the failing webhook is disabled while the recording runs.
  const system = await startSystem({
    TOKEN_LAST_USED_FLUSH_MS: '200',
    TOKEN_USE_FLUSH_INTERVAL_MS: '500',
    EXPIRY_SCHEDULER_INTERVAL_MS: '500',
    WEBHOOKS_RETRY_INITIAL_MS: '100',
    WEBHOOKS_RETRY_MAX_MS: '200',
    WEBHOOKS_RETRY_WINDOW_SECONDS: '1',
  });
  try {
    await storeEveryEventType(system);
    const databaseUrl = system.env['DATABASE_URL']!;
    await pollUntil(async () => (await storedEvents(databaseUrl, 'tokens')).some((event) => event.type === 'TokenUsed'), 'a TokenUsed event', 30_000, 250);
    await pollUntil(async () => (await storedEvents(databaseUrl, 'tokens')).some((event) => event.type === 'TokenExpired'), 'a TokenExpired event', 30_000, 250);
    await pollUntil(
      async () => (await storedEvents(databaseUrl, 'webhooks')).some((event) => event.type === 'WebhookSubscriptionDisabled'),
      'a WebhookSubscriptionDisabled event',
      30_000,
      250,
    );
    for (const { schema, directory } of CONTEXTS) {
      const byFile = new Map<string, RecordedEvent[]>();
      for (const event of await storedEvents(databaseUrl, schema)) {
        const name = goldenFileName(event.type, event.schemaVersion);
        byFile.set(name, [...(byFile.get(name) ?? []), event]);
      }
      mkdirSync(path.join(ROOT, directory), { recursive: true });
      for (const [name, events] of [...byFile].sort(([a], [b]) => a.localeCompare(b))) {
        const file = path.join(ROOT, directory, name);
        if (existsSync(file)) continue;
        writeFileSync(file, `${JSON.stringify(showingEveryKey(events), null, 2)}\n`);
        console.log(`recorded ${path.join(directory, name)}`);
      }
    }
  } finally {
    await system.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
