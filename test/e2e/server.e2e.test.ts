import { LogoutDocument, SignUpDocument, type Role } from '../generated/graphql';
import { codeOf } from '../helpers/graphql-client';
import { signUpAs } from '../factories/accounts';
import { EMBEDDED, itProductionProfile, startTestApp, type TestApp } from '../helpers/test-app';
import { connectWs } from '../helpers/ws-client';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

let n = 0;
async function tokenFor(role: Role = 'CUSTOMER') {
  const result = await t.client.ok(SignUpDocument, { input: { role, email: `s${++n}@example.com`, password: 'password123', name: 'S' } });
  return result.signUp.token;
}

describe('health', () => {
  it('/healthz answers 200 and /readyz 200 while the database and Redis (if used) answer', async () => {
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual(
      EMBEDDED
        ? { status: 'ok', sqlite: 'ok', redis: 'not used', storage: 'ok' }
        : { status: 'ok', mysql: 'ok', redis: 'ok', storage: 'ok' },
    );
  });
});

describe('HTTP protocol', () => {
  it('answers queries over GET without a preflight header (cacheable), but never a mutation over GET', async () => {
    const res = await fetch(`${t.url}/graphql?query=${encodeURIComponent('{ me { id } }')}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { me: null } });
    const mutation = await fetch(`${t.url}/graphql?query=${encodeURIComponent('mutation { logout }')}`);
    expect(mutation.status).toBe(405);
  });

  it('keeps CSRF prevention on for POST: a simple (text/plain) cross-site POST is refused', async () => {
    const res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query: '{ me { id } }' }),
    });
    expect(res.status).toBe(400);
  });

  it('accepts GraphQL multipart requests (graphql-upload) but only with a preflight header', async () => {
    const form = () => {
      const body = new FormData();
      body.append('operations', JSON.stringify({ query: '{ me { id } }', variables: {} }));
      body.append('map', '{}');
      return body;
    };
    // Only sellers upload, and the upload gate checks that first (product-images.e2e, issue #14 case 8).
    const seller = await signUpAs(t.client, 'SELLER');
    const authorization = `Bearer ${seller.token}`;
    const refused = await fetch(`${t.url}/graphql`, { method: 'POST', body: form(), headers: { authorization } });
    expect(refused.status).toBe(400);
    const accepted = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      body: form(),
      headers: { authorization, 'apollo-require-preflight': 'true' },
    });
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toEqual({ data: { me: { id: seller.id } } });
  });

  it('answers malformed JSON with a coded 400, not a stack trace', async () => {
    const res = await fetch(`${t.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(body.errors[0].extensions.code).toBe('BAD_REQUEST');
    expect(JSON.stringify(body)).not.toMatch(/at .*\.js|node_modules/);
  });

  it('answers a query syntax error with GRAPHQL_PARSE_FAILED', async () => {
    const result = await t.client.raw('{ me { id }');
    expect(codeOf(result)).toBe('GRAPHQL_PARSE_FAILED');
  });

  it('refuses a NUL character in any string input, in variables or in the query, and stores nothing', async () => {
    const signUp = 'mutation($i: SignUpInput!) { signUp(input: $i) { token } }';
    const input = { role: 'CUSTOMER', email: 'nul@example.com', password: 'password123', name: 'a\u0000b' };
    const refused = await t.client.raw(signUp, { i: input });
    expect(codeOf(refused)).toBe('BAD_USER_INPUT');
    expect(refused.errors?.[0].extensions?.field).toBe('i.name');
    for (const escape of ['\\u0000', '\\u{0}', '\\u{000000}']) {
      const inline = await t.client.raw(`{ product(id: "1${escape}") { id } }`);
      expect(codeOf(inline)).toBe('BAD_USER_INPUT');
      expect(inline.errors?.[0].extensions?.field).toBe('query');
    }
    // Nothing was written: the same sign-up without the NUL is the first with that email.
    expect((await t.client.raw(signUp, { i: { ...input, name: 'ab' } })).errors).toBeUndefined();
  });

  it('echoes or assigns an x-request-id', async () => {
    const mine = await t.client.raw('{ me { id } }', undefined, { headers: { 'x-request-id': 'req-123' } });
    expect(mine.headers.get('x-request-id')).toBe('req-123');
    const assigned = await t.client.raw('{ me { id } }');
    expect(assigned.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves Apollo Sandbox on GET /graphql for browsers outside production', async () => {
    const res = await fetch(`${t.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('sandbox');
  });
});

describe('WebSocket /graphql', () => {
  it('accepts a connection authenticated in connection_init', async () => {
    const ws = connectWs(t.url, await tokenFor());
    await ws.opened;
    await ws.client.dispose();
  });

  it('refuses a connection with no token, a bad token or a revoked token (4403)', async () => {
    const revoked = await tokenFor();
    await t.client.ok(LogoutDocument, undefined, { token: revoked });
    for (const token of [undefined, 'not-a-token', revoked]) {
      const ws = connectWs(t.url, token);
      expect((await ws.closed).code).toBe(4403);
    }
  });

  itProductionProfile("closes a session's open sockets on every instance when it logs out (4401)", async () => {
    const peer = await t.startPeer();
    try {
      const token = await tokenFor();
      const here = connectWs(t.url, token);
      const there = connectWs(peer.url, token);
      const bystander = connectWs(peer.url, await tokenFor());
      await Promise.all([here.opened, there.opened, bystander.opened]);

      await t.client.ok(LogoutDocument, undefined, { token });
      expect((await here.closed).code).toBe(4401);
      expect((await there.closed).code).toBe(4401);

      // Someone else's connection stays open.
      const outcome = await Promise.race([bystander.closed.then(() => 'closed'), new Promise((r) => setTimeout(() => r('open'), 300))]);
      expect(outcome).toBe('open');
      await bystander.client.dispose();
    } finally {
      await peer.close();
    }
  });
});

describe('failures', () => {
  itProductionProfile('/readyz answers 503 naming Redis when it stops answering', async () => {
    const app = await startTestApp();
    try {
      app.app.redis!.disconnect();
      const res = await fetch(`${app.url}/readyz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ status: 'unavailable', mysql: 'ok', redis: expect.not.stringMatching(/^ok$/) });
    } finally {
      await app.close();
    }
  });

  itProductionProfile('masks unexpected errors in production: no SQL, no stack, a generic INTERNAL_SERVER_ERROR', async () => {
    const app = await startTestApp({ NODE_ENV: 'production' });
    try {
      await app.app.orm.em.fork().getConnection().execute('drop table `auth_session`');
      const result = await app.client.request(SignUpDocument, {
        input: { role: 'CUSTOMER', email: 'a@example.com', password: 'password123', name: 'A' },
      });
      expect(codeOf(result)).toBe('INTERNAL_SERVER_ERROR');
      expect(result.errors![0].message).toBe('Internal server error');
      const text = JSON.stringify(result);
      expect(text).not.toMatch(/customer|sql|select|stack|\.ts:/i);
    } finally {
      await app.close();
    }
  });

  itProductionProfile('turns off introspection, the Sandbox landing page and the demo storefront in production', async () => {
    const app = await startTestApp({ NODE_ENV: 'production' });
    try {
      const result = await app.client.raw('{ __schema { types { name } } }');
      expect(result.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      const page = await fetch(`${app.url}/graphql`, { headers: { accept: 'text/html' } });
      expect(await page.text()).not.toContain('sandbox');
      // /demo hands out the demo logins: not in production.
      expect((await fetch(`${app.url}/demo/config.js`)).status).toBe(404);
      expect((await fetch(`${app.url}/demo/`)).status).toBe(404);
    } finally {
      await app.close();
    }
  });
});
