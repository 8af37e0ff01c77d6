import { LoginDocument } from '../generated/graphql';
import { codeOf } from '../helpers/graphql-client';
import { startTestApp, type TestApp } from '../helpers/test-app';

// One load balancer in front (TRUST_PROXY=1): X-Forwarded-For's last entry is the client it saw,
// so a test plays several clients by naming them there.
const SLOWDOWN_AFTER = 8;
let t: TestApp;
let seq = 0;
const PASSWORD = 'correct horse battery';

beforeAll(async () => {
  t = await startTestApp({
    TRUST_PROXY: '1',
    LOGIN_MAX_FAILURES: '5',
    LOGIN_IP_MAX_FAILURES: '50',
    LOGIN_LOCKOUT_SECONDS: '60',
    LOGIN_ACCOUNT_SLOWDOWN_AFTER: String(SLOWDOWN_AFTER),
    LOGIN_ACCOUNT_SLOWDOWN_SECONDS: '1',
  });
});
afterAll(() => t?.close());

async function customer(): Promise<string> {
  const email = `throttled${++seq}@example.com`;
  const signed = await t.client.raw('mutation($i: SignUpInput!) { signUp(input: $i) { token } }', {
    i: { role: 'CUSTOMER', email, password: PASSWORD, name: 'Owner' },
  });
  expect(signed.errors).toBeUndefined();
  return email;
}

const login = (email: string, password: string, ip: string) =>
  t.client.request(LoginDocument, { input: { role: 'CUSTOMER', email, password } }, { headers: { 'x-forwarded-for': ip } });

describe('login throttling', () => {
  it('takes each attempt before the password is checked: 25 concurrent wrong passwords with a limit of 5 get 5 checked', async () => {
    const email = await customer();
    const answers = await Promise.all(Array.from({ length: 25 }, () => login(email, 'wrong password!', '203.0.113.50')));
    const codes = answers.map(codeOf);
    expect(codes.filter((c) => c === 'UNAUTHENTICATED')).toHaveLength(5);
    expect(codes.filter((c) => c === 'TOO_MANY_REQUESTS')).toHaveLength(20);
    // The right password does not get in from there either, until the lockout ends.
    expect(codeOf(await login(email, PASSWORD, '203.0.113.50'))).toBe('TOO_MANY_REQUESTS');
  });

  it('locks out the account per client IP: an attacker who knows the email cannot keep its owner out', async () => {
    const email = await customer();
    for (let i = 0; i < 5; i++) expect(codeOf(await login(email, 'wrong password!', '203.0.113.66'))).toBe('UNAUTHENTICATED');
    const attacker = await login(email, PASSWORD, '203.0.113.66');
    expect(codeOf(attacker)).toBe('TOO_MANY_REQUESTS');
    expect(attacker.errors![0].extensions!.retryAfter).toBeGreaterThan(30);
    // The owner, from another address, gets in; the attacker's address stays locked.
    expect((await login(email, PASSWORD, '198.51.100.23')).errors).toBeUndefined();
    expect(codeOf(await login(email, PASSWORD, '203.0.113.66'))).toBe('TOO_MANY_REQUESTS');
  });

  it('past the per-account ceiling, slows the account down (short retryAfter) instead of locking it', async () => {
    const email = await customer();
    // Failures spread over addresses, each under its own limit of 5, up to the account's ceiling.
    for (let i = 0; i < SLOWDOWN_AFTER; i++) {
      expect(codeOf(await login(email, 'wrong password!', `192.0.2.${i % 2}`))).toBe('UNAUTHENTICATED');
    }
    // Past it: one attempt a second on this account, from anywhere.
    expect(codeOf(await login(email, 'wrong password!', '192.0.2.9'))).toBe('UNAUTHENTICATED');
    const slowed = await login(email, PASSWORD, '198.51.100.77');
    expect(codeOf(slowed)).toBe('TOO_MANY_REQUESTS');
    const retryAfter = slowed.errors![0].extensions!.retryAfter as number;
    expect(retryAfter).toBeLessThanOrEqual(1);
    await new Promise((r) => setTimeout(r, retryAfter * 1000 + 200));
    expect((await login(email, PASSWORD, '198.51.100.77')).errors).toBeUndefined();
  });
});
