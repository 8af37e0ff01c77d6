import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config';

/** docker-compose.yml's deployment defaults (issue #14, case 9), read as compose reads it. */
type Service = { ports?: string[]; command?: string[]; environment?: Record<string, string> };
const file = readFileSync(path.join(__dirname, '../../docker-compose.yml'), 'utf8');
const services = (parse(file) as { services: Record<string, Service> }).services;

/** Compose's interpolation of `${VAR}`, `${VAR:-default}`, `${VAR:?message}` and `$$`, for the forms this file uses. */
function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\{(\w+)(?::([-?])([^}]*))?\}/g, (match, name: string | undefined, op?: string, arg?: string) => {
    if (match === '$$') return '$';
    const value = env[name!];
    if (value) return value;
    if (op === '?') throw new Error(`${name} ${arg}`);
    return op === '-' ? (arg ?? '') : '';
  });
}

const SECRETS = {
  MYSQL_ROOT_PASSWORD: 'mysql-pw-7Hk2q9Lx',
  REDIS_PASSWORD: 'redis-pw-4Tz8m1Qa',
  MINIO_ROOT_PASSWORD: 'minio-pw-5Rb3n6Wc',
  AUTH_TOKEN_SECRET: 'compose-token-3c9e71a0f4d2b86e5a17',
  ADMIN_INVITE_CODE: 'invite-8Fq2Lm7Zx4',
};

describe('docker-compose.yml', () => {
  it('publishes only the app on every interface; MinIO on loopback; MySQL and Redis not at all', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const port of service.ports ?? []) {
        if (name === 'app') continue;
        expect(`${name} ${port}`).toMatch(new RegExp(`^${name} 127\\.0\\.0\\.1:`));
      }
    }
    expect(services.mysql.ports).toBeUndefined();
    expect(services.redis.ports).toBeUndefined();
    expect(services.app.ports).toHaveLength(1);
  });

  it('runs Redis with a password, and the app connects with it', () => {
    expect(services.redis.command?.join(' ')).toMatch(/--requirepass "\$\$REDIS_PASSWORD"/);
    const env = JSON.parse(interpolate(JSON.stringify(services.app.environment), SECRETS)) as Record<string, string>;
    expect(new URL(env.REDIS_URL).password).toBe(SECRETS.REDIS_PASSWORD);
  });

  it('will not start while a secret is unset, and the app accepts what it passes on in production', () => {
    for (const name of Object.keys(SECRETS)) {
      const { [name as keyof typeof SECRETS]: _, ...rest } = SECRETS;
      expect(() => interpolate(file, rest)).toThrow(new RegExp(`^${name} set ${name}`));
    }
    const env = JSON.parse(interpolate(JSON.stringify(services.app.environment), SECRETS)) as Record<string, string>;
    const config = loadConfig(env);
    expect(config).toMatchObject({ isProduction: true, adminInviteCode: SECRETS.ADMIN_INVITE_CODE });
    expect(config.payments.secretKey).toBeUndefined();
    // The old file's placeholders are refused.
    expect(() => loadConfig({ ...env, ADMIN_INVITE_CODE: 'change-me-invite' })).toThrow(/ADMIN_INVITE_CODE looks like a placeholder/);
  });
});
