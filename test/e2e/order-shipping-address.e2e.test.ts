import {
  AddShippingAddressDocument,
  CancelOrderDocument,
  ConfirmPaymentDocument,
  DeleteShippingAddressDocument,
  OrdersDocument,
  ProductDocument,
  SetDefaultShippingAddressDocument,
  SetOrderShippingAddressDocument,
  ShippingAddressesDocument,
  UpdateShippingAddressDocument,
  type OrderAddressInput,
  type SetOrderShippingAddressMutationVariables,
} from '../generated/graphql';
import { signUpAs, type TestAccount } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import { codeOf } from '../helpers/graphql-client';
import {
  ADDRESS,
  ADDRESS_STORED,
  createOrderWith,
  orderAs,
  paidOrderWithTwoSellers,
  payOrder,
  ship,
  startShippingWorld,
  type ShippingWorld,
} from '../helpers/shipping';
import { authorizeOrder } from '../helpers/toss';

let w: ShippingWorld;
beforeAll(async () => {
  w = await startShippingWorld();
});
afterAll(() => w?.close());

const customer = () => signUpAs(w.t.client, 'CUSTOMER');
const addToBook = async (who: TestAccount, overrides: Partial<OrderAddressInput> & { isDefault?: boolean } = {}) =>
  (await w.t.client.ok(AddShippingAddressDocument, { input: { ...ADDRESS, ...overrides } }, { token: who.token })).addShippingAddress;
const book = async (who: TestAccount) => (await w.t.client.ok(ShippingAddressesDocument, {}, { token: who.token })).shippingAddresses;
const orderCount = async (who: TestAccount) => (await w.t.client.ok(OrdersDocument, {}, { token: who.token })).orders.totalCount;
const stockOf = async (productId: string) => (await w.t.client.ok(ProductDocument, { id: productId })).product!.stock;

/** Orders one unit of a fresh product of seller A as `who`, with `input`; the raw result and the product. */
async function order(who: TestAccount, input: Parameters<typeof createOrderWith>[3] = {}) {
  const product = await createProduct(w.t.client, w.sellerA.token, { stock: 5 });
  const res = await createOrderWith(w.t.client, who.token, [{ productId: product.id, quantity: 1 }], input);
  return { res, product };
}
const orderOk = async (who: TestAccount, input: Parameters<typeof createOrderWith>[3] = {}) => {
  const { res } = await order(who, input);
  expect(res.errors).toBeUndefined();
  return res.data!.createOrder;
};
const setAddress = (who: TestAccount, vars: SetOrderShippingAddressMutationVariables) =>
  w.t.client.request(SetOrderShippingAddressDocument, vars, { token: who.token });

/** What a refused call must leave as it was: the order as its customer and an admin see it, and the book. */
async function snapshot(who: TestAccount, orderId: string) {
  return {
    mine: await orderAs(w.t.client, who.token, orderId),
    admin: await orderAs(w.t.client, w.admin.token, orderId),
    book: await book(who),
  };
}

