import { Customer } from '../../src/entities';
import { LoginDocument, SignUpDocument } from '../generated/graphql';
import { signUpAs } from '../factories/accounts';
import { codeOf, GraphQLClient } from '../helpers/graphql-client';
import { itProductionProfile, startTestApp, type TestApp } from '../helpers/test-app';

/** Abuse limits: depth, aliases, cost, batching, body size, introspection in production, request rates and sign-ups per IP. */
describe('query limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ GRAPHQL_MAX_DEPTH: '6', GRAPHQL_MAX_ALIASES: '5', GRAPHQL_MAX_COMPLEXITY: '200' });
  });
  afterAll(() => t?.close());

  it('refuses an operation nested deeper than GRAPHQL_MAX_DEPTH, fragments included', async () => {
    const nest = (depth: number): string => (depth === 0 ? 'id' : `id parent { ${nest(depth - 1)} }`);
    expect((await t.client.raw(`{ categories { ${nest(4)} } }`)).errors).toBeUndefined();
    const deep = await t.client.raw(`{ categories { ${nest(6)} } }`);
    expect(codeOf(deep)).toBe('QUERY_TOO_COMPLEX');
    expect(deep.errors![0].extensions).toMatchObject({ max: 6 });
    const viaFragment = await t.client.raw(`fragment Deep on Category { ${nest(6)} } { categories { ...Deep } }`);
    expect(codeOf(viaFragment)).toBe('QUERY_TOO_COMPLEX');
  });

  it('refuses more aliases than GRAPHQL_MAX_ALIASES', async () => {
    const aliases = (n: number) => Array.from({ length: n }, (_, i) => `a${i}: categories { id }`).join(' ');
    expect((await t.client.raw(`{ ${aliases(5)} }`)).errors).toBeUndefined();
    expect(codeOf(await t.client.raw(`{ ${aliases(6)} }`))).toBe('QUERY_TOO_COMPLEX');
  });

  it('refuses an operation costing more than GRAPHQL_MAX_COMPLEXITY (list fields cost their children times the page size)', async () => {
    const page = (first: number) =>
      `{ products(first: ${first}) { edges { node { id name price category { id name } seller { id name } images { id url } } } } }`;
    expect((await t.client.raw(page(2))).errors).toBeUndefined();
    const costly = await t.client.raw(page(20));
    expect(codeOf(costly)).toBe('QUERY_TOO_COMPLEX');
    expect(costly.errors![0].extensions).toMatchObject({ max: 200 });
  });

  it('refuses batched operations and oversized bodies', async () => {
    const batch = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ query: '{ categories { id } }' }, { query: '{ categories { id } }' }]),
    });
    expect(batch.status).toBe(400);
    const huge = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ categories { id } }', variables: { pad: 'x'.repeat(2 * 1024 * 1024) } }),
    });
    expect(huge.status).toBe(413);
  });
});

