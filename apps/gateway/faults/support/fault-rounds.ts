// One fault under the mixed load, and what follows it, shared by the fault tier and the cluster
// tier: the load runs, the fault is injected, every instance the tier watches must be ready
// again on its own, the load runs on, then the checks (nothing answered as done lost, no
// partial effect, the credential read model equal to the store, no false accept, no hang, a
// problem document for every error) and a row of the tier's report.
import { readFileSync, writeFileSync } from 'node:fs';
import type { RedisClient } from '@warden/redis';
import { ApiClient, RunningSystem, SERVICE_APPS, ServiceApp, pollUntil } from '@warden/testing';
import type { Client } from 'pg';
import { HealthWatch } from './health-watch';
import { MixedLoad } from './mixed-load';
import { checkLedger, credentialReadModelDifferences, eventsMissingFromAudit } from './system-checks';
import { VerificationPool } from './verification-pool';

export interface FaultRow {
  fault: string;
  commands: number;
  succeeded: number;
  errors: string;
  hung: number;
  lost: number;
  appliedDespiteError: number;
  falseAccepts: number;
  recoveredMs: number;
  health: string;
}

export interface FaultRoundsOptions {
  load: MixedLoad;
  loadLoops: number;
  verifiers: VerificationPool;
  health: HealthWatch;
  /** The test's own connection to the system's database (a getter: a fault may replace it). */
  pg: () => Client;
  redis: RedisClient;
  keyPrefix: string;
  usersBefore: number;
  /** Instances not ready now, each as `name: status`, and what each last logged; empty when all are. */
  notReady: () => Promise<{ instance: string; logs: string[] }[]>;
  loadBeforeFaultMs?: number;
  loadAfterRecoveryMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class FaultRounds {
  readonly rows: FaultRow[] = [];

  constructor(private readonly options: FaultRoundsOptions) {}

  /** Waits until every watched instance is ready again (ok, or degraded and serving); the time since `since`. */
  async recovered(since: number): Promise<number> {
    let notReady: { instance: string; logs: string[] }[] = [];
    await pollUntil(async () => (notReady = await this.options.notReady()).length === 0, 'every app to be ready again', 60_000, 100).catch((error: unknown) => {
      // which instance, and what it last logged: the failure names its cause
      const logs = notReady.map(({ instance, logs }) => `${instance}\n${logs.slice(-8).join('\n')}`);
      throw new Error(`${String(error)}; not ready: ${notReady.map(({ instance }) => instance).join(', ')}\n${logs.join('\n')}`);
    });
    return Date.now() - since;
  }

  /** Runs a fault under load, lets the system recover, then checks everything and records a row. */
  async underLoad(fault: string, inject: () => Promise<void>, expectTrouble: Partial<Record<ServiceApp, true>>): Promise<void> {
    const { load, loadLoops, verifiers, health, pg, redis, keyPrefix, usersBefore } = this.options;
    const firstOutcome = load.outcomes.length;
    load.start(loadLoops);
    await sleep(this.options.loadBeforeFaultMs ?? 1500);
    health.reset();
    const injected = Date.now();
    await inject();
    const recoveredMs = await this.recovered(injected);
    const trouble = Object.fromEntries(SERVICE_APPS.map((app) => [app, health.trouble(app)]));
    await sleep(this.options.loadAfterRecoveryMs ?? 1500);
    await load.pause();

    // the audit service catches up on its own, and the read model is right, within bounds
    let missing = -1;
    await pollUntil(async () => (missing = await eventsMissingFromAudit(pg())) === 0, 'the audit log to hold every stored event', 30_000, 250).catch(() => undefined);
    let differences: string[] = [];
    await pollUntil(async () => (differences = await credentialReadModelDifferences(pg(), redis, keyPrefix)).length === 0, 'the read model to equal the store', 20_000, 250).catch(() => undefined);
    const ledger = await checkLedger(pg(), load, usersBefore);
    const { falseAccepts } = await verifiers.counts();

    const outcomes = load.outcomes.slice(firstOutcome);
    const errors = new Map<string, number>();
    for (const outcome of outcomes.filter((o) => !o.ok)) {
      const label = outcome.status === 0 ? (outcome.hung ? 'hung' : 'no connection') : `${outcome.status} ${outcome.code ?? '(no code)'}`;
      errors.set(label, (errors.get(label) ?? 0) + 1);
    }
    this.rows.push({
      fault,
      commands: outcomes.length,
      succeeded: outcomes.filter((o) => o.ok).length,
      errors: [...errors].map(([label, n]) => `${label}: ${n}`).join(', ') || 'none',
      hung: outcomes.filter((o) => o.hung).length,
      lost: ledger.lost.length + Math.max(0, missing),
      appliedDespiteError: ledger.appliedDespiteError,
      falseAccepts: falseAccepts.length,
      recoveredMs,
      health: SERVICE_APPS.map((app) => `${app}: ${trouble[app]!.join('/') || 'ok'}`).join('; '),
    });

    expect(ledger.lost).toEqual([]);
    expect(missing).toBe(0);
    expect(differences).toEqual([]);
    expect(falseAccepts).toEqual([]);
    // an error answer is a problem document with a code, or no connection (a gateway down), never a hang
    expect(outcomes.filter((o) => o.hung)).toEqual([]);
    expect(outcomes.filter((o) => !o.ok && o.status !== 0 && (o.status < 400 || o.code === null))).toEqual([]);
    // load went on after recovery
    expect(outcomes.filter((o) => o.ok).length).toBeGreaterThan(0);
    for (const app of Object.keys(expectTrouble) as ServiceApp[]) expect({ app, trouble: trouble[app]!.length > 0 }).toEqual({ app, trouble: true });
  }

  /** The report: totals, then a table of one row per fault. */
  summary(verifications: number): string[] {
    const rows = this.rows;
    const total = (pick: (row: FaultRow) => number) => rows.reduce((sum, row) => sum + pick(row), 0);
    return [
      `Faults injected: ${rows.length}; commands under load: ${total((r) => r.commands)} (${total((r) => r.succeeded)} succeeded); ` +
        `verifications: ${verifications}; lost: ${total((r) => r.lost)}; false accepts: ${total((r) => r.falseAccepts)}; ` +
        `hung: ${total((r) => r.hung)}; errors applied in full: ${total((r) => r.appliedDespiteError)}`,
      '',
      '| fault | commands | succeeded | errors answered | lost | false accepts | back to ok (ms) | health meanwhile |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
      ...rows.map((r) => `| ${r.fault} | ${r.commands} | ${r.succeeded} | ${r.errors} | ${r.lost} | ${r.falseAccepts} | ${r.recoveredMs} | ${r.health} |`),
    ];
  }
}

/** Writes the report's lines between `<!-- marker:start -->` and `<!-- marker:end -->` of a file; a file without them is left alone. */
export function writeFigures(file: string, marker: string, lines: string[]): void {
  try {
    const current = readFileSync(file, 'utf8');
    const start = `<!-- ${marker}:start -->`;
    const end = `<!-- ${marker}:end -->`;
    const from = current.indexOf(start);
    const to = current.indexOf(end);
    if (from < 0 || to < from) return;
    const figures = `${start}\nLast run: ${new Date().toISOString().slice(0, 10)}.\n\n${lines.join('\n')}\n${end}`;
    writeFileSync(file, current.slice(0, from) + figures + current.slice(to + end.length));
  } catch {
    // the figures are printed as well
  }
}

export interface ReplayComparison {
  name: string;
  state: string;
  differences: unknown[] | undefined;
  compared: number;
}

interface ReplayRun {
  replay_id: string;
  state: string;
  report: { compared: number; differences: unknown[] } | null;
}

/**
 * Each read model (the token read model, the users listing, the audit log) compared with a
 * fresh replay of the event stores by its owning service (the compare mode of
 * `POST /admin/read-models/:name/replay`), one after the other.
 */
async function compareReadModelsWithReplay(system: RunningSystem): Promise<ReplayComparison[]> {
  const admin = await ApiClient.login(system.gatewayUrl, system.admin.username, system.admin.password);
  const comparisons: ReplayComparison[] = [];
  for (const name of ['tokens', 'users-listing', 'audit-log']) {
    const started = await admin.post<{ replay_id: string }>(`/admin/read-models/${name}/replay`, { mode: 'compare' });
    if (started.status !== 200) throw new Error(`the ${name} compare was answered ${started.status}: ${JSON.stringify(started.body)}`);
    const latest: { run: ReplayRun | null } = { run: null };
    await pollUntil(
      async () => {
        const run = (latest.run = (await admin.get<{ replay: ReplayRun | null }>(`/admin/read-models/${name}/replay`)).body.replay);
        return run !== null && run.replay_id === started.body.replay_id && run.state !== 'running';
      },
      `the ${name} compare to finish`,
      120_000,
      250,
    );
    const run = latest.run!;
    comparisons.push({ name, state: run.state, differences: run.report?.differences, compared: run.report?.compared ?? 0 });
  }
  return comparisons;
}

/**
 * Compares every read model with a fresh replay until none differs, or `timeoutMs` is up; the
 * last comparisons. Right after the load stops, the last uses of tokens are still being
 * flushed (gateways every TOKEN_LAST_USED_FLUSH_MS, the tokens service every
 * TOKEN_USE_FLUSH_INTERVAL_MS) and a read model may be a TokenUsed behind: that settles; a
 * read model that differs for any other reason goes on differing.
 */
export async function compareReadModelsUntilEqual(system: RunningSystem, timeoutMs = 90_000): Promise<ReplayComparison[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const comparisons = await compareReadModelsWithReplay(system);
    if (comparisons.every((compared) => compared.state === 'succeeded' && compared.differences?.length === 0) || Date.now() > deadline) return comparisons;
    await sleep(1000);
  }
}

/** Every read model, compared with a fresh replay by the service that owns it, equals it (a quiet system: the load stopped). */
export async function expectReadModelsEqualToReplay(system: RunningSystem): Promise<void> {
  for (const compared of await compareReadModelsUntilEqual(system)) {
    expect({ name: compared.name, state: compared.state, differences: compared.differences }).toEqual({ name: compared.name, state: 'succeeded', differences: [] });
    expect(compared.compared).toBeGreaterThan(0);
  }
}
