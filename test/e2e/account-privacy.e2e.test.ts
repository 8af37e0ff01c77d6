import { signUpAs, TEST_INVITE_CODE, type TestAccount } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import { startTestApp, type TestApp } from '../helpers/test-app';

let t: TestApp;
let seller: TestAccount;
let productId: string;

beforeAll(async () => {
  t = await startTestApp({ ADMIN_INVITE_CODE: TEST_INVITE_CODE });
  seller = await signUpAs(t.client, 'SELLER');
  productId = (await createProduct(t.client, seller.token)).id;
});
afterAll(() => t?.close());

/** The seller's email as `token`'s holder sees it, through the listing and through `product`. */
async function sellerEmailSeenBy(token?: string): Promise<string[]> {
  const result = await t.client.raw<{
    products: { edges: Array<{ node: { id: string; seller: { email: string } } }> };
    product: { seller: { email: string } };
  }>(
    'query($id: ID!) { products(first: 20) { edges { node { id seller { email } } } } product(id: $id) { seller { email } } }',
    { id: productId },
    { token },
  );
  expect(result.errors).toBeUndefined();
  const listed = result.data!.products.edges.find((e) => e.node.id === productId)!;
  return [listed.node.seller.email, result.data!.product.seller.email];
}

describe("an account's email", () => {
  it('is masked for anonymous callers, customers and other sellers', async () => {
    const customer = await signUpAs(t.client, 'CUSTOMER');
    const otherSeller = await signUpAs(t.client, 'SELLER');
    const masked = `${seller.email[0]}***@e***.com`;
    for (const token of [undefined, customer.token, otherSeller.token]) {
      expect(await sellerEmailSeenBy(token)).toEqual([masked, masked]);
    }
  });

  it('is in full for the account itself (me, login, its products) and for admins', async () => {
    const admin = await signUpAs(t.client, 'ADMIN');
    expect(await sellerEmailSeenBy(seller.token)).toEqual([seller.email, seller.email]);
    expect(await sellerEmailSeenBy(admin.token)).toEqual([seller.email, seller.email]);
    const me = await t.client.raw<{ me: { email: string } }>('{ me { email } }', {}, { token: seller.token });
    expect(me.data!.me.email).toBe(seller.email);
    const login = await t.client.raw<{ login: { account: { email: string } } }>(
      'mutation($i: LoginInput!) { login(input: $i) { account { email } } }',
      { i: { role: 'SELLER', email: seller.email, password: 'password1234' } },
    );
    expect(login.data!.login.account.email).toBe(seller.email);
  });

  it('is reachable only through me, AuthPayload.account and the sellers of products and parcels: no order shows its customer', async () => {
    type TypeRef = { name: string | null; ofType: TypeRef | null };
    const result = await t.client.raw<{
      __schema: { types: Array<{ name: string; fields: Array<{ name: string; type: TypeRef }> | null }> };
    }>('{ __schema { types { name fields { name type { name ofType { name ofType { name ofType { name ofType { name } } } } } } } } }');
    const named = (ref: TypeRef): string => ref.name ?? named(ref.ofType!);
    const accountKinds = new Set(['Account', 'Customer', 'Seller', 'Admin']);
    const exposing = result
      .data!.__schema.types.filter((type) => !type.name.startsWith('__'))
      .flatMap((type) => (type.fields ?? []).filter((f) => accountKinds.has(named(f.type))).map((f) => `${type.name}.${f.name}`));
    // Shipment.seller is the parcel's seller, masked like Product.seller (toAccountType with the caller as viewer).
    expect(exposing.sort()).toEqual(['AuthPayload.account', 'Product.seller', 'Query.me', 'Shipment.seller']);
  });
});
