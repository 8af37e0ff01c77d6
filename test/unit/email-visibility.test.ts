import { Role } from '../../src/entities/role';
import { maskEmail, visibleEmail } from '../../src/services/account/email-visibility';

describe('email visibility', () => {
  const seller = { role: Role.SELLER, id: 7 };
  const email = 'seller1@demo.marketplace.kr';

  it('shows the address in full to the account itself and to admins', () => {
    expect(visibleEmail(seller, email, { role: Role.SELLER, accountId: 7 })).toBe(email);
    expect(visibleEmail(seller, email, { role: Role.ADMIN, accountId: 1 })).toBe(email);
  });

  it('masks it for anonymous callers, other sellers, and an account of another role with the same id', () => {
    for (const viewer of [null, { role: Role.SELLER, accountId: 8 }, { role: Role.CUSTOMER, accountId: 7 }]) {
      expect(visibleEmail(seller, email, viewer)).toBe('s***@d***.kr');
    }
  });

  it('masks to the first characters and the top-level domain, hiding lengths', () => {
    expect(maskEmail('ab@example.com')).toBe('a***@e***.com');
    expect(maskEmail('a.very.long.name@example.com')).toBe('a***@e***.com');
    expect(maskEmail('x@localhost')).toBe('x***@l***');
    expect(maskEmail('김민수@예시.한국')).toBe('김***@예***.한국');
    expect(maskEmail('not-an-address')).toBe('n***@***');
    // Nothing of the address but those characters is left.
    expect(maskEmail('seller1@demo.marketplace.kr')).not.toMatch(/seller|demo|marketplace/);
  });
});
