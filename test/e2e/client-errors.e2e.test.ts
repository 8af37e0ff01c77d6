import fs from 'node:fs';
import path from 'node:path';
import { AddProductImagesDocument, NotificationsDocument, OrdersDocument, ProductsDocument } from '../generated/graphql';
import { signUpAs, type TestAccount } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import type { GraphQLErrorShape } from '../helpers/graphql-client';
import { startTestApp, type TestApp } from '../helpers/test-app';

/**
 * Mistakes in the client's request are the client's: each gets a status below 500 and a code
 * from README.md's list (Errors), never INTERNAL_SERVER_ERROR, and never reaches SQL.
 */

/** The codes README.md's Errors section names (backticked UPPER_CASE words that are not settings). */
function readmeCodes(): Set<string> {
  const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Errors'), readme.indexOf('\n## ', readme.indexOf('\n## Errors') + 1));
  return new Set([...section.matchAll(/`([A-Z][A-Z_]+)`/g)].map((m) => m[1]).filter((c) => !c.includes('BYTES')));
}

let t: TestApp, customer: TestAccount, seller: TestAccount;
const codes = readmeCodes();

beforeAll(async () => {
  t = await startTestApp({ GRAPHQL_MAX_DEPTH: '6' });
  [customer, seller] = await Promise.all([signUpAs(t.client, 'CUSTOMER'), signUpAs(t.client, 'SELLER')]);
  await createProduct(t.client, seller.token, { name: '행주' });
});
afterAll(() => t?.close());

/** The client's mistake, as the server answered it: status below 500 and a listed code on every error. */
function expectRefused(what: string, status: number, errors: GraphQLErrorShape[] | undefined, code: string | null) {
  const seen = { what, status, codes: errors?.map((e) => e.extensions?.code) };
  expect(seen).toEqual({ what, status: expect.any(Number), codes: [code ?? expect.any(String)] });
  expect({ what, below500: status < 500 }).toEqual({ what, below500: true });
  expect({ what, listed: codes.has(errors![0].extensions!.code!) }).toEqual({ what, listed: true });
}

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const BAD_CURSORS: Array<[string, string]> = [
  ['not base64', '!!!not a cursor***'],
  ['base64 of garbage', b64('\u00ff\u0001garbage{')],
  ['base64 of an object', b64({ sort: 'NEWEST', value: 0, id: 1 })],
  ['base64 of null', b64(null)],
  ['an empty list', b64([])],
  ['a time that is text', b64(['NEWEST', 'yesterday', 1])],
  ['a time past any date', b64(['NEWEST', 1e20, 1])],
  ['a fractional time', b64(['NEWEST', 1.5, 1])],
  ['a name that is a number', b64(['NAME', 42, 1])],
  ['a huge id', b64(['NEWEST', 0, 1e300])],
  ['an id past 2^53', b64(['ORDERS', 0, 9007199254740993])],
  ['a negative id', b64(['NOTIFICATIONS', 0, -5])],
  ['an id that is text', b64(['ORDERS', 0, '1'])],
  ['a value where none belongs', b64(['ORDERS', 'x', 1])],
  ['a very long cursor', 'A'.repeat(100_000)],
];

