import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { buildAppSchema } from '../schema/build-schema';
import { printAppSchema } from '../schema/print-schema';

/** Writes the SDL to src/schema/schema.graphql (committed; a test fails when it is stale). */
async function main() {
  const sdl = printAppSchema(await buildAppSchema());
  const file = path.join(__dirname, '../schema/schema.graphql');
  fs.writeFileSync(file, sdl);
  console.log(`Wrote ${path.relative(process.cwd(), file)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
