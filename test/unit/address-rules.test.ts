import { checkPostcode, checkText, normalisePhone } from '../../src/services/shipping/address-rules';

const phone = (raw: string) => {
  const r = normalisePhone(raw);
  return r.ok ? r.value : null;
};

describe('normalisePhone', () => {
  it.each([
    ['010-1234-5678', '01012345678'],
    ['01012345678', '01012345678'],
    ['+82 10-1234-5678', '01012345678'],
    ['+82 010 1234 5678', '01012345678'],
    ['+821012345678', '01012345678'],
    ['010.1234.5678', '01012345678'],
    [' 010 1234 5678 ', '01012345678'],
    ['011-234-5678', '0112345678'],
    ['019-9876-5432', '01998765432'],
    ['02-123-4567', '021234567'],
    ['(02) 1234-5678', '0212345678'],
    ['031-123-4567', '0311234567'],
    ['064-7123-4567', '06471234567'],
    ['070-4123-4567', '07041234567'],
    ['1588-1234', '15881234'],
    ['1644.5678', '16445678'],
  ])('accepts %s as %s', (raw, stored) => {
    expect(phone(raw)).toBe(stored);
  });

  it.each([
    '',
    '   ',
    '010-123-456', // too short for a mobile number
    '010-1234-56789', // too long
    '012-3456-7890', // no such mobile prefix
    '010-0123-4567', // a subscriber number never starts with 0
    '02-123-456', // Seoul with 8 digits
    '02-1234-56789',
    '035-123-4567', // no such area code
    '070-123-4567', // 070 has 11 digits
    '1234-5678', // not a representative number
    '+1 010-1234-5678', // another country
    '+82',
    '010-1234-5678 ext 1',
    '010_1234_5678',
    '０１０-１２３４-５６７８', // full-width digits
    '010-1234\n5678',
    '010\t1234 5678',
    '1'.repeat(40),
  ])('refuses %j', (raw) => {
    expect(normalisePhone(raw)).toEqual({ ok: false, message: expect.stringMatching(/^phone must be a Korean phone number/) });
  });
});

describe('checkPostcode', () => {
  it('accepts exactly five digits, trimmed', () => {
    expect(checkPostcode('06236')).toEqual({ ok: true, value: '06236' });
    expect(checkPostcode(' 63309 ')).toEqual({ ok: true, value: '63309' });
  });
  it.each(['', '1234', '123456', '123-456', '0623a', '０６２３６'])('refuses %j', (raw) => {
    expect(checkPostcode(raw).ok).toBe(false);
  });
});

describe('checkText', () => {
  it('trims and counts characters (code points), not bytes', () => {
    expect(checkText('recipientName', '  홍길동 ')).toEqual({ ok: true, value: '홍길동' });
    expect(checkText('recipientName', '가'.repeat(50)).ok).toBe(true);
    expect(checkText('recipientName', '😀'.repeat(50)).ok).toBe(true);
    expect(checkText('recipientName', '가'.repeat(51))).toEqual({ ok: false, message: 'recipientName must be 1 to 50 characters long' });
  });
  it('refuses blank required fields and allows an empty detail and memo', () => {
    expect(checkText('recipientName', '   ').ok).toBe(false);
    expect(checkText('roadAddress', '').ok).toBe(false);
    expect(checkText('detail', '')).toEqual({ ok: true, value: '' });
    expect(checkText('memo', ' ')).toEqual({ ok: true, value: '' });
  });
  it('enforces each limit', () => {
    expect(checkText('roadAddress', 'a'.repeat(200)).ok).toBe(true);
    expect(checkText('roadAddress', 'a'.repeat(201)).ok).toBe(false);
    expect(checkText('detail', 'a'.repeat(101))).toEqual({ ok: false, message: 'detail must be at most 100 characters' });
    expect(checkText('memo', 'a'.repeat(101)).ok).toBe(false);
  });
  it('refuses control characters such as line breaks', () => {
    expect(checkText('memo', '문 앞에\n놓아주세요').ok).toBe(false);
    expect(checkText('detail', '101동\t202호').ok).toBe(false);
  });
});
