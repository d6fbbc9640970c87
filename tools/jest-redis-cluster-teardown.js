// Stops the Redis Cluster the tier's global setup started, and deletes its state.
module.exports = async function teardown() {
  await globalThis.wardenRedisCluster?.stop();
  globalThis.wardenRedisCluster = undefined;
};
