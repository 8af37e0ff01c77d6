// The storefront's side of the public contract: GraphQL over HTTP, graphql-ws by hand, sessions, the Toss SDK.
export const CONFIG = window.DEMO_CONFIG || {};

const CART_FIELDS = 'totalAmount lines { quantity unitPrice lineTotal available product { id name images { url position } } }';
const ORDER_FIELDS = 'orderId orderName status totalAmount expiresAt paidAt failureCode failureMessage';
const ADDRESS_FIELDS = 'recipientName phone postcode roadAddress detail memo';
const SHIPMENT_FIELDS = 'id carrier trackingNumber trackingUrl status shippedAt deliveredAt seller { id name } items { id }';
const DETAIL_FIELDS = `refundPending shippingAddress { ${ADDRESS_FIELDS} }
  items { id productId productName unitPrice quantity cancelledQuantity status shipmentId purchaseConfirmedAt }
  shipments { ${SHIPMENT_FIELDS} }`;
// The customer's view of the order adds its payment: what is still charged and every refund (null for sellers).
const CUSTOMER_DETAIL = `${ORDER_FIELDS} ${DETAIL_FIELDS}
  payment { method amount status balanceAmount cancels { amount reason canceledAt } }`;
const MY_PRODUCT_FIELDS = 'id name price stock heldStock status category { name } images { url position }';
const EVENT_FIELDS = 'id kind orderId orderStatus paymentStatus at shipmentId carrier trackingNumber trackingUrl';
export const Q = {
  login: 'mutation Login($input: LoginInput!) { login(input: $input) { token account { id name email } } }',
  logout: 'mutation Logout { logout }',
  categories: 'query Categories { categories { id name parent { name } } }',
  products: `query Products($first: Int, $after: String, $sort: ProductSort, $categoryId: ID, $search: String, $minPrice: Int, $maxPrice: Int) {
    products(first: $first, after: $after, sort: $sort, categoryId: $categoryId, search: $search, minPrice: $minPrice, maxPrice: $maxPrice) {
      totalCount pageInfo { hasNextPage endCursor }
      edges { node { id name price stock status seller { name } category { name } images { url position } } } } }`,
  cart: `query Cart { cart { ${CART_FIELDS} } }`,
  addToCart: `mutation AddToCart($productId: ID!, $quantity: Int!) { addToCart(productId: $productId, quantity: $quantity) { ${CART_FIELDS} } }`,
  removeFromCart: `mutation RemoveFromCart($productId: ID!) { removeFromCart(productId: $productId) { ${CART_FIELDS} } }`,
  clearCart: `mutation ClearCart { clearCart { ${CART_FIELDS} } }`,
  createOrder: `mutation CreateOrder($input: CreateOrderInput) { createOrder(input: $input) { ${ORDER_FIELDS} shippingAddress { ${ADDRESS_FIELDS} } } }`,
  confirmPayment: `mutation ConfirmPayment($input: ConfirmPaymentInput!) {
    confirmPayment(input: $input) { ${ORDER_FIELDS} payment { method amount status approvedAt receiptUrl } } }`,
  order: `query Order($orderId: String!) { order(orderId: $orderId) { ${ORDER_FIELDS} } }`,
  cancelOrder: `mutation CancelOrder($orderId: String!, $reason: String) { cancelOrder(orderId: $orderId, reason: $reason) { ${ORDER_FIELDS} } }`,
  notifications: `query Notifications { notifications(first: 50) { edges { node { ${EVENT_FIELDS} } } } }`,
  updateOrderStatus: `mutation UpdateOrderStatus($orderId: String!, $status: OrderStatus!) {
    updateOrderStatus(orderId: $orderId, status: $status) { orderId status } }`,
  orderEvents: `subscription OrderEvents($afterId: ID) { orderEvents(afterId: $afterId) { ${EVENT_FIELDS} } }`,
  // Shipping (#15): the address book, the order's shipments, the seller's side.
  carriers: 'query Carriers { carriers { code name nameEn trackingNumberDigits } }',
  shippingAddresses: `query ShippingAddresses { shippingAddresses { id isDefault ${ADDRESS_FIELDS} } }`,
  addShippingAddress: `mutation AddShippingAddress($input: ShippingAddressInput!) {
    addShippingAddress(input: $input) { id isDefault ${ADDRESS_FIELDS} } }`,
  orderDetail: `query OrderDetail($orderId: String!) { order(orderId: $orderId) { ${CUSTOMER_DETAIL} } }`,
  confirmPurchase: `mutation ConfirmPurchase($orderId: String!) { confirmPurchase(orderId: $orderId) { ${CUSTOMER_DETAIL} } }`,
  sellerOrders: `query SellerOrders($status: OrderStatus) {
    orders(first: 20, status: $status) { totalCount edges { node { ${ORDER_FIELDS} orderedAt ${DETAIL_FIELDS} } } } }`,
  shipOrderItems: `mutation ShipOrderItems($orderId: String!, $itemIds: [ID!]!, $carrier: Carrier!, $trackingNumber: String!) {
    shipOrderItems(orderId: $orderId, itemIds: $itemIds, carrier: $carrier, trackingNumber: $trackingNumber) { ${SHIPMENT_FIELDS} } }`,
  markShipmentDelivered: `mutation MarkShipmentDelivered($shipmentId: ID!) { markShipmentDelivered(shipmentId: $shipmentId) { ${SHIPMENT_FIELDS} } }`,
  sellerOrderEvents: 'subscription SellerOrderEvents { sellerOrderEvents { id kind orderId orderStatus at } }',
  // The seller's own catalog (#17): every status, the units unpaid orders hold, a quick restock or hide/show.
  myProducts: `query MyProducts($after: String, $status: ProductStatus, $search: String) {
    myProducts(first: 10, after: $after, status: $status, search: $search) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { ${MY_PRODUCT_FIELDS} } } } }`,
  updateProduct: `mutation UpdateProduct($id: ID!, $input: UpdateProductInput!) { updateProduct(id: $id, input: $input) { ${MY_PRODUCT_FIELDS} } }`,
  // Partial refunds (#16): units of lines, by the customer (취소) or the line's seller (판매 취소).
  cancelOrderItems: `mutation CancelOrderItems($orderId: String!, $items: [CancelOrderItemInput!]!, $reason: String) {
    cancelOrderItems(orderId: $orderId, items: $items, reason: $reason) { ${CUSTOMER_DETAIL} } }`,
};

