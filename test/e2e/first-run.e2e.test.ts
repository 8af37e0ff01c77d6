import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { seedDemo } from '../../src/services/demo/demo-seed';
import { spawnAppProcess } from '../helpers/app-process';
import { TEST_MYSQL_URL, TEST_TOKEN_SECRET, dropDatabase, isolatedNames } from '../helpers/test-app';

/**
 * What a newcomer sees on `npm start`: the first log lines name the profile and each port's
 * adapter, the demo data is loaded on the first start of an empty embedded database (and only
 * then), and the log says where Apollo Sandbox and the demo page are. Each start is a real process.
 */
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-first-run-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function start(env: Record<string, string>) {
  const messages: string[] = [];
  const app = await spawnAppProcess(env, {
    logLevel: 'info',
    readyTimeoutMs: 120_000,
    onOutput: (line) => {
      try {
        messages.push((JSON.parse(line) as { msg: string }).msg);
      } catch {
        messages.push(line);
      }
    },
  });
  return { app, messages };
}

const totalCount = async (url: string) => {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ products(first: 1) { totalCount } }' }),
  });
  return ((await res.json()) as { data: { products: { totalCount: number } } }).data.products.totalCount;
};

it('with nothing configured: the embedded profile, named port by port, seeded once, with the Sandbox and demo URLs', async () => {
  const env = { SQLITE_FILE: path.join(dir, 'marketplace.sqlite'), LOCAL_STORAGE_DIR: path.join(dir, 'uploads') };
  const first = await start(env);
  try {
    expect(first.messages.slice(0, 6)).toEqual([
      expect.stringMatching(/^profile: embedded \(no DATABASE_URL/),
      `database: SQLite ${env.SQLITE_FILE}`,
      `storage: local disk ${env.LOCAL_STORAGE_DIR}`,
      'event bus: in-process',
      'stock guard: in-process',
      'payments: Toss sandbox, in-process, with its test keys',
    ]);
    expect(first.messages).toContainEqual(expect.stringMatching(/^Toss sandbox \(in-process, test keys\): http:\/\/127\.0\.0\.1:\d+$/));
    expect(first.messages).toContain('applied database migrations');
    expect(first.messages).toContain('demo data loaded');
    expect(first.messages).toContain(`Apollo Sandbox: open ${first.app.url}/graphql in a browser`);
    expect(first.messages).toContain(`demo storefront: open ${first.app.url}/demo/ in a browser`);
    expect(first.messages).toContainEqual(expect.stringMatching(/^demo logins \(password demo-password-1234\): customer customer@demo/));
    expect(await totalCount(first.app.url)).toBe(200);
    const demo = await fetch(`${first.app.url}/demo/`);
    expect(demo.status).toBe(200);
    expect(await demo.text()).toContain('<script');
  } finally {
    await first.app.stop();
  }

  // The second start finds the schema current and the data there: it changes and loads nothing.
  const second = await start(env);
  try {
    expect(second.messages).not.toContain('applied database migrations');
    expect(second.messages).not.toContain('demo data loaded');
    expect(await totalCount(second.app.url)).toBe(200);
  } finally {
    await second.app.stop();
  }
}, 240_000);

it('finishes, on the next start, a demo load that was cut short', async () => {
  const env = { SQLITE_FILE: path.join(dir, 'cut-short.sqlite'), LOCAL_STORAGE_DIR: path.join(dir, 'cut-short-uploads') };
  // As if the first start had been stopped after 7 products.
  const partial = await createApp(loadConfig({ ...env, NODE_ENV: 'test', PASSWORD_HASH_MEMORY_KIB: '4096', PASSWORD_HASH_TIME_COST: '1' }));
  await seedDemo(partial, { products: 7 });
  await partial.close();
  const { app, messages } = await start(env);
  try {
    expect(messages).toContain('demo data loaded');
    expect(await totalCount(app.url)).toBe(200);
  } finally {
    await app.stop();
  }
}, 240_000);

it('with DATABASE_URL: the production profile, Redis-backed adapters, no demo data loaded', async () => {
  const { dbName, redisPrefix } = isolatedNames();
  const { app, messages } = await start({
    DATABASE_URL: `${TEST_MYSQL_URL}/${dbName}`,
    REDIS_KEY_PREFIX: redisPrefix,
    AUTH_TOKEN_SECRET: TEST_TOKEN_SECRET,
  });
  try {
    expect(messages.slice(0, 6)).toEqual([
      'profile: production',
      `database: MySQL ${TEST_MYSQL_URL}/${dbName}`,
      expect.stringMatching(/^storage: local disk /),
      'event bus: Redis redis://127.0.0.1:6379',
      'stock guard: Redis redis://127.0.0.1:6379',
      'payments: off (TOSS_SECRET_KEY is not set)',
    ]);
    expect(messages).not.toContain('demo data loaded');
    expect(await totalCount(app.url)).toBe(0);
  } finally {
    await app.stop();
    await dropDatabase(dbName);
  }
}, 120_000);
