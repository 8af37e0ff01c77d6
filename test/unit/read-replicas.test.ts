import { getOperationAST, parse } from 'graphql';
import { loadConfig } from '../../src/config';
import { healthOf, pickReplica, redactReplicaUrl, writeFenceMillis, type ReplicaHealth } from '../../src/db/replica-status';
import { browsesOnly } from '../../src/schema/replica-reads';
// The resolvers register their @ReplicaReads fields when loaded.
import '../../src/resolvers/catalog/product.resolver';
import '../../src/resolvers/orders/order.resolver';
import '../../src/resolvers/cart/cart.resolver';

const SECRET = { AUTH_TOKEN_SECRET: 'unit-token-secret-9b41e6d0c8a27f53' };
const PRIMARY = 'mysql://app:pw@db-primary:3306/marketplace';

describe('a replica health from its own status', () => {
  const mariadb = (io: string, sqlThread: string, lag: number | null) => ({
    Slave_IO_Running: io,
    Slave_SQL_Running: sqlThread,
    Seconds_Behind_Master: lag,
  });

  it('is ok only with both threads running and a known lag within the bound', () => {
    expect(healthOf(mariadb('Yes', 'Yes', 0), 5)).toEqual({ state: 'ok', lagSeconds: 0 });
    expect(healthOf(mariadb('Yes', 'Yes', 5), 5)).toEqual({ state: 'ok', lagSeconds: 5 });
    expect(healthOf(mariadb('Yes', 'Yes', 6), 5)).toEqual({ state: 'lagging', lagSeconds: 6 });
  });

  it('is stopped when a thread is not running (or still connecting) or the lag is unknown', () => {
    expect(healthOf(mariadb('No', 'Yes', null), 5).state).toBe('stopped');
    expect(healthOf(mariadb('Connecting', 'Yes', 0), 5).state).toBe('stopped');
    expect(healthOf(mariadb('Yes', 'No', 0), 5).state).toBe('stopped');
    expect(healthOf(mariadb('Yes', 'Yes', null), 5)).toEqual({ state: 'stopped', lagSeconds: null });
  });

  it("reads MySQL 8's column names too, and a server with no replication is not a replica", () => {
    const mysql8 = { Replica_IO_Running: 'Yes', Replica_SQL_Running: 'Yes', Seconds_Behind_Source: '2' };
    expect(healthOf(mysql8, 5)).toEqual({ state: 'ok', lagSeconds: 2 });
    expect(healthOf({ ...mysql8, Replica_SQL_Running: 'No' }, 5).state).toBe('stopped');
    expect(healthOf(undefined, 5)).toEqual({ state: 'not a replica', lagSeconds: null });
  });
});

describe('picking a replica', () => {
  const replica = (name: string, state: ReplicaHealth['state']) => ({ name, health: { state, lagSeconds: null } });

  it('takes turns among the ok replicas only, and gives none when none is ok', () => {
    const replicas = [replica('a', 'ok'), replica('b', 'lagging'), replica('c', 'ok'), replica('d', 'down')];
    expect([0, 1, 2, 3].map((cursor) => pickReplica(replicas, cursor)?.name)).toEqual(['a', 'c', 'a', 'c']);
    expect(pickReplica([replica('a', 'stopped'), replica('b', 'unchecked')], 0)).toBeNull();
    expect(pickReplica([], 0)).toBeNull();
  });
});

describe('the write fence', () => {
  it('lasts the lag bound, a second of rounding, the check interval and a second of margin', () => {
    expect(writeFenceMillis({ maxLagSeconds: 5, checkIntervalMs: 1000 })).toBe(8000);
    expect(writeFenceMillis({ maxLagSeconds: 1, checkIntervalMs: 100 })).toBe(3100);
  });
});

