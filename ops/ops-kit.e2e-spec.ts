// The operations kit in ops/ checked against the real thing: promtool (Debian's prometheus
// package, installed by tools/ensure-test-tools.sh) checks the alert rules and the Prometheus
// configuration and runs the rules' unit tests; every metric that a dashboard panel or a rule
// queries must be one the four services export, read from their /metrics while they run; and
// the compose file's observability profile mounts these very files.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { RunningSystem, SERVICE_APPS, ServiceApp, startSystem } from '@warden/testing';
import { parse } from 'yaml';

const ROOT = path.resolve(__dirname, '..');
const OPS = path.join(ROOT, 'ops');
const run = promisify(execFile);

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Array<{ expr: string; datasource?: { uid: string } }>;
}
interface Rule {
  alert: string;
  expr: string;
}

const dashboard = JSON.parse(readFileSync(path.join(OPS, 'grafana/dashboards/warden.json'), 'utf8')) as { uid: string; panels: Panel[] };
const queryPanels = dashboard.panels.filter((panel) => panel.type !== 'row');
const rules = (parse(readFileSync(path.join(OPS, 'prometheus/alerts.yml'), 'utf8')) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap((group) => group.rules);
const queries = [
  ...queryPanels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ where: `panel "${panel.title}"`, expr: target.expr }))),
  ...rules.map((rule) => ({ where: `alert ${rule.alert}`, expr: rule.expr })),
];

const PROMQL_KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'inf', 'nan']);

/** The metric names a PromQL expression reads: identifiers that are neither functions, keywords, label names nor values. */
function metricNamesIn(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // strings
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // ranges, Grafana's $__rate_interval included
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' '); // label lists
  const names = [...bare.matchAll(/(?<![\w$.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)]
    .filter(([, name, call]) => call === undefined && !PROMQL_KEYWORDS.has(name!.toLowerCase()))
    .map(([, name]) => name!);
  return [...new Set(names)];
}

/** The `app` a selector of `metric` pins, if any (`metric{app="gateway"}`). */
function appsPinned(expr: string): Array<{ metric: string; app: string }> {
  return [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{[^}]*\bapp="([^"]+)"/g)].map(([, metric, app]) => ({ metric: metric!, app: app! }));
}

/** Every series name a scrape may hold: a histogram's and a summary's own suffixes included. */
function exportedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(name + suffix);
  }
  return names;
}

async function promtool(...args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run('promtool', args, { cwd: path.join(OPS, 'prometheus') });
    return stdout + stderr;
  } catch (error) {
    const { stdout = '', stderr = '', message } = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`promtool ${args.join(' ')} failed (is it installed? npm run test:e2e runs tools/ensure-test-tools.sh): ${message}\n${stdout}${stderr}`);
  }
}

describe('the Prometheus alert rules and configuration', () => {
  it('pass promtool check rules', async () => {
    expect(await promtool('check', 'rules', 'alerts.yml')).toContain(`SUCCESS: ${rules.length} rules found`);
  });

  it('pass promtool check config, the rule files included', async () => {
    expect(await promtool('check', 'config', 'prometheus.yml')).toMatch(/SUCCESS: 1 rule files found[\s\S]*is valid prometheus config/);
  });

  it("pass their unit tests (promtool test rules): they fire on what they are for, and not otherwise", async () => {
    expect(await promtool('test', 'rules', 'alerts.test.yml')).toContain('SUCCESS');
  });

  it('alert on everything the operators asked for', () => {
    const alerts = rules.map((rule) => rule.alert);
    for (const alert of ['WardenRelayLagging', 'WardenProjectionLagging', 'WardenRelayStalled', 'WardenReadModelDegraded', 'WardenReadModelRebuilding', 'WardenAuditChainBroken', 'WardenServerErrors', 'WardenVerificationSlow']) {
      expect(alerts).toContain(alert);
    }
  });
});

describe('the Grafana dashboard', () => {
  it('queries the provisioned Prometheus from every panel, with panels that do not overlap', () => {
    const datasources = parse(readFileSync(path.join(OPS, 'grafana/provisioning/datasources/prometheus.yml'), 'utf8')) as { datasources: Array<{ uid: string }> };
    const uid = datasources.datasources[0]!.uid;
    for (const panel of queryPanels) {
      expect([panel.title, (panel.targets ?? []).length > 0]).toEqual([panel.title, true]);
      expect([panel.datasource?.uid, ...panel.targets!.map((target) => target.datasource?.uid)]).toEqual(Array(panel.targets!.length + 1).fill(uid));
    }
    expect(new Set(dashboard.panels.map((panel) => panel.id)).size).toBe(dashboard.panels.length);
    const cells = new Map<string, string>();
    for (const panel of dashboard.panels) {
      const { x, y, w, h } = panel.gridPos;
      expect(x + w).toBeLessThanOrEqual(24);
      for (let row = y; row < y + h; row++) {
        for (let column = x; column < x + w; column++) {
          const cell = `${column},${row}`;
          expect({ cell, taken: cells.get(cell) }).toEqual({ cell, taken: undefined });
          cells.set(cell, panel.title);
        }
      }
    }
  });

  it('has the panels the operators asked for', () => {
    const reads = (metric: string, by?: string) =>
      queryPanels.some((panel) => panel.targets!.some((target) => target.expr.includes(metric) && (by === undefined || new RegExp(`by \\([^)]*\\b${by}\\b`).test(target.expr))));
    expect(reads('warden_credential_verifications_total', 'path')).toBe(true); // verifications/s by path
    expect(reads('warden_credential_verification_duration_seconds_bucket', 'path')).toBe(true); // p99 by path
    expect(reads('warden_credential_verifications_total', 'outcome')).toBe(true); // refusals by reason
    expect(queryPanels.some((panel) => panel.targets!.some((target) => target.expr.includes('type="TokenRevoked"')))).toBe(true); // revocations
    expect(reads('warden_relay_lag_events')).toBe(true);
    expect(reads('warden_projection_lag_events')).toBe(true);
    expect(reads('warden_replay_events_done')).toBe(true);
    expect(reads('warden_login_throttles_total')).toBe(true);
    expect(queryPanels.some((panel) => panel.targets!.some((target) => target.expr.includes('status=~"5.."')))).toBe(true);
  });
});

