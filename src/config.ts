import { z } from 'zod';
import { parseTrustProxy, type TrustProxy } from './trust-proxy';
import { looksLikePlaceholder, weakSecretReason } from './secret-strength';
import { parseIpList, type IpRule } from './services/shared/ip-list';
import { OTEL_SETTING_NAMES, otelSettingProblems, type OtelSettingName } from './otel-settings';

/** Environment variables are parsed here once; nothing else in the app reads process.env. */

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
    .optional()
    .transform((v) => (v === undefined ? fallback : ['true', '1', 'yes'].includes(v)));

const int = (fallback: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be a whole number from ${min} to ${max}` });
        return z.NEVER;
      }
      return n;
    });

const url = (protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol.replace(/:$/, ''));
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => p + '://').join(' or ')}` },
  );

const DEV_TOKEN_SECRET = 'dev-only-insecure-token-secret-change-me-please';
/** OTEL_TRACES_SAMPLER's values the OpenTelemetry SDK knows. */
export const TRACES_SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
export type TracesSampler = (typeof TRACES_SAMPLERS)[number];
/** Span attribute values are cut to this length unless OTEL_(SPAN_)ATTRIBUTE_VALUE_LENGTH_LIMIT says otherwise (client-controlled paths, user agents). */
export const DEFAULT_ATTRIBUTE_VALUE_LENGTH_LIMIT = 2048;
/** A GraphQL name short enough to be a metrics label (telemetry/metrics.ts labels nothing else). */
export const LABEL_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/;
const operationNamesOf = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const TOSS_API_URL = 'https://api.tosspayments.com';
/** The largest value a GraphQL `Int` carries (and so the largest amount the API can show). */
export const GRAPHQL_INT_MAX = 2_147_483_647;

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: int(4000, 0, 65535),
    HOST: z.string().optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
    DATABASE_URL: url(['mysql', 'mariadb']).optional(),
    SQLITE_FILE: z.string().default('data/marketplace.sqlite'),
    DATABASE_POOL_SIZE: int(4, 1, 200),
    DATABASE_READ_POOL_SIZE: int(8, 1, 200),
    // MySQL read replicas (README "Scaling out"): checked in replicaIssues, built by replicaConfig below.
    DATABASE_REPLICA_URLS: z.string().optional(),
    DATABASE_REPLICA_MAX_LAG_SECONDS: int(5, 1, 3600),
    DATABASE_REPLICA_CHECK_INTERVAL_MS: int(1000, 100, 60_000),
    MIGRATE_ON_START: bool(true),
    REDIS_URL: url(['redis', 'rediss']).optional(),
    REDIS_KEY_PREFIX: z.string().default('mp:'),
    // Redis Cluster (README "Scaling out"): the seed nodes; when set, every Redis use goes through it and REDIS_URL is not used.
    REDIS_CLUSTER_NODES: z
      .string()
      .optional()
      .transform((v, ctx) => {
        if (v === undefined) return undefined;
        const nodes = parseClusterNodes(v);
        if (typeof nodes === 'string') {
          ctx.addIssue({ code: z.ZodIssueCode.custom, message: nodes });
          return z.NEVER;
        }
        return nodes;
      }),
    // Applied to every cluster node's connection (REDIS_URL carries its own credentials and rediss://).
    REDIS_USERNAME: z.string().optional(),
    REDIS_PASSWORD: z.string().optional(),
    REDIS_TLS: bool(false),
    /** A cluster command (a failover's redirections included) answers within this or fails: the request gets SERVICE_UNAVAILABLE. */
    REDIS_COMMAND_TIMEOUT_MS: int(2000, 100, 60_000),
    ADMIN_INVITE_CODE: z.string().min(8, 'must be at least 8 characters').optional(),
    AUTH_TOKEN_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    AUTH_TOKEN_TTL_SECONDS: int(7 * 24 * 3600, 60, 365 * 24 * 3600),
    PASSWORD_HASH_MEMORY_KIB: int(19456, 1024, 1048576),
    PASSWORD_HASH_TIME_COST: int(2, 1, 20),
    LOGIN_MAX_FAILURES: int(5, 1, 1000),
    LOGIN_IP_MAX_FAILURES: int(50, 1, 100000),
    LOGIN_LOCKOUT_SECONDS: int(900, 1, 7 * 24 * 3600),
    LOGIN_ACCOUNT_SLOWDOWN_AFTER: int(100, 1, 1_000_000),
    LOGIN_ACCOUNT_SLOWDOWN_SECONDS: int(5, 1, 3600),
    UPLOAD_MAX_FILE_BYTES: int(10 * 1024 * 1024, 1024, 100 * 1024 * 1024),
    UPLOAD_MAX_IMAGE_PIXELS: int(40_000_000, 1, 1_000_000_000),
    PUBLIC_URL: url(['http', 'https']).optional(),
    STORAGE: z.enum(['s3', 'local']).optional(),
    LOCAL_STORAGE_DIR: z.string().default('data/uploads'),
    S3_BUCKET: z.string().min(3, 'must be at least 3 characters').optional(),
    S3_REGION: z.string().default('us-east-1'),
    S3_ENDPOINT: url(['http', 'https']).optional(),
    S3_FORCE_PATH_STYLE: bool(false),
    S3_PUBLIC_URL: url(['http', 'https']).optional(),
    AWS_ACCESS_KEY_ID: z.string().optional(),
    AWS_SECRET_ACCESS_KEY: z.string().optional(),
    ORDER_PAYMENT_WINDOW_SECONDS: int(600, 1, 24 * 3600),
    ORDER_SWEEP_INTERVAL_MS: int(10_000, 50, 3600_000),
    PURCHASE_CONFIRM_DAYS: int(7, 1, 365),
    // Basis points of a confirmed line's gross the platform keeps (1000 = 10 %; 0..10000 = 0..100 %).
    SELLER_COMMISSION_BPS: int(1000, 0, 10_000),
    OUTBOX_RELAY_INTERVAL_MS: int(250, 10, 60_000),
    // Totals are GraphQL Ints, so an order can never be worth more than 2,147,483,647 KRW.
    ORDER_MAX_AMOUNT: int(50_000_000, 1, GRAPHQL_INT_MAX),
    ORDER_MAX_LINE_QUANTITY: int(100, 1, 1_000_000),
    ORDER_MAX_PENDING_PER_CUSTOMER: int(3, 0, 1_000_000),
    ORDER_CREATE_PER_MINUTE: int(10, 0, 1_000_000),
    SIGNUP_PER_IP_PER_HOUR: int(20, 0, 10_000_000),
    STOCK_GUARD: z.enum(['redis', 'memory']).optional(),
    EVENT_BUS: z.enum(['redis', 'memory']).optional(),
    GRAPHQL_JIT: bool(true),
    GRAPHQL_INTROSPECTION: z.enum(['true', 'false', '1', '0', 'yes', 'no']).optional(),
    GRAPHQL_MAX_DEPTH: int(12, 2, 100),
    GRAPHQL_MAX_ALIASES: int(30, 0, 1000),
    GRAPHQL_MAX_COMPLEXITY: int(2000, 10, 1_000_000),
    RESPONSE_CACHE_TTL_SECONDS: int(5, 0, 3600),
    RATE_LIMIT_IP_PER_MINUTE: int(3000, 0, 10_000_000),
    RATE_LIMIT_ACCOUNT_PER_MINUTE: int(1200, 0, 10_000_000),
    WS_MAX_MESSAGE_BYTES: int(64 * 1024, 1024, 16 * 1024 * 1024),
    WS_CONNECTION_INIT_TIMEOUT_MS: int(3000, 100, 60_000),
    WS_MAX_OPERATIONS_PER_SOCKET: int(10, 1, 1000),
    WS_MAX_SOCKETS_PER_ACCOUNT: int(5, 1, 10_000),
    WS_SESSION_CHECK_SECONDS: int(60, 1, 3600),
    STOCK_RESERVATION_GRACE_SECONDS: int(120, 1, 24 * 3600),
    TOSS_SECRET_KEY: z
      .string()
      .regex(/^(test|live)_(g?sk)_\S+$/, 'must be a Toss secret key (test_sk_..., test_gsk_..., live_sk_...)')
      .optional(),
    TOSS_CLIENT_KEY: z
      .string()
      .regex(/^(test|live)_(g?ck)_\S+$/, 'must be a Toss client key (test_ck_..., test_gck_..., live_ck_...)')
      .optional(),
    TOSS_API_URL: url(['http', 'https']).optional(),
    TOSS_TIMEOUT_MS: int(10_000, 100, 120_000),
    PAYMENT_RECONCILE_AFTER_SECONDS: int(30, 1, 24 * 3600),
    TRUST_PROXY: z
      .string()
      .optional()
      .transform((v, ctx) => {
        const parsed = parseTrustProxy(v);
        if ('value' in parsed) return parsed.value;
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: parsed.error });
        return z.NEVER;
      }),
    TOSS_WEBHOOK_PER_IP_PER_MINUTE: int(600, 0, 10_000_000),
    TOSS_WEBHOOK_ALLOWED_IPS: z
      .string()
      .optional()
      .superRefine((v, ctx) => {
        const invalid = v === undefined ? [] : parseIpList(v).invalid;
        if (invalid.length > 0)
          ctx.addIssue({
            code: z.ZodIssueCode.custom,
            message: `has entries that are not IP addresses or CIDR blocks: ${invalid.join(', ')}`,
          });
      }),
    CORS_ORIGINS: z.string().optional(),
    METRICS_PORT: int(0, 0, 65535),
    METRICS_HOST: z.string().default('127.0.0.1'),
    METRICS_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
    METRICS_OPERATION_NAMES: z
      .string()
      .optional()
      .superRefine((v, ctx) => {
        const bad = v === undefined ? [] : operationNamesOf(v).filter((name) => !LABEL_NAME.test(name));
        if (bad.length > 0)
          ctx.addIssue({
            code: z.ZodIssueCode.custom,
            message:
              `has entries that are not GraphQL operation names of at most 64 characters, which no operation can match: ` +
              bad.map((b) => JSON.stringify(b.length > 70 ? `${b.slice(0, 64)}…` : b)).join(', '),
          });
      }),
    METRICS_MAX_OPERATION_NAMES: int(100, 0, 10_000),
    // Read by the OpenTelemetry SDK itself (README "Observability"); here to decide whether tracing starts, and checked.
    OTEL_EXPORTER_OTLP_ENDPOINT: url(['http', 'https']).optional(),
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url(['http', 'https']).optional(),
    OTEL_SDK_DISABLED: bool(false),
    OTEL_SERVICE_NAME: z.string().optional(),
    OTEL_TRACES_SAMPLER: z.enum(TRACES_SAMPLERS).optional(),
    OTEL_TRACES_SAMPLER_ARG: z
      .string()
      .optional()
      .refine((v) => v === undefined || (v.trim() !== '' && Number(v) >= 0 && Number(v) <= 1), { message: 'must be a ratio from 0 to 1' }),
    // The SDK's own exporter, batching, propagation and resource settings: checked in otel-settings.ts when tracing is on.
    ...(Object.fromEntries(OTEL_SETTING_NAMES.map((name) => [name, z.string().optional()])) as Record<
      OtelSettingName,
      z.ZodOptional<z.ZodString>
    >),
  })
  .superRefine((env, ctx) => {
    if (env.STORAGE === 's3' && !env.S3_BUCKET) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['S3_BUCKET'], message: 'is required when STORAGE=s3' });
    }
    if (!!env.AWS_ACCESS_KEY_ID !== !!env.AWS_SECRET_ACCESS_KEY) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['AWS_SECRET_ACCESS_KEY'], message: 'and AWS_ACCESS_KEY_ID must be set together' });
    }
    if (env.NODE_ENV === 'production' && !env.DATABASE_URL) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['DATABASE_URL'],
        message: 'is required when NODE_ENV=production (the embedded SQLite profile is for trying the API on one machine)',
      });
    }
    replicaIssues(env).forEach((issue) => ctx.addIssue(issue));
    const redisUrl = redisUrlOf(env);
    for (const name of ['STOCK_GUARD', 'EVENT_BUS'] as const) {
      if (env[name] === 'redis' && !redisUrl && !env.REDIS_CLUSTER_NODES) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: [name],
          message: 'is redis, which needs REDIS_URL or REDIS_CLUSTER_NODES (the embedded profile has no Redis)',
        });
      }
    }
    redisClusterIssues(env).forEach((issue) => ctx.addIssue(issue));
    // The secret key alone turns payments on (a headless deployment: the storefront holds the client
    // key). A client key alone would open a payment window whose payments this server cannot confirm.
    if (env.TOSS_CLIENT_KEY && !env.TOSS_SECRET_KEY) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['TOSS_SECRET_KEY'],
        message:
          'is required when TOSS_CLIENT_KEY is set: the server confirms payments with the secret key (set it alone for a headless API)',
      });
    } else if (env.TOSS_SECRET_KEY && env.TOSS_CLIENT_KEY && !isTossKeyPair(env.TOSS_CLIENT_KEY, env.TOSS_SECRET_KEY)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['TOSS_CLIENT_KEY'],
        message: 'and TOSS_SECRET_KEY must be one pair: both test_ or both live_, and gck with gsk (widget) or ck with sk (API)',
      });
    }
    if (env.NODE_ENV === 'production' && !env.AUTH_TOKEN_SECRET) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['AUTH_TOKEN_SECRET'], message: 'is required when NODE_ENV=production' });
    } else if (env.DATABASE_URL && !env.AUTH_TOKEN_SECRET) {
      // The production profile listens on 0.0.0.0: the public development secret would let anyone sign tokens.
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['AUTH_TOKEN_SECRET'],
        message: 'is required when DATABASE_URL is set (the built-in development secret is public)',
      });
    }
    if (tracingRequested(env))
      for (const [name, message] of otelSettingProblems(env)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [name], message });
    if (env.METRICS_PORT !== 0 && env.METRICS_PORT === env.PORT) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['METRICS_PORT'], message: 'must differ from PORT (or be unset)' });
    }
    // The production profile (DATABASE_URL) listens on every interface whatever NODE_ENV says: no placeholder secrets there either.
    if (env.NODE_ENV === 'production' || env.DATABASE_URL) productionSecretIssues(env).forEach((issue) => ctx.addIssue(issue));
  });

