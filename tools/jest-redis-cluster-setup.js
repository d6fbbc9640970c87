// The Redis Cluster tier's global setup: the test database (as every tier), then a Redis
// Cluster of the run's own (six redis-server processes on ports of their own), named to the
// tests in TEST_REDIS_CLUSTER_NODES, which testRedis() and the other helpers then use. The
// teardown, in the same process, stops it.
const ensureTestDatabase = require('./jest-global-setup.js');
const { startRedisCluster } = require('../libs/testing/src/redis-cluster');

module.exports = async function setup() {
  await ensureTestDatabase();
  const cluster = await startRedisCluster();
  globalThis.wardenRedisCluster = cluster;
  process.env.TEST_REDIS_CLUSTER_NODES = cluster.nodeList;
};
