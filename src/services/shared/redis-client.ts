import Redis, { Cluster } from 'ioredis';
import type { RedisClusterConfig } from '../../config';
import type { Logger } from '../../logger';
import { redactUrl } from './redact-url';
import { settleWithin } from './time-limit';

/**
 * The app's one Redis client type: a single node (REDIS_URL) or ioredis's Cluster client
 * (REDIS_CLUSTER_NODES). Both speak the same commands; a Cluster routes each by its key's slot, so
 * every multi-key command, MULTI, pipeline and script here keeps its keys in one slot (hash tags).
 */
export type RedisClient = Redis | Cluster;

export type RedisTarget = { url: string; cluster?: undefined } | { url?: undefined; cluster: RedisClusterConfig };

/** Cluster states in which every node connection was lost: the client is reconnecting, or has stopped. */
const LOST = new Set(['close', 'reconnecting', 'end', 'disconnecting']);

/** ioredis's (private) offline queue of a Cluster: a Denque of the commands waiting for a connection. */
type OfflineQueue = { toArray(): Array<{ command: unknown }>; removeOne(index: number): unknown };

/**
 * ioredis's Cluster, except that no command waits for the cluster to come back: one sent while
 * every node connection is lost fails at once, and one queued while the client (re)connects (ioredis
 * keeps those until a connect succeeds, so with every node down a request or a job's run would wait
 * for ever, holding its MySQL transaction) leaves the queue and fails after `queueTimeoutMs`. The
 * request answers SERVICE_UNAVAILABLE. During a failover the client stays ready (the other masters
 * answer) and commands are retried as configured.
 */
class OutageAwareCluster extends Cluster {
  constructor(
    private readonly seeds: ConstructorParameters<typeof Cluster>[0],
    options: ConstructorParameters<typeof Cluster>[1],
    private readonly queueTimeoutMs: number,
  ) {
    super(seeds, options);
    // What waited for the cluster is sent once it is back, except commands whose caller already had
    // its failure: ioredis re-queues a command whose connection closed (every node dying under it)
    // without passing through sendCommand, and its node's timer fails it for the caller but leaves it
    // queued; sending it later would run what the caller was told failed (a stock hold, a rate count).
    const self = this as unknown as { offlineQueue: OfflineQueue; executeOfflineCommands(): void };
    const sendQueued = self.executeOfflineCommands.bind(this);
    self.executeOfflineCommands = () => {
      const queue = self.offlineQueue;
      const items = queue.toArray();
      for (let i = items.length - 1; i >= 0; i--) if (this.settled.has(items[i].command as object)) queue.removeOne(i);
      sendQueued();
    };
    // The same at each node's connection: a command it re-queued when its socket closed, or was
    // handed while reconnecting, is not written once the node is back if its caller has had its answer.
    this.on('+node', (node: Redis) => {
      const send = node.sendCommand.bind(node);
      node.sendCommand = ((command: Parameters<Redis['sendCommand']>[0], stream?: Parameters<Redis['sendCommand']>[1]) =>
        this.settled.has(command) ? command.promise : send(command, stream)) as Redis['sendCommand'];
    });
  }

  /** A copy (the event bus's subscriber connection) that is outage-aware too: ioredis's would be a plain Cluster. */
  override duplicate(overrideStartupNodes: ConstructorParameters<typeof Cluster>[0] = [], overrideOptions = {}): Cluster {
    const seeds = overrideStartupNodes.length > 0 ? overrideStartupNodes : this.seeds.slice(0);
    return new OutageAwareCluster(seeds, { ...this.options, ...overrideOptions }, this.queueTimeoutMs);
  }

  /** Commands whose caller has had its answer or failure: never sent from the offline queue. */
  private readonly settled = new WeakSet<object>();

  override sendCommand(...args: Parameters<Cluster['sendCommand']>): ReturnType<Cluster['sendCommand']> {
    const [command] = args;
    const settle = () => this.settled.add(command);
    command.promise.then(settle, settle);
    if (LOST.has(this.status)) {
      command.reject(new Error(`Redis Cluster unreachable (${this.status})`));
      return command.promise;
    }
    const promise = super.sendCommand(...args);
    if (this.status !== 'ready') this.expireQueued(command);
    return promise;
  }

  /** Takes `command` out of the offline queue and fails it if it is still there after `queueTimeoutMs`. */
  private expireQueued(command: Parameters<Cluster['sendCommand']>[0]): void {
    const timer = setTimeout(() => {
      const queue = (this as unknown as { offlineQueue: OfflineQueue }).offlineQueue;
      const index = queue.toArray().findIndex((item) => item.command === command);
      if (index < 0) return;
      queue.removeOne(index);
      command.reject(new Error(`Redis Cluster not ready (${this.status}) after ${this.queueTimeoutMs} ms`));
    }, this.queueTimeoutMs);
    timer.unref();
    const clear = () => clearTimeout(timer);
    command.promise.then(clear, clear);
  }
}

