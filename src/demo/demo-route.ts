import express, { Router } from 'express';
import fs from 'node:fs';
import path from 'node:path';
import { TOSS_API_URL } from '../config';
import { DEMO_ACCOUNTS, DEMO_PASSWORD } from '../services/demo/demo-seed';

/** What the storefront page needs to know about payments. */
export type DemoOptions = {
  /** The Toss client key the browser uses (a `..._gck_` key selects the payment widget). */
  tossClientKey: string | undefined;
  /** Where the Toss browser SDK v2 is loaded from (the real one, or the sandbox's stand-in). */
  tossSdkUrl: string;
};

/** The Toss browser SDK v2: the real one for Toss's own API, else the stand-in served by the sandbox at that URL. */
export function tossSdkUrlFor(apiUrl: string): string {
  return apiUrl === TOSS_API_URL ? 'https://js.tosspayments.com/v2/standard' : `${apiUrl}/v2/standard`;
}

/**
 * The page's static files. tsc does not copy them, so the compiled build (dist/src/demo) reads
 * them from the source tree. Null when they are missing (an image holding only dist/).
 */
export function demoPublicDir(dirname: string = __dirname): string | null {
  const candidates = [path.join(dirname, 'public'), path.resolve(dirname, '../../../src/demo/public')];
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'index.html'))) ?? null;
}

/** The browser's settings: `window.DEMO_CONFIG`, as a script (the seeded demo logins are public by design). */
export function demoConfigScript(options: DemoOptions): string {
  const config = {
    tossClientKey: options.tossClientKey ?? null,
    tossSdkUrl: options.tossSdkUrl,
    customer: { email: DEMO_ACCOUNTS.customer, password: DEMO_PASSWORD },
    admin: { email: DEMO_ACCOUNTS.admin, password: DEMO_PASSWORD },
    // The seller box's login offers these; any seller may log in there.
    sellers: DEMO_ACCOUNTS.sellers.map((email) => ({ email, password: DEMO_PASSWORD })),
  };
  // Escaping '<' keeps the JSON inert even if someone inlines it in a <script> tag.
  return `window.DEMO_CONFIG = ${JSON.stringify(config).replace(/</g, '\\u003c')};\n`;
}

/** The demo storefront under /demo: plain HTML + JS (no build step) and its config script. */
export function demoRouter(options: DemoOptions): Router {
  const router = Router();
  const publicDir = demoPublicDir();
  const configJs = demoConfigScript(options);

  router.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // Toss asks pages that open its payment window to allow popups (reference §9).
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin-allow-popups');
    next();
  });
  router.get('/config.js', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.type('application/javascript; charset=utf-8').send(configJs);
  });
  // `/demo` redirects to `/demo/` (serve-static's directory redirect); the page loads its assets by absolute path anyway.
  if (publicDir) router.use(express.static(publicDir, { index: 'index.html', dotfiles: 'deny' }));
  router.use((_req, res) => {
    res
      .status(404)
      .type('text/plain')
      .send(publicDir ? 'Not found' : 'The demo storefront is not part of this build (src/demo/public is missing).');
  });
  return router;
}
