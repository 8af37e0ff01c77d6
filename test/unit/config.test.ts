import express from 'express';
import { ConfigError, loadConfig } from '../../src/config';

/** A token secret that passes every rule; DATABASE_URL needs one. */
const SECRET = { AUTH_TOKEN_SECRET: 'unit-token-secret-9b41e6d0c8a27f53' };

describe('config', () => {
  it('with nothing set, picks the embedded profile: SQLite, local disk, in-process adapters, the Toss sandbox', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 4000,
      nodeEnv: 'development',
      profile: 'embedded',
      database: { kind: 'sqlite', file: 'data/marketplace.sqlite' },
      redisUrl: undefined,
      storage: { kind: 'local', directory: 'data/uploads' },
      eventBus: 'memory',
      stock: { guard: 'memory' },
      payments: { sandbox: true, secretKey: undefined },
      migrateOnStart: true,
      adminInviteCode: undefined,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('switches each part to the real service when its variable is set', () => {
    expect(loadConfig({ REDIS_URL: 'redis://r:6379' })).toMatchObject({
      profile: 'embedded',
      eventBus: 'redis',
      stock: { guard: 'redis' },
    });
    expect(loadConfig({ S3_BUCKET: 'media' }).storage.kind).toBe('s3');
    expect(loadConfig({ TOSS_SECRET_KEY: 'test_sk_x', TOSS_CLIENT_KEY: 'test_ck_x' }).payments).toMatchObject({
      sandbox: false,
      apiUrl: 'https://api.tosspayments.com',
    });
    // DATABASE_URL selects the production profile, whose Redis defaults to the local one.
    expect(loadConfig({ DATABASE_URL: 'mysql://root@127.0.0.1:3306/marketplace', ...SECRET })).toMatchObject({
      profile: 'production',
      database: { kind: 'mysql', url: 'mysql://root@127.0.0.1:3306/marketplace', poolSize: 4, readPoolSize: 8 },
      redisUrl: 'redis://127.0.0.1:6379',
      eventBus: 'redis',
      stock: { guard: 'redis' },
      payments: { sandbox: false, secretKey: undefined },
    });
  });

  it('refuses Redis adapters without Redis, and the embedded profile in production', () => {
    expect(() => loadConfig({ STOCK_GUARD: 'redis' })).toThrow(/STOCK_GUARD is redis, which needs REDIS_URL/);
    expect(() => loadConfig({ NODE_ENV: 'production', ...SECRET })).toThrow(/DATABASE_URL is required/);
  });

  it('names every bad variable in one message', () => {
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'postgres://x/y', MIGRATE_ON_START: 'maybe', LOGIN_MAX_FAILURES: '0' });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const message = (err as ConfigError).message;
      for (const name of ['PORT', 'DATABASE_URL', 'MIGRATE_ON_START', 'LOGIN_MAX_FAILURES']) expect(message).toContain(name);
    }
  });

  it('requires AUTH_TOKEN_SECRET in production', () => {
    const database = { DATABASE_URL: 'mysql://root@127.0.0.1:3306/marketplace' };
    expect(() => loadConfig({ NODE_ENV: 'production', ...database })).toThrow(/AUTH_TOKEN_SECRET is required/);
    expect(loadConfig({ NODE_ENV: 'production', ...SECRET, ...database }).isProduction).toBe(true);
  });

  describe('unsafe deployment defaults (issue #14, case 9)', () => {
    const database = { DATABASE_URL: 'mysql://root@127.0.0.1:3306/marketplace' };
    const production = { NODE_ENV: 'production', ...database, ...SECRET };
    const problemsOf = (env: Record<string, string>): string => {
      try {
        loadConfig(env);
        return '';
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).message;
      }
    };

    it('requires AUTH_TOKEN_SECRET whenever DATABASE_URL is set, whatever NODE_ENV says (the development secret is public)', () => {
      for (const nodeEnv of ['development', 'test']) {
        expect(problemsOf({ NODE_ENV: nodeEnv, ...database })).toMatch(/AUTH_TOKEN_SECRET is required when DATABASE_URL is set/);
      }
      expect(loadConfig({ ...database, ...SECRET }).authTokenSecret).toBe(SECRET.AUTH_TOKEN_SECRET);
      // The embedded profile (loopback, public demo logins) keeps its development secret.
      expect(loadConfig({}).authTokenSecret).toMatch(/^dev-only/);
    });

    it.each([
      ['the built-in development secret', 'dev-only-insecure-token-secret-change-me-please', /published default|placeholder/],
      [
        "the old compose file's placeholder",
        'change-me-to-a-long-random-secret-of-32-chars-or-more',
        /placeholder \(contains "changeme"\)/,
      ],
      ['a placeholder in other words', 'REPLACE_ME_with_a_real_value_0123456789', /placeholder \(contains "replaceme"\)/],
      ['one repeated character', 'x'.repeat(40), /at least 8 different characters/],
      ['two characters repeated', 'ab'.repeat(20), /at least 8 different characters/],
      ['an obvious sequence', 'abcdefghijklmnopqrstuvwxyz0123456789', /placeholder \(contains "abcdefgh"\)/],
      ['a phrase', 'my-super-secret-jwt-token-key-1234567', /placeholder \(contains "supersecret"\)/],
    ])('refuses %s as AUTH_TOKEN_SECRET in production, and on the production profile whatever NODE_ENV says', (_, secret, reason) => {
      const message = problemsOf({ ...production, AUTH_TOKEN_SECRET: secret });
      expect(message).toMatch(new RegExp(`AUTH_TOKEN_SECRET .*${reason.source}`));
      // DATABASE_URL listens on every interface: NODE_ENV=development is no excuse.
      expect(problemsOf({ ...database, NODE_ENV: 'development', AUTH_TOKEN_SECRET: secret })).toMatch(
        new RegExp(`AUTH_TOKEN_SECRET .*${reason.source}`),
      );
    });

    it.each([
      ["the compose file's old placeholder", 'change-me-invite', /placeholder \(contains "changeme"\)/],
      ['a long placeholder', 'change-me-invite-code-please', /placeholder \(contains "changeme"\)/],
      ['a short code', 'k3Pz9qLm', /at least 16 characters/],
      ['a phrase', 'please-set-an-invite-code', /placeholder \(contains "pleaseset"\)/],
      ['one repeated character', 'a'.repeat(20), /at least 8 different characters/],
    ])('refuses %s as ADMIN_INVITE_CODE in production and on the production profile', (_, code, reason) => {
      expect(problemsOf({ ...production, ADMIN_INVITE_CODE: code })).toMatch(new RegExp(`ADMIN_INVITE_CODE .*${reason.source}`));
      expect(problemsOf({ ...database, ...SECRET, ADMIN_INVITE_CODE: code })).toMatch(new RegExp(`ADMIN_INVITE_CODE .*${reason.source}`));
    });

    it('accepts random-looking secrets and invite codes in production, and real-looking Toss keys', () => {
      const config = loadConfig({
        ...production,
        ADMIN_INVITE_CODE: 'q7Vd-2mXk-Rp9w-Lc4z',
        TOSS_SECRET_KEY: 'test_gsk_docs_OaPz8L5KdmQXkzRz3y47BMw6',
        TOSS_CLIENT_KEY: 'test_gck_docs_Ovk5rk1EwkEbP0W43n07xlzm',
      });
      expect(config.adminInviteCode).toBe('q7Vd-2mXk-Rp9w-Lc4z');
      expect(config.payments.secretKey).toBe('test_gsk_docs_OaPz8L5KdmQXkzRz3y47BMw6');
    });

    it('refuses placeholder Toss keys in production', () => {
      const message = problemsOf({ ...production, TOSS_SECRET_KEY: 'test_sk_docs_replace_me', TOSS_CLIENT_KEY: 'test_ck_docs_replace_me' });
      expect(message).toMatch(/TOSS_SECRET_KEY looks like a placeholder/);
      expect(message).toMatch(/TOSS_CLIENT_KEY looks like a placeholder/);
    });
  });

  it('treats empty values as unset and parses booleans and lists', () => {
    const config = loadConfig({ PORT: '', MIGRATE_ON_START: 'false', CORS_ORIGINS: 'https://a.kr, https://b.kr' });
    expect(config.port).toBe(4000);
    expect(config.migrateOnStart).toBe(false);
    expect(config.corsOrigins).toEqual(['https://a.kr', 'https://b.kr']);
  });

  it('has order and sign-up limits with sensible defaults, an order total that always fits GraphQL Int, and 0 turning counts off', () => {
    expect(loadConfig({})).toMatchObject({
      orders: { maxAmount: 50_000_000, maxLineQuantity: 100, maxPendingPerCustomer: 3 },
      rateLimit: { ordersPerCustomerPerMinute: 10, signUpsPerIpPerHour: 20 },
    });
    expect(loadConfig({ ORDER_MAX_AMOUNT: '2147483647' }).orders.maxAmount).toBe(2_147_483_647);
    expect(() => loadConfig({ ORDER_MAX_AMOUNT: '2147483648' })).toThrow(/ORDER_MAX_AMOUNT must be a whole number from 1 to 2147483647/);
    expect(() => loadConfig({ ORDER_MAX_LINE_QUANTITY: '0' })).toThrow(/ORDER_MAX_LINE_QUANTITY/);
    const off = loadConfig({ ORDER_MAX_PENDING_PER_CUSTOMER: '0', ORDER_CREATE_PER_MINUTE: '0', SIGNUP_PER_IP_PER_HOUR: '0' });
    expect([off.orders.maxPendingPerCustomer, off.rateLimit.ordersPerCustomerPerMinute, off.rateLimit.signUpsPerIpPerHour]).toEqual([
      0, 0, 0,
    ]);
  });

  it('takes the seller commission in basis points, 10 % by default, 0 to 10,000', () => {
    expect(loadConfig({}).settlement.commissionBps).toBe(1000);
    expect(loadConfig({ SELLER_COMMISSION_BPS: '0' }).settlement.commissionBps).toBe(0);
    expect(loadConfig({ SELLER_COMMISSION_BPS: '10000' }).settlement.commissionBps).toBe(10_000);
    for (const bad of ['-1', '10001', '2.5', '10%']) {
      expect(() => loadConfig({ SELLER_COMMISSION_BPS: bad })).toThrow(/SELLER_COMMISSION_BPS must be a whole number from 0 to 10000/);
    }
  });

  it('refuses a short admin invite code', () => {
    expect(() => loadConfig({ ADMIN_INVITE_CODE: 'abc' })).toThrow(/ADMIN_INVITE_CODE/);
  });
});

