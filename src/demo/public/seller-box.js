// The demo seller box: a seller's own session beside the customer's. Its work queue (paid orders
// with its lines still to ship), shipping picked lines with a carrier and a tracking number
// (shipOrderItems), cancelling an unshipped line with a reason (판매 취소, cancelOrderItems) and
// marking a shipment delivered (markShipmentDelivered). Refreshed live from sellerOrderEvents. Below it, the
// seller's own catalog (내 상품, my-products.js).
import { asSeller, carriers, CONFIG, hooks, logInSeller, logOutSeller, Q, seller, subscribe } from './api.js';
import { $, action, h, showError, when, WS_STATE } from './dom.js';
import { addressText } from './checkout-address.js';
import { badge, carrierNamer, LINE_LABEL, SHIPMENT_LABEL, trackingParts } from './order-detail.js';
import { sellerCancelForm, unitsLeft } from './cancel-items.js';
import { clearMyProducts, loadMyProducts } from './my-products.js';

const ORDER_LABEL = { ...LINE_LABEL, ORDER_COMPLETED: '결제 완료 (paid)' };
const box = { currentOrderId: null, stop: null, drawn: '', loads: 0 };
const where = { box: $('seller-error') };

// ---- Session: the login form comes prefilled with the first demo seller; the list offers the others.
const demoSellers = CONFIG.sellers || [];
$('seller-accounts').replaceChildren(...demoSellers.map((s) => h('option', { value: s.email })));
$('seller-email').value = demoSellers.length ? demoSellers[0].email : '';
$('seller-password').value = demoSellers.length ? demoSellers[0].password : '';
$('seller-email').addEventListener('change', () => {
  const demo = demoSellers.find((s) => s.email === $('seller-email').value.trim());
  if (demo) $('seller-password').value = demo.password;
});

const submitLogin = action(
  async () => {
    await logInSeller($('seller-email').value, $('seller-password').value);
    await enter();
  },
  null,
  where,
);
$('seller-login').addEventListener('submit', (event) => {
  event.preventDefault();
  submitLogin({ currentTarget: $('seller-login-button') });
});
$('seller-logout').addEventListener(
  'click',
  action(
    async () => {
      leave();
      await logOutSeller();
      drawSession();
    },
    null,
    where,
  ),
);
$('seller-refresh').addEventListener(
  'click',
  action(() => Promise.all([loadQueue(true), loadMyProducts()]), null, where),
);
hooks.sellerSignedOut = () => {
  leave();
  drawSession();
};

function drawSession() {
  const session = seller();
  $('seller-login').hidden = Boolean(session);
  $('seller-session').hidden = !session;
  $('seller-account').textContent = session ? `${session.account.name} (${session.account.email})` : '';
  if (!session) {
    box.drawn = '';
    $('seller-queue').replaceChildren();
    clearMyProducts();
  }
}

/** Shows the box for the page's order (marked in the queue); resolves nothing, returns the function that stops it. */
export function startSellerBox(currentOrderId) {
  box.currentOrderId = currentOrderId;
  box.drawn = '';
  $('seller-error').textContent = '';
  enter().catch((err) => showError(err, where));
  return leave;
}

async function enter() {
  leave();
  drawSession();
  if (!seller()) return;
  box.stop = subscribe(Q.sellerOrderEvents, () => ({}), {
    token: () => (seller() || {}).token,
    // A new paid order, a shipment, a confirmation: read the queue again. On (re)connecting too,
    // as sellerOrderEvents has no afterId to replay what was missed.
    onData: () => loadQueue().catch((err) => showError(err, where)),
    onError: (err) => showError(err, where),
    onState: (state) => {
      $('seller-ws').textContent = WS_STATE[state] || state;
      if (state === 'live') loadQueue().catch((err) => showError(err, where));
    },
  });
  await Promise.all([loadQueue(), loadMyProducts()]);
}

function leave() {
  if (box.stop) box.stop();
  box.stop = null;
  $('seller-ws').textContent = '';
}

// ---- The work queue -----------------------------------------------------------------------
/**
 * `orders(status: ORDER_COMPLETED)` (for a seller: paid orders with some of its lines unshipped)
 * and `orders(status: SHIPPING)` (its shipments on the way), one card per order, the page's own
 * order first. Drawn again only when something changed, so a half-typed tracking number stays.
 */
async function loadQueue(force = false) {
  const mine = ++box.loads;
  const [todo, moving, carrierName, catalog] = await Promise.all([
    asSeller(Q.sellerOrders, { status: 'ORDER_COMPLETED' }),
    asSeller(Q.sellerOrders, { status: 'SHIPPING' }),
    carrierNamer(),
    carriers(),
  ]);
  if (mine !== box.loads || !seller()) return;
  const byId = new Map([...todo.orders.edges, ...moving.orders.edges].map(({ node }) => [node.orderId, node]));
  const rank = (o) => (o.orderId === box.currentOrderId ? 0 : 1);
  const orders = [...byId.values()].sort((a, b) => rank(a) - rank(b) || b.orderedAt.localeCompare(a.orderedAt));
  const json = JSON.stringify([box.currentOrderId, orders]);
  if (!force && json === box.drawn) return;
  box.drawn = json;
  $('seller-queue').replaceChildren(
    ...(orders.length === 0
      ? [h('p', { className: 'muted' }, '발송할 주문이 없어요 (Nothing to ship)')]
      : orders.map((order) => orderCard(order, carrierName, catalog))),
  );
}

