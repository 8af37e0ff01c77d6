import { LockMode, raw } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Identity } from '../../auth/identity';
import { Product, ProductImage } from '../../entities';
import type { Logger } from '../../logger';
import { badInput, notFound } from '../../schema/errors';
import { parseNumericId } from '../../schema/ids';
import { FileTooLargeError, inspectImage, NotAnImageError, TooManyPixelsError } from '../storage/image-type';
import type { Storage } from '../storage/storage';
import type { ProductService } from './product.service';

export const MAX_IMAGES_PER_PRODUCT = 10;

/**
 * A file from a multipart upload. Its content decides its type; a declared image type (`mimetype`)
 * that disagrees with the content is refused, a generic one (application/octet-stream) is ignored.
 */
export type IncomingFile = { filename: string; mimetype?: string; createReadStream(): Readable };

type Stored = { key: string; url: string; contentType: string; size: number };

/** Product images: streamed to Storage, recorded in MySQL, at most 10 per product, all or nothing. */
export class ProductImageService {
  constructor(
    private readonly deps: { products: ProductService; storage: Storage; maxFileBytes: number; maxImagePixels: number; logger: Logger },
  ) {}

  /** Stores every file as an image of the caller's product, or none of them (no orphan rows or objects). */
  async add(
    em: EntityManager,
    identity: Identity,
    productId: string,
    files: Array<Promise<IncomingFile> | IncomingFile>,
  ): Promise<Product> {
    const product = await this.deps.products.requireOwned(em, identity, productId);
    if (files.length === 0) throw badInput('files', 'must contain at least one file');
    const existing = await em.count(ProductImage, { product: product.id });
    if (existing + files.length > MAX_IMAGES_PER_PRODUCT) throw tooMany(existing);

    const stored: Stored[] = [];
    try {
      for (const [index, file] of files.entries()) stored.push(await this.storeOne(product.id, await receive(file, index), index));
      await em.transactional(async (tx) => {
        // Lock the product so two concurrent uploads cannot both pass the limit.
        await tx.findOneOrFail(Product, { id: product.id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
        const count = await tx.count(ProductImage, { product: product.id });
        if (count + stored.length > MAX_IMAGES_PER_PRODUCT) throw tooMany(count);
        stored.forEach((s, i) =>
          tx.create(ProductImage, {
            product: product.id,
            storageKey: s.key,
            url: s.url,
            contentType: s.contentType,
            size: s.size,
            // Positions are kept dense (1..n, see remove), so the next one follows the count.
            position: count + i + 1,
          }),
        );
      });
    } catch (err) {
      await this.deleteObjects(stored.map((s) => s.key));
      throw err;
    }
    return product;
  }

  /** Removes one image of the caller's product and deletes its stored object. */
  async remove(em: EntityManager, identity: Identity, productId: string, imageId: string): Promise<Product> {
    const product = await this.deps.products.requireOwned(em, identity, productId);
    const id = parseNumericId(imageId);
    const image = id ? await em.findOne(ProductImage, { id, product: product.id }) : null;
    if (!image) throw notFound('Image');
    await em.transactional(async (tx) => {
      await tx.nativeDelete(ProductImage, { id: image.id });
      // Keep positions dense: 1..n.
      await tx.nativeUpdate(ProductImage, { product: product.id, position: { $gt: image.position } }, { position: raw('position - 1') });
    });
    await this.deleteObjects([image.storageKey]);
    return product;
  }

  private async storeOne(productId: number, file: IncomingFile, index: number): Promise<Stored> {
    const field = `files.${index}`;
    let size = 0;
    try {
      const { type, stream } = await inspectImage(file.createReadStream(), this.deps.maxFileBytes, this.deps.maxImagePixels);
      const declared = file.mimetype?.toLowerCase().split(';')[0].trim();
      if (declared?.startsWith('image/') && declared !== type.mime && !(declared === 'image/jpg' && type.extension === 'jpg')) {
        stream.destroy();
        throw badInput(field, `"${file.filename}" is declared as ${declared} but its content is ${type.mime}`);
      }
      stream.on('data', (chunk: Buffer) => (size += chunk.length));
      const key = `products/${productId}/${randomUUID()}.${type.extension}`;
      await this.deps.storage.put(key, stream, { contentType: type.mime });
      return { key, url: this.deps.storage.publicUrl(key), contentType: type.mime, size };
    } catch (err) {
      if (err instanceof NotAnImageError) throw badInput(field, `"${file.filename}" is not a JPEG, PNG, WebP or GIF image`);
      if (err instanceof TooManyPixelsError) {
        throw badInput(
          field,
          `"${file.filename}" is ${err.width} x ${err.height} pixels; at most ${err.maxPixels} pixels in all are accepted`,
        );
      }
      if (err instanceof FileTooLargeError || (err as { status?: number }).status === 413) {
        throw badInput(field, `"${file.filename}" is larger than ${this.deps.maxFileBytes} bytes`);
      }
      throw err;
    }
  }

  private async deleteObjects(keys: string[]): Promise<void> {
    await Promise.all(
      keys.map((key) =>
        this.deps.storage
          .delete(key)
          .catch((err) => this.deps.logger.error({ err, key }, 'could not delete a stored image; it is now orphaned')),
      ),
    );
  }
}

const tooMany = (existing: number) =>
  badInput(
    'files',
    `a product has at most ${MAX_IMAGES_PER_PRODUCT} images; it has ${existing}, so at most ${MAX_IMAGES_PER_PRODUCT - existing} more fit`,
  );

/** The file of a multipart upload; a part the client sent malformed (e.g. a broken part header) is its bad input. */
async function receive(file: Promise<IncomingFile> | IncomingFile, index: number): Promise<IncomingFile> {
  try {
    return await file;
  } catch {
    throw badInput(`files.${index}`, 'the uploaded file could not be read (malformed multipart part)');
  }
}