/** Placeholder or short secrets and invite codes, which production and the production profile refuse (see src/secret-strength.ts). */
function productionSecretIssues(env: {
  AUTH_TOKEN_SECRET?: string;
  ADMIN_INVITE_CODE?: string;
  METRICS_TOKEN?: string;
  TOSS_SECRET_KEY?: string;
  TOSS_CLIENT_KEY?: string;
}): z.IssueData[] {
  const issues: z.IssueData[] = [];
  const add = (name: string, message: string | undefined): void => {
    if (message) issues.push({ code: z.ZodIssueCode.custom, path: [name], message });
  };
  if (env.AUTH_TOKEN_SECRET) {
    add('AUTH_TOKEN_SECRET', weakSecretReason(env.AUTH_TOKEN_SECRET, { minLength: 32, knownDefaults: [DEV_TOKEN_SECRET] }));
  }
  if (env.ADMIN_INVITE_CODE) add('ADMIN_INVITE_CODE', weakSecretReason(env.ADMIN_INVITE_CODE, { minLength: 16 }));
  if (env.METRICS_TOKEN) add('METRICS_TOKEN', weakSecretReason(env.METRICS_TOKEN, { minLength: 32 }));
  for (const name of ['TOSS_SECRET_KEY', 'TOSS_CLIENT_KEY'] as const) {
    const value = env[name];
    if (value && looksLikePlaceholder(value)) add(name, 'looks like a placeholder; set your Toss key or leave it unset');
  }
  return issues;
}

