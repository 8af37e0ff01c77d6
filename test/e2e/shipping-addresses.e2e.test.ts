import {
  AddShippingAddressDocument,
  DeleteShippingAddressDocument,
  SetDefaultShippingAddressDocument,
  ShippingAddressesDocument,
  UpdateShippingAddressDocument,
  type ShippingAddressInput,
} from '../generated/graphql';
import { signUpAs, type TestAccount } from '../factories/accounts';
import { codeOf } from '../helpers/graphql-client';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { MAX_ADDRESSES_PER_CUSTOMER } from '../../src/services/shipping/address-rules';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

const customer = () => signUpAs(t.client, 'CUSTOMER');
let seq = 0;
const address = (overrides: Partial<ShippingAddressInput> = {}): ShippingAddressInput => ({
  recipientName: `홍길동 ${++seq}`,
  phone: '010-1234-5678',
  postcode: '06236',
  roadAddress: '서울특별시 강남구 테헤란로 152',
  detail: '101동 1001호',
  ...overrides,
});
const add = (who: TestAccount, input: ShippingAddressInput) =>
  t.client.request(AddShippingAddressDocument, { input }, { token: who.token });
const addOk = async (who: TestAccount, input = address()) =>
  (await t.client.ok(AddShippingAddressDocument, { input }, { token: who.token })).addShippingAddress;
const book = async (who: TestAccount) => (await t.client.ok(ShippingAddressesDocument, {}, { token: who.token })).shippingAddresses;
const defaults = async (who: TestAccount) => (await book(who)).filter((a) => a.isDefault).map((a) => a.id);

/** Every row of the table, to show that a refused call wrote nothing. */
const table = () => t.app.orm.em.fork().getConnection().execute('select * from shipping_address order by id');

describe('address book', () => {
  it('adds an address with its phone stored as digits, and the first one is the default', async () => {
    const c = await customer();
    expect(await book(c)).toEqual([]);
    const first = await addOk(
      c,
      address({ recipientName: ' 김철수 ', phone: '+82 10-9876-5432', memo: '문 앞에 놓아주세요', detail: null }),
    );
    expect(first).toEqual({
      id: expect.any(String),
      recipientName: '김철수',
      phone: '01098765432',
      postcode: '06236',
      roadAddress: '서울특별시 강남구 테헤란로 152',
      detail: '',
      memo: '문 앞에 놓아주세요',
      isDefault: true,
      createdAt: expect.any(String),
    });
    const second = await addOk(c, address({ phone: '02-123-4567', isDefault: false }));
    expect(second).toMatchObject({ phone: '021234567', isDefault: false, memo: null, detail: '101동 1001호' });
    expect((await book(c)).map((a) => a.id)).toEqual([first.id, second.id]);
  });

  it('lists the default first, then the newest; isDefault: true on add moves the default', async () => {
    const c = await customer();
    const a = await addOk(c);
    const b = await addOk(c);
    const d = await addOk(c, address({ isDefault: true }));
    expect((await book(c)).map((x) => x.id)).toEqual([d.id, b.id, a.id]);
    expect(await defaults(c)).toEqual([d.id]);
  });

  it('sets the default, and exactly one address is the default', async () => {
    const c = await customer();
    const a = await addOk(c);
    const b = await addOk(c);
    const res = await t.client.ok(SetDefaultShippingAddressDocument, { id: b.id }, { token: c.token });
    expect(res.setDefaultShippingAddress).toMatchObject({ id: b.id, isDefault: true });
    expect(await defaults(c)).toEqual([b.id]);
    await t.client.ok(SetDefaultShippingAddressDocument, { id: b.id }, { token: c.token });
    expect(await defaults(c)).toEqual([b.id]);
    await t.client.ok(SetDefaultShippingAddressDocument, { id: a.id }, { token: c.token });
    expect(await defaults(c)).toEqual([a.id]);
  });

  it('updates only the given fields; memo: null removes the memo', async () => {
    const c = await customer();
    const a = await addOk(c, address({ memo: '경비실에 맡겨주세요' }));
    const changed = await t.client.ok(
      UpdateShippingAddressDocument,
      { id: a.id, input: { phone: '031.123.4567', detail: '' } },
      { token: c.token },
    );
    expect(changed.updateShippingAddress).toEqual({ ...a, phone: '0311234567', detail: '' });
    const cleared = await t.client.ok(UpdateShippingAddressDocument, { id: a.id, input: { memo: null } }, { token: c.token });
    expect(cleared.updateShippingAddress).toEqual({ ...a, phone: '0311234567', detail: '', memo: null });
    expect(await book(c)).toEqual([cleared.updateShippingAddress]);
  });

  it('deletes an address; deleting the default makes the most recently added remaining one the default', async () => {
    const c = await customer();
    const a = await addOk(c);
    const b = await addOk(c);
    const d = await addOk(c);
    expect(await t.client.ok(DeleteShippingAddressDocument, { id: b.id }, { token: c.token })).toEqual({ deleteShippingAddress: true });
    expect(await defaults(c)).toEqual([a.id]);
    await t.client.ok(DeleteShippingAddressDocument, { id: a.id }, { token: c.token });
    expect(await book(c)).toEqual([{ ...d, isDefault: true }]);
    await t.client.ok(DeleteShippingAddressDocument, { id: d.id }, { token: c.token });
    expect(await book(c)).toEqual([]);
    expect((await addOk(c)).isDefault).toBe(true);
  });

  it('leaves exactly one default when one customer adds ten addresses at once', async () => {
    const c = await customer();
    const results = await Promise.all(Array.from({ length: 10 }, () => add(c, address())));
    expect(results.map((r) => r.errors)).toEqual(Array(10).fill(undefined));
    const all = await book(c);
    expect(all).toHaveLength(10);
    expect(all.filter((a) => a.isDefault)).toHaveLength(1);
    expect(all[0].isDefault).toBe(true);
  });

  it('keeps exactly one default when adds with isDefault, set-defaults and deletes of the default race', async () => {
    const c = await customer();
    const existing = await Promise.all([addOk(c), addOk(c), addOk(c)]);
    const calls = [
      ...Array.from({ length: 4 }, () => add(c, address({ isDefault: true }))),
      ...existing.slice(1).map((a) => t.client.request(SetDefaultShippingAddressDocument, { id: a.id }, { token: c.token })),
      t.client.request(DeleteShippingAddressDocument, { id: existing[0].id }, { token: c.token }),
    ];
    const results = await Promise.all(calls);
    expect(results.map((r) => r.errors)).toEqual(Array(calls.length).fill(undefined));
    expect(await defaults(c)).toHaveLength(1);
  });

  it(`refuses an address past the ${MAX_ADDRESSES_PER_CUSTOMER}th (BAD_USER_INPUT), also when adds race`, async () => {
    const c = await customer();
    const results = await Promise.all(Array.from({ length: MAX_ADDRESSES_PER_CUSTOMER + 3 }, () => add(c, address())));
    expect(results.filter((r) => !r.errors)).toHaveLength(MAX_ADDRESSES_PER_CUSTOMER);
    for (const refused of results.filter((r) => r.errors)) {
      expect(codeOf(refused)).toBe('BAD_USER_INPUT');
      expect(refused.errors![0].extensions!.field).toBe('input');
    }
    expect(await book(c)).toHaveLength(MAX_ADDRESSES_PER_CUSTOMER);
    const before = await table();
    expect(codeOf(await add(c, address()))).toBe('BAD_USER_INPUT');
    expect(await table()).toEqual(before);
  });
});

