import { ConfigError, loadConfig } from '../../src/config';

describe('config', () => {
  it('has working defaults for local MariaDB and Redis', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 4000,
      nodeEnv: 'development',
      databaseUrl: 'mysql://root@127.0.0.1:3306/marketplace',
      redisUrl: 'redis://127.0.0.1:6379',
      migrateOnStart: true,
      adminInviteCode: undefined,
    });
    expect(Object.isFrozen(config)).toBe(true);
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
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/AUTH_TOKEN_SECRET is required/);
    expect(loadConfig({ NODE_ENV: 'production', AUTH_TOKEN_SECRET: 's'.repeat(32) }).isProduction).toBe(true);
  });

  it('treats empty values as unset and parses booleans and lists', () => {
    const config = loadConfig({ PORT: '', MIGRATE_ON_START: 'false', CORS_ORIGINS: 'https://a.kr, https://b.kr' });
    expect(config.port).toBe(4000);
    expect(config.migrateOnStart).toBe(false);
    expect(config.corsOrigins).toEqual(['https://a.kr', 'https://b.kr']);
  });

  it('refuses a short admin invite code', () => {
    expect(() => loadConfig({ ADMIN_INVITE_CODE: 'abc' })).toThrow(/ADMIN_INVITE_CODE/);
  });
});
