import { SignJWT } from 'jose';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/logger';
import { LoginDocument, LogoutDocument, MeDocument, SignUpDocument, type Role } from '../generated/graphql';
import { codeOf } from '../helpers/graphql-client';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { TEST_INVITE_CODE } from '../factories/accounts';

const INVITE = TEST_INVITE_CODE;
const PASSWORD = 'correct horse battery';
let t: TestApp;
let seq = 0;
const email = (tag = 'user') => `${tag}${++seq}@example.com`;

beforeAll(async () => {
  t = await startTestApp({ ADMIN_INVITE_CODE: INVITE, LOGIN_MAX_FAILURES: '3', LOGIN_LOCKOUT_SECONDS: '2' });
});
afterAll(() => t?.close());

const signUp = (role: Role, address: string, extra: { adminInviteCode?: string; password?: string; name?: string } = {}) =>
  t.client.request(SignUpDocument, {
    input: {
      role,
      email: address,
      password: extra.password ?? PASSWORD,
      name: extra.name ?? '김민수',
      adminInviteCode: extra.adminInviteCode,
    },
  });
const login = (role: Role, address: string, password = PASSWORD, headers?: Record<string, string>) =>
  t.client.request(LoginDocument, { input: { role, email: address, password } }, { headers });

describe('sign-up and login', () => {
  it.each<[Role, string | undefined]>([
    ['CUSTOMER', undefined],
    ['SELLER', undefined],
    ['ADMIN', INVITE],
  ])('a %s signs up, logs in and sees itself in `me`', async (role, adminInviteCode) => {
    const address = email(role.toLowerCase());
    const signed = await signUp(role, address, { adminInviteCode });
    expect(signed.errors).toBeUndefined();
    expect(signed.data?.signUp.account).toMatchObject({ email: address, role, name: '김민수' });
    expect(signed.data?.signUp.token).toEqual(expect.any(String));

    const logged = await login(role, address);
    expect(logged.errors).toBeUndefined();
    const token = logged.data!.login.token;
    const me = await t.client.ok(MeDocument, undefined, { token });
    expect(me.me).toMatchObject({ __typename: role[0] + role.slice(1).toLowerCase(), email: address, role });
    expect(new Date(me.me!.createdAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it('treats emails case-insensitively, so one cannot be registered twice', async () => {
    const address = email('Case');
    expect((await signUp('CUSTOMER', address)).errors).toBeUndefined();
    const again = await signUp('CUSTOMER', address.toUpperCase());
    expect(codeOf(again)).toBe('CONFLICT');
    expect((await login('CUSTOMER', address.toUpperCase())).errors).toBeUndefined();
  });

  it('refuses a duplicate email within a role with CONFLICT, but allows it under another role', async () => {
    const address = email('dup');
    expect((await signUp('CUSTOMER', address)).errors).toBeUndefined();
    const dup = await signUp('CUSTOMER', address);
    expect(codeOf(dup)).toBe('CONFLICT');
    expect(dup.errors![0].extensions!.field).toBe('email');
    const asSeller = await signUp('SELLER', address);
    expect(asSeller.errors).toBeUndefined();
    expect(asSeller.data!.signUp.account.role).toBe('SELLER');
  });

  it('lets only one of many simultaneous sign-ups with one email win', async () => {
    const address = email('race');
    const results = await Promise.all(Array.from({ length: 6 }, () => signUp('SELLER', address)));
    expect(results.filter((r) => !r.errors).length).toBe(1);
    expect(results.filter((r) => codeOf(r) === 'CONFLICT').length).toBe(5);
  });

  it.each([
    ['email', { email: 'not-an-email' }],
    ['email', { email: `${'a'.repeat(250)}@x.com` }],
    ['password', { password: 'short' }],
    ['password', { password: 'x'.repeat(129) }],
    ['name', { name: '' }],
    ['name', { name: '   ' }],
    ['name', { name: 'n'.repeat(101) }],
  ])('answers BAD_USER_INPUT naming `%s` for %j', async (field, override) => {
    const input = { role: 'CUSTOMER' as Role, email: email('bad'), password: PASSWORD, name: 'Lee', ...override };
    const result = await t.client.request(SignUpDocument, { input });
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(result.errors![0].extensions!.field).toBe(field);
    expect(result.errors![0].message).toContain(field);
  });

  it('answers BAD_USER_INPUT for an unknown role value', async () => {
    const result = await t.client.raw(
      'mutation { signUp(input: {role: OWNER, email: "a@b.co", password: "password1", name: "x"}) { token } }',
    );
    expect(codeOf(result)).toMatch(/GRAPHQL_VALIDATION_FAILED|BAD_USER_INPUT/);
    expect(result.status).toBe(400);
  });
});

describe('admin sign-up', () => {
  it('is FORBIDDEN without or with a wrong invite code', async () => {
    expect(codeOf(await signUp('ADMIN', email('adm')))).toBe('FORBIDDEN');
    expect(codeOf(await signUp('ADMIN', email('adm'), { adminInviteCode: 'wrong-code-123' }))).toBe('FORBIDDEN');
  });

  it('is closed (FORBIDDEN) when the server has no ADMIN_INVITE_CODE', async () => {
    const closed = await startTestApp();
    try {
      const result = await closed.client.request(SignUpDocument, {
        input: { role: 'ADMIN', email: 'root@example.com', password: PASSWORD, name: 'Root', adminInviteCode: INVITE },
      });
      expect(codeOf(result)).toBe('FORBIDDEN');
    } finally {
      await closed.close();
    }
  });
});

describe('failed logins', () => {
  it('answer the same code and message for an unknown email and a wrong password', async () => {
    const address = email('known');
    await signUp('CUSTOMER', address);
    const wrongPassword = await login('CUSTOMER', address, 'wrong password!');
    const unknownEmail = await login('CUSTOMER', email('nobody'));
    expect(codeOf(wrongPassword)).toBe('UNAUTHENTICATED');
    expect(codeOf(unknownEmail)).toBe('UNAUTHENTICATED');
    expect(wrongPassword.errors![0].message).toBe(unknownEmail.errors![0].message);
    expect(wrongPassword.data).toBeNull();
  });

  it('fail under the wrong role', async () => {
    const address = email('seller-only');
    await signUp('SELLER', address);
    expect(codeOf(await login('CUSTOMER', address))).toBe('UNAUTHENTICATED');
    expect(codeOf(await login('ADMIN', address))).toBe('UNAUTHENTICATED');
    expect((await login('SELLER', address)).errors).toBeUndefined();
  });

  it('are throttled per account and client IP after repeated failures, even with the right password, and the lock lifts', async () => {
    const address = email('brute');
    await signUp('CUSTOMER', address);
    for (let i = 0; i < 3; i++) expect(codeOf(await login('CUSTOMER', address, 'wrong password!'))).toBe('UNAUTHENTICATED');
    const locked = await login('CUSTOMER', address);
    expect(codeOf(locked)).toBe('TOO_MANY_REQUESTS');
    expect(locked.errors![0].extensions!.retryAfter).toEqual(expect.any(Number));
    // Another role's account with the same email is a different account and is not locked.
    await signUp('SELLER', address);
    expect((await login('SELLER', address)).errors).toBeUndefined();

    await new Promise((r) => setTimeout(r, 2300));
    expect((await login('CUSTOMER', address)).errors).toBeUndefined();
  });

  it('are throttled per IP across many accounts, and rotating the client-written X-Forwarded-For entries does not dodge it', async () => {
    const app = await startTestApp({ LOGIN_IP_MAX_FAILURES: '4', LOGIN_LOCKOUT_SECONDS: '30', TRUST_PROXY: '1' });
    try {
      // TRUST_PROXY=1: one load balancer appends the address it saw; whatever comes before it is the client's writing.
      const attempt = (i: number, ip: string) =>
        app.client.request(
          LoginDocument,
          { input: { role: 'CUSTOMER', email: `spray${i}@example.com`, password: 'guess-guess' } },
          { headers: { 'x-forwarded-for': `192.0.2.${i}, ${ip}` } },
        );
      for (let i = 0; i < 4; i++) expect(codeOf(await attempt(i, '203.0.113.7'))).toBe('UNAUTHENTICATED');
      expect(codeOf(await attempt(99, '203.0.113.7'))).toBe('TOO_MANY_REQUESTS');
      expect(codeOf(await attempt(100, '198.51.100.1'))).toBe('UNAUTHENTICATED');
    } finally {
      await app.close();
    }
  });
});

describe('tokens', () => {
  it('anonymous `me` is null', async () => {
    const result = await t.client.request(MeDocument);
    expect(result.errors).toBeUndefined();
    expect(result.data!.me).toBeNull();
  });

  it('after logout the same token is UNAUTHENTICATED everywhere, and other sessions keep working', async () => {
    const address = email('bye');
    const first = (await signUp('CUSTOMER', address)).data!.signUp.token;
    const second = (await login('CUSTOMER', address)).data!.login.token;
    expect(await t.client.ok(LogoutDocument, undefined, { token: first })).toEqual({ logout: true });
    expect(codeOf(await t.client.request(MeDocument, undefined, { token: first }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await t.client.request(LogoutDocument, undefined, { token: first }))).toBe('UNAUTHENTICATED');
    expect((await t.client.ok(MeDocument, undefined, { token: second })).me!.email).toBe(address);
  });

  it('a forged, malformed or expired token is UNAUTHENTICATED', async () => {
    const address = email('forge');
    const real = (await signUp('CUSTOMER', address)).data!.signUp.token;
    const [, payload] = real.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());

    const forged = await new SignJWT({ ...claims, role: 'ADMIN' })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode('some-other-secret-that-is-long-enough!!'));
    const tampered = real.replace(payload, Buffer.from(JSON.stringify({ ...claims, role: 'ADMIN' })).toString('base64url'));
    const expired = await new SignJWT({ ...claims, exp: Math.floor(Date.now() / 1000) - 10 })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(t.app.config.authTokenSecret));
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`;

    for (const token of [forged, tampered, expired, unsigned, 'garbage']) {
      const result = await t.client.request(MeDocument, undefined, { token });
      expect(codeOf(result)).toBe('UNAUTHENTICATED');
    }
    const basic = await t.client.request(MeDocument, undefined, { headers: { authorization: 'Basic abc' } });
    expect(codeOf(basic)).toBe('UNAUTHENTICATED');
  });

  it('an anonymous logout is UNAUTHENTICATED', async () => {
    expect(codeOf(await t.client.request(LogoutDocument))).toBe('UNAUTHENTICATED');
  });
});

describe('secrets', () => {
  it('no password, hash or token reaches the logs, even at trace level', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logged = await startTestApp({ LOG_LEVEL: 'trace' }, { logger: createLogger('trace', sink) });
    try {
      const client = logged.client;
      const secret = 'my very secret password';
      const signed = await client.request(SignUpDocument, {
        input: { role: 'CUSTOMER', email: 'log@example.com', password: secret, name: 'Log' },
      });
      const token = signed.data!.signUp.token;
      await client.request(LoginDocument, { input: { role: 'CUSTOMER', email: 'log@example.com', password: 'wrong ' + secret } });
      await client.request(MeDocument, undefined, { token });
      await client.request(LogoutDocument, undefined, { token });
      await client.request(MeDocument, undefined, { token });
      const all = lines.join('\n');
      expect(lines.length).toBeGreaterThan(0);
      expect(all).not.toContain(secret);
      expect(all).not.toContain(token);
      expect(all).not.toContain('$argon2');
      // The sink really received request logs with variables, so redaction was exercised.
      expect(all).toContain('"password":"[redacted]"');
    } finally {
      await logged.close();
    }
  });

  it('no response field exposes a password, a hash or a token except AuthPayload.token', async () => {
    const result = await t.client.raw<{
      __schema: { types: Array<{ name: string; fields: Array<{ name: string }> | null; inputFields: unknown }> };
    }>('{ __schema { types { name fields { name } } } }');
    const exposed = result.data!.__schema.types.flatMap((type) =>
      (type.fields ?? []).filter((f) => /password|hash|token|secret/i.test(f.name)).map((f) => `${type.name}.${f.name}`),
    );
    expect(exposed).toEqual(['AuthPayload.token']);
  });
});
