import 'reflect-metadata';
import { ConfigError, loadConfig } from '../config';
import { closeOrm, migrateUp, openOrm } from '../db/orm';

/** `npm run migrate`: applies pending migrations to DATABASE_URL (creating the database if needed). */
async function main() {
  const config = loadConfig();
  const orm = await openOrm(config);
  try {
    const applied = await migrateUp(orm);
    console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date.');
  } finally {
    await closeOrm(orm);
  }
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