// ---- MySQL read replicas (README "Scaling out"): DATABASE_REPLICA_URLS and its lag bound and check interval.

/** Every DATABASE_REPLICA_URLS entry must be a MySQL URL of DATABASE_URL's database; the embedded profile has no replicas. */
function replicaIssues(env: { DATABASE_URL?: string; DATABASE_REPLICA_URLS?: string }): z.IssueData[] {
  if (!env.DATABASE_REPLICA_URLS) return [];
  const issue = (message: string): z.IssueData[] => [{ code: z.ZodIssueCode.custom, path: ['DATABASE_REPLICA_URLS'], message }];
  if (!env.DATABASE_URL) {
    return issue('needs DATABASE_URL: read replicas are MySQL replicas of its server (the embedded SQLite profile has none)');
  }
  const primaryDb = databaseNameOf(env.DATABASE_URL);
  const entries = env.DATABASE_REPLICA_URLS.split(',').map((v) => v.trim());
  for (const [i, entry] of entries.entries()) {
    let parsed: URL;
    try {
      parsed = new URL(entry);
    } catch {
      return issue(`entry ${i + 1} is not a URL (a comma-separated list of mysql://user:password@host:port URLs)`);
    }
    if (!['mysql:', 'mariadb:'].includes(parsed.protocol)) return issue(`entry ${i + 1} must start with mysql:// or mariadb://`);
    // `mysql://` or `mysql:///db` names no server: the driver would quietly connect to localhost:3306.
    if (!parsed.hostname) return issue(`entry ${i + 1} names no host (mysql://user:password@host:port)`);
    const db = databaseNameOf(entry);
    if (db && db !== primaryDb) {
      return issue(
        `entry ${i + 1} names the database "${db}", but DATABASE_URL's is "${primaryDb}" (a replica holds the primary's databases)`,
      );
    }
  }
  return [];
}

