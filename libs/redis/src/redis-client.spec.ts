import { Cluster, Redis } from 'ioredis';
import { createRedisClient, isRedisCluster, parseRedisNodeAddress } from './redis-client';

describe('Redis clients', () => {
  it('reads cluster nodes as host:port, IPv6 in brackets, and nothing else', () => {
    expect(parseRedisNodeAddress('10.0.0.1:7000')).toEqual({ host: '10.0.0.1', port: 7000 });
    expect(parseRedisNodeAddress(' redis-a.internal:6379 ')).toEqual({ host: 'redis-a.internal', port: 6379 });
    expect(parseRedisNodeAddress('[::1]:7001')).toEqual({ host: '::1', port: 7001 });
    for (const bad of ['10.0.0.1', ':7000', 'redis://a:7000', 'a:b', 'a:70000', 'a:0', 'a b:1']) expect(parseRedisNodeAddress(bad)).toBeNull();
  });

  it('opens a cluster client with the nodes given, the URL giving only credentials and TLS, and one Redis otherwise', () => {
    const cluster = createRedisClient(
      { url: 'rediss://warden:s%3Acret@ignored:1/0', clusterNodes: [{ host: '127.0.0.1', port: 7000 }] },
      { lazyConnect: true, maxRetriesPerRequest: 1 },
    );
    const single = createRedisClient({ url: 'redis://127.0.0.1:6390' }, { lazyConnect: true });
    try {
      expect(cluster).toBeInstanceOf(Cluster);
      expect(isRedisCluster(cluster)).toBe(true);
      expect((cluster as Cluster).options).toMatchObject({
        enableAutoPipelining: true,
        lazyConnect: true,
        redisOptions: { username: 'warden', password: 's:cret', tls: {}, maxRetriesPerRequest: 1 },
      });
      expect(single).toBeInstanceOf(Redis);
      expect(isRedisCluster(single)).toBe(false);
      expect((single as Redis).options).toMatchObject({ enableAutoPipelining: true, port: 6390, maxRetriesPerRequest: 2 });
    } finally {
      cluster.disconnect();
      single.disconnect();
    }
  });
});
