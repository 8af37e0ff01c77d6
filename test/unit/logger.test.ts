import { Writable } from 'node:stream';
import { createLogger, scrubSecrets } from '../../src/logger';

function capture() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger('trace', sink), text: () => lines.join('') };
}

describe('logger', () => {
  const hash = '$argon2id$v=19$m=4096,t=1,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNo';
  const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';

  it('scrubs argon2 hashes and JWTs from text', () => {
    expect(scrubSecrets(`insert into customer values ('a@b.co', '${hash}') -- ${jwt}`)).toBe(
      "insert into customer values ('a@b.co', '[redacted-hash]') -- [redacted-token]",
    );
  });

  it('scrubs secrets from logged errors (a driver error carries the SQL with its values)', () => {
    const { logger, text } = capture();
    const err = Object.assign(new Error(`insert into customer values ('${hash}') failed`), { sql: `insert ... '${hash}'` });
    logger.error({ err }, 'boom');
    expect(text()).not.toContain('$argon2');
    expect(text()).toContain('[redacted-hash]');
  });

  it('redacts password, token and authorization fields by path', () => {
    const { logger, text } = capture();
    logger.info({ password: 'p1', input: { password: 'p2' }, token: 't', req: { headers: { authorization: 'Bearer t' } } }, 'x');
    expect(text()).not.toMatch(/p1|p2|Bearer/);
  });
});