export class ApiError extends Error {
  constructor(code, message, reason, field) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.field = field;
  }
}

/**
 * A GraphQL error as shown to the visitor: its extensions.code, plus Toss's code (`reason`) for
 * PAYMENT_FAILED and the input it refuses (`field`, e.g. "phone" or "trackingNumber") for BAD_USER_INPUT.
 */
export const fromGraphQL = (e) => {
  const ext = e.extensions || {};
  return new ApiError(ext.code || 'UNKNOWN', e.message, ext.reason, typeof ext.field === 'string' ? ext.field : undefined);
};

export async function gql(query, variables, token) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  let res;
  try {
    res = await fetch('/graphql', { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  } catch (err) {
    throw new ApiError('NETWORK_ERROR', `API unreachable: ${err.message}`);
  }
  let body;
  try {
    body = await res.json();
  } catch {
    throw new ApiError(`HTTP_${res.status}`, `The API answered ${res.status} ${res.statusText} without a GraphQL body`);
  }
  const error = body.errors && body.errors[0];
  if (error) throw fromGraphQL(error);
  return body.data;
}

// ---- Sessions: tokens live in localStorage so they survive the trip to the payment page and back.
const store = {
  get: (key) => JSON.parse(localStorage.getItem(key) || 'null'),
  set: (key, value) => (value == null ? localStorage.removeItem(key) : localStorage.setItem(key, JSON.stringify(value))),
};
/** `{ token, account: { id, name, email } }` of the logged-in customer, or null. */
export const customer = () => store.get('demo.customer');
export const currentOrder = () => JSON.parse(sessionStorage.getItem('demo.order') || 'null');
export const rememberOrder = (order) =>
  order ? sessionStorage.setItem('demo.order', JSON.stringify(order)) : sessionStorage.removeItem('demo.order');

/** Called when the customer's (or the seller box's) token stops working (set by the page to show the login form). */
export const hooks = { signedOut: () => {}, sellerSignedOut: () => {} };

export async function logIn(email, password) {
  store.set('demo.customer', (await gql(Q.login, { input: { role: 'CUSTOMER', email, password } })).login);
}

export async function logOut() {
  const session = customer();
  store.set('demo.customer', null);
  rememberOrder(null);
  if (session) await gql(Q.logout, {}, session.token).catch(() => undefined);
}

export async function asCustomer(query, variables) {
  const session = customer();
  try {
    return await gql(query, variables, session && session.token);
  } catch (err) {
    if (err.code === 'UNAUTHENTICATED' && session) {
      store.set('demo.customer', null);
      hooks.signedOut();
    }
    throw err;
  }
}

/** `{ token, account }` of the seller logged in in the seller box, or null: a second session beside the customer's. */
export const seller = () => store.get('demo.seller');

export async function logInSeller(email, password) {
  store.set('demo.seller', (await gql(Q.login, { input: { role: 'SELLER', email, password } })).login);
}

export async function logOutSeller() {
  const session = seller();
  store.set('demo.seller', null);
  if (session) await gql(Q.logout, {}, session.token).catch(() => undefined);
}

export async function asSeller(query, variables) {
  const session = seller();
  try {
    return await gql(query, variables, session && session.token);
  } catch (err) {
    if (err.code === 'UNAUTHENTICATED' && session) {
      store.set('demo.seller', null);
      hooks.sellerSignedOut();
    }
    throw err;
  }
}

let carriersPromise = null;
/** The carrier catalog (public `carriers`), loaded once: `{ list, byCode }`. */
export function carriers() {
  carriersPromise ??= gql(Q.carriers).then(
    ({ carriers: list }) => ({ list, byCode: new Map(list.map((c) => [c.code, c])) }),
    (err) => {
      carriersPromise = null;
      throw err;
    },
  );
  return carriersPromise;
}

/** The demo admin, with its own token, logged in on first use. */
export async function asAdmin(query, variables, retried = false) {
  let token = store.get('demo.adminToken');
  if (!token) {
    const input = { role: 'ADMIN', email: CONFIG.admin.email, password: CONFIG.admin.password };
    token = (await gql(Q.login, { input })).login.token;
    store.set('demo.adminToken', token);
  }
  try {
    return await gql(query, variables, token);
  } catch (err) {
    if (err.code !== 'UNAUTHENTICATED' || retried) throw err;
    store.set('demo.adminToken', null);
    return asAdmin(query, variables, true);
  }
}

/** Toss's customerKey: random, stable per customer in this browser, never the email (reference §7: 2-50 of [A-Za-z0-9-_=.@]). */
export function customerKey(account) {
  const key = `demo.customerKey.${account.id}`;
  let value = store.get(key);
  if (!value) {
    value = 'ck-' + Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
    store.set(key, value);
  }
  return value;
}

let sdkPromise = null;
/** The Toss browser SDK v2 (the real one, or the sandbox's stand-in), loaded once. */
export function loadTossSdk() {
  sdkPromise ??= new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = CONFIG.tossSdkUrl;
    script.onload = () => {
      if (window.TossPayments) return resolve(window.TossPayments);
      sdkPromise = null;
      reject(new ApiError('SDK_LOAD_FAILED', 'TossPayments is missing'));
    };
    script.onerror = () => {
      sdkPromise = null;
      reject(new ApiError('SDK_LOAD_FAILED', `Could not load ${CONFIG.tossSdkUrl}`));
    };
    document.head.append(script);
  });
  return sdkPromise;
}