describe('createOrder with an address', () => {
  it('with shippingAddressId keeps a copy of that book entry, whichever is the default', async () => {
    const c = await customer();
    await addToBook(c, { recipientName: '기본 주소' });
    const other = await addToBook(c, { recipientName: '김철수', phone: '02-123-4567', detail: null, memo: null });
    const created = await orderOk(c, { shippingAddressId: other.id });
    expect(created.shippingAddress).toEqual({ ...ADDRESS, recipientName: '김철수', phone: '021234567', detail: '', memo: null });
    expect((await orderAs(w.t.client, c.token, created.orderId)).shippingAddress).toEqual(created.shippingAddress);
  });

  it('with an inline shippingAddress keeps it as the book would (digits-only phone, trimmed name) and adds nothing to the book', async () => {
    const c = await customer();
    const created = await orderOk(c, { shippingAddress: { ...ADDRESS, recipientName: ' 홍길동 ', detail: undefined } });
    expect(created.shippingAddress).toEqual({ ...ADDRESS_STORED, detail: '' });
    expect(await book(c)).toEqual([]);
  });

  it("with neither takes the customer's default address, and none when the book is empty", async () => {
    const c = await customer();
    expect((await orderOk(c)).shippingAddress).toBeNull();
    await addToBook(c, { recipientName: '첫 주소' });
    const second = await addToBook(c, { recipientName: '두 번째 주소' });
    expect((await orderOk(c)).shippingAddress!.recipientName).toBe('첫 주소');
    await w.t.client.ok(SetDefaultShippingAddressDocument, { id: second.id }, { token: c.token });
    expect((await orderOk(c)).shippingAddress!.recipientName).toBe('두 번째 주소');
  });

  it('refuses both at once (BAD_USER_INPUT naming shippingAddress) and writes nothing', async () => {
    const c = await customer();
    const entry = await addToBook(c);
    const before = { orders: await orderCount(c), book: await book(c) };
    const { res, product } = await order(c, { shippingAddressId: entry.id, shippingAddress: ADDRESS });
    expect(codeOf(res)).toBe('BAD_USER_INPUT');
    expect(res.errors![0].extensions!.field).toBe('shippingAddress');
    expect({ orders: await orderCount(c), book: await book(c) }).toEqual(before);
    expect(await stockOf(product.id)).toBe(5);
  });

  it("answers NOT_FOUND for another customer's address id, and unknown or malformed ids, writing nothing", async () => {
    const [owner, c] = await Promise.all([customer(), customer()]);
    const theirs = await addToBook(owner);
    for (const id of [theirs.id, '99999999', 'abc', '0']) {
      const { res, product } = await order(c, { shippingAddressId: id });
      expect({ id, code: codeOf(res) }).toEqual({ id, code: 'NOT_FOUND' });
      expect(await stockOf(product.id)).toBe(5);
    }
    expect(await orderCount(c)).toBe(0);
  });

  it.each([
    ['recipientName', { recipientName: '   ' }],
    ['recipientName', { recipientName: '가'.repeat(51) }],
    ['phone', { phone: '010-123-456' }],
    ['phone', { phone: '+1 202-555-0100' }],
    ['postcode', { postcode: '123-456' }],
    ['roadAddress', { roadAddress: '' }],
    ['detail', { detail: 'a'.repeat(101) }],
    ['memo', { memo: '벨 누르지\r\n마세요' }],
  ] as const)('refuses an inline address with a bad %s (BAD_USER_INPUT naming it), writing nothing', async (field, bad) => {
    const c = await customer();
    const { res, product } = await order(c, { shippingAddress: { ...ADDRESS, ...bad } });
    expect(codeOf(res)).toBe('BAD_USER_INPUT');
    expect(res.errors![0].extensions!.field).toBe(field);
    expect(await orderCount(c)).toBe(0);
    expect(await stockOf(product.id)).toBe(5);
  });

  it("keeps the order's copy when the book entry is edited or deleted afterwards", async () => {
    const c = await customer();
    const entry = await addToBook(c);
    const byId = await orderOk(c, { shippingAddressId: entry.id });
    const byDefault = await orderOk(c);
    await w.t.client.ok(
      UpdateShippingAddressDocument,
      { id: entry.id, input: { recipientName: '이사 감', phone: '031-123-4567' } },
      { token: c.token },
    );
    for (const o of [byId, byDefault]) expect((await orderAs(w.t.client, c.token, o.orderId)).shippingAddress).toEqual(ADDRESS_STORED);
    await w.t.client.ok(DeleteShippingAddressDocument, { id: entry.id }, { token: c.token });
    for (const o of [byId, byDefault]) {
      for (const token of [c.token, w.admin.token])
        expect((await orderAs(w.t.client, token, o.orderId)).shippingAddress).toEqual(ADDRESS_STORED);
    }
  });
});

