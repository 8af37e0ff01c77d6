import type mysql from 'mysql2/promise';

type ProductRow = { id: number; stock: number; status: string; deleted_at: Date | null };

/**
 * Issue #17's stock status, from MySQL, for products no seller set SOLD_OUT or HIDDEN by hand
 * (the interleaving test's): a product on sale has stock, and one that is not hidden nor deleted
 * is SOLD_OUT exactly when its stock is 0 (with three statuses, the two checks below say just
 * that). Returns what is broken, one line each.
 */
export async function checkStockStatusInvariants(db: mysql.Connection, productIds: number[]): Promise<string[]> {
  if (productIds.length === 0) return [];
  const [rows] = await db.query('select id, stock, status, deleted_at from product where id in (?)', [productIds]);
  const problems: string[] = [];
  for (const p of rows as ProductRow[]) {
    const stock = Number(p.stock);
    const say = (what: string) => problems.push(`product ${p.id} (${p.status}, stock ${stock}): ${what}`);
    if (stock < 0) say('negative stock');
    if (p.status === 'ON_SALE' && stock === 0) say('on sale with no stock');
    else if (p.status === 'SOLD_OUT' && stock > 0 && p.deleted_at === null) say('SOLD_OUT with stock left, and no seller set it');
  }
  if ((rows as ProductRow[]).length !== productIds.length)
    problems.push(`only ${(rows as ProductRow[]).length} of ${productIds.length} products found`);
  return problems;
}
