import autocannon from 'autocannon';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';

export const ROOT = path.join(__dirname, '..');
export const MYSQL_URL = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const DURATION = Number(process.env.BENCH_DURATION ?? 10);
/** The built server, as `npm start` runs it. */
export const APP_ENTRY = 'dist/src/main.js';

/**
 * The node flags of `npm start`, read from package.json's `start` script (`node <flags> dist/src/main.js`),
 * the one place they are written for the benchmark (the Dockerfile's CMD repeats them).
 */
export function appNodeFlags(): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const words = pkg.scripts.start.trim().split(/\s+/);
  if (words[0] !== 'node' || words.at(-1) !== APP_ENTRY) {
    throw new Error(`package.json's start script is not "node <flags> ${APP_ENTRY}": ${pkg.scripts.start}`);
  }
  return words.slice(1, -1);
}
export const APP_NODE_FLAGS = appNodeFlags().join(' ');

/** The node flags of every server in the run: `npm start`'s, or BENCH_NODE_ARGS ('' for none). */
export function benchNodeFlags(): string[] {
  return (process.env.BENCH_NODE_ARGS ?? APP_NODE_FLAGS).split(' ').filter(Boolean);
}

let built = false;
/** `npm run build`, once per benchmark process: the app under benchmark is the built one, as `npm start` runs it. */
export function buildApp(): void {
  if (built) return;
  console.log('npm run build...');
  const started = Date.now();
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`npm run build failed (${r.error?.message ?? `exit ${r.status}`})`);
  console.log(`built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  built = true;
}
export const BENCH_TOKEN_SECRET = 'bench-token-secret-7d3e9a0c5f1b2846';

/** The environment of an app instance under benchmark: its own database and Redis prefix, production mode. */
export function benchAppEnv(db: string, redisPrefix: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: `${MYSQL_URL}/${db}`,
    REDIS_URL,
    REDIS_KEY_PREFIX: redisPrefix,
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    AUTH_TOKEN_SECRET: BENCH_TOKEN_SECRET,
    // The load generator is one client on one address: request rate limits would measure themselves.
    RATE_LIMIT_IP_PER_MINUTE: '0',
    RATE_LIMIT_ACCOUNT_PER_MINUTE: '0',
    // Each buyer orders again and again and all sign up from here: no order or sign-up budget, and room
    // for every unpaid order (the pending-order check, with its customer row lock, still runs and is measured).
    ORDER_CREATE_PER_MINUTE: '0',
    SIGNUP_PER_IP_PER_HOUR: '0',
    ORDER_MAX_PENDING_PER_CUSTOMER: '1000000',
    // BENCH_POOL / BENCH_READ_POOL: the transaction and read pool sizes of every server in the run
    // (default: the app's defaults, 4 and 8). The bare listing handler gets the read pool's size.
    DATABASE_POOL_SIZE: process.env.BENCH_POOL ?? '4',
    DATABASE_READ_POOL_SIZE: process.env.BENCH_READ_POOL ?? '8',
    ...extra,
  };
}

/** A free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export type Proc = { child: ChildProcess; url: string; stop(): Promise<void> };

/**
 * Runs the built app (`dist/src/main.js`, built first if this process has not yet) as `npm start` does, and waits
 * for `readyPath`. `extraNodeArgs` come after the flags of `npm start` (say, `--heapsnapshot-signal=SIGUSR2`).
 */
export function spawnApp(env: Record<string, string>, readyPath = '/healthz', extraNodeArgs: string[] = []): Promise<Proc> {
  buildApp();
  return spawnNode(APP_ENTRY, [...extraNodeArgs, path.join(ROOT, APP_ENTRY)], env, readyPath);
}

/** Runs a TypeScript entry point (through @swc-node/register) in its own process (so it has a core to itself) and waits for `readyPath`. */
export function spawnServer(entry: string, env: Record<string, string>, readyPath = '/healthz'): Promise<Proc> {
  return spawnNode(entry, ['-r', '@swc-node/register', path.join(ROOT, entry)], env, readyPath);
}

async function spawnNode(entry: string, args: string[], env: Record<string, string>, readyPath: string): Promise<Proc> {
  const port = await freePort();
  // BENCH_PROFILE=dir writes a V8 CPU profile of each server into dir (open it in Chrome DevTools).
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  // Every server runs with the flags `npm start` gives the app (package.json), unless BENCH_NODE_ARGS says otherwise.
  // The child is node itself, so child.pid is the server's process (its RSS is read from /proc).
  const child = spawn(process.execPath, [...benchNodeFlags(), ...profile, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${entry} exited with ${child.exitCode}`);
    try {
      if ((await fetch(url + readyPath)).ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${entry} did not start`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    child,
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}

export type LoadResult = { requestsPerSec: number; p50: number; p99: number; errors: number; non2xx: number; total: number };

/**
 * Drives `url` with autocannon for `seconds`, after a short warm-up: POSTs `body` (JSON), or, with
 * `body` null, GETs `url` (query string and all) without a body. Several bodies are sent in turn:
 * each connection cycles through them.
 */
export async function load(
  url: string,
  body: string | string[] | null,
  connections: number,
  seconds = DURATION,
  options: {
    /** Seconds before a request counts as an error (autocannon's default: 10). */
    timeout?: number;
    /** Runs between the warm-up and the measurement (say, to let a slow server finish the warm-up's requests). */
    afterWarmUp?: () => Promise<unknown>;
    /** Headers of every request (default: `content-type: application/json` for a POST, none for a GET). */
    headers?: Record<string, string>;
  } = {},
): Promise<LoadResult> {
  const timeout = options.timeout ?? 10;
  const headers = options.headers ?? (body === null ? {} : { 'content-type': 'application/json' });
  const opts =
    body === null
      ? { url, method: 'GET' as const, headers, connections, timeout }
      : typeof body === 'string'
        ? { url, method: 'POST' as const, body, headers, connections, timeout }
        : { url, connections, timeout, requests: body.map((b) => ({ method: 'POST' as const, body: b, headers })) };
  await autocannon({ ...opts, duration: 2 });
  await options.afterWarmUp?.();
  const r = await autocannon({ ...opts, duration: seconds });
  return {
    requestsPerSec: Math.round(r.requests.average),
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
    total: r.requests.total,
  };
}

// A keep-alive agent and plain node:http: the load generator shares the 2 cores, so it stays lean.
export const benchAgent = new http.Agent({ keepAlive: true, maxSockets: 1000 });

/** POSTs a GraphQL operation to `${url}/graphql` and parses the JSON answer. */
export function gql(url: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<GqlBody> {
  const body = JSON.stringify({ query, variables });
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}/graphql`,
      {
        method: 'POST',
        agent: benchAgent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as GqlBody);
          } catch (err) {
            reject(err);
          }
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
export type GqlBody = { data?: Record<string, any>; errors?: Array<{ extensions?: { code?: string } }> };
