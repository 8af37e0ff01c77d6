import { spawn } from 'node:child_process';
import path from 'node:path';
import {
  CreateProductDocument,
  DeleteProductDocument,
  ProductDocument,
  SearchProductsDocument,
  UpdateProductDocument,
  type UpdateProductInput,
} from '../generated/graphql';
import { signUpAs, type TestAccount } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import { orderProducts } from '../factories/orders';
import { GraphQLClient } from '../helpers/graphql-client';
import { itProductionProfile, startTestApp, type TestApp } from '../helpers/test-app';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { sqlOf } from '../../src/db/sql';
import { SqlNgramSearchIndex } from '../../src/services/catalog/search/sql-ngram-search-index';

let t: TestApp;
let peer: Awaited<ReturnType<TestApp['startPeer']>>;
let seller: TestAccount;
let customer: TestAccount;

beforeAll(async () => {
  t = await startTestApp();
  // A second instance on the same database (on the embedded profile, the same app).
  peer = await t.startPeer();
  [seller, customer] = await Promise.all([signUpAs(t.client, 'SELLER'), signUpAs(t.client, 'CUSTOMER')]);
});
afterAll(async () => {
  await peer?.close();
  await t?.close();
});

const em = () => t.app.orm.em.fork();
async function found(search: string, client = t.client): Promise<string[]> {
  const { products } = await client.ok(SearchProductsDocument, { search, first: 20 });
  expect(products.totalCount).toBe(products.edges.length);
  return products.edges.map((e) => e.node.id);
}
const update = (id: string, input: UpdateProductInput, client = t.client) =>
  client.request(UpdateProductDocument, { id, input }, { token: seller.token });
const nameOf = async (id: string) => (await t.client.ok(ProductDocument, { id }, { token: seller.token })).product?.name ?? null;
/** Polls a search until it finds `id` (or gives up after about 10 s); no timing is asserted. */
async function eventuallyFound(search: string, id: string, client: GraphQLClient): Promise<string[]> {
  let ids: string[] = [];
  for (let i = 0; i < 50; i++) {
    ids = await found(search, client);
    if (ids.includes(id)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return ids;
}

describe('(a) concurrent renames and deletes', () => {
  it('two renames at once, 10 rounds, on one instance and on two: found by exactly the final name', async () => {
    const product = await createProduct(t.client, seller.token, { name: 'start name', description: 'nothing' });
    for (let round = 0; round < 10; round++) {
      const names = [`north${round}q item`, `south${round}q item`];
      const clients = round % 2 === 0 ? [t.client, t.client] : [t.client, peer.client];
      const answers = await Promise.all(names.map((name, i) => update(product.id, { name }, clients[i])));
      expect(answers.map((a) => a.errors)).toEqual([undefined, undefined]);
      const final = await nameOf(product.id);
      expect(names).toContain(final);
      const [winner, loser] = final === names[0] ? ['north', 'south'] : ['south', 'north'];
      expect(await found(`${winner}${round}q`)).toEqual([product.id]);
      expect(await found(`${loser}${round}q`)).toEqual([]);
      expect(await found(`${winner}${round}q`, peer.client)).toEqual([product.id]);
      expect(await found('start')).toEqual([]);
    }
  });

  it('a rename racing a delete: never found after the delete, by either name', async () => {
    for (let round = 0; round < 10; round++) {
      const product = await createProduct(t.client, seller.token, { name: `doomed${round}x`, description: 'nothing' });
      const client = round % 2 === 0 ? t.client : peer.client;
      const [renamed, deleted] = await Promise.all([
        update(product.id, { name: `reborn${round}x`, description: `phoenix${round}x` }, client),
        t.client.request(DeleteProductDocument, { id: product.id }, { token: seller.token }),
      ]);
      expect(deleted.errors).toBeUndefined();
      // The rename either landed before the delete or found the product gone.
      expect(renamed.errors?.[0].extensions?.code ?? 'OK').toMatch(/^(OK|NOT_FOUND)$/);
      for (const word of [`doomed${round}x`, `reborn${round}x`, `phoenix${round}x`]) expect(await found(word)).toEqual([]);
      const [doc] = await sqlOf(em()).rows<{ n: number }>('select count(*) as n from product_search_doc where product_id = ?', [
        Number(product.id),
      ]);
      expect(Number(doc.n)).toBe(0);
    }
  });
});

describe('(a) many products written at once', () => {
  // Each product's index rows are written in its own transaction: two sellers creating or renaming
  // different products at the same moment must not fail each other (InnoDB gap locks deadlocked them).
  it('20 creates at once, then 3 rounds of 20 renames of different products at once: all succeed, all found', async () => {
    const sellers = await Promise.all([signUpAs(t.client, 'SELLER'), signUpAs(t.client, 'SELLER')]);
    const created = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.client.request(
          CreateProductDocument,
          { input: { name: `crowd${i}z 동시상품`, description: `함께 ${i}`, price: 1000, stock: 1 } },
          { token: sellers[i % 2].token },
        ),
      ),
    );
    expect(created.map((a) => a.errors?.[0].extensions?.code ?? 'OK')).toEqual(created.map(() => 'OK'));
    const ids = created.map((a) => a.data!.createProduct.id);
    expect((await found('동시상품')).sort()).toEqual([...ids].sort());
    for (let round = 0; round < 3; round++) {
      const renamed = await Promise.all(
        ids.map((id, i) =>
          t.client.request(
            UpdateProductDocument,
            { id, input: { name: `crowd${i}z round${round}r ${'가나다라'.slice(round)}`, description: `설명 ${round} ${i}` } },
            { token: sellers[i % 2].token },
          ),
        ),
      );
      expect(renamed.map((a) => a.errors?.[0].extensions?.code ?? 'OK')).toEqual(renamed.map(() => 'OK'));
      expect((await found(`round${round}r`)).sort()).toEqual([...ids].sort());
    }
    for (const [i, id] of ids.entries()) expect(await found(`crowd${i}z`)).toEqual([id]);
    expect(await found('동시상품')).toEqual([]);
  });
});