const customerToken = () => (customer() || {}).token;

/**
 * One subscription over graphql-ws (subprotocol graphql-transport-ws), written out by hand:
 * connection_init with the token (the customer's unless `token()` says otherwise), wait for
 * connection_ack, subscribe, answer pings, reconnect with backoff. `variables()` is read on
 * every (re)subscribe. Returns a stop function.
 */
export function subscribe(query, variables, { onData, onError, onState, token = customerToken }) {
  let socket = null;
  let stopped = false;
  let attempts = 0;
  const send = (message) => socket.send(JSON.stringify(message));
  const connect = () => {
    const bearer = token();
    if (!bearer || stopped) return;
    onState('connecting');
    socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`, 'graphql-transport-ws');
    socket.onopen = () => send({ type: 'connection_init', payload: { authorization: `Bearer ${bearer}` } });
    socket.onmessage = (message) => {
      const msg = JSON.parse(message.data);
      if (msg.type === 'connection_ack') {
        attempts = 0;
        onState('live');
        send({ id: 'sub-1', type: 'subscribe', payload: { query, variables: variables() } });
      } else if (msg.type === 'ping') {
        send({ type: 'pong' });
      } else if (msg.type === 'next') {
        if (msg.payload.errors && msg.payload.errors[0]) onError(fromGraphQL(msg.payload.errors[0]));
        if (msg.payload.data) onData(msg.payload.data);
      } else if (msg.type === 'error') {
        onState('failed');
        onError(fromGraphQL(msg.payload[0] || {}));
      } else if (msg.type === 'complete') {
        onState('completed');
      }
    };
    socket.onclose = (event) => {
      if (stopped) return;
      // 4401: session revoked; 4403: connection_init refused. Retrying would not help.
      if (event.code === 4401 || event.code === 4403) {
        onState('closed');
        onError(new ApiError('UNAUTHENTICATED', `The live connection was refused (${event.code} ${event.reason}). Log in again.`));
        return;
      }
      attempts += 1;
      onState('reconnecting');
      setTimeout(connect, Math.min(10000, 500 * 2 ** attempts));
    };
  };
  connect();
  return () => {
    stopped = true;
    if (socket) socket.close(1000, 'left the page');
  };
}