describe('introspection', () => {
  itProductionProfile('is off in production unless GRAPHQL_INTROSPECTION=true', async () => {
    const production = { NODE_ENV: 'production' };
    const off = await startTestApp(production);
    const on = await startTestApp({ ...production, GRAPHQL_INTROSPECTION: 'true' });
    try {
      const query = '{ __schema { queryType { name } } }';
      expect(codeOf(await off.client.raw(query))).toBe('GRAPHQL_VALIDATION_FAILED');
      expect((await on.client.raw(query)).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    } finally {
      await Promise.all([off.close(), on.close()]);
    }
  });
});

describe('request rate limits', () => {
  it('per IP: past the limit, TOO_MANY_REQUESTS with retryAfter, HTTP 429 and Retry-After', async () => {
    const t = await startTestApp({ RATE_LIMIT_IP_PER_MINUTE: '5' });
    try {
      for (let i = 0; i < 5; i++) expect((await t.client.raw('{ categories { id } }')).errors).toBeUndefined();
      const refused = await t.client.raw('{ categories { id } }');
      expect(refused.status).toBe(429);
      expect(codeOf(refused)).toBe('TOO_MANY_REQUESTS');
      expect(refused.errors![0].extensions!.retryAfter).toBeGreaterThan(0);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await t.close();
    }
  });

  it('per IP behind TRUST_PROXY=1: counts the address our proxy appended, whatever the client wrote before it', async () => {
    const t = await startTestApp({ RATE_LIMIT_IP_PER_MINUTE: '20', TRUST_PROXY: '1' });
    try {
      // The client writes any X-Forwarded-For it likes; the load balancer appends the address it saw.
      const spoofed = (i: number) => ({ 'x-forwarded-for': `198.51.100.${i}, 10.9.9.9` });
      for (let i = 0; i < 20; i++)
        expect((await t.client.raw('{ categories { id } }', {}, { headers: spoofed(i) })).errors).toBeUndefined();
      const refused = await t.client.raw('{ categories { id } }', {}, { headers: spoofed(20) });
      expect(refused.status).toBe(429);
      expect(codeOf(refused)).toBe('TOO_MANY_REQUESTS');
      // Another client behind the same proxy is counted apart.
      expect((await t.client.raw('{ categories { id } }', {}, { headers: { 'x-forwarded-for': '10.9.9.10' } })).errors).toBeUndefined();
    } finally {
      await t.close();
    }
  });

  it('per account, shared by every instance: one account past its limit is refused, others are not', async () => {
    const t = await startTestApp({ RATE_LIMIT_ACCOUNT_PER_MINUTE: '4' });
    // On the embedded profile (one process) the "peer" is the same instance.
    const peer = await t.startPeer();
    try {
      const busy = await signUpAs(t.client, 'CUSTOMER');
      const calm = await signUpAs(t.client, 'CUSTOMER');
      const me = (client: GraphQLClient, token: string) => client.raw('{ me { id } }', {}, { token });
      for (const client of [t.client, peer.client, t.client, peer.client]) expect((await me(client, busy.token)).errors).toBeUndefined();
      expect(codeOf(await me(peer.client, busy.token))).toBe('TOO_MANY_REQUESTS');
      expect((await me(t.client, calm.token)).errors).toBeUndefined();
      expect((await t.client.raw('{ categories { id } }')).errors).toBeUndefined(); // anonymous: only the IP limit applies
    } finally {
      await peer.close();
      await t.close();
    }
  });
});

describe('sign-ups per client IP (SIGNUP_PER_IP_PER_HOUR)', () => {
  it('shared by every instance: past the limit, TOO_MANY_REQUESTS with retryAfter and no account; refused sign-ups do not count', async () => {
    const t = await startTestApp({ SIGNUP_PER_IP_PER_HOUR: '3' });
    const peer = await t.startPeer();
    const signUp = (client: GraphQLClient, email: string) =>
      client.request(SignUpDocument, { input: { role: 'CUSTOMER', email, password: 'password1234', name: '손님' } });
    try {
      const first = await signUpAs(t.client, 'CUSTOMER');
      // An email already taken is refused before anything is counted.
      expect(codeOf(await signUp(peer.client, first.email))).toBe('CONFLICT');
      await signUpAs(peer.client, 'SELLER');
      await signUpAs(t.client, 'CUSTOMER');
      const email = `one-too-many-${process.pid}@example.com`;
      for (const client of [peer.client, t.client]) {
        const refused = await signUp(client, email);
        expect(codeOf(refused)).toBe('TOO_MANY_REQUESTS');
        expect(refused.errors![0].extensions!.retryAfter).toBeGreaterThan(3000);
        expect(refused.errors![0].extensions!.retryAfter).toBeLessThanOrEqual(3600);
      }
      expect(await t.app.orm.em.fork().count(Customer, { email })).toBe(0);
      // Logging in is not signing up.
      const login = await t.client.request(LoginDocument, { input: { role: 'CUSTOMER', email: first.email, password: 'password1234' } });
      expect(login.errors).toBeUndefined();
    } finally {
      await peer.close();
      await t.close();
    }
  });
});