describe('(b) products the index lacks', () => {
  it('a product inserted by SQL (no index rows) is found after the app restarts', async () => {
    const own = await startTestApp();
    let restarted: Awaited<ReturnType<typeof createApp>> | null = null;
    try {
      const ownSeller = await signUpAs(own.client, 'SELLER');
      const indexed = await createProduct(own.client, ownSeller.token, { name: 'made by api', description: 'normal' });
      const now = new Date();
      const { insertId } = await sqlOf(own.app.orm.em.fork()).run(
        'insert into product (seller_id, category_id, name, description, price, stock, status, created_at, updated_at) values (?, null, ?, ?, ?, ?, ?, ?, ?)',
        [Number(ownSeller.id), '직접넣은 상품 sqlrow', '인덱스 없음', 5000, 3, 'ON_SALE', now, now],
      );
      const id = String(insertId);
      // Listed, but not searchable yet: the index has no rows for it.
      expect((await own.client.ok(SearchProductsDocument, {})).products.edges.map((e) => e.node.id)).toContain(id);
      expect((await own.client.ok(SearchProductsDocument, { search: 'sqlrow' })).products.totalCount).toBe(0);

      await own.app.close();
      restarted = await createApp(loadConfig(own.peerEnv));
      const client = new GraphQLClient(`${await restarted.listen()}/graphql`);
      expect(await eventuallyFound('sqlrow', id, client)).toEqual([id]);
      expect(await found('직접넣은', client)).toEqual([id]);
      expect(await found('인덱스', client)).toEqual([id]);
      expect(await found('made api', client)).toEqual([indexed.id]);
    } finally {
      await restarted?.close();
      // Closes the first app again (a no-op past its errors, which are logged) and removes the database.
      await own.close();
    }
  });
});