describe('which operations may read a replica', () => {
  const operation = (text: string) => getOperationAST(parse(text))!;

  it('queries made only of @ReplicaReads fields (and __typename)', () => {
    expect(browsesOnly(operation('{ products(first: 5) { edges { node { id } } } }'))).toBe(true);
    expect(browsesOnly(operation('{ __typename a: product(id: "1") { id } orders { totalCount } order(orderId: "x") { status } }'))).toBe(
      true,
    );
    expect(browsesOnly(operation('{ myProducts { totalCount } }'))).toBe(true);
  });

  it('never a mutation, a query with any other root field, or a root fragment', () => {
    expect(browsesOnly(operation('mutation { createOrder { orderId } }'))).toBe(false);
    expect(browsesOnly(operation('mutation { products: deleteProduct(id: "1") }'))).toBe(false);
    expect(browsesOnly(operation('{ products { totalCount } cart { totalAmount } }'))).toBe(false);
    expect(browsesOnly(operation('{ ...F } fragment F on Query { products { totalCount } }'))).toBe(false);
    expect(browsesOnly(operation('{ ... on Query { products { totalCount } } }'))).toBe(false);
  });
});

describe('DATABASE_REPLICA_URLS', () => {
  const load = (env: Record<string, string>) => loadConfig({ DATABASE_URL: PRIMARY, ...SECRET, ...env });

  it("takes a comma-separated list of MySQL URLs, each given DATABASE_URL's database when it names none", () => {
    const config = load({ DATABASE_REPLICA_URLS: 'mysql://app:pw@replica-1:3306, mariadb://app:pw@replica-2/marketplace' });
    expect(config.database).toMatchObject({
      replicas: {
        urls: ['mysql://app:pw@replica-1:3306/marketplace', 'mariadb://app:pw@replica-2/marketplace'],
        maxLagSeconds: 5,
        checkIntervalMs: 1000,
      },
    });
    expect(load({}).database).toMatchObject({ replicas: { urls: [] } });
    expect(load({ DATABASE_REPLICA_MAX_LAG_SECONDS: '30', DATABASE_REPLICA_CHECK_INTERVAL_MS: '250' }).database).toMatchObject({
      replicas: { maxLagSeconds: 30, checkIntervalMs: 250 },
    });
  });

  it('refuses what it cannot use, naming the setting', () => {
    expect(() => load({ DATABASE_REPLICA_URLS: 'redis://replica:6379' })).toThrow(
      /DATABASE_REPLICA_URLS entry 1 must start with mysql:\/\/ or mariadb:\/\//,
    );
    expect(() => load({ DATABASE_REPLICA_URLS: 'mysql://replica-1, not a url' })).toThrow(/DATABASE_REPLICA_URLS entry 2 is not a URL/);
    expect(() => load({ DATABASE_REPLICA_URLS: 'mysql://replica-1/other' })).toThrow(
      /DATABASE_REPLICA_URLS entry 1 names the database "other", but DATABASE_URL's is "marketplace"/,
    );
    expect(() => load({ DATABASE_REPLICA_URLS: 'mysql://' })).toThrow(/DATABASE_REPLICA_URLS entry 1 names no host/);
    expect(() => load({ DATABASE_REPLICA_URLS: 'mysql://replica-1, mysql:///marketplace' })).toThrow(
      /DATABASE_REPLICA_URLS entry 2 names no host/,
    );
    expect(() => load({ DATABASE_REPLICA_MAX_LAG_SECONDS: '0' })).toThrow(/DATABASE_REPLICA_MAX_LAG_SECONDS must be a whole number from 1/);
    expect(() => load({ DATABASE_REPLICA_CHECK_INTERVAL_MS: '10' })).toThrow(/DATABASE_REPLICA_CHECK_INTERVAL_MS must be a whole number/);
  });

  it('is refused on the embedded profile, which has no MySQL', () => {
    expect(() => loadConfig({ DATABASE_REPLICA_URLS: 'mysql://replica-1:3306/marketplace' })).toThrow(
      /DATABASE_REPLICA_URLS needs DATABASE_URL: read replicas are MySQL replicas/,
    );
  });

  it('never shows a password in logs or /readyz', () => {
    expect(redactReplicaUrl('mysql://app:s3cret@replica-1:3306/marketplace')).toBe('mysql://app:***@replica-1:3306/marketplace');
    expect(redactReplicaUrl('mysql://app@replica-1/marketplace?password=s3cret&ssl=true')).toBe('mysql://app@replica-1/marketplace?***');
  });
});
