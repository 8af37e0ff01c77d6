import { redactUrl } from '../../src/services/shared/redact-url';

describe('redactUrl', () => {
  it('hides the password and keeps the rest (REDIS_URL, DATABASE_URL)', () => {
    expect(redactUrl('redis://:s3cret@redis-1:6379/0')).toBe('redis://:***@redis-1:6379/0');
    expect(redactUrl('mysql://app:s3cret@db:3306/marketplace?ssl=true')).toBe('mysql://app:***@db:3306/marketplace?ssl=true');
    expect(redactUrl('mysql://app@db/marketplace')).toBe('mysql://app@db/marketplace');
  });

  it('with hideQuery, hides the query string too: a replica URL never shows a password in logs or /readyz', () => {
    const options = { hideQuery: true };
    expect(redactUrl('mysql://app:s3cret@replica-1:3306/marketplace', options)).toBe('mysql://app:***@replica-1:3306/marketplace');
    expect(redactUrl('mysql://app@replica-1/marketplace?password=s3cret&ssl=true', options)).toBe('mysql://app@replica-1/marketplace?***');
  });

  it('shows nothing of a URL it cannot parse', () => {
    expect(redactUrl('//app:s3cret@db/marketplace', { hideQuery: true })).toBe('(unparseable URL)');
    expect(redactUrl('not a url')).toBe('(unparseable URL)');
  });
});
