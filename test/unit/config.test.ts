import { ConfigError, loadConfig } from '../../src/config';

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
    expect(loadConfig({ DATABASE_URL: 'mysql://root@127.0.0.1:3306/marketplace' })).toMatchObject({
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
    expect(() => loadConfig({ NODE_ENV: 'production', AUTH_TOKEN_SECRET: 's'.repeat(32) })).toThrow(/DATABASE_URL is required/);
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
    expect(loadConfig({ NODE_ENV: 'production', AUTH_TOKEN_SECRET: 's'.repeat(32), ...database }).isProduction).toBe(true);
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

  it('refuses a short admin invite code', () => {
    expect(() => loadConfig({ ADMIN_INVITE_CODE: 'abc' })).toThrow(/ADMIN_INVITE_CODE/);
  });
});

describe('config: embedded-profile safety and Toss keys', () => {
  it('listens on loopback in the embedded profile (public demo logins, loopback sandbox), on every interface in production', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({ DATABASE_URL: 'mysql://root@127.0.0.1:3306/m' }).host).toBe('0.0.0.0');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });

  it('turns payments on with TOSS_SECRET_KEY alone (a headless API: the storefront holds the client key)', () => {
    for (const database of [{}, { DATABASE_URL: 'mysql://root@127.0.0.1:3306/m' }]) {
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
