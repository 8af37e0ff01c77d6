import { spawn } from 'node:child_process';
import path from 'node:path';
import { DEFAULT_KEYS, startTossSandbox, TossError, type Payment, type TossSandbox } from '../../toss-sandbox';
import { optionsFromEnv } from '../../toss-sandbox/main';
import { approvedPayment, authorize, call, lookup, startWebhookReceiver, WIDGET_KEYS } from './helpers';

describe('toss sandbox: /__sandbox controls', () => {
  let sandbox: TossSandbox;
  const control = <T>(method: string, name: string, body?: unknown) =>
    call<T>(sandbox, method, `/__sandbox/${name}`, { secretKey: null, body });

  beforeAll(async () => {
    sandbox = await startTossSandbox({ now: () => Date.UTC(2024, 1, 13, 3, 17, 57) });
  });
  afterAll(() => sandbox.close());

  it('ships the default widget and API key pairs', async () => {
    expect(sandbox.keys).toEqual(DEFAULT_KEYS);
    const keys = await control<Array<{ clientKey: string; kind: string }>>('GET', 'keys');
    expect(keys.body.map((k) => [k.clientKey, k.kind])).toEqual([
      ['test_gck_sandbox_marketplace', 'widget'],
      ['test_ck_sandbox_marketplace', 'api'],
    ]);
  });

  it('authorize validates its input like the API does', async () => {
    const base = { clientKey: WIDGET_KEYS.clientKey, orderId: 'ORD-000001', orderName: 'x', amount: 1000 };
    expect((await control('POST', 'authorize', { ...base, clientKey: 'test_gck_nope' })).status).toBe(401);
    for (const bad of [{ orderId: 'a' }, { amount: -1 }, { orderName: '' }, { confirmError: 'lower-case' }]) {
      const result = await control<{ code: string }>('POST', 'authorize', { ...base, ...bad });
      expect([result.status, result.body.code]).toEqual([400, 'INVALID_REQUEST']);
    }
    const ok = await control<{ paymentKey: string; orderId: string; amount: number }>('POST', 'authorize', base);
    expect(ok.body).toEqual({
      paymentKey: expect.stringMatching(/^tgen_20240213121757[A-Za-z0-9]{5}$/),
      orderId: 'ORD-000001',
      amount: 1000,
    });
  });

  it('throws TossError {code, status} from the programmatic controls', () => {
    const call = (): unknown => sandbox.authorize({ clientKey: 'test_gck_nope', orderId: 'ORD-000002', orderName: 'x', amount: 1000 });
    expect(call).toThrow(TossError);
    expect(call).toThrow(expect.objectContaining({ code: 'UNAUTHORIZED_KEY', status: 401 }));
    expect(() => sandbox.addFault({ endpoint: 'confirm', mode: 'delay', ms: -1 })).toThrow(
      expect.objectContaining({ code: 'INVALID_REQUEST' }),
    );
  });

  it('follows the injected time source and the sandbox clock', async () => {
    const auth = await authorize(sandbox);
    expect((await lookup(sandbox, auth.paymentKey)).body.requestedAt).toBe('2024-02-13T12:17:57+09:00');
    const moved = await control<{ now: number; kst: string }>('POST', 'clock', { advanceMs: 60_000 });
    expect(moved.body.kst).toBe('2024-02-13T12:18:57+09:00');
    expect((await control('POST', 'clock', { advanceMs: -5 })).status).toBe(400);
  });

  it('lists payments, and reset forgets everything', async () => {
    const done = await approvedPayment(sandbox);
    sandbox.addFault({ endpoint: 'lookup', mode: 'error5xx' });
    const listed = await control<Payment[]>('GET', 'payments');
    expect(listed.body.map((p) => p.paymentKey)).toContain(done.paymentKey);
    expect(listed.body.find((p) => p.paymentKey === done.paymentKey)).toEqual(done);
    expect((await control('POST', 'reset')).status).toBe(200);
    expect(sandbox.payments()).toEqual([]);
    expect(sandbox.faults()).toEqual([]);
    expect((await control<{ kst: string }>('GET', 'clock')).body.kst).toBe('2024-02-13T12:17:57+09:00');
    expect((await lookup(sandbox, done.paymentKey)).status).toBe(404);
  });

  it('points webhooks somewhere else at runtime', async () => {
    const receiver = await startWebhookReceiver();
    try {
      expect((await control('PUT', 'webhook-url', { url: 'not a url' })).status).toBe(400);
      expect((await control('PUT', 'webhook-url', { url: receiver.url })).status).toBe(200);
      await approvedPayment(sandbox);
      await sandbox.waitForWebhooks();
      expect(receiver.received).toHaveLength(1);
      await control('PUT', 'webhook-url', { url: null });
      await approvedPayment(sandbox);
      expect(sandbox.webhookDeliveries()).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });

  it('answers unknown routes with 404 {code, message}', async () => {
    expect((await control<{ code: string }>('GET', 'nothing')).body.code).toBe('NOT_FOUND');
    expect((await call<{ code: string }>(sandbox, 'GET', '/v2/payments/x')).status).toBe(404);
  });
});

describe('toss sandbox: CLI (toss-sandbox/main.ts)', () => {
  it('reads its options from the environment', () => {
    expect(optionsFromEnv({})).toEqual({ host: '127.0.0.1', port: 4100, keys: [...DEFAULT_KEYS], webhookUrl: undefined });
    const custom = optionsFromEnv({
      TOSS_SANDBOX_PORT: '0',
      TOSS_SANDBOX_HOST: '127.0.0.1',
      TOSS_SANDBOX_WEBHOOK_URL: 'http://127.0.0.1:4000/webhooks/toss',
      TOSS_CLIENT_KEY: 'test_gck_mine',
      TOSS_SECRET_KEY: 'test_gsk_mine',
    });
    expect(custom.port).toBe(0);
    expect(custom.webhookUrl).toBe('http://127.0.0.1:4000/webhooks/toss');
    expect(custom.keys).toContainEqual({ clientKey: 'test_gck_mine', secretKey: 'test_gsk_mine' });
    expect(optionsFromEnv({ TOSS_SECRET_KEY: 'test_gsk_only' }).keys).toHaveLength(2);
    expect(() => optionsFromEnv({ TOSS_SANDBOX_PORT: 'abc' })).toThrow(/TOSS_SANDBOX_PORT/);
  });

  it('prints its URL and keys, serves, and stops on SIGTERM', async () => {
    const root = path.resolve(__dirname, '../..');
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'toss-sandbox/main.ts'], {
      cwd: root,
      env: { ...process.env, TOSS_SANDBOX_PORT: '0', TOSS_CLIENT_KEY: 'test_ck_cli', TOSS_SECRET_KEY: 'test_sk_cli' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (match && output.includes('test_sk_cli')) resolve(match[1]);
      });
      child.once('exit', (code) => reject(new Error(`exited early (${code}): ${output}`)));
    });
    expect(output).toContain('test_gsk_sandbox_marketplace');
    const auth = `Basic ${Buffer.from('test_sk_cli:').toString('base64')}`;
    const response = await fetch(`${url}/v1/payments/orders/ORD-000001`, { headers: { authorization: auth } });
    expect([response.status, ((await response.json()) as { code: string }).code]).toEqual([404, 'NOT_FOUND_PAYMENT']);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
