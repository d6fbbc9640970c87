// The verifying processes of the fault tier (verification-worker.mjs), driven over IPC.
import { ChildProcess, fork } from 'node:child_process';
import path from 'node:path';

export interface VerificationCounts {
  verifications: number;
  accepted: number;
  refused: number;
  failed: number;
  acceptedAfterEnd: number;
  refusedAfterEnd: number;
}
type WorkerMessage =
  | { type: 'started' }
  | { type: 'ended-received'; id: string }
  | { type: 'counts'; counts: VerificationCounts; falseAccepts: { id: string; channel: string }[] };

function nextMessage<T extends WorkerMessage['type']>(worker: ChildProcess, type: T, id?: string): Promise<Extract<WorkerMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: WorkerMessage) => {
      if (message.type !== type || (id !== undefined && 'id' in message && message.id !== id)) return;
      worker.off('message', onMessage);
      worker.off('exit', onExit);
      resolve(message as Extract<WorkerMessage, { type: T }>);
    };
    const onExit = (code: number | null) => reject(new Error(`a verification worker exited (${code}) before sending ${type}`));
    worker.on('message', onMessage);
    worker.once('exit', onExit);
  });
}

export class VerificationPool {
  private readonly workers: ChildProcess[] = [];

  /** `redisClusterNodes` (`host:port,...`, as REDIS_CLUSTER_NODES): the workers verify on that Redis Cluster, not on `redisUrl`. */
  static async start(options: { processes: number; loopsPerChannel: number; gatewayUrl: string; redisUrl: string; redisClusterNodes?: string; keyPrefix: string }): Promise<VerificationPool> {
    const pool = new VerificationPool();
    const script = path.join(__dirname, 'verification-worker.mjs');
    for (let n = 0; n < options.processes; n++) {
      const worker = fork(script, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      pool.workers.push(worker);
      const started = nextMessage(worker, 'started');
      worker.send({
        type: 'start',
        url: `${options.gatewayUrl}/users/me`,
        redisUrl: options.redisUrl,
        redisClusterNodes: options.redisClusterNodes,
        keyPrefix: options.keyPrefix,
        concurrency: options.loopsPerChannel,
      });
      await started;
    }
    return pool;
  }

  add(id: string, key: string): void {
    for (const worker of this.workers) worker.send({ type: 'add', id, key });
  }

  /** Tells every worker that a secret's end was answered; resolves once each has received it. */
  async ended(id: string): Promise<void> {
    await Promise.all(
      this.workers.map((worker) => {
        const received = nextMessage(worker, 'ended-received', id);
        worker.send({ type: 'ended', id });
        return received;
      }),
    );
  }

  /** The totals of every worker so far, and every verification that accepted an ended secret. */
  async counts(): Promise<{ counts: VerificationCounts; falseAccepts: { id: string; channel: string }[] }> {
    const reports = await Promise.all(
      this.workers.map((worker) => {
        const report = nextMessage(worker, 'counts');
        worker.send({ type: 'counts' });
        return report;
      }),
    );
    return sum(reports);
  }

  async stop(): Promise<{ counts: VerificationCounts; falseAccepts: { id: string; channel: string }[] }> {
    const reports = await Promise.all(
      this.workers.map((worker) => {
        if (worker.exitCode !== null) return undefined;
        const report = nextMessage(worker, 'counts');
        worker.send({ type: 'stop' });
        return report;
      }),
    );
    return sum(reports.filter((report) => report !== undefined));
  }

  kill(): void {
    for (const worker of this.workers) if (worker.exitCode === null) worker.kill();
  }
}

function sum(reports: Extract<WorkerMessage, { type: 'counts' }>[]) {
  const counts: VerificationCounts = { verifications: 0, accepted: 0, refused: 0, failed: 0, acceptedAfterEnd: 0, refusedAfterEnd: 0 };
  for (const report of reports) for (const key of Object.keys(counts) as (keyof VerificationCounts)[]) counts[key] += report.counts[key];
  return { counts, falseAccepts: reports.flatMap((report) => report.falseAccepts) };
}
