import { getOperationAST, parse } from 'graphql';
import { loadConfig } from '../../src/config';
import { beatIntervalMs, healthOf, pickReplica, stalenessMs, writeFenceMillis, type ReplicaHealth } from '../../src/db/replica-status';
import { browsesOnly } from '../../src/schema/replica-reads';
// The resolvers register their @ReplicaReads fields when loaded.
import '../../src/resolvers/catalog/product.resolver';
import '../../src/resolvers/orders/order.resolver';
import '../../src/resolvers/cart/cart.resolver';

const SECRET = { AUTH_TOKEN_SECRET: 'unit-token-secret-9b41e6d0c8a27f53' };
const PRIMARY = 'mysql://app:pw@db-primary:3306/marketplace';

describe("a replica's health from our heartbeat", () => {
  const running = { Slave_IO_Running: 'Yes', Slave_SQL_Running: 'Yes', Seconds_Behind_Master: 0 };
  const health = (staleMs: number | null, status: Record<string, unknown> | undefined | null = running, sinceFirstBeatMs = 60_000) =>
    healthOf({ staleMs, sinceFirstBeatMs, status }, 5);

  it('is ok while the beat it shows is at most the lag bound old, lagging past it', () => {
    expect(health(0)).toEqual({ state: 'ok', lagSeconds: 0 });
    expect(health(5000)).toEqual({ state: 'ok', lagSeconds: 5 });
    expect(health(5001)).toEqual({ state: 'lagging', lagSeconds: 5.1 });
  });

  it('the heartbeat decides, whatever Seconds_Behind_Master says; with no status row (Aurora) or no privilege to read it too', () => {
    expect(health(9000, { ...running, Seconds_Behind_Master: 0 }).state).toBe('lagging');
    expect(health(100, { ...running, Seconds_Behind_Master: null }).state).toBe('ok');
    expect(health(100, undefined).state).toBe('ok');
    expect(health(100, null).state).toBe('ok');
    expect(health(9000, undefined).state).toBe('lagging');
  });

  it('stopped replication threads take it out (MariaDB and MySQL 8 column names)', () => {
    expect(health(100, { ...running, Slave_SQL_Running: 'No' })).toEqual({ state: 'stopped', lagSeconds: 0.1 });
    expect(health(100, { ...running, Slave_IO_Running: 'Connecting' }).state).toBe('stopped');
    const mysql8 = { Replica_IO_Running: 'Yes', Replica_SQL_Running: 'Yes', Seconds_Behind_Source: '2' };
    expect(health(100, mysql8).state).toBe('ok');
    expect(health(100, { ...mysql8, Replica_SQL_Running: 'No' }).state).toBe('stopped');
  });

  it("without our row: waiting (unchecked) within the lag bound of our first beat, then not this primary's replica", () => {
    expect(health(null, running, 4000)).toEqual({ state: 'unchecked', lagSeconds: null });
    expect(health(null, running, 5001)).toEqual({ state: "not this primary's replica", lagSeconds: null });
    expect(health(null, undefined, 60_000).state).toBe("not this primary's replica");
  });
});

describe('how stale a beat is', () => {
  const beats = {
    sent: new Map([
      [7, 1000],
      [8, 2000],
      [9, 3000],
    ]),
    forgotten: { beat: 6, at: 500 },
    firstAt: 0,
  };

  it('is the time since we sent the beat the replica shows, a lower bound for a forgotten one, none for no row or a beat never sent', () => {
    expect(stalenessMs(beats, 9, 3500)).toBe(500);
    expect(stalenessMs(beats, 7, 3500)).toBe(2500);
    expect(stalenessMs(beats, 2, 3500)).toBe(3000);
    expect(stalenessMs(beats, null, 3500)).toBeNull();
    expect(stalenessMs(beats, 10, 3500)).toBeNull();
  });

  it('is written every check interval, at least four times per lag bound', () => {
    expect(beatIntervalMs({ maxLagSeconds: 5, checkIntervalMs: 1000 })).toBe(1000);
    expect(beatIntervalMs({ maxLagSeconds: 1, checkIntervalMs: 3000 })).toBe(250);
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
  it('lasts the lag bound, the check interval, the check timeout (2 s) and a second of margin', () => {
    expect(writeFenceMillis({ maxLagSeconds: 5, checkIntervalMs: 1000 })).toBe(9000);
    expect(writeFenceMillis({ maxLagSeconds: 1, checkIntervalMs: 100 })).toBe(4100);
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
});
