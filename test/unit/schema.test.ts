import fs from 'node:fs';
import path from 'node:path';
import { buildAppSchema } from '../../src/schema/build-schema';
import { printAppSchema } from '../../src/schema/print-schema';

describe('emitted schema', () => {
  it('src/schema/schema.graphql is current (run `npm run schema:emit` if this fails)', async () => {
    const committed = fs.readFileSync(path.join(__dirname, '../../src/schema/schema.graphql'), 'utf8');
    expect(printAppSchema(await buildAppSchema())).toBe(committed);
  });
});