describe('list cursors', () => {
  it.each(BAD_CURSORS)('%s is BAD_USER_INPUT naming `after` on every list, before any SQL', async (_, after) => {
    const lists = [
      ['products NEWEST', () => t.client.request(ProductsDocument, { first: 5, after, sort: 'NEWEST' })],
      ['products NAME', () => t.client.request(ProductsDocument, { first: 5, after, sort: 'NAME' })],
      ['orders', () => t.client.request(OrdersDocument, { first: 5, after }, { token: customer.token })],
      ['notifications', () => t.client.request(NotificationsDocument, { first: 5, after }, { token: customer.token })],
    ] as const;
    for (const [list, run] of lists) {
      const res = await run();
      expectRefused(list, res.status, res.errors, 'BAD_USER_INPUT');
      expect({ list, field: res.errors![0].extensions!.field }).toEqual({ list, field: 'after' });
    }
  });

  it("another list's cursor is BAD_USER_INPUT too", async () => {
    const cases = [
      ['products NEWEST', () => t.client.request(ProductsDocument, { after: b64(['NAME', 'a', 1]), sort: 'NEWEST' })],
      ['products NAME', () => t.client.request(ProductsDocument, { after: b64(['NEWEST', 0, 1]), sort: 'NAME' })],
      ['orders', () => t.client.request(OrdersDocument, { after: b64(['NOTIFICATIONS', 0, 1]) }, { token: customer.token })],
      ['notifications', () => t.client.request(NotificationsDocument, { after: b64(['ORDERS', 0, 1]) }, { token: customer.token })],
    ] as const;
    for (const [list, run] of cases) {
      const res = await run();
      expectRefused(list, res.status, res.errors, 'BAD_USER_INPUT');
    }
  });
});

