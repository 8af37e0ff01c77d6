import { describeProfile } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { connectRedis } from '../../src/services/shared/redis-client';

const PRODUCTION = { DATABASE_URL: 'mysql://root@127.0.0.1:3306/marketplace', AUTH_TOKEN_SECRET: 'unit-token-secret-9b41e6d0c8a27f53' };
const NODES = '10.0.0.1:7000,10.0.0.2:7001, [::1]:7002';

describe('REDIS_CLUSTER_NODES', () => {
  it('makes the cluster the Redis of every adapter, with its connection options, and REDIS_URL unused', () => {
    const config = loadConfig({
      ...PRODUCTION,
      REDIS_URL: 'redis://other:6379',
      REDIS_CLUSTER_NODES: NODES,
      REDIS_USERNAME: 'app',
      REDIS_PASSWORD: 's3cret',
      REDIS_TLS: 'true',
    });
    expect(config).toMatchObject({
      redisUrl: undefined,
      redisCluster: {
        nodes: [
          { host: '10.0.0.1', port: 7000 },
          { host: '10.0.0.2', port: 7001 },
          { host: '::1', port: 7002 },
        ],
        username: 'app',
        password: 's3cret',
        tls: true,
        commandTimeoutMs: 2000,
      },
      eventBus: 'redis',
      stock: { guard: 'redis' },
    });
    const lines = describeProfile(config);
    expect(lines).toContain('event bus: Redis Cluster (seeds 10.0.0.1:7000,10.0.0.2:7001,[::1]:7002, TLS; REDIS_URL is not used)');
    expect(lines.join('\n')).not.toContain('s3cret');
  });

  it('serves the Redis adapters without REDIS_URL, on the embedded profile too', () => {
    expect(loadConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:7000', STOCK_GUARD: 'redis', EVENT_BUS: 'redis' })).toMatchObject({
      profile: 'embedded',
      redisUrl: undefined,
      eventBus: 'redis',
      stock: { guard: 'redis' },
    });
  });

  it.each([
    ['127.0.0.1', /REDIS_CLUSTER_NODES must be host:port,host:port,… .*"127.0.0.1" is not host:port/],
    ['127.0.0.1:7000,', /REDIS_CLUSTER_NODES must be host:port.*"" is not host:port/],
    ['127.0.0.1:70000', /REDIS_CLUSTER_NODES must be host:port.*"127.0.0.1:70000"/],
    ['redis://127.0.0.1:7000', /REDIS_CLUSTER_NODES must be host:port/],
  ])('refuses %j, naming the setting', (value, message) => {
    expect(() => loadConfig({ ...PRODUCTION, REDIS_CLUSTER_NODES: value })).toThrow(message);
  });

  it('refuses cluster options without the cluster, a key prefix with braces, and a bad timeout', () => {
    expect(() => loadConfig({ ...PRODUCTION, REDIS_PASSWORD: 'x' })).toThrow(/REDIS_PASSWORD applies to REDIS_CLUSTER_NODES only/);
    expect(() => loadConfig({ ...PRODUCTION, REDIS_TLS: 'true' })).toThrow(/REDIS_TLS applies to REDIS_CLUSTER_NODES only/);
    expect(() => loadConfig({ ...PRODUCTION, REDIS_CLUSTER_NODES: NODES, REDIS_KEY_PREFIX: 'shop{1}:' })).toThrow(
      /REDIS_KEY_PREFIX must not contain \{ or \} with REDIS_CLUSTER_NODES/,
    );
    expect(() => loadConfig({ ...PRODUCTION, REDIS_CLUSTER_NODES: NODES, REDIS_COMMAND_TIMEOUT_MS: '5' })).toThrow(
      /REDIS_COMMAND_TIMEOUT_MS must be a whole number from 100 to 60000/,
    );
    // Braces are fine on one node: every key lives there.
    expect(loadConfig({ ...PRODUCTION, REDIS_KEY_PREFIX: 'shop{1}:' }).redisKeyPrefix).toBe('shop{1}:');
  });

  it('stops the app at boot, naming the cluster, when no seed node answers', async () => {
    const config = loadConfig({ ...PRODUCTION, REDIS_CLUSTER_NODES: '127.0.0.1:1', REDIS_COMMAND_TIMEOUT_MS: '500' });
    await expect(connectRedis({ cluster: config.redisCluster! }, createLogger('silent'))).rejects.toThrow(
      /Cannot reach Redis Cluster \(seeds 127.0.0.1:1; REDIS_URL is not used\)/,
    );
  });
});
