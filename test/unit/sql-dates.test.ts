import { asDate } from '../../src/db/sql';

describe('asDate', () => {
  it('reads MySQL datetimes as UTC (the connection time zone), not in the process time zone', () => {
    // jest.config.js runs the tests in Asia/Seoul, nine hours from UTC.
    expect(new Date(2026, 10, 24).getTimezoneOffset()).toBe(-540);
    expect(asDate('2026-11-24 05:55:19.123').toISOString()).toBe('2026-11-24T05:55:19.123Z');
    expect(asDate('2026-11-24 05:55:19').toISOString()).toBe('2026-11-24T05:55:19.000Z');
  });

  it('takes Dates, epoch milliseconds (SQLite) and ISO strings as they are', () => {
    const at = new Date('2026-11-24T05:55:19.123Z');
    expect(asDate(at)).toBe(at);
    expect(asDate(at.getTime()).toISOString()).toBe(at.toISOString());
    expect(asDate('2026-11-24T05:55:19.123Z').toISOString()).toBe(at.toISOString());
  });
});
