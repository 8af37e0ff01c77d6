import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { SignUpDocument } from '../generated/graphql';
import { GraphQLClient } from '../helpers/graphql-client';
import { deleteRedisKeys, dropDatabase, isolatedNames, TEST_MYSQL_URL, TEST_REDIS_URL, TEST_TOKEN_SECRET } from '../helpers/test-app';

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

describe('the server process', () => {
  const names = isolatedNames();
  afterAll(async () => {
    await dropDatabase(names.dbName);
    await deleteRedisKeys(names.redisPrefix);
  });

  it('migrates an empty database at boot, answers /readyz, and on SIGTERM finishes in-flight requests before exiting 0', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['-r', '@swc-node/register', path.join(__dirname, '../../src/main.ts')], {
      cwd: path.join(__dirname, '../..'),
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        AUTH_TOKEN_SECRET: TEST_TOKEN_SECRET,
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: 'warn',
        DATABASE_URL: `${TEST_MYSQL_URL}/${names.dbName}`,
        REDIS_URL: TEST_REDIS_URL,
        REDIS_KEY_PREFIX: names.redisPrefix,
        // Slow hashing keeps the sign-up below in flight while the signal arrives.
        PASSWORD_HASH_MEMORY_KIB: '65536',
        PASSWORD_HASH_TIME_COST: '12',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      const ready = await fetch(`${base}/readyz`).catch(() => null);
      if (ready?.status === 200) break;
      if (i > 150) throw new Error('server did not become ready');
      await new Promise((r) => setTimeout(r, 200));
    }

    const client = new GraphQLClient(`${base}/graphql`);
    const started = Date.now();
    const inFlight = client.request(SignUpDocument, {
      input: { role: 'CUSTOMER', email: 'late@example.com', password: 'password123', name: 'Late' },
    });
    await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGTERM');

    const result = await inFlight;
    expect(result.errors).toBeUndefined();
    expect(result.data!.signUp.token).toEqual(expect.any(String));
    expect(await exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });
});