describe('requests the server cannot serve', () => {
  const post = async (body: string | FormData, headers: Record<string, string> = { 'content-type': 'application/json' }) => {
    const res = await fetch(`${t.url}/graphql`, { method: 'POST', headers, body });
    const text = await res.text();
    let errors: GraphQLErrorShape[] | undefined;
    try {
      errors = (JSON.parse(text) as { errors?: GraphQLErrorShape[] }).errors;
    } catch {
      errors = undefined;
    }
    return { status: res.status, errors };
  };
  const json = (value: unknown) => post(JSON.stringify(value));

  it.each<[string, () => Promise<{ status: number; errors?: GraphQLErrorShape[] }>, string]>([
    ['not JSON', () => post('{"query": '), 'BAD_REQUEST'],
    ['a text/plain body (CSRF prevention)', () => post('{"query":"{ me { id } }"}', { 'content-type': 'text/plain' }), 'BAD_REQUEST'],
    ['no query', () => json({ variables: {} }), 'BAD_REQUEST'],
    ['a query that is not a string', () => json({ query: 42 }), 'BAD_REQUEST'],
    ['variables that are not an object', () => json({ query: '{ me { id } }', variables: 'x' }), 'BAD_REQUEST'],
    ['a batch', () => json([{ query: '{ me { id } }' }]), 'BAD_REQUEST'],
    ['a body over 1 MB', () => json({ query: '{ me { id } }', variables: { pad: 'x'.repeat(1_100_000) } }), 'PAYLOAD_TOO_LARGE'],
    ['a syntax error', () => json({ query: '{ me { id ' }), 'GRAPHQL_PARSE_FAILED'],
    ['an unknown field', () => json({ query: '{ nothing }' }), 'GRAPHQL_VALIDATION_FAILED'],
    ['an unknown operationName', () => json({ query: 'query A { me { id } }', operationName: 'B' }), 'OPERATION_RESOLUTION_FAILURE'],
    [
      'two operations and no operationName',
      () => json({ query: 'query A { me { id } } query B { me { id } }' }),
      'OPERATION_RESOLUTION_FAILURE',
    ],
    [
      'a variable of the wrong type',
      () => json({ query: 'query($n: Int) { products(first: $n) { totalCount } }', variables: { n: 'x' } }),
      'BAD_USER_INPUT',
    ],
    [
      'an Int past 32 bits',
      () => json({ query: 'query($n: Int) { products(first: $n) { totalCount } }', variables: { n: 2 ** 40 } }),
      'BAD_USER_INPUT',
    ],
    ['a missing required variable', () => json({ query: 'query($id: ID!) { product(id: $id) { id } }' }), 'BAD_USER_INPUT'],
    [
      'too deep an operation',
      () => json({ query: '{ categories { parent { parent { parent { parent { parent { parent { id } } } } } } } }' }),
      'QUERY_TOO_COMPLEX',
    ],
    [
      'a NUL character in a variable',
      () => json({ query: 'query($id: ID!) { product(id: $id) { id } }', variables: { id: 'a\u0000' } }),
      'BAD_USER_INPUT',
    ],
    [
      // graphql-js would report every unknown field, each message printing the whole object (quadratic: minutes of CPU).
      'an input object with 50,000 unknown fields',
      () =>
        json({
          query: 'mutation($i: LoginInput!) { login(input: $i) { token } }',
          variables: { i: Object.fromEntries(Array.from({ length: 50_000 }, (_, k) => [`k${k}`, 1])) },
        }),
      'BAD_USER_INPUT',
    ],
    [
      'a persisted query this server does not know',
      () => json({ extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } }),
      'PERSISTED_QUERY_NOT_FOUND',
    ],
    [
      'a persisted query whose hash does not match its text',
      () => json({ query: '{ __typename }', extensions: { persistedQuery: { version: 1, sha256Hash: 'abc' } } }),
      'BAD_REQUEST',
    ],
    [
      'a persisted query of an unknown version',
      () => json({ extensions: { persistedQuery: { version: 2, sha256Hash: 'abc' } } }),
      'BAD_REQUEST',
    ],
    [
      'a GET without a query',
      () =>
        fetch(`${t.url}/graphql`, { headers: { 'apollo-require-preflight': 'true' } }).then(async (r) => ({
          status: r.status,
          errors: ((await r.json()) as { errors?: GraphQLErrorShape[] }).errors,
        })),
      'BAD_REQUEST',
    ],
  ])('%s', async (what, send, code) => {
    const { status, errors } = await send();
    expectRefused(what, status, errors, code);
  });

  describe('uploads', () => {
    const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
    const operations = (files: number) =>
      JSON.stringify({
        query: 'mutation($id: ID!, $files: [Upload!]!) { addProductImages(productId: $id, files: $files) { id } }',
        variables: { id: '1', files: Array(files).fill(null) },
      });
    const multipart = (parts: Array<[string, string | Blob, string?]>) => {
      const form = new FormData();
      for (const [name, value, filename] of parts) filename ? form.append(name, value, filename) : form.append(name, value);
      return post(form, { 'apollo-require-preflight': 'true', authorization: `Bearer ${seller.token}` });
    };

    it('11 files in one addProductImages is PAYLOAD_TOO_LARGE (413), a code in the list', async () => {
      const files = Array.from({ length: 11 }, (_, i) => ({ name: `${i}.png`, content: PNG }));
      const res = await t.client.upload(AddProductImagesDocument, { productId: '1', files: [] }, files, { token: seller.token });
      expectRefused('11 files', res.status, res.errors, 'PAYLOAD_TOO_LARGE');
    });

    it.each<[string, Array<[string, string | Blob, string?]>]>([
      ['no map', [['operations', operations(1)]]],
      [
        'a map that is not JSON',
        [
          ['operations', operations(1)],
          ['map', '{'],
          ['0', new Blob([PNG]), 'a.png'],
        ],
      ],
      [
        'operations that are not JSON',
        [
          ['operations', '{'],
          ['map', '{"0":["variables.files.0"]}'],
          ['0', new Blob([PNG]), 'a.png'],
        ],
      ],
      [
        'a map naming a missing file',
        [
          ['operations', operations(1)],
          ['map', '{"0":["variables.files.0"]}'],
        ],
      ],
      [
        'a map pointing nowhere',
        [
          ['operations', operations(1)],
          ['map', '{"0":["variables.nothing.9"]}'],
          ['0', new Blob([PNG]), 'a.png'],
        ],
      ],
    ])('a malformed multipart request (%s) is refused below 500', async (what, parts) => {
      const { status, errors } = await multipart(parts);
      expectRefused(what, status, errors, null);
    });
  });
});