/** The replicas' URLs, each with DATABASE_URL's database when it names none. */
function replicaConfig(e: ParsedEnv, primaryUrl: string): ReplicaConfig {
  const primaryDb = databaseNameOf(primaryUrl);
  const urls = (e.DATABASE_REPLICA_URLS ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean)
    .map((v) => {
      const u = new URL(v);
      if (!databaseNameOf(v)) u.pathname = `/${primaryDb}`;
      return u.toString();
    });
  return Object.freeze({
    urls: Object.freeze(urls),
    maxLagSeconds: e.DATABASE_REPLICA_MAX_LAG_SECONDS,
    checkIntervalMs: e.DATABASE_REPLICA_CHECK_INTERVAL_MS,
  });
}

const databaseNameOf = (url: string): string => decodeURIComponent(new URL(url).pathname.replace(/^\/+|\/+$/g, ''));

// ---- end of read replicas

/** REDIS_URL, or with DATABASE_URL (the production profile) the local Redis; none on the embedded profile. */
function redisUrlOf(env: { REDIS_URL?: string; DATABASE_URL?: string }): string | undefined {
  return env.REDIS_URL ?? (env.DATABASE_URL ? DEFAULT_REDIS_URL : undefined);
}

/** `host:port,host:port,…` (an IPv6 host in brackets), or what is wrong with it. */
function parseClusterNodes(value: string): Array<{ host: string; port: number }> | string {
  const nodes = [];
  for (const item of value.split(',').map((s) => s.trim())) {
    const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(item);
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65535) return `must be host:port,host:port,… (the cluster's seed nodes); "${item}" is not host:port`;
    nodes.push({ host: match[1].replace(/^\[|\]$/g, ''), port });
  }
  return nodes;
}

