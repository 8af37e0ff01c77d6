import { LoginDocument } from '../generated/graphql';
import { codeOf } from '../helpers/graphql-client';
import { itProductionProfile, startTestApp, type TestApp } from '../helpers/test-app';

// Ways around the login throttle that an attacker who knows an email might try (issue #14, case 4).
// One load balancer in front (TRUST_PROXY=1): a test plays several clients by naming them in
// X-Forwarded-For. The per-account slot is long here (30 s), so "slowed" answers cannot race a clock.
const SLOWDOWN_AFTER = 8;
const SLOWDOWN_SECONDS = 30;
const LOCKOUT_SECONDS = 600;
const PASSWORD = 'correct horse battery';
let t: TestApp;
let seq = 0;

beforeAll(async () => {
  t = await startTestApp({
    TRUST_PROXY: '1',
    LOGIN_MAX_FAILURES: '5',
    LOGIN_IP_MAX_FAILURES: '50',
    LOGIN_LOCKOUT_SECONDS: String(LOCKOUT_SECONDS),
    LOGIN_ACCOUNT_SLOWDOWN_AFTER: String(SLOWDOWN_AFTER),
    LOGIN_ACCOUNT_SLOWDOWN_SECONDS: String(SLOWDOWN_SECONDS),
  });
});
afterAll(() => t?.close());

async function customer(local = 'owner'): Promise<string> {
  const email = `${local}${++seq}@demo.example.com`;
  const signed = await t.client.raw(
    'mutation($i: SignUpInput!) { signUp(input: $i) { token } }',
    { i: { role: 'CUSTOMER', email, password: PASSWORD, name: 'Owner' } },
    { headers: { 'x-forwarded-for': `100.64.0.${seq}` } },
  );
  expect(signed.errors).toBeUndefined();
  return email;
}

const login = (email: string, password: string, ip: string) =>
  t.client.request(LoginDocument, { input: { role: 'CUSTOMER', email, password } }, { headers: { 'x-forwarded-for': ip } });

describe('login throttle evasion', () => {
  it('one counter per account whatever the spelling: accented, fullwidth or case variants never check its password', async () => {
    const email = await customer('seller');
    const n = seq;
    const ip = '203.0.113.70';
    for (let i = 0; i < 5; i++) expect(codeOf(await login(email, `wrong password ${i}`, ip))).toBe('UNAUTHENTICATED');
    // Spellings that normalize to the same email share its counter: refused at once.
    for (const variant of [email.toUpperCase(), `SeLLer${n}@Demo.Example.com`]) {
      expect(codeOf(await login(variant, PASSWORD, ip))).toBe('TOO_MANY_REQUESTS');
    }
    // (Surrounding whitespace is refused as input; were it let through, it would be trimmed to the same counter.)
    expect(['BAD_USER_INPUT', 'TOO_MANY_REQUESTS']).toContain(codeOf(await login(`  ${email} `, PASSWORD, ip)));
    // Spellings a database collation may take for the same address (MariaDB's utf8mb4_unicode_ci
    // does) are other emails: whatever their own counters say, they cannot log in to this account.
    const lookalikes = [
      `séller${n}@demo.example.com`,
      `sèller${n}@demo.example.com`,
      `ｓeller${n}@demo.example.com`,
      `seller${n}@démo.example.com`,
    ];
    for (const variant of lookalikes) {
      for (let i = 0; i < 2; i++)
        expect(['UNAUTHENTICATED', 'TOO_MANY_REQUESTS']).toContain(codeOf(await login(variant, `wrong ${i}`, ip)));
      expect(codeOf(await login(variant, PASSWORD, ip))).toBe('UNAUTHENTICATED');
    }
    expect(codeOf(await login(`séller${n}@démo.example.com`, PASSWORD, '198.51.100.70'))).toBe('UNAUTHENTICATED');
    // The owner, from another address, still gets in with the address as signed up.
    expect((await login(email, PASSWORD, '198.51.100.71')).errors).toBeUndefined();
  });

  // MariaDB's unique index compares under the collation, so a lookalike of a taken email is taken
  // too (SQLite compares bytes: there a lookalike is another account, which the test above covers).
  itProductionProfile('refuses a sign-up under a lookalike of a taken email with CONFLICT', async () => {
    const email = await customer('seller');
    for (const variant of [email.replace('seller', 'séller'), email.replace('seller', 'ｓeller')]) {
      const signed = await t.client.raw('mutation($i: SignUpInput!) { signUp(input: $i) { token } }', {
        i: { role: 'CUSTOMER', email: variant, password: PASSWORD, name: 'Lookalike' },
      });
      expect(codeOf(signed)).toBe('CONFLICT');
    }
  });

  it('a client that logged in before is never slowed down by attackers polling the account from many addresses', async () => {
    const email = await customer();
    const home = '203.0.113.80';
    expect((await login(email, PASSWORD, home)).errors).toBeUndefined();
    // 30 other addresses push the account past its ceiling and take the one slot.
    const attacker = [];
    for (let i = 1; i <= 30; i++) attacker.push(codeOf(await login(email, `guess ${i}`, `192.0.2.${i}`)));
    expect(attacker.filter((c) => c === 'UNAUTHENTICATED')).toHaveLength(SLOWDOWN_AFTER + 1);
    expect(attacker.filter((c) => c === 'TOO_MANY_REQUESTS')).toHaveLength(30 - SLOWDOWN_AFTER - 1);
    // The attacker keeps polling; the owner, from home, gets in every time at once.
    let next = 31;
    for (let round = 0; round < 3; round++) {
      expect(codeOf(await login(email, 'poll', `192.0.2.${next++}`))).toBe('TOO_MANY_REQUESTS');
      expect((await login(email, PASSWORD, home)).errors).toBeUndefined();
    }
    // A client the account does not know waits for the slot, even with the right password: a few
    // seconds (retryAfter at most LOGIN_ACCOUNT_SLOWDOWN_SECONDS), not the lockout window.
    expect(codeOf(await login(email, 'poll', `192.0.2.${next++}`))).toBe('TOO_MANY_REQUESTS');
    const stranger = await login(email, PASSWORD, '198.51.100.80');
    expect(codeOf(stranger)).toBe('TOO_MANY_REQUESTS');
    expect(stranger.errors![0].extensions!.retryAfter).toBeLessThanOrEqual(SLOWDOWN_SECONDS);
  });

  it('counts an IPv6 /64 as one client: the lockout holds for every address of the attacker’s line', async () => {
    const email = await customer();
    for (let i = 1; i <= 5; i++) expect(codeOf(await login(email, 'wrong password!', `2001:db8:7:7::${i}`))).toBe('UNAUTHENTICATED');
    const sameLine = await login(email, PASSWORD, '2001:db8:7:7:abcd::99');
    expect(codeOf(sameLine)).toBe('TOO_MANY_REQUESTS');
    expect(sameLine.errors![0].extensions!.retryAfter).toBeGreaterThan(SLOWDOWN_SECONDS);
    // Another /64 is another client.
    expect((await login(email, PASSWORD, '2001:db8:7:8::1')).errors).toBeUndefined();
  });
});