describe('the metric names in PromQL', () => {
  it('are told apart from functions, keywords, labels and Grafana variables', () => {
    expect(
      metricNamesIn(
        'histogram_quantile(0.99, sum by (le, path) (rate(warden_a_bucket{app="gateway", le!="+Inf"}[$__rate_interval]))) / on (app) group_left max(warden_b) > 0 unless time() - warden_c offset 5m',
      ),
    ).toEqual(['warden_a_bucket', 'warden_b', 'warden_c']);
  });
});

describe('against the running services', () => {
  let system: RunningSystem;
  const exports = new Map<ServiceApp, Set<string>>();

  beforeAll(async () => {
    system = await startSystem();
    for (const app of SERVICE_APPS) {
      const response = await fetch(system.healthUrl(app).replace(/\/health$/, '/metrics'));
      expect(response.status).toBe(200);
      exports.set(app, exportedNames(await response.text()));
    }
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
  });

  it('every metric a panel or a rule queries is one a service exports, and the service a query names exports it', () => {
    const everywhere = new Set([...exports.values()].flatMap((names) => [...names]));
    const unknown = queries.flatMap(({ where, expr }) => metricNamesIn(expr).filter((name) => !everywhere.has(name)).map((name) => `${where}: ${name}`));
    expect(unknown).toEqual([]);
    const misplaced = queries.flatMap(({ where, expr }) =>
      appsPinned(expr)
        .filter(({ metric, app }) => !exports.get(app as ServiceApp)?.has(metric))
        .map(({ metric, app }) => `${where}: ${metric} on ${app}`),
    );
    expect(misplaced).toEqual([]);
    expect(queries.flatMap(({ expr }) => metricNamesIn(expr)).length).toBeGreaterThan(20);
  });

  it('each service exports only the metrics of what it runs', () => {
    const has = (app: ServiceApp, metric: string) => exports.get(app)!.has(metric);
    for (const app of SERVICE_APPS) expect([app, has(app, 'warden_http_requests_total'), has(app, 'warden_health_check_status')]).toEqual([app, true, true]);
    expect(SERVICE_APPS.filter((app) => has(app, 'warden_login_throttles_total'))).toEqual(['gateway']);
    expect(SERVICE_APPS.filter((app) => has(app, 'warden_credential_verifications_total'))).toEqual(['tokens-service', 'gateway']);
    expect(SERVICE_APPS.filter((app) => has(app, 'warden_relay_lag_events'))).toEqual(['users-service', 'tokens-service', 'webhooks-service']);
    expect(SERVICE_APPS.filter((app) => has(app, 'warden_projection_lag_events'))).toEqual(['users-service', 'tokens-service', 'audit-service', 'webhooks-service']);
    expect(SERVICE_APPS.filter((app) => has(app, 'warden_audit_chain_broken'))).toEqual(['audit-service']);
    expect(SERVICE_APPS.filter((app) => has(app, 'warden_nats_request_duration_seconds'))).toEqual(['users-service', 'gateway']);
  });
});

describe('the compose file', () => {
  // Compose resolves YAML merge keys (`<<: *warden-service`), so the check does too.
  const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, { profiles?: string[]; healthcheck?: unknown; volumes?: string[]; image?: string }>;
  };

  it('adds Prometheus and Grafana in the observability profile, mounting ops/', () => {
    for (const name of ['prometheus', 'grafana']) {
      const service = compose.services[name]!;
      expect(service.profiles).toEqual(['observability']);
      for (const volume of service.volumes ?? []) {
        const [source] = volume.split(':');
        if (source!.startsWith('./')) expect(existsSync(path.join(ROOT, source!))).toBe(true);
      }
    }
    expect(compose.services['prometheus']!.volumes).toContain('./ops/prometheus:/etc/prometheus:ro');
    const scrape = parse(readFileSync(path.join(OPS, 'prometheus/prometheus.yml'), 'utf8')) as {
      scrape_configs: Array<{ dns_sd_configs: Array<{ names: string[] }> }>;
    };
    expect(scrape.scrape_configs[0]!.dns_sd_configs[0]!.names.sort()).toEqual([...SERVICE_APPS].sort());
    for (const app of SERVICE_APPS) expect(compose.services[app]).toBeDefined();
  });

  it('gives every service a health check', () => {
    const without = Object.entries(compose.services).filter(([, service]) => service.healthcheck === undefined).map(([name]) => name);
    expect(without).toEqual([]);
  });

  it('builds the image on a long-term support release of Node', () => {
    const images = [...readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8').matchAll(/^FROM node:(\d+)/gm)].map(([, major]) => Number(major));
    expect(images.length).toBeGreaterThan(0);
    // Even majors become LTS; 20 left support in April 2026.
    for (const major of images) expect([major % 2, major >= 22]).toEqual([0, true]);
  });
});
