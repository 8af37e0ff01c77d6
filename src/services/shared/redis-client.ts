import Redis, { Cluster } from 'ioredis';
import type { RedisClusterConfig } from '../../config';
import type { Logger } from '../../logger';

/**
 * The app's one Redis client type: a single node (REDIS_URL) or ioredis's Cluster client
 * (REDIS_CLUSTER_NODES). Both speak the same commands; a Cluster routes each by its key's slot, so
 * every multi-key command, MULTI, pipeline and script here keeps its keys in one slot (hash tags).
 */
export type RedisClient = Redis | Cluster;

export type RedisTarget = { url: string; cluster?: undefined } | { url?: undefined; cluster: RedisClusterConfig };

/**
 * Opens the client and waits until it is ready; throws naming the target when it cannot connect.
 * Cluster options (README "Scaling out"): every node connection gets the credentials and TLS. A
 * command that meets a failover (a MOVED redirection, CLUSTERDOWN, TRYAGAIN, a closed connection)
 * is sent again 200 ms later, at most 16 times (about 3 s, which a failover of a few seconds mostly
 * fits in); no single send waits past `commandTimeoutMs`, and a timed-out send is not retried. What
 * still fails reaches the caller, which answers SERVICE_UNAVAILABLE.
 */
export async function connectRedis(target: RedisTarget, logger: Logger): Promise<RedisClient> {
  const client: RedisClient = target.cluster
    ? new Cluster(
        target.cluster.nodes.map((n) => ({ host: n.host, port: n.port })),
        {
          lazyConnect: true,
          scaleReads: 'master',
          retryDelayOnFailover: 200,
          retryDelayOnClusterDown: 200,
          retryDelayOnTryAgain: 200,
          maxRedirections: 16,
          // Commands sent before the first slot map (or while every node is down) wait for it, within the command timeout.
          enableOfflineQueue: true,
          clusterRetryStrategy: (times) => Math.min(100 * times, 2000),
          // Each node connection: credentials, TLS, and the bounds that keep a request from hanging on a dead master.
          redisOptions: {
            username: target.cluster.username,
            password: target.cluster.password,
            tls: target.cluster.tls ? {} : undefined,
            connectTimeout: Math.min(target.cluster.commandTimeoutMs, 5000),
            commandTimeout: target.cluster.commandTimeoutMs,
            maxRetriesPerRequest: 1,
          },
        },
      )
    : new Redis(target.url, { lazyConnect: true, maxRetriesPerRequest: 2 });
  client.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis connection error'));
  if (client instanceof Cluster) {
    client.on('node error', (err: Error, node: string) => logger.warn({ err: err.message, node }, 'redis cluster node error'));
    client.on('+node', (node: Redis) => logger.debug({ node: `${node.options.host}:${node.options.port}` }, 'redis cluster node added'));
    client.on('-node', (node: Redis) => logger.info({ node: `${node.options.host}:${node.options.port}` }, 'redis cluster node removed'));
  }
  try {
    await client.connect();
  } catch (err) {
    client.disconnect();
    const where = target.cluster ? describeRedis(target) : `Redis at ${redactUrl(target.url)}`;
    throw new Error(`Cannot reach ${where}: ${(err as Error).message}`);
  }
  return client;
}

/** Where Redis is, for logs and the profile lines (no password). */
export function describeRedis(target: RedisTarget): string {
  if (target.cluster) {
    const nodes = target.cluster.nodes.map((n) => (n.host.includes(':') ? `[${n.host}]:${n.port}` : `${n.host}:${n.port}`));
    return `Redis Cluster (seeds ${nodes.join(',')}${target.cluster.tls ? ', TLS' : ''}; REDIS_URL is not used)`;
  }
  return `Redis ${redactUrl(target.url)}`;
}

/**
 * Every key matching `pattern` (a SCAN pattern), on each master of a Cluster (SCAN reads one node)
 * or on the single node. Keys come in batches, as SCAN returns them.
 */
export async function* scanKeys(client: RedisClient, pattern: string, count = 500): AsyncGenerator<string[]> {
  const nodes: Redis[] = client instanceof Cluster ? client.nodes('master') : [client];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', count);
      if (keys.length) yield keys;
      cursor = next;
    } while (cursor !== '0');
  }
}

/**
 * Readiness (`/readyz`): a single Redis answers PING; a Cluster answers PING on every master it
 * knows and reports `cluster_state:ok` (every slot served), so a cluster with a slot range down
 * (a master lost and not yet failed over) is not reported ready.
 */
export async function pingRedis(client: RedisClient): Promise<void> {
  if (!(client instanceof Cluster)) {
    await client.ping();
    return;
  }
  const masters = client.nodes('master');
  if (masters.length === 0) throw new Error('no Redis Cluster master is known');
  await Promise.all(masters.map((node) => node.ping()));
  const info = String(await masters[0].cluster('INFO'));
  if (!/^cluster_state:ok\s*$/m.test(info)) throw new Error('the Redis Cluster does not serve every slot');
}

/** `text` as a SCAN/KEYS pattern that matches it literally. */
export function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}
