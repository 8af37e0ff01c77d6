import express, { type RequestHandler, type Router } from 'express';
import path from 'node:path';

/** What each stored image type is served as; anything else under /media is not ours and is 404. */
const CONTENT_TYPES: Record<string, string> = { '.jpg': 'image/jpeg', '.png': 'image/png', '.gif': 'image/gif', '.webp': 'image/webp' };

/**
 * Product images stored on local disk, under `/media`. Every answer, 404s included, carries:
 * - `X-Content-Type-Options: nosniff`, so a browser never reads an image as HTML or script;
 * - `Content-Security-Policy: default-src 'none'; sandbox`, so even a document opened from here runs
 *   nothing and loads nothing;
 * - `Content-Disposition: inline; filename="<key's last segment>"` (keys are `[A-Za-z0-9._-]`):
 *   inline because storefronts show these in `<img>` and "open image in new tab" should show it too;
 *   the two headers above are what keep an inline answer harmless.
 * Keys are random, so nothing is guessable; stored files never change, so they are cached for a day.
 */
export function mediaRouter(directory: string): Router {
  const router = express.Router();
  router.use(securityHeaders);
  router.use((req, res, next) => {
    const type = CONTENT_TYPES[path.extname(req.path).toLowerCase()];
    if (!type) {
      notFound(res);
      return;
    }
    res.setHeader('Content-Disposition', `inline; filename="${safeName(req.path)}"`);
    next();
  });
  router.use(
    express.static(directory, {
      index: false,
      dotfiles: 'deny',
      fallthrough: true,
      redirect: false,
      maxAge: '1d',
      immutable: true,
      // The type follows the stored key's extension, which the upload checked against the content.
      setHeaders: (res, file) =>
        res.setHeader('Content-Type', CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream'),
    }),
  );
  router.use((_req, res) => notFound(res));
  return router;
}

const securityHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
  next();
};

function notFound(res: express.Response): void {
  res.status(404).setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Disposition', 'inline');
  res.type('text/plain').send('Not found');
}

/** The last path segment, reduced to characters that need no quoting in a header. */
function safeName(requestPath: string): string {
  return path.posix.basename(requestPath).replace(/[^A-Za-z0-9._-]/g, '_') || 'image';
}
