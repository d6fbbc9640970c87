// What the benchmark tells each process it forks, as one JSON argument.
export interface TargetConfig {
  port: number;
  redisUrl: string;
  keyPrefix: string;
  natsUrl: string;
  subject: string;
  /** The database of the SELECT baseline's documents. */
  databaseUrl: string;
  /** The HTTP baseline answering from an in-process Map (filled from Redis at start) instead of one Redis GET. */
  fromMap?: boolean;
  /** The library guard with its lease-fenced cache. */
  cache?: boolean;
}

export function targetConfig(): TargetConfig {
  return JSON.parse(process.argv[2] ?? '{}') as TargetConfig;
}