/** The cluster's connection options without REDIS_CLUSTER_NODES, and key prefixes that would split the `{stock}` hash tag. */
function redisClusterIssues(env: {
  REDIS_CLUSTER_NODES?: unknown;
  REDIS_USERNAME?: string;
  REDIS_PASSWORD?: string;
  REDIS_TLS: boolean;
  REDIS_KEY_PREFIX: string;
}): z.IssueData[] {
  const issues: z.IssueData[] = [];
  if (!env.REDIS_CLUSTER_NODES) {
    for (const name of ['REDIS_USERNAME', 'REDIS_PASSWORD', 'REDIS_TLS'] as const) {
      if (env[name]) {
        const message =
          'applies to REDIS_CLUSTER_NODES only (a single Redis takes its credentials and TLS from REDIS_URL: rediss://user:password@host)';
        issues.push({ code: z.ZodIssueCode.custom, path: [name], message });
      }
    }
  } else if (/[{}]/.test(env.REDIS_KEY_PREFIX)) {
    // A brace in the prefix would make it, not `{stock}`, the keys' hash tag (or hash whole keys): scripts' keys could land in several slots.
    issues.push({
      code: z.ZodIssueCode.custom,
      path: ['REDIS_KEY_PREFIX'],
      message: 'must not contain { or } with REDIS_CLUSTER_NODES (Redis Cluster hash tags)',
    });
  }
  return issues;
}

/** `test_gck_...` goes with `test_gsk_...`, `live_ck_...` with `live_sk_...`, and so on. */
function isTossKeyPair(clientKey: string, secretKey: string): boolean {
  const [, clientMode, clientKind] = /^(test|live)_(gck|ck)_/.exec(clientKey) ?? [];
  const [, secretMode, secretKind] = /^(test|live)_(gsk|sk)_/.exec(secretKey) ?? [];
  return clientMode === secretMode && (clientKind === 'gck') === (secretKind === 'gsk');
}

export type Config = Readonly<{
  nodeEnv: 'development' | 'production' | 'test';
  isProduction: boolean;
  port: number;
  host: string;
  logLevel: string;
  /**
   * `production`: DATABASE_URL is set (MySQL; Redis, S3 and Toss from their variables).
   * `embedded`: nothing set; a SQLite file, in-process adapters and the Toss sandbox, for one process.
   */
  profile: 'production' | 'embedded';
  database: DatabaseConfig;
  /** Applies pending migrations (MySQL) or brings the SQLite schema up to date at boot. */
  migrateOnStart: boolean;
  /** Unset in the embedded profile unless REDIS_URL is given; the production profile defaults to the local Redis. Unset with REDIS_CLUSTER_NODES. */
  redisUrl: string | undefined;
  /** REDIS_CLUSTER_NODES and its connection options: every Redis use goes through ioredis's Cluster client (README "Scaling out"). */
  redisCluster: RedisClusterConfig | undefined;
  redisKeyPrefix: string;
  adminInviteCode: string | undefined;
  authTokenSecret: string;
  authTokenTtlSeconds: number;
  passwordHash: Readonly<{ memoryCost: number; timeCost: number }>;
  login: Readonly<{
    /** Failed logins per account and client IP before that pair is locked out. */
    maxFailures: number;
    ipMaxFailures: number;
    lockoutSeconds: number;
    /** Failed logins per account (from any IP) per lockout window past which its attempts are slowed, never blocked. */
    accountSlowdownAfter: number;
    /** Past that ceiling, at most one attempt on the account per this many seconds. */
    accountSlowdownSeconds: number;
  }>;
  uploadMaxFileBytes: number;
  /** Width x height an uploaded image may declare (decompression bombs; 40 MP by default). */
  uploadMaxImagePixels: number;
  /** Absolute base URL of this API as clients reach it; when unset, local media URLs are relative (`/media/...`). */
  publicUrl: string | undefined;
  storage: StorageConfig;
  orders: Readonly<{
    /** An unpaid order fails after this long (Toss's payment window is 10 minutes). */
    paymentWindowSeconds: number;
    /** How often each instance expires overdue orders and reconciles stock reservations. */
    sweepIntervalMs: number;
    /** How often each instance publishes order events that were not published right after their commit. */
    outboxRelayIntervalMs: number;
    /** The largest order total, KRW (at most GRAPHQL_INT_MAX): the cart and createOrder refuse more. */
    maxAmount: number;
    /** Units per cart line and per order line. */
    maxLineQuantity: number;
    /** PAYMENT_PENDING orders one customer may have at once (0: no limit). */
    maxPendingPerCustomer: number;
    /** 구매확정: delivered lines are confirmed automatically this many days after delivery. */
    purchaseConfirmDays: number;
  }>;
  settlement: Readonly<{
    /** 정산: the platform's commission on a confirmed line, in basis points of its gross (1000 = 10 %). */
    commissionBps: number;
  }>;
  stock: Readonly<{
    /** `redis`: shared counters, atomic across instances. `memory`: one process only. */
    guard: 'redis' | 'memory';
    /** A reservation this old whose order is not pending any more is released (or settled) by the sweeper. */
    reservationGraceSeconds: number;
  }>;
  payments: Readonly<{
    /** The embedded profile with no TOSS_* set: start the Toss sandbox in-process and use its test keys. */
    sandbox: boolean;
    /** Toss API secret key: alone it turns payments on; while it is unset, payments answer SERVICE_UNAVAILABLE. */
    secretKey: string | undefined;
    /** Toss client key: optional, only /demo's payment window uses it; when set, one pair with the secret key. */
    clientKey: string | undefined;
    apiUrl: string;
    timeoutMs: number;
    /** A confirm whose outcome is still unknown after this long is settled by looking it up. */
    reconcileAfterSeconds: number;
    /** `/webhooks/toss` deliveries per client IP per minute (0: no limit); the addresses allowed to deliver (null: any). */
    webhook: Readonly<{ perIpPerMinute: number; allowedIps: readonly IpRule[] | null }>;
  }>;
  /** `redis`: events reach every instance; `memory`: one process only. */
  eventBus: 'redis' | 'memory';
  /** Run queries and mutations compiled by graphql-jit (false: graphql-js's interpreter). */
  graphqlJit: boolean;
  graphql: Readonly<{
    /** Introspection and Apollo Sandbox; off in production unless GRAPHQL_INTROSPECTION=true. */
    introspection: boolean;
    maxDepth: number;
    maxAliases: number;
    maxComplexity: number;
    /** Seconds an anonymous public answer is kept in the shared response cache (0: off); README "Caching". */
    responseCacheTtlSeconds: number;
  }>;
  /** Requests per minute per client IP and per account, orders per customer, sign-ups per client IP (0 turns a count off). */
  rateLimit: Readonly<{
    perIpPerMinute: number;
    perAccountPerMinute: number;
    ordersPerCustomerPerMinute: number;
    signUpsPerIpPerHour: number;
  }>;
  /** The WebSocket transport's own limits (its operations also pass every HTTP limit). */
  ws: Readonly<{
    /** The largest message a client may send (`connection_init` included); larger closes the socket (1009). */
    maxMessageBytes: number;
    /** A socket that has not sent `connection_init` by then is closed (4408). */
    connectionInitTimeoutMs: number;
    /** Operations (subscriptions and unfinished queries) open at once on one socket. */
    maxOperationsPerSocket: number;
    /** Open sockets per account, counted across every instance. */
    maxSocketsPerAccount: number;
    /** How often each open socket's session is checked again (expiry, revocation). */
    sessionCheckSeconds: number;
  }>;
  /** Express's `trust proxy`: false (trust no X-Forwarded-For), a hop count, or the proxies' addresses/ranges. */
  trustProxy: TrustProxy;
  corsOrigins: string[] | true;
  telemetry: TelemetryConfig;
}>;

