import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { AddProductImagesDocument, ProductDocument, RemoveProductImageDocument } from '../generated/graphql';
import { signUpAs, type TestAccount } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import { polyglots, testImages } from '../factories/images';
import { codeOf } from '../helpers/graphql-client';
import { startS3Server, type TestS3Server } from '../helpers/s3-server';
import { startTestApp, type TestApp } from '../helpers/test-app';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const JPEG = testImages.jpeg();
const GIF = testImages.gif();
const WEBP = testImages.webp();
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

  describe('uploads are real images, served so no browser runs them (issue #14, case 8)', () => {
    /** `GIF89a<html><script>...`: GIF magic bytes, then HTML, padded to a plausible size and ending in GIF's `;` trailer. */
    const POLYGLOT = Buffer.concat([
      Buffer.from('GIF89a<html><script>alert(document.cookie)</script></html>'),
      Buffer.alloc(600, 0x20),
      Buffer.from(';'),
    ]);

    it.each([
      ['a GIF/HTML polyglot', POLYGLOT],
      ['a PNG signature followed by HTML', Buffer.concat([PNG.subarray(0, 8), Buffer.from('<html><script>alert(1)</script>'.padEnd(64))])],
      [
        'a JPEG without its frame header',
        Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xfe, 0, 8]), Buffer.from('<svg/>'), Buffer.from([0xff, 0xd9])]),
      ],
      ['a truncated PNG (no IEND)', PNG.subarray(0, PNG.length - 12)],
      ['a WebP whose RIFF size is not its length', Buffer.concat([WEBP, Buffer.from('<script>//</script>')])],
      ['a GIF whose image separator is followed by HTML (GIF89a, 1x1 screen, ",<html>...", ";")', polyglots.gifWithHtmlAfterScreen()],
      ['a WebP whose VP8X chunk is followed by HTML', polyglots.webpVp8xWithHtml()],
    ])('refuses %s with BAD_USER_INPUT, storing nothing', async (_, content) => {
      const product = await createProduct(t.client, seller.token);
      const before = await storedKeys();
      const result = await upload(product.id, [{ name: 'x.gif', content }]);
      expect(codeOf(result)).toBe('BAD_USER_INPUT');
      expect(result.errors![0].extensions!.field).toBe('files.0');
      expect(result.errors![0].message).toMatch(/not a JPEG, PNG, WebP or GIF image/);
      expect(await storedKeys()).toEqual(before);
    });

    it('refuses an image over UPLOAD_MAX_IMAGE_PIXELS (a decompression bomb), and a declared type its content contradicts', async () => {
      const product = await createProduct(t.client, seller.token);
      const before = await storedKeys();
      const bomb = await upload(product.id, [{ name: 'bomb.png', content: testImages.pngDeclaring(50_000, 50_000), type: 'image/png' }]);
      expect(codeOf(bomb)).toBe('BAD_USER_INPUT');
      expect(bomb.errors![0].message).toMatch(/50000 x 50000 pixels; at most 40000000/);
      const liar = await upload(product.id, [{ name: 'photo.png', content: GIF, type: 'image/png' }]);
      expect(codeOf(liar)).toBe('BAD_USER_INPUT');
      expect(liar.errors![0].message).toMatch(/declared as image\/png but its content is image\/gif/);
      expect(await storedKeys()).toEqual(before);
    });

    it('serves stored images with nosniff, a CSP that runs nothing, and a safe Content-Disposition', async () => {
      const product = await createProduct(t.client, seller.token);
      const [image] = (await upload(product.id, [{ name: '"evil"\r\n.gif', content: GIF }])).data!.addProductImages.images;
      const served = await fetchImage(image.url);
      expect(served.status).toBe(200);
      expect(served.headers.get('content-type')).toBe('image/gif');
      const name = image.url.split('/').pop()!;
      expect(name).toMatch(/^[0-9a-f-]{36}\.gif$/);
      expect(served.headers.get('content-disposition')).toBe(`inline; filename="${name}"`);
      if (kind === 'local') {
        expect(served.headers.get('x-content-type-options')).toBe('nosniff');
        expect(served.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
        for (const missing of ['/media/products/none.gif', '/media/products/..%2f..%2f..%2fetc%2fpasswd.gif', '/media/x.html']) {
          const answer = await fetch(`${t.url}${missing}`);
          expect(answer.status).toBe(404);
          expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
          expect(answer.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
          expect(answer.headers.get('content-disposition')).toBe('inline');
        }
      } else {
        // S3 cannot add nosniff or a CSP; the object carries its type, disposition and caching (SECURITY.md: the CDN adds the rest).
        expect(served.headers.get('cache-control')).toBe('public, max-age=86400, immutable');
      }
    });

    it('checks who uploads before reading the body: anonymous and customers are refused while the body is still arriving', async () => {
      const product = await createProduct(t.client, seller.token);
      const before = await storedKeys();
      for (const [token, status, code] of [
        [undefined, 401, 'UNAUTHENTICATED'],
        ['not-a-token', 401, 'UNAUTHENTICATED'],
        [customer.token, 403, 'FORBIDDEN'],
      ] as const) {
        const answer = await partialMultipart(`${t.url}/graphql`, token, product.id);
        expect(answer).toEqual({ status, code });
      }
      expect(await storedKeys()).toEqual(before);
      // A seller's upload still goes through the same gate.
      expect((await upload(product.id, [{ name: 'a.png', content: PNG }])).data!.addProductImages.images).toHaveLength(1);
    });
  });
});

/**
 * Starts a multipart addProductImages request that announces 50 MB but sends only the start of its
 * first part, then waits for the answer. The server can only answer if it decided from the headers:
 * graphql-upload would wait for the whole `operations` field first.
 */
function partialMultipart(url: string, token: string | undefined, productId: string): Promise<{ status: number; code: string }> {
  const boundary = 'gate-test-boundary';
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST',
      headers: {
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': String(50 * 1024 * 1024),
        'apollo-require-preflight': 'true',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => {
        req.destroy();
        resolve({
          status: res.statusCode!,
          code: (JSON.parse(body) as { errors: Array<{ extensions: { code: string } }> }).errors[0].extensions.code,
        });
      });
    });
    req.on('error', reject);
    // The operations field, left open: the rest of the 50 MB never comes.
    req.write(
      `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{"query":"mutation { addProductImages(productId: \\"${productId}\\", files: [null]) { id } }",`,
    );
  });
}
