import type { Orm } from './orm';

/**
 * The enum columns of a SQLite `create table` statement and their allowed values, read from
 * the check constraints MikroORM writes (`` `role` text check (`role` in ('A', 'B', 'C')) ``).
 */
export function sqliteEnumDefinitions(createTableSql: string): Record<string, string[]> {
  const definitions: Record<string, string[]> = {};
  const column = /[`"[]([^`"\]]+)[`"\]] text check \([`"[][^`"\]]+[`"\]] in \(((?:\s*'(?:[^']|'')*'\s*,?)+)\)\)/gi;
  for (const [, name, list] of createTableSql.matchAll(column)) {
    definitions[name] = [...list.matchAll(/'((?:[^']|'')*)'/g)].map(([, item]) => item.replace(/''/g, "'"));
  }
  return definitions;
}

type EnumReader = {
  getEnumDefinitions(
    connection: unknown,
    checks: unknown,
    tableName: string,
    schemaName?: string,
    ctx?: unknown,
  ): Promise<Record<string, string[]>>;
};
type Execute = { execute(sql: string, params: unknown[], method: 'get', ctx?: unknown): Promise<{ sql: string } | undefined> };

/**
 * MikroORM 6.6's SQLite schema reader keeps only the first value of an enum check with three or
 * more values, so every boot would see all such columns as changed and rebuild their tables.
 * This reads them correctly, so `updateSchema` finds nothing to do on a database that is current.
 */
export function readSqliteEnumsCorrectly(orm: Orm): void {
  const helper = orm.em.getPlatform().getSchemaHelper() as unknown as EnumReader;
  helper.getEnumDefinitions = async (connection, _checks, tableName, _schemaName, ctx) => {
    const sql = 'select sql from sqlite_master where type = ? and name = ?';
    const table = await (connection as Execute).execute(sql, ['table', tableName], 'get', ctx);
    return table ? sqliteEnumDefinitions(table.sql) : {};
  };
}