/**
 * Opens the client and waits until it is ready; throws naming the target when it cannot connect.
 * Cluster options (README "Scaling out"): every node connection gets the credentials and TLS. A
 * command that meets a failover (a MOVED redirection, CLUSTERDOWN, TRYAGAIN, a closed connection)
 * is sent again 200 ms later, at most 16 times (about 3 s), within `commandTimeoutMs` in all (the
 * command's timer starts at its first send and is kept over the retries), and a timed-out send is
 * not retried. What still fails reaches the caller, which answers SERVICE_UNAVAILABLE.
 */
export async function connectRedis(target: RedisTarget, logger: Logger): Promise<RedisClient> {
  const client: RedisClient = target.cluster
    ? new OutageAwareCluster(
        target.cluster.nodes.map((n) => ({ host: n.host, port: n.port })),
        {
          lazyConnect: true,
          scaleReads: 'master',
          retryDelayOnFailover: 200,
          retryDelayOnClusterDown: 200,
          retryDelayOnTryAgain: 200,
          maxRedirections: 16,
          // Commands wait for a node's connection being made (in order), at most the command timeout;
          // with every node lost they fail at once instead (OutageAwareCluster).
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
        target.cluster.commandTimeoutMs,
      )
    : new Redis(target.url, { lazyConnect: true, maxRetriesPerRequest: 2 });
  client.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis connection error'));
  // The last error a cluster node gave (ioredis's connect() says only "None of startup nodes is available").
  let lastNodeError = '';
  if (client instanceof Cluster) {
    client.on('error', (err: Error & { lastNodeError?: Error }) => (lastNodeError = err.lastNodeError?.message ?? lastNodeError));
    client.on('node error', (err: Error, node: string) => {
      lastNodeError = err.message;
      logger.warn({ err: err.message, node }, 'redis cluster node error');
    });
    client.on('+node', (node: Redis) => logger.debug({ node: `${node.options.host}:${node.options.port}` }, 'redis cluster node added'));
    client.on('-node', (node: Redis) => logger.info({ node: `${node.options.host}:${node.options.port}` }, 'redis cluster node removed'));
  }
  try {
    await client.connect();
  } catch (err) {
    client.disconnect();
    if (target.cluster) throw new Error(clusterStartupError(target, err as Error, lastNodeError));
    throw new Error(`Cannot reach Redis at ${redactUrl(target.url)}: ${(err as Error).message}`);
  }
  return client;
}

/**
 * Why the cluster could not be used at startup, naming the setting to look at: ioredis says only
 * "None of startup nodes is available"; the last node's own error (`node error` events, `lastNodeError`) tells a
 * missing or refused password and a Redis that is not a cluster apart from nodes that are down.
 */
function clusterStartupError(target: { cluster: RedisClusterConfig }, err: Error, last: string): string {
  const detail = last ? `${err.message} (last node error: ${last})` : err.message;
  let hint = 'check that REDIS_CLUSTER_NODES names reachable nodes of a Redis Cluster';
  if (/NOAUTH|WRONGPASS|invalid (username|password)|auth/i.test(last)) {
    hint = target.cluster.password
      ? 'the nodes refuse REDIS_USERNAME/REDIS_PASSWORD'
      : 'the nodes ask for a password: set REDIS_PASSWORD (and REDIS_USERNAME for an ACL user)';
  } else if (/cluster support disabled/i.test(last)) {
    hint = 'REDIS_CLUSTER_NODES names a Redis that is not a cluster (a single Redis goes in REDIS_URL)';
  }
  return `Cannot reach ${describeRedis(target)}: ${detail}; ${hint}`;
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
  // Every slot's master is one the client is connected to (a master whose connection ended leaves
  // the client's pool at once, before the cluster itself has agreed that it failed).
  const live = new Set(masters.map((node) => `${node.options.host}:${node.options.port}`));
  for (let slot = 0; slot < 16384; slot++) {
    const owner = client.slots[slot]?.[0];
    if (!owner || !live.has(owner)) throw new Error(`Redis Cluster slot ${slot} has no reachable master`);
  }
  await Promise.all(masters.map((node) => node.ping()));
  const info = String(await masters[0].cluster('INFO'));
  if (!/^cluster_state:ok\s*$/m.test(info)) throw new Error('the Redis Cluster does not serve every slot');
}

/**
 * Closes the client: QUIT (pending replies arrive first), or, when Redis cannot answer within
 * `ms` (a Cluster with every node down queues the QUIT), the connections are dropped.
 */
export async function closeRedis(client: RedisClient, ms = 2000): Promise<void> {
  const quit = await settleWithin(client.quit(), ms);
  if (quit.kind !== 'done') client.disconnect();
}

/** `text` as a SCAN/KEYS pattern that matches it literally. */
export function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}