describe('config: embedded-profile safety and Toss keys', () => {
  it('listens on loopback in the embedded profile (public demo logins, loopback sandbox), on every interface in production', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({ DATABASE_URL: 'mysql://root@127.0.0.1:3306/m', ...SECRET }).host).toBe('0.0.0.0');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });

  it('turns payments on with TOSS_SECRET_KEY alone (a headless API: the storefront holds the client key)', () => {
    for (const database of [{}, { DATABASE_URL: 'mysql://root@127.0.0.1:3306/m', ...SECRET }]) {
      const { payments } = loadConfig({ ...database, TOSS_SECRET_KEY: 'live_sk_x' });
      expect(payments).toMatchObject({
        sandbox: false,
        secretKey: 'live_sk_x',
        clientKey: undefined,
        apiUrl: 'https://api.tosspayments.com',
      });
    }
    expect(loadConfig({ TOSS_SECRET_KEY: 'test_gsk_x' }).payments.secretKey).toBe('test_gsk_x');
  });

  it('refuses TOSS_CLIENT_KEY without TOSS_SECRET_KEY (nothing could confirm its payments)', () => {
    expect(() => loadConfig({ TOSS_CLIENT_KEY: 'test_ck_x' })).toThrow(/TOSS_SECRET_KEY is required when TOSS_CLIENT_KEY is set/);
  });

  it('takes both Toss keys only as one matching pair', () => {
    expect(() => loadConfig({ TOSS_CLIENT_KEY: 'test_gck_x', TOSS_SECRET_KEY: 'test_sk_x' })).toThrow(/must be one pair/);
    expect(() => loadConfig({ TOSS_CLIENT_KEY: 'live_ck_x', TOSS_SECRET_KEY: 'test_sk_x' })).toThrow(/must be one pair/);
    expect(loadConfig({ TOSS_CLIENT_KEY: 'test_gck_x', TOSS_SECRET_KEY: 'test_gsk_x' }).payments.clientKey).toBe('test_gck_x');
    expect(loadConfig({ TOSS_CLIENT_KEY: 'live_ck_x', TOSS_SECRET_KEY: 'live_sk_x' }).payments.secretKey).toBe('live_sk_x');
  });

  describe('TRUST_PROXY', () => {
    it('trusts no proxy by default, or when false or 0', () => {
      for (const value of [undefined, 'false', 'no', '0']) expect(loadConfig({ TRUST_PROXY: value }).trustProxy).toBe(false);
    });

    it('takes a hop count, or proxy addresses, CIDR ranges and Express names, in a form Express compiles', () => {
      expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
      expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
      const list = loadConfig({ TRUST_PROXY: '10.0.0.0/8, 192.168.1.7,fd00::/8, ::1, loopback,uniquelocal' }).trustProxy;
      expect(list).toEqual(['10.0.0.0/8', '192.168.1.7', 'fd00::/8', '::1', 'loopback', 'uniquelocal']);
      // Express compiles the value as server.ts hands it over (and would throw on a bad entry).
      const trust = express().set('trust proxy', list).get('trust proxy fn') as (addr: string, i: number) => boolean;
      expect(trust('10.200.0.1', 0)).toBe(true);
      expect(trust('203.0.113.9', 0)).toBe(false);
    });

    it('refuses true, saying why and what to set instead', () => {
      for (const value of ['true', 'yes', 'TRUE']) {
        expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(/TRUST_PROXY is true, which trusts every X-Forwarded-For entry/);
      }
      expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY=1 behind one load balancer/);
    });

    it('refuses a range of every address or near it (wider than /8, /7 for IPv6, /104 IPv4-mapped): like true, it trusts anyone', () => {
      for (const value of ['0.0.0.0/0', '::/0', '10.0.0.0/8,0.0.0.0/00', '0.0.0.0/1,128.0.0.0/1', '::/1,8000::/1', '::ffff:0.0.0.0/96']) {
        expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(
          /a range of every address or near it, which trusts every X-Forwarded-For entry/,
        );
      }
      expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8,fc00::/7,::ffff:10.0.0.0/104' }).trustProxy).toEqual([
        '10.0.0.0/8',
        'fc00::/7',
        '::ffff:10.0.0.0/104',
      ]);
    });

    it('refuses bad addresses and ranges at load, naming them', () => {
      for (const value of ['10.0.0.0/33', 'fd00::/129', '10.0.0', 'proxy.internal', '10.0.0.1/8/2', '1,', '-1', '11']) {
        expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(/TRUST_PROXY/);
      }
      expect(() => loadConfig({ TRUST_PROXY: '10.0.0.1,lan' })).toThrow(/"lan", which is not an IP address/);
    });
  });

  it('limits webhook deliveries per IP by default, and checks TOSS_WEBHOOK_ALLOWED_IPS entry by entry', () => {
    expect(loadConfig({}).payments.webhook).toEqual({ perIpPerMinute: 600, allowedIps: null });
    const { allowedIps } = loadConfig({ TOSS_WEBHOOK_ALLOWED_IPS: ' 203.0.113.7, 198.51.100.0/24,2001:db8::/32 ' }).payments.webhook;
    expect(allowedIps).toEqual([
      { address: '203.0.113.7', prefix: null, family: 'ipv4' },
      { address: '198.51.100.0', prefix: 24, family: 'ipv4' },
      { address: '2001:db8::', prefix: 32, family: 'ipv6' },
    ]);
    for (const bad of ['toss.im', '10.0.0.0/33', '10.0.0.1/8/1', '::1/129', '10.0.0.0/x', '300.1.1.1']) {
      expect(() => loadConfig({ TOSS_WEBHOOK_ALLOWED_IPS: `203.0.113.7,${bad}` })).toThrow(
        /TOSS_WEBHOOK_ALLOWED_IPS has entries that are not/,
      );
    }
  });
});
