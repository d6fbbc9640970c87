import { existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import { connect } from 'nats';
import { startNatsCluster } from './nats-cluster';

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('startNatsCluster', () => {
  it('forms a JetStream cluster on ports of its own, elects another meta leader when one dies, and leaves nothing behind', async () => {
    const cluster = await startNatsCluster();
    try {
      const ports = cluster.nodes.flatMap((node) => [node.port, node.clusterPort, node.monitorPort]);
      expect(new Set(ports).size).toBe(9);
      expect(ports).not.toContain(4222);
      expect(new Set(cluster.nodes.map((node) => node.storeDir)).size).toBe(3);

      // JetStream answers through any node once the meta leader is there.
      const nc = await connect({ servers: cluster.servers });
      const account = await (await nc.jetstreamManager()).getAccountInfo();
      expect(account.streams).toBe(0);
      await nc.close();

      const leader = await cluster.waitForMetaLeader();
      const dead = cluster.indexOf(leader);
      await cluster.kill(dead);
      expect(cluster.nodes[dead]!.running()).toBe(false);
      const successor = await cluster.waitForMetaLeader();
      expect(successor).not.toBe(leader);

      await cluster.start(dead);
      expect(cluster.nodes.every((node) => node.running())).toBe(true);
      expect(await cluster.metaLeader()).toBe(successor);
    } finally {
      await cluster.dispose();
    }
    const open = await Promise.all(cluster.nodes.map((node) => accepts(node.port)));
    expect(open).toEqual([false, false, false]);
    expect(cluster.nodes.filter((node) => existsSync(node.storeDir))).toEqual([]);
  });
});
