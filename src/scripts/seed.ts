import 'reflect-metadata';
import { SingleBar, Presets } from 'cli-progress';
import fs from 'node:fs';
import { createApp } from '../app';
import { loadConfig } from '../config';
import { seedDemo } from '../services/demo/demo-seed';

/** `npm run seed`: demo categories, sellers, 200 products with images, a customer and an admin. Safe to run again. */
async function main() {
  if (fs.existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig();
  const app = await createApp({ ...config, logLevel: 'warn' });
  const bar = new SingleBar({ format: 'seeding products [{bar}] {value}/{total}', hideCursor: true }, Presets.shades_classic);
  let started = false;
  try {
    const report = await seedDemo(app, {
      onProgress: (done, total) => {
        if (!started) {
          bar.start(total, 0);
          started = true;
        }
        bar.update(done);
      },
    });
    if (started) bar.stop();
    console.log(
      `created: ${report.created.accounts} accounts, ${report.created.categories} categories, ${report.created.products} products`,
    );
    console.log('demo logins (role, email, password):');
    for (const c of report.credentials) console.log(`  ${c.role.padEnd(8)} ${c.email}  ${c.password}`);
  } finally {
    await app.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
