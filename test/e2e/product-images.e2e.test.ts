import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import fs from 'node:fs';
import path from 'node:path';
import { AddProductImagesDocument, ProductDocument, RemoveProductImageDocument } from '../generated/graphql';
import { signUpAs, type TestAccount } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import { codeOf } from '../helpers/graphql-client';
import { startS3Server, type TestS3Server } from '../helpers/s3-server';
import { startTestApp, type TestApp } from '../helpers/test-app';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const JPEG = Buffer.concat([
  Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]),
  Buffer.from('JFIF\0'),
  Buffer.alloc(64, 7),
  Buffer.from([0xff, 0xd9]),
]);
const GIF = Buffer.concat([Buffer.from('GIF89a'), Buffer.alloc(32, 1)]);
const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.from([40, 0, 0, 0]), Buffer.from('WEBPVP8 '), Buffer.alloc(32, 2)]);
const TEXT = Buffer.from('this is not an image, whatever its name says');
const MAX_BYTES = 4096;

describe.each(['local', 's3'] as const)('product images on %s storage', (kind) => {
  let t: TestApp;
  let s3: TestS3Server | undefined;
  let seller: TestAccount, otherSeller: TestAccount, customer: TestAccount;

  beforeAll(async () => {
    s3 = kind === 's3' ? await startS3Server() : undefined;
    t = await startTestApp({ ...(s3?.env ?? {}), UPLOAD_MAX_FILE_BYTES: String(MAX_BYTES) });
    [seller, otherSeller, customer] = await Promise.all([
      signUpAs(t.client, 'SELLER'),
      signUpAs(t.client, 'SELLER'),
      signUpAs(t.client, 'CUSTOMER'),
    ]);
  });
  afterAll(async () => {
    await t?.close();
    await s3?.close();
  });

  /** Every stored object key, straight from the store. */
  async function storedKeys(): Promise<string[]> {
    if (s3) {
      const client = new S3Client({
        endpoint: s3.endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      });
      const listed = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket }));
      client.destroy();
      return (listed.Contents ?? []).map((o) => o.Key!).sort();
    }
    const storage = t.app.config.storage;
    if (storage.kind !== 'local') throw new Error('unexpected storage');
    const walk = (dir: string): string[] =>
      fs.existsSync(dir)
        ? fs
            .readdirSync(dir, { withFileTypes: true })
            .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]))
        : [];
    return walk(storage.directory)
      .map((f) => path.relative(storage.directory, f))
      .sort();
  }
  const fetchImage = (url: string) => fetch(url.startsWith('http') ? url : `${t.url}${url}`);
  const upload = (productId: string, files: Array<{ name: string; content: Buffer; type?: string }>, token = seller.token) =>
    t.client.upload(AddProductImagesDocument, { productId, files: [] }, files, { token });

  it('stores images checked by content and serves the uploaded bytes at their URL', async () => {
    const product = await createProduct(t.client, seller.token);
    const before = await storedKeys();
    const result = await upload(product.id, [
      { name: 'front.png', content: PNG, type: 'image/png' },
      { name: 'photo', content: JPEG, type: 'application/octet-stream' },
      { name: 'anim.gif', content: GIF },
      { name: 'pic.webp', content: WEBP },
    ]);
    expect(result.errors).toBeUndefined();
    const images = result.data!.addProductImages.images;
    expect(images.map((i) => i.position)).toEqual([1, 2, 3, 4]);
    expect(images[0].url).toMatch(/\.png$/);
    expect(images[1].url).toMatch(/\.jpg$/);
    const served = await fetchImage(images[0].url);
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer()).equals(PNG)).toBe(true);
    expect(Buffer.from(await (await fetchImage(images[1].url)).arrayBuffer()).equals(JPEG)).toBe(true);
    expect((await storedKeys()).length).toBe(before.length + 4);
    const read = await t.client.ok(ProductDocument, { id: product.id });
    expect(read.product!.images).toEqual(images);
  });

  it('refuses a non-image named .png, and a batch holding one stores nothing at all', async () => {
    const product = await createProduct(t.client, seller.token);
    const before = await storedKeys();
    const fake = await upload(product.id, [{ name: 'evil.png', content: TEXT, type: 'image/png' }]);
    expect(codeOf(fake)).toBe('BAD_USER_INPUT');
    expect(fake.errors![0].extensions!.field).toBe('files.0');
    const mixed = await upload(product.id, [
      { name: 'ok.png', content: PNG },
      { name: 'evil.png', content: TEXT, type: 'image/png' },
    ]);
    expect(codeOf(mixed)).toBe('BAD_USER_INPUT');
    expect(mixed.errors![0].extensions!.field).toBe('files.1');
    expect((await t.client.ok(ProductDocument, { id: product.id })).product!.images).toEqual([]);
    expect(await storedKeys()).toEqual(before);
  });

  it('answers a malformed multipart part (a NUL in its file name) with BAD_USER_INPUT, storing nothing', async () => {
    const product = await createProduct(t.client, seller.token);
    const before = await storedKeys();
    const broken = await upload(product.id, [{ name: '\u0000', content: PNG }]);
    expect(codeOf(broken)).toBe('BAD_USER_INPUT');
    expect(broken.errors![0].extensions!.field).toBe('files.0');
    expect((await t.client.ok(ProductDocument, { id: product.id })).product!.images).toEqual([]);
    expect(await storedKeys()).toEqual(before);
  });

  it('refuses a file over the size limit, storing nothing', async () => {
    const product = await createProduct(t.client, seller.token);
    const before = await storedKeys();
    const big = Buffer.concat([PNG, Buffer.alloc(MAX_BYTES * 2, 1)]);
    const result = await upload(product.id, [{ name: 'big.png', content: big }]);
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect((await t.client.ok(ProductDocument, { id: product.id })).product!.images).toEqual([]);
    expect(await storedKeys()).toEqual(before);
  });

  it('allows at most 10 images per product in all', async () => {
    const product = await createProduct(t.client, seller.token);
    const pngs = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `p${i}.png`, content: PNG }));
    expect((await upload(product.id, pngs(8))).errors).toBeUndefined();
    const before = await storedKeys();
    const over = await upload(product.id, pngs(3));
    expect(codeOf(over)).toBe('BAD_USER_INPUT');
    expect(over.errors![0].message).toMatch(/at most 10/);
    expect(await storedKeys()).toEqual(before);
    expect((await upload(product.id, pngs(2))).data!.addProductImages.images).toHaveLength(10);
    expect(codeOf(await upload(product.id, pngs(1)))).toBe('BAD_USER_INPUT');
  });

  it('never lets concurrent uploads pass the limit together', async () => {
    const product = await createProduct(t.client, seller.token);
    const pngs = Array.from({ length: 4 }, (_, i) => ({ name: `c${i}.png`, content: PNG }));
    const results = await Promise.all([upload(product.id, pngs), upload(product.id, pngs), upload(product.id, pngs)]);
    const images = (await t.client.ok(ProductDocument, { id: product.id })).product!.images;
    expect(images.length).toBeLessThanOrEqual(10);
    expect(images.length).toBe(4 * results.filter((r) => !r.errors).length);
    expect(images.map((i) => i.position)).toEqual(images.map((_, i) => i + 1));
  });

  it('removing an image deletes its object and keeps positions dense', async () => {
    const product = await createProduct(t.client, seller.token);
    const added = (
      await upload(product.id, [
        { name: 'a.png', content: PNG },
        { name: 'b.gif', content: GIF },
        { name: 'c.png', content: PNG },
      ])
    ).data!.addProductImages.images;
    const removed = await t.client.ok(RemoveProductImageDocument, { productId: product.id, imageId: added[0].id }, { token: seller.token });
    expect(removed.removeProductImage.images.map((i) => [i.id, i.position])).toEqual([
      [added[1].id, 1],
      [added[2].id, 2],
    ]);
    expect((await fetchImage(added[0].url)).status).toBeGreaterThanOrEqual(400);
    expect((await fetchImage(added[1].url)).status).toBe(200);
    const again = await t.client.request(
      RemoveProductImageDocument,
      { productId: product.id, imageId: added[0].id },
      { token: seller.token },
    );
    expect(codeOf(again)).toBe('NOT_FOUND');
  });

  it('only the owning seller may add or remove images', async () => {
    const product = await createProduct(t.client, seller.token);
    expect(codeOf(await upload(product.id, [{ name: 'a.png', content: PNG }], otherSeller.token))).toBe('FORBIDDEN');
    expect(codeOf(await upload(product.id, [{ name: 'a.png', content: PNG }], customer.token))).toBe('FORBIDDEN');
    const anonymous = await t.client.upload(AddProductImagesDocument, { productId: product.id, files: [] }, [
      { name: 'a.png', content: PNG },
    ]);
    expect(codeOf(anonymous)).toBe('UNAUTHENTICATED');
    const [image] = (await upload(product.id, [{ name: 'a.png', content: PNG }])).data!.addProductImages.images;
    const remove = (token: string) => t.client.request(RemoveProductImageDocument, { productId: product.id, imageId: image.id }, { token });
    expect(codeOf(await remove(otherSeller.token))).toBe('FORBIDDEN');
    expect(codeOf(await remove(customer.token))).toBe('FORBIDDEN');
    expect(codeOf(await upload('999999', [{ name: 'a.png', content: PNG }]))).toBe('NOT_FOUND');
  });
});