describe('(c) reindex', () => {
  const QUERIES = ['사과', '사과 꿀', 'apple', 'honey', 'pie'];
  const answers = () => Promise.all(QUERIES.map((q) => found(q)));

  it('rebuilds a wiped index: the same answers, deleted products not added back', async () => {
    const specs: Array<[string, string]> = [
      ['꿀사과 apple', '달콤한 honey'],
      ['사과파이 pie', '버터'],
      ['honey jar', '아카시아 꿀'],
      ['부사 사과', 'apple 10kg'],
    ];
    const ids = [];
    for (const [name, description] of specs) ids.push((await createProduct(t.client, seller.token, { name, description })).id);
    const gone = await createProduct(t.client, seller.token, { name: '사과 apple honey pie 꿀', description: 'deleted' });
    await t.client.ok(DeleteProductDocument, { id: gone.id }, { token: seller.token });
    const before = await answers();
    expect(before[0]).toEqual(expect.arrayContaining([ids[0], ids[1], ids[3]]));
    expect(before.flat()).not.toContain(gone.id);

    const sql = sqlOf(em());
    await sql.run('delete from product_search_gram');
    await sql.run('delete from product_search_doc');
    // A stale entry for the deleted product, as an index from before its delete would hold.
    await new SqlNgramSearchIndex().index(sql, { id: Number(gone.id), name: '사과 apple honey pie 꿀', description: '' });
    expect((await answers()).flat()).toEqual([]);

    const progress = await new SqlNgramSearchIndex().reindex(em(), { batchSize: 3 });
    const [{ live, deleted }] = await sql.rows<{ live: number; deleted: number }>(
      'select sum(case when deleted_at is null then 1 else 0 end) as live, sum(case when deleted_at is null then 0 else 1 end) as deleted from product',
    );
    expect(progress).toEqual({ indexed: Number(live), removed: Number(deleted) });
    expect(await answers()).toEqual(before);
    const [docs] = await sql.rows<{ n: number; stale: number }>(
      'select count(*) as n, sum(case when p.deleted_at is null then 0 else 1 end) as stale from product_search_doc d join product p on p.id = d.product_id',
    );
    expect([Number(docs.n), Number(docs.stale)]).toEqual([Number(live), 0]);
  });

  itProductionProfile(
    'npm run search:reindex (the script, as a child process) rebuilds it too',
    async () => {
      const product = await createProduct(t.client, seller.token, { name: 'script rebuilt scriptword', description: '' });
      await sqlOf(em()).run('delete from product_search_gram');
      await sqlOf(em()).run('delete from product_search_doc');
      expect(await found('scriptword')).toEqual([]);
      const root = path.join(__dirname, '../..');
      const output = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ['-r', '@swc-node/register', path.join(root, 'src/scripts/search-reindex.ts')], {
          cwd: root,
          env: { PATH: process.env.PATH ?? '', ...t.peerEnv, LOG_LEVEL: 'error' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('exit', (code) => resolve({ code, stdout, stderr }));
      });
      const [{ live, deleted }] = await sqlOf(em()).rows<{ live: number; deleted: number }>(
        'select sum(case when deleted_at is null then 1 else 0 end) as live, sum(case when deleted_at is null then 0 else 1 end) as deleted from product',
      );
      expect({ code: output.code, stderr: output.stderr }).toEqual({ code: 0, stderr: '' });
      expect(output.stdout).toContain(`Search index rebuilt: ${Number(live)} indexed, ${Number(deleted)} deleted dropped`);
      expect(await found('scriptword')).toEqual([product.id]);
    },
    120_000,
  );
});

describe('(d) status and search', () => {
  it('a sold-out product stays searchable, a hidden one is not, and un-hiding brings it back', async () => {
    const product = await createProduct(t.client, seller.token, { name: 'statusword lamp', description: '', stock: 2 });
    expect(await found('statusword')).toEqual([product.id]);
    // Sold out by an order that takes the last units.
    await orderProducts(t.client, customer.token, [{ productId: product.id, quantity: 2 }]);
    expect((await t.client.ok(ProductDocument, { id: product.id })).product!.stock).toBe(0);
    expect(await found('statusword')).toEqual([product.id]);
    // Sold out by hand.
    expect((await update(product.id, { stock: 5, status: 'SOLD_OUT' })).errors).toBeUndefined();
    expect(await found('statusword')).toEqual([product.id]);
    expect((await update(product.id, { status: 'HIDDEN' })).errors).toBeUndefined();
    expect(await found('statusword')).toEqual([]);
    expect(await found('statusword', peer.client)).toEqual([]);
    expect((await update(product.id, { status: 'ON_SALE' })).errors).toBeUndefined();
    expect(await found('statusword')).toEqual([product.id]);
    // Renamed while hidden: found by the new name once shown again, never by the old one.
    await update(product.id, { status: 'HIDDEN' });
    await update(product.id, { name: 'renamedword lamp' });
    expect(await found('renamedword')).toEqual([]);
    await update(product.id, { status: 'ON_SALE' });
    expect(await found('renamedword')).toEqual([product.id]);
    expect(await found('statusword')).toEqual([]);
  });
});
