/**
 * The HTTP shell of the benchmarks' bare handlers (listing-bare-server.ts, search-like-server.ts):
 * node:http on PORT (loopback), `/healthz`, every other request answered with `answer`'s JSON (500
 * with the error's text if it throws), and SIGTERM closing the server, then `stop` (the pool).
 * `answer` gets the request body as text when `readsBody`; otherwise the body is discarded unread.
 */
import http from 'node:http';

export function serveJson(
  answer: (body: string) => Promise<unknown>,
  stop: () => Promise<unknown>,
  options: { readsBody?: boolean } = {},
): void {
  const server = http.createServer((req, res) => {
    if (req.url === '/healthz') return void res.end('ok');
    const chunks: Buffer[] = [];
    if (options.readsBody) req.on('data', (c: Buffer) => chunks.push(c));
    else req.resume();
    req.on('end', () => {
      Promise.resolve()
        .then(() => answer(options.readsBody ? Buffer.concat(chunks).toString('utf8') : ''))
        .then((body) => {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify(body));
        })
        .catch((err) => {
          res.statusCode = 500;
          res.end(String(err));
        });
    });
  });
  server.listen(Number(process.env.PORT), '127.0.0.1');
  process.on('SIGTERM', () => server.close(() => stop().then(() => process.exit(0))));
}