/** README "Observability". */
export type TelemetryConfig = Readonly<{
  /** OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT is set and OTEL_SDK_DISABLED is not: main.ts started the SDK before the app loaded. */
  tracing: boolean;
  /**
   * What the tracing setup takes from the standard variables (the SDK reads the exporter's
   * OTEL_EXPORTER_OTLP_* itself): the service name to give when neither OTEL_SERVICE_NAME nor
   * OTEL_RESOURCE_ATTRIBUTES names one (null: they do), the sampler with its ratio, the longest
   * attribute value (OTEL_(SPAN_)ATTRIBUTE_VALUE_LENGTH_LIMIT, 2048 unset), and whether
   * OTEL_PROPAGATORS names the propagators (unset: W3C trace context only).
   */
  traces: Readonly<{
    defaultServiceName: string | null;
    sampler: TracesSampler;
    samplerRatio: number;
    attributeValueLengthLimit: number;
    propagatorsFromEnv: boolean;
  }>;
  metrics: Readonly<{
    /** A listener of its own serving only `/metrics` (null: none). */
    listener: Readonly<{ port: number; host: string }> | null;
    /** `/metrics` on the main port for `Authorization: Bearer <token>` (null: not served there). */
    token: string | null;
    /** Operation names that get their own label value (null: the first `maxOperationNames` seen); others are `other`. */
    operationNames: readonly string[] | null;
    maxOperationNames: number;
  }>;
}>;

/** Whether the environment asks for traces (the OpenTelemetry SDK's own variables). */
export const tracingRequested = (e: {
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string;
  OTEL_SDK_DISABLED: boolean;
}) => !e.OTEL_SDK_DISABLED && !!(e.OTEL_EXPORTER_OTLP_ENDPOINT || e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);

export type RedisClusterConfig = Readonly<{
  nodes: ReadonlyArray<Readonly<{ host: string; port: number }>>;
  username: string | undefined;
  password: string | undefined;
  tls: boolean;
  commandTimeoutMs: number;
}>;

export type DatabaseConfig = Readonly<
  | {
      kind: 'mysql';
      url: string;
      /** Connections for transactions and the ORM. */
      poolSize: number;
      /** Connections for plain reads outside transactions (listing, loaders, session checks). */
      readPoolSize: number;
      /** Read replicas (none unless DATABASE_REPLICA_URLS); each gets pools of the same sizes. */
      replicas?: ReplicaConfig;
    }
  | { kind: 'sqlite'; file: string }
>;

/** MySQL read replicas (README "Scaling out"). */
export type ReplicaConfig = Readonly<{
  /** Replica URLs, each naming DATABASE_URL's database. */
  urls: readonly string[];
  /** A replica further behind than this (the age of the newest heartbeat of ours it shows) is skipped. */
  maxLagSeconds: number;
  /** How often each replica is checked (each on its own loop), and the heartbeat written (db/replica-status.ts beatIntervalMs). */
  checkIntervalMs: number;
}>;