describe('refusals', () => {
  const badAdds: [string, Partial<ShippingAddressInput>][] = [
    ['recipientName', { recipientName: '' }],
    ['recipientName', { recipientName: '   ' }],
    ['recipientName', { recipientName: '가'.repeat(51) }],
    ['recipientName', { recipientName: '홍\n길동' }],
    ['phone', { phone: '' }],
    ['phone', { phone: '010-123-456' }],
    ['phone', { phone: '+1 202-555-0100' }],
    ['phone', { phone: '010-1234-5678 (집)' }],
    ['phone', { phone: '035-123-4567' }],
    ['postcode', { postcode: '1234' }],
    ['postcode', { postcode: '123-456' }],
    ['postcode', { postcode: '' }],
    ['roadAddress', { roadAddress: '' }],
    ['roadAddress', { roadAddress: 'a'.repeat(201) }],
    ['detail', { detail: 'a'.repeat(101) }],
    ['memo', { memo: 'a'.repeat(101) }],
    ['memo', { memo: '벨 누르지\r\n마세요' }],
  ];

  it.each(badAdds)('refuses a bad %s on add (BAD_USER_INPUT naming it) and writes nothing', async (field, overrides) => {
    const c = await customer();
    await addOk(c);
    const before = await table();
    const res = await add(c, address(overrides));
    expect(codeOf(res)).toBe('BAD_USER_INPUT');
    expect(res.errors![0].extensions!.field).toBe(field);
    expect(await table()).toEqual(before);
  });

  it.each([...badAdds, ...(['recipientName', 'phone', 'postcode', 'roadAddress'] as const).map((f) => [f, { [f]: null }] as const)])(
    'refuses a bad %s on update (BAD_USER_INPUT naming it) and changes nothing',
    async (field, input) => {
      const c = await customer();
      const a = await addOk(c);
      const before = await table();
      const res = await t.client.request(UpdateShippingAddressDocument, { id: a.id, input: { ...input } as never }, { token: c.token });
      expect(codeOf(res)).toBe('BAD_USER_INPUT');
      expect(res.errors![0].extensions!.field).toBe(field);
      expect(await table()).toEqual(before);
    },
  );

  it("answers NOT_FOUND for another customer's address, and unknown or malformed ids, changing nothing", async () => {
    const [owner, other] = await Promise.all([customer(), customer()]);
    const a = await addOk(owner);
    await addOk(owner);
    const before = await table();
    for (const id of [a.id, '0', '-1', '99999999', 'abc', '1.5', '']) {
      const calls = [
        t.client.request(UpdateShippingAddressDocument, { id, input: { recipientName: '도둑' } }, { token: other.token }),
        t.client.request(DeleteShippingAddressDocument, { id }, { token: other.token }),
        t.client.request(SetDefaultShippingAddressDocument, { id }, { token: other.token }),
      ];
      for (const res of await Promise.all(calls)) expect({ id, code: codeOf(res) }).toEqual({ id, code: 'NOT_FOUND' });
    }
    expect(await table()).toEqual(before);
    expect(await book(other)).toEqual([]);
  });

  it('is for customers only: anonymous UNAUTHENTICATED, sellers and admins FORBIDDEN', async () => {
    const seller = await signUpAs(t.client, 'SELLER');
    expect(codeOf(await t.client.request(ShippingAddressesDocument, {}))).toBe('UNAUTHENTICATED');
    expect(codeOf(await t.client.request(ShippingAddressesDocument, {}, { token: seller.token }))).toBe('FORBIDDEN');
    expect(codeOf(await add(seller, address()))).toBe('FORBIDDEN');
  });
});
