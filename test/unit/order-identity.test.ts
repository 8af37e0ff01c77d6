import { newOrderId, ORDER_ID_PATTERN, ORDER_NAME_MAX, orderNameFor } from '../../src/services/orders/order-identity';

describe('orderId', () => {
  it("follows Toss's rule and does not repeat", () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newOrderId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(ORDER_ID_PATTERN);
  });
});

describe('orderName', () => {
  it('is the product name alone for one line', () => {
    expect(orderNameFor(['김치 1kg'])).toBe('김치 1kg');
  });

  it('adds "외 N건" for the other lines', () => {
    expect(orderNameFor(['김치 1kg', '된장', '고추장'])).toBe('김치 1kg 외 2건');
  });

  it('shortens a long first name so the whole stays within 100 characters, keeping the suffix', () => {
    const name = orderNameFor(['가'.repeat(100), 'b']);
    expect([...name].length).toBe(ORDER_NAME_MAX);
    expect(name.endsWith('… 외 1건')).toBe(true);
  });

  it('never splits a character made of two UTF-16 units', () => {
    const name = orderNameFor(['🍎'.repeat(120)]);
    expect([...name].length).toBe(ORDER_NAME_MAX);
    expect(name).toBe('🍎'.repeat(99) + '…');
  });
});