describe('setOrderShippingAddress', () => {
  it('sets the address of an order without one, then replaces it while nothing is shipped (unpaid and paid)', async () => {
    const c = await customer();
    const created = await orderOk(c);
    expect(created.shippingAddress).toBeNull();
    const entry = await addToBook(c, { recipientName: '책의 주소' });
    const set = await setAddress(c, { orderId: created.orderId, shippingAddressId: entry.id });
    expect(set.data!.setOrderShippingAddress.shippingAddress).toEqual({ ...ADDRESS_STORED, recipientName: '책의 주소' });
    const replaced = await setAddress(c, { orderId: created.orderId, shippingAddress: { ...ADDRESS, recipientName: '새 주소' } });
    expect(replaced.data!.setOrderShippingAddress.shippingAddress).toEqual({ ...ADDRESS_STORED, recipientName: '새 주소' });
    await payOrder(w.t.client, w.toss, c.token, created.orderId);
    const paid = await setAddress(c, { orderId: created.orderId, shippingAddress: { ...ADDRESS, recipientName: '결제 후 주소' } });
    expect(paid.data!.setOrderShippingAddress).toMatchObject({
      status: 'ORDER_COMPLETED',
      shippingAddress: { recipientName: '결제 후 주소' },
    });
    expect(await book(c)).toHaveLength(1);
  });

  it('refuses once a line has shipped (BAD_USER_INPUT naming orderId), keeping the address', async () => {
    const { orderId, aItemIds } = await paidOrderWithTwoSellers(w);
    expect((await ship(w.t.client, w.sellerA.token, orderId, [aItemIds[0]])).errors).toBeUndefined();
    const before = await snapshot(w.customer, orderId);
    const res = await setAddress(w.customer, { orderId, shippingAddress: { ...ADDRESS, recipientName: '늦은 변경' } });
    expect(codeOf(res)).toBe('BAD_USER_INPUT');
    expect(res.errors![0].extensions!.field).toBe('orderId');
    expect(await snapshot(w.customer, orderId)).toEqual(before);
  });

  it('refuses cancelled and failed orders (BAD_USER_INPUT naming orderId)', async () => {
    const c = await customer();
    const cancelled = await orderOk(c);
    await w.t.client.ok(CancelOrderDocument, { orderId: cancelled.orderId }, { token: c.token });
    const failed = await orderOk(c);
    const auth = authorizeOrder(w.toss, failed, 'REJECT_CARD_COMPANY');
    expect(codeOf(await w.t.client.request(ConfirmPaymentDocument, { input: auth }, { token: c.token }))).toBe('PAYMENT_FAILED');
    for (const { orderId } of [cancelled, failed]) {
      const before = await snapshot(c, orderId);
      const res = await setAddress(c, { orderId, shippingAddress: ADDRESS });
      expect(codeOf(res)).toBe('BAD_USER_INPUT');
      expect(res.errors![0].extensions!.field).toBe('orderId');
      expect(await snapshot(c, orderId)).toEqual(before);
    }
  });

  it("answers NOT_FOUND for another customer's order or address and refuses neither/both or a bad field, changing nothing", async () => {
    const [c, other] = await Promise.all([customer(), customer()]);
    const mine = await addToBook(c);
    const theirs = await addToBook(other);
    const created = await orderOk(c, { shippingAddress: ADDRESS });
    const before = await snapshot(c, created.orderId);
    const refusals: Array<[TestAccount, SetOrderShippingAddressMutationVariables, string, string?]> = [
      [other, { orderId: created.orderId, shippingAddressId: theirs.id }, 'NOT_FOUND'],
      [other, { orderId: created.orderId, shippingAddress: ADDRESS }, 'NOT_FOUND'],
      [c, { orderId: 'no-such-order', shippingAddress: ADDRESS }, 'NOT_FOUND'],
      [c, { orderId: created.orderId, shippingAddressId: theirs.id }, 'NOT_FOUND'],
      [c, { orderId: created.orderId }, 'BAD_USER_INPUT', 'shippingAddress'],
      [c, { orderId: created.orderId, shippingAddressId: mine.id, shippingAddress: ADDRESS }, 'BAD_USER_INPUT', 'shippingAddress'],
      [c, { orderId: created.orderId, shippingAddress: { ...ADDRESS, phone: '12345' } }, 'BAD_USER_INPUT', 'phone'],
      [c, { orderId: created.orderId, shippingAddress: { ...ADDRESS, postcode: 'abcde' } }, 'BAD_USER_INPUT', 'postcode'],
    ];
    for (const [who, vars, code, field] of refusals) {
      const res = await setAddress(who, vars);
      expect({ vars, code: codeOf(res), field: res.errors?.[0].extensions?.field }).toEqual({ vars, code, field });
    }
    expect(await snapshot(c, created.orderId)).toEqual(before);
    expect(await book(other)).toEqual([theirs]);
  });
});

describe('who sees the address', () => {
  it('the customer and admins always; a seller of a line once the order is paid; another seller not at all (NOT_FOUND)', async () => {
    const { orderId } = await paidOrderWithTwoSellers(w, { paid: false });
    const seen = async (token: string) => (await orderAs(w.t.client, token, orderId)).shippingAddress;
    expect(await seen(w.customer.token)).toEqual(ADDRESS_STORED);
    expect(await seen(w.admin.token)).toEqual(ADDRESS_STORED);
    expect(await seen(w.sellerA.token)).toBeNull();
    expect(await seen(w.sellerB.token)).toBeNull();
    await payOrder(w.t.client, w.toss, w.customer.token, orderId);
    for (const token of [w.customer.token, w.admin.token, w.sellerA.token, w.sellerB.token])
      expect(await seen(token)).toEqual(ADDRESS_STORED);
    // A seller with no line in it, or another customer, cannot read it at all.
    for (const token of [w.sellerC.token, w.otherCustomer.token]) {
      const read = await w.t.client.raw(
        'query($o: String!) { order(orderId: $o) { shippingAddress { phone } } }',
        { o: orderId },
        { token },
      );
      expect(codeOf(read)).toBe('NOT_FOUND');
      expect(read.data?.order ?? null).toBeNull();
    }
  });
});