export type StorageConfig = Readonly<
  | { kind: 'local'; directory: string }
  | {
      kind: 's3';
      bucket: string;
      region: string;
      endpoint: string | undefined;
      forcePathStyle: boolean;
      /** Base URL that public object URLs start with (no trailing slash). */
      publicUrl: string;
      credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
    }
>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses and validates the environment; throws a ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings count as unset, so `FOO=` in a .env file falls back to the default.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || 'environment'} ${i.message}`));
  }
  const e = parsed.data;
  const profile = e.DATABASE_URL ? 'production' : 'embedded';
  const redisCluster: RedisClusterConfig | undefined = e.REDIS_CLUSTER_NODES
    ? Object.freeze({
        nodes: Object.freeze(e.REDIS_CLUSTER_NODES.map((n) => Object.freeze(n))),
        username: e.REDIS_USERNAME,
        password: e.REDIS_PASSWORD,
        tls: e.REDIS_TLS,
        commandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS,
      })
    : undefined;
  const redisUrl = redisCluster ? undefined : redisUrlOf(e);
  // Shared Redis adapters whenever there is a Redis; in-process ones otherwise.
  const inProcessUnlessRedis = redisUrl || redisCluster ? ('redis' as const) : ('memory' as const);
  return Object.freeze({
    nodeEnv: e.NODE_ENV,
    isProduction: e.NODE_ENV === 'production',
    port: e.PORT,
    // The embedded profile is for trying things out on this machine: its demo logins are public,
    // and the in-process Toss sandbox answers on loopback only. So it listens on loopback unless told.
    host: e.HOST ?? (profile === 'embedded' ? '127.0.0.1' : '0.0.0.0'),
    logLevel: e.LOG_LEVEL ?? (e.NODE_ENV === 'test' ? 'silent' : 'info'),
    profile,
    database: Object.freeze(
      e.DATABASE_URL
        ? {
            kind: 'mysql' as const,
            url: e.DATABASE_URL,
            poolSize: e.DATABASE_POOL_SIZE,
            readPoolSize: e.DATABASE_READ_POOL_SIZE,
            replicas: replicaConfig(e, e.DATABASE_URL),
          }
        : { kind: 'sqlite' as const, file: e.SQLITE_FILE },
    ),
    migrateOnStart: e.MIGRATE_ON_START,
    redisUrl,
    redisCluster,
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    adminInviteCode: e.ADMIN_INVITE_CODE,
    authTokenSecret: e.AUTH_TOKEN_SECRET ?? DEV_TOKEN_SECRET,
    authTokenTtlSeconds: e.AUTH_TOKEN_TTL_SECONDS,
    passwordHash: Object.freeze({ memoryCost: e.PASSWORD_HASH_MEMORY_KIB, timeCost: e.PASSWORD_HASH_TIME_COST }),
    login: Object.freeze({
      maxFailures: e.LOGIN_MAX_FAILURES,
      ipMaxFailures: e.LOGIN_IP_MAX_FAILURES,
      lockoutSeconds: e.LOGIN_LOCKOUT_SECONDS,
      accountSlowdownAfter: e.LOGIN_ACCOUNT_SLOWDOWN_AFTER,
      accountSlowdownSeconds: e.LOGIN_ACCOUNT_SLOWDOWN_SECONDS,
    }),
    uploadMaxFileBytes: e.UPLOAD_MAX_FILE_BYTES,
    uploadMaxImagePixels: e.UPLOAD_MAX_IMAGE_PIXELS,
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ''),
    storage: storageConfig(e),
    orders: Object.freeze({
      paymentWindowSeconds: e.ORDER_PAYMENT_WINDOW_SECONDS,
      sweepIntervalMs: e.ORDER_SWEEP_INTERVAL_MS,
      outboxRelayIntervalMs: e.OUTBOX_RELAY_INTERVAL_MS,
      maxAmount: e.ORDER_MAX_AMOUNT,
      maxLineQuantity: e.ORDER_MAX_LINE_QUANTITY,
      maxPendingPerCustomer: e.ORDER_MAX_PENDING_PER_CUSTOMER,
      purchaseConfirmDays: e.PURCHASE_CONFIRM_DAYS,
    }),
    settlement: Object.freeze({ commissionBps: e.SELLER_COMMISSION_BPS }),
    stock: Object.freeze({ guard: e.STOCK_GUARD ?? inProcessUnlessRedis, reservationGraceSeconds: e.STOCK_RESERVATION_GRACE_SECONDS }),
    payments: Object.freeze({
      sandbox: profile === 'embedded' && !e.TOSS_SECRET_KEY && !e.TOSS_CLIENT_KEY && !e.TOSS_API_URL,
      secretKey: e.TOSS_SECRET_KEY,
      clientKey: e.TOSS_CLIENT_KEY,
      apiUrl: (e.TOSS_API_URL ?? TOSS_API_URL).replace(/\/+$/, ''),
      timeoutMs: e.TOSS_TIMEOUT_MS,
      reconcileAfterSeconds: e.PAYMENT_RECONCILE_AFTER_SECONDS,
      webhook: Object.freeze({
        perIpPerMinute: e.TOSS_WEBHOOK_PER_IP_PER_MINUTE,
        allowedIps: e.TOSS_WEBHOOK_ALLOWED_IPS ? Object.freeze(parseIpList(e.TOSS_WEBHOOK_ALLOWED_IPS).rules) : null,
      }),
    }),
    eventBus: e.EVENT_BUS ?? inProcessUnlessRedis,
    graphqlJit: e.GRAPHQL_JIT,
    graphql: Object.freeze({
      introspection:
        e.GRAPHQL_INTROSPECTION === undefined ? e.NODE_ENV !== 'production' : ['true', '1', 'yes'].includes(e.GRAPHQL_INTROSPECTION),
      maxDepth: e.GRAPHQL_MAX_DEPTH,
      maxAliases: e.GRAPHQL_MAX_ALIASES,
      maxComplexity: e.GRAPHQL_MAX_COMPLEXITY,
      responseCacheTtlSeconds: e.RESPONSE_CACHE_TTL_SECONDS,
    }),
    rateLimit: Object.freeze({
      perIpPerMinute: e.RATE_LIMIT_IP_PER_MINUTE,
      perAccountPerMinute: e.RATE_LIMIT_ACCOUNT_PER_MINUTE,
      ordersPerCustomerPerMinute: e.ORDER_CREATE_PER_MINUTE,
      signUpsPerIpPerHour: e.SIGNUP_PER_IP_PER_HOUR,
    }),
    ws: Object.freeze({
      maxMessageBytes: e.WS_MAX_MESSAGE_BYTES,
      connectionInitTimeoutMs: e.WS_CONNECTION_INIT_TIMEOUT_MS,
      maxOperationsPerSocket: e.WS_MAX_OPERATIONS_PER_SOCKET,
      maxSocketsPerAccount: e.WS_MAX_SOCKETS_PER_ACCOUNT,
      sessionCheckSeconds: e.WS_SESSION_CHECK_SECONDS,
    }),
    trustProxy: e.TRUST_PROXY,
    corsOrigins: e.CORS_ORIGINS ? e.CORS_ORIGINS.split(',').map((s) => s.trim()) : true,
    telemetry: Object.freeze({
      tracing: tracingRequested(e),
      traces: Object.freeze({
        defaultServiceName:
          e.OTEL_SERVICE_NAME || /(^|,)\s*service\.name\s*=/.test(e.OTEL_RESOURCE_ATTRIBUTES ?? '') ? null : 'marketplace-api',
        sampler: e.OTEL_TRACES_SAMPLER ?? 'parentbased_always_on',
        samplerRatio: e.OTEL_TRACES_SAMPLER_ARG === undefined ? 1 : Number(e.OTEL_TRACES_SAMPLER_ARG),
        attributeValueLengthLimit: Number(
          e.OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT ?? e.OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT ?? DEFAULT_ATTRIBUTE_VALUE_LENGTH_LIMIT,
        ),
        propagatorsFromEnv: e.OTEL_PROPAGATORS !== undefined,
      }),
      metrics: Object.freeze({
        listener: e.METRICS_PORT ? Object.freeze({ port: e.METRICS_PORT, host: e.METRICS_HOST }) : null,
        token: e.METRICS_TOKEN ?? null,
        operationNames: e.METRICS_OPERATION_NAMES ? Object.freeze(operationNamesOf(e.METRICS_OPERATION_NAMES)) : null,
        maxOperationNames: e.METRICS_MAX_OPERATION_NAMES,
      }),
    }),
  });
}

type ParsedEnv = z.infer<typeof schema>;

/** S3 when STORAGE=s3 (or, with STORAGE unset, when S3_BUCKET is set); local disk otherwise. */
function storageConfig(e: ParsedEnv): StorageConfig {
  const kind = e.STORAGE ?? (e.S3_BUCKET ? 's3' : 'local');
  if (kind === 'local' || !e.S3_BUCKET) return Object.freeze({ kind: 'local', directory: e.LOCAL_STORAGE_DIR });
  const defaultPublicUrl = e.S3_ENDPOINT
    ? `${e.S3_ENDPOINT.replace(/\/+$/, '')}/${e.S3_BUCKET}`
    : `https://${e.S3_BUCKET}.s3.${e.S3_REGION}.amazonaws.com`;
  return Object.freeze({
    kind: 's3',
    bucket: e.S3_BUCKET,
    region: e.S3_REGION,
    endpoint: e.S3_ENDPOINT,
    forcePathStyle: e.S3_FORCE_PATH_STYLE,
    publicUrl: (e.S3_PUBLIC_URL ?? defaultPublicUrl).replace(/\/+$/, ''),
    credentials:
      e.AWS_ACCESS_KEY_ID && e.AWS_SECRET_ACCESS_KEY
        ? { accessKeyId: e.AWS_ACCESS_KEY_ID, secretAccessKey: e.AWS_SECRET_ACCESS_KEY }
        : undefined,
  });
}
