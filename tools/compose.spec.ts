// The compose files: docker-compose.cluster.yml's topology, read as Compose reads the file (YAML
// merge keys resolved), and both files validated by `docker compose config` (or the older
// `docker-compose config`) where one of them runs; where neither does, this says so and checks
// the YAML alone. No Docker daemon is needed: `config` only reads and resolves the files.
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';

const ROOT = path.resolve(__dirname, '..');
const COMPOSE_FILES = ['docker-compose.cluster.yml', 'docker-compose.yml'];
const run = promisify(execFile);

interface ComposeService {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  deploy?: { replicas?: number };
  depends_on?: Record<string, { condition: string }>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: unknown;
  restart?: string;
}

function servicesOf(file: string): Record<string, ComposeService> {
  const compose = parse(readFileSync(path.join(ROOT, file), 'utf8'), { merge: true }) as {
    services: Record<string, ComposeService>;
  };
  return compose.services;
}

const services = servicesOf('docker-compose.cluster.yml');
const WARDEN = ['users-service', 'tokens-service', 'audit-service', 'webhooks-service', 'gateway'];
const NATS_NODES = ['nats-1', 'nats-2', 'nats-3'];
const REDIS_NODES = ['redis-1', 'redis-2', 'redis-3', 'redis-4', 'redis-5', 'redis-6'];

/** The value after `flag` in a command line. */
function argument(command: string[] | undefined, flag: string): string | undefined {
  const index = (command ?? []).indexOf(flag);
  return index < 0 ? undefined : command![index + 1];
}

describe('the cluster compose file', () => {
  it('runs a Redis Cluster of six nodes, formed once with a replica for each of three masters', () => {
    expect(Object.keys(services).filter((name) => /^redis-\d+$/.test(name))).toEqual(REDIS_NODES);
    for (const name of REDIS_NODES) {
      const command = services[name]!.command;
      expect([
        name,
        argument(command, '--cluster-enabled'),
        argument(command, '--cluster-announce-hostname'),
      ]).toEqual([name, 'yes', name]);
    }
    const formation = services['redis-cluster']!;
    const script = formation.command!.join(' ');
    expect(script).toContain('--cluster create');
    expect(script).toContain('--cluster-replicas 1');
    expect(script).toContain('for n in 1 2 3 4 5 6');
    expect(Object.keys(formation.depends_on!).sort()).toEqual(REDIS_NODES);
    expect(formation.restart).toBe('no');
  });

  it('runs three NATS nodes with JetStream, each named and stored apart, every one routed to all three', () => {
    expect(Object.keys(services).filter((name) => /^nats-\d+$/.test(name))).toEqual(NATS_NODES);
    const names = NATS_NODES.map((name) => argument(services[name]!.command, '--name'));
    expect(names).toEqual(NATS_NODES);
    const stores = NATS_NODES.map((name) => services[name]!.volumes![0]!.split(':')[0]);
    expect(new Set(stores).size).toBe(3);
    for (const name of NATS_NODES) {
      const command = services[name]!.command!;
      expect(command).toContain('-js');
      expect(argument(command, '--cluster_name')).toBe('warden');
      expect(argument(command, '--routes')!.split(',').sort()).toEqual(
        NATS_NODES.map((node) => `nats://${node}:6222`),
      );
    }
  });

  it('gives every Warden service all three NATS nodes, the events stream at three replicas and the six Redis nodes', () => {
    for (const name of WARDEN) {
      const environment = services[name]!.environment!;
      expect([name, environment['NATS_URL']!.split(',').sort()]).toEqual([
        name,
        NATS_NODES.map((node) => `nats://${node}:4222`),
      ]);
      expect([name, environment['EVENTS_STREAM_REPLICAS']]).toEqual([name, '3']);
      expect([name, environment['REDIS_CLUSTER_NODES']!.split(',')]).toEqual([
        name,
        REDIS_NODES.map((node) => `${node}:6379`),
      ]);
      expect(Object.keys(services[name]!.depends_on!).sort()).toEqual([
        'nats-1',
        'nats-2',
        'nats-3',
        'postgres',
        'redis-cluster',
      ]);
      expect(services[name]!.depends_on!['redis-cluster']!.condition).toBe('service_completed_successfully');
    }
  });

  it('runs two instances of each service, the gateways reachable only through the load balancer', () => {
    for (const name of WARDEN)
      expect([name, services[name]!.build, services[name]!.deploy?.replicas]).toEqual([name, '.', 2]);
    expect(services['gateway']!.ports).toBeUndefined();
    const balancer = services['load-balancer']!;
    expect(balancer.ports).toContain('3000:3000');
    expect(balancer.depends_on!['gateway']!.condition).toBe('service_healthy');
    expect(balancer.volumes).toEqual(['./ops/haproxy:/usr/local/etc/haproxy:ro']);
    const config = readFileSync(path.join(ROOT, 'ops/haproxy/haproxy.cfg'), 'utf8');
    expect(config).toMatch(/server-template gateway \d+ gateway:3000 check/);
    expect(config).toContain('http-check send meth GET uri /health/ready');
    const published = Object.entries(services)
      .filter(([, service]) => service.ports !== undefined)
      .map(([name]) => name);
    expect(published).toEqual(['load-balancer']);
  });

  it('gives every service that keeps running a health check', () => {
    const without = Object.entries(services)
      .filter(([, service]) => service.restart !== 'no' && service.healthcheck === undefined)
      .map(([name]) => name);
    expect(without).toEqual([]);
  });
});

describe('the single-node compose file', () => {
  it('runs the five services beside one PostgreSQL, one NATS with JetStream and one Redis', () => {
    const single = servicesOf('docker-compose.yml');
    expect(Object.keys(single)).toEqual(expect.arrayContaining([...WARDEN, 'postgres', 'nats', 'redis']));
    expect(single['nats']!.command).toContain('-js');
    for (const name of WARDEN) {
      const environment = single[name]!.environment!;
      expect([name, environment['NATS_URL'], environment['REDIS_URL'], environment['REDIS_CLUSTER_NODES']]).toEqual([
        name,
        'nats://nats:4222',
        'redis://redis:6379',
        undefined,
      ]);
    }
  });
});

// `docker compose` (the plugin) or `docker-compose` (the older command), whichever runs here.
const composeCommand = [['docker', 'compose'], ['docker-compose']].find(
  ([command, ...args]) => spawnSync(command!, [...args, 'version'], { stdio: 'ignore' }).status === 0,
);

if (composeCommand) {
  describe(`${composeCommand.join(' ')} config`, () => {
    it.each(COMPOSE_FILES)('reads %s without an error', async (file) => {
      const [command, ...args] = composeCommand;
      await expect(
        run(command!, [...args, '-f', path.join(ROOT, file), 'config', '--quiet'], { cwd: ROOT }),
      ).resolves.toBeDefined();
    });
  });
} else {
  console.info(
    'The compose files were NOT validated by `docker compose config`: neither `docker compose` nor `docker-compose` runs on this machine (Debian: apt-get install docker-compose). Their YAML was checked.',
  );
}
