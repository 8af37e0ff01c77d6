import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config';

/** docker-compose.yml's deployment defaults (issue #14, case 9), read as compose reads it. */
type Service = { ports?: string[]; command?: string[]; environment?: Record<string, string>; profiles?: string[]; volumes?: string[] };
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

  it('adds the collector and Prometheus only with --profile observability; Prometheus scrapes the unpublished metrics listener', () => {
    const optional = Object.entries(services).filter(([, service]) => service.profiles);
    expect(optional.map(([name, service]) => [name, service.profiles])).toEqual([
      ['otel-collector', ['observability']],
      ['prometheus', ['observability']],
    ]);
    expect(services['otel-collector'].ports).toBeUndefined();
    const env = JSON.parse(interpolate(JSON.stringify(services.app.environment), SECRETS)) as Record<string, string>;
    const config = loadConfig(env);
    // Tracing stays off until OTEL_EXPORTER_OTLP_ENDPOINT is set in .env.
    expect(config.telemetry.tracing).toBe(false);
    expect(loadConfig({ ...env, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318' }).telemetry.tracing).toBe(true);
    const listener = config.telemetry.metrics.listener!;
    expect(services.app.ports!.some((p) => p.endsWith(`:${listener.port}`))).toBe(false);
    const root = path.join(__dirname, '../..');
    for (const service of ['otel-collector', 'prometheus'])
      for (const volume of services[service].volumes ?? [])
        if (volume.startsWith('./')) expect(existsSync(path.join(root, volume.split(':')[0]))).toBe(true);
    const prometheus = parse(readFileSync(path.join(root, 'deploy/observability/prometheus.yml'), 'utf8')) as {
      scrape_configs: Array<{ static_configs: Array<{ targets: string[] }> }>;
    };
    expect(prometheus.scrape_configs[0].static_configs[0].targets).toEqual([`app:${listener.port}`]);
  });
});