function orderCard(order, carrierName, catalog) {
  const current = order.orderId === box.currentOrderId;
  const error = h('p', { className: 'box-error', role: 'alert' });
  const unshipped = order.items.filter((item) => !item.shipmentId && item.status === 'ORDER_COMPLETED');
  const names = new Map(order.items.map((item) => [item.id, item.productName]));
  return h(
    'article',
    { className: 'queue-order', 'data-testid': 'seller-order', 'data-order-id': order.orderId, 'data-current': current },
    h(
      'div',
      { className: 'row order-head' },
      h('b', {}, order.orderName),
      h('code', {}, order.orderId),
      badge(order.status, ORDER_LABEL),
      h('small', {}, when(order.orderedAt)),
      current ? h('span', { className: 'pill' }, '이 페이지의 주문 (this page’s order)') : null,
    ),
    h(
      'p',
      { className: 'muted' },
      order.shippingAddress
        ? `배송지 (Ship to) ${addressText(order.shippingAddress)}`
        : '배송지 없음: 발송할 수 없어요 (no shipping address: it cannot ship yet)',
    ),
    unshipped.length ? shipForm(order, unshipped, catalog, error) : null,
    unshipped.length ? sellerCancelForm(order, unshipped, { error, onDone: cancelled }) : null,
    order.shipments.length
      ? h('ul', { className: 'lines' }, ...order.shipments.map((s) => shipmentRow(s, names, carrierName, error)))
      : null,
    error,
  );
}

/** Pick lines (all ticked at first), a carrier from `carriers`, a tracking number; the server checks the digits. */
function shipForm(order, lines, catalog, error) {
  const carrier = h(
    'select',
    { name: 'carrier', required: true },
    ...catalog.list.map((c) => h('option', { value: c.code }, `${c.name} (${c.nameEn})`)),
  );
  const tracking = h('input', { name: 'trackingNumber', required: true, autocomplete: 'off', inputMode: 'numeric' });
  const hint = () => {
    const info = catalog.byCode.get(carrier.value);
    tracking.placeholder = info ? `${info.trackingNumberDigits.join(' / ')}자리 (digits)` : '';
  };
  carrier.addEventListener('change', hint);
  hint();
  const button = h('button', { type: 'submit', className: 'primary', 'data-testid': 'ship-items' }, '발송 ', h('small', {}, 'Ship'));
  const form = h(
    'form',
    { className: 'ship-form', 'data-testid': 'ship-form' },
    h(
      'ul',
      { className: 'checks' },
      ...lines.map((item) =>
        h(
          'li',
          {},
          h(
            'label',
            { className: 'check' },
            h('input', { type: 'checkbox', name: 'itemIds', value: item.id, checked: true }),
            ` ${item.productName} × ${unitsLeft(item)}`,
            item.cancelledQuantity ? h('small', {}, ` (취소 cancelled ${item.cancelledQuantity})`) : null,
          ),
        ),
      ),
    ),
    h(
      'div',
      { className: 'row' },
      h('label', {}, '택배사 ', h('small', {}, 'Carrier'), carrier),
      h('label', {}, '송장번호 ', h('small', {}, 'Tracking number'), tracking),
      button,
    ),
  );
  const ship = action(
    async () => {
      const itemIds = [...form.querySelectorAll('input[name=itemIds]:checked')].map((input) => input.value);
      const variables = { orderId: order.orderId, itemIds, carrier: carrier.value, trackingNumber: tracking.value };
      const { shipOrderItems: shipment } = await asSeller(Q.shipOrderItems, variables);
      note(`발송했어요 (shipped): ${order.orderId} · ${shipment.trackingNumber}`);
      await loadQueue();
    },
    null,
    { box: error, form }, // a refused field (trackingNumber, itemIds) is marked in this form
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    ship({ currentTarget: button });
  });
  return form;
}

function shipmentRow(shipment, names, carrierName, error) {
  const deliver = action(
    async () => {
      await asSeller(Q.markShipmentDelivered, { shipmentId: shipment.id });
      note(`배송 완료 처리했어요 (marked delivered): ${shipment.trackingNumber || shipment.id}`);
      await loadQueue();
    },
    null,
    { box: error },
  );
  return h(
    'li',
    { 'data-testid': 'seller-shipment', 'data-shipment-id': shipment.id, 'data-status': shipment.status },
    badge(shipment.status, SHIPMENT_LABEL),
    ...trackingParts(shipment, carrierName),
    h('small', { className: 'grow' }, shipment.items.map((i) => names.get(i.id) || i.id).join(', ')),
    shipment.status === 'SHIPPING'
      ? h(
          'button',
          { type: 'button', 'data-testid': 'mark-delivered', onclick: deliver },
          '배송 완료 처리 ',
          h('small', {}, 'Mark delivered'),
        )
      : null,
  );
}

/** After a 판매 취소: what was refunded, then the queue again (the line has left it; the customer's page hears ITEMS_CANCELLED). */
async function cancelled(order, item) {
  const name = item ? item.productName : '';
  note(`판매 취소했어요 (cancelled): ${order.orderId} · ${name} · ${order.status}`);
  await loadQueue();
}

function note(text) {
  $('seller-error').textContent = '';
  $('seller-note').textContent = text;
}
