import fs from 'node:fs';
import path from 'node:path';
import { CLIENT_CODES, ErrorCode, isExpectedCode } from '../../src/schema/errors';

/** The backticked UPPER_CASE words of README.md's Errors section. */
function readmeErrorSection(): string {
  const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
  const start = readme.indexOf('\n## Errors');
  return readme.slice(start, readme.indexOf('\n## ', start + 1));
}

describe('error codes', () => {
  it("README.md's Errors section lists every code a client can receive", () => {
    const listed = new Set([...readmeErrorSection().matchAll(/`([A-Z][A-Z_]+)`/g)].map((m) => m[1]));
    expect([...CLIENT_CODES].filter((code) => !listed.has(code))).toEqual([]);
  });

  it('passes every listed code to clients as it is, except INTERNAL_SERVER_ERROR (the mask itself)', () => {
    for (const code of CLIENT_CODES) expect([code, isExpectedCode(code)]).toEqual([code, code !== ErrorCode.INTERNAL_SERVER_ERROR]);
    expect(isExpectedCode('ER_PARSE_ERROR')).toBe(false);
  });
});
