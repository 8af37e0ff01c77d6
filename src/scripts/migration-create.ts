import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config';
import { closeOrm, openOrm } from '../db/orm';

/** Diffs the entities against the last snapshot and writes a new migration, then lists it in migrations/index.ts. */
async function main() {
  const config = loadConfig();
  if (config.database.kind !== 'mysql') throw new Error('migrations are for MySQL: set DATABASE_URL (SQLite schemas are updated at boot)');
  const orm = await openOrm(config);
  try {
    const result = await orm.getMigrator().createMigration(path.join(__dirname, '../../migrations'));
    if (!result.fileName) {
      console.log('No changes: entities match the last migration snapshot.');
      return;
    }
    const className = result.fileName.replace(/\.ts$/, '');
    const indexFile = path.join(__dirname, '../../migrations/index.ts');
    const index = fs
      .readFileSync(indexFile, 'utf8')
      .replace(/^(import type .*\n)/m, `$1import { ${className} } from './${className}';\n`)
      .replace(/,?\s*\];\s*$/, `,\n  { name: '${className}', class: ${className} },\n];\n`);
    fs.writeFileSync(indexFile, index);
    console.log(`Created migrations/${result.fileName}`);
  } finally {
    await closeOrm(orm);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
