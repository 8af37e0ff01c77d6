import type { EntityManager } from '@mikro-orm/knex';
import type { Identity } from '../../auth/identity';
import { sqlOf } from '../../db/sql';
import { Role } from '../../entities/role';
import { badInput, forbidden, notFound } from '../../schema/errors';
import { parseNumericId } from '../../schema/ids';

/**
 * Whose ledger a caller reads: a seller only their own (naming another seller is FORBIDDEN: seller
 * ids are public, so there is nothing to hide by answering NOT_FOUND, and the answer does not
 * depend on whether the id exists); an admin the seller named (an unknown one is NOT_FOUND) or,
 * with none named, every seller (null). Anyone else is FORBIDDEN.
 */
export async function sellerScope(em: EntityManager, identity: Identity, sellerId: string | null | undefined): Promise<number | null> {
  if (identity.role === Role.SELLER) {
    if (sellerId != null && sellerId !== String(identity.accountId)) throw forbidden('Sellers see only their own settlements.');
    return identity.accountId;
  }
  if (identity.role !== Role.ADMIN) throw forbidden('Settlements are for sellers and admins.');
  if (sellerId == null) return null;
  return requireSeller(em, sellerId);
}

/** The seller's row id, or NOT_FOUND for an unknown or malformed id. */
export async function requireSeller(em: EntityManager, sellerId: string): Promise<number> {
  const id = parseNumericId(sellerId);
  const [row] = id === null ? [] : await sqlOf(em).rows<{ id: unknown }>('select id from seller where id = ?', [id]);
  if (!row) throw notFound('Seller');
  return Number(row.id);
}

/** Times the ledger works with: 1970 to 9999, the range both databases store. */
const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(10000, 0, 1) - 1;

/** Refuses a time outside what the database can hold (BAD_USER_INPUT naming `field`). */
export function checkInstant(field: string, value: Date): Date {
  const ms = value.getTime();
  if (!Number.isFinite(ms) || ms < EARLIEST || ms > LATEST) throw badInput(field, 'must be a time between 1970 and 9999');
  return value;
}
