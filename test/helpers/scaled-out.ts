import { signUpAs, type TestAccount } from '../factories/accounts';
import { startMariaDbReplicaPair, type MariaDbReplicaPair } from './mariadb-replica';
import { startRedisCluster, type TestRedisCluster } from './redis-cluster';
import { startTestApp, type TestApp } from './test-app';

/** The whole scaled-out setup of README "Scaling out", as the Redis Cluster e2e files start it. */
export type ScaledOut = {
  /** 3 masters, 3 replicas on loopback (helpers/redis-cluster.ts). */
  cluster: TestRedisCluster;
  /** The database's MariaDB primary and its GTID replica (helpers/mariadb-replica.ts), which serves browsing reads. */
  pair: MariaDbReplicaPair;
  t: TestApp;
  /** A second instance on the same cluster and database. */
  peer: Awaited<ReturnType<TestApp['startPeer']>>;
  /** A seller signed up through `t`. */
  seller: TestAccount;
  /** Stops both instances, then the cluster and the MariaDB pair. */
  close(): Promise<void>;
};

/**
 * Starts a Redis Cluster and a replicated MariaDB pair side by side, then two app instances on
 * them (the replica in DATABASE_REPLICA_URLS, `env` on top) and signs up a seller. What started is
 * stopped again when a later step fails.
 */
export async function startScaledOut(env: Record<string, string>): Promise<ScaledOut> {
  const [cluster, pair] = await Promise.allSettled([startRedisCluster(), startMariaDbReplicaPair()]);
  let t: TestApp | undefined;
  let peer: ScaledOut['peer'] | undefined;
  const close = async () => {
    await peer?.close();
    await t?.close();
    await Promise.all([cluster, pair].map((started) => (started.status === 'fulfilled' ? started.value.stop() : undefined)));
  };
  try {
    if (cluster.status === 'rejected') throw cluster.reason;
    if (pair.status === 'rejected') throw pair.reason;
    t = await startTestApp(
      { ...cluster.value.env, DATABASE_REPLICA_URLS: pair.value.replicaUrl, ...env },
      { mysqlUrl: pair.value.primaryUrl },
    );
    peer = await t.startPeer();
    const seller = await signUpAs(t.client, 'SELLER');
    return { cluster: cluster.value, pair: pair.value, t, peer, seller, close };
  } catch (err) {
    await close();
    throw err;
  }
}
