// Demo storefront: routing, login, cart, checkout and the fail page (the product list: catalog.js). Plain ES modules, no build step.
import { asCustomer, CONFIG, currentOrder, customer, customerKey, hooks, loadTossSdk, logIn, logOut, Q, rememberOrder } from './api.js';
import { $, action, clearError, firstImage, h, showError, when, won } from './dom.js';
import { showCatalog } from './catalog.js';
import { addressText, loadAddressBook, orderAddressInput } from './checkout-address.js';
import { showSuccess } from './order-tracking.js';

// ---- Routing: /demo/?view=catalog|cart|checkout|success|fail ------------------------------
const VIEWS = {
  catalog: () => showCatalog({ onCartChanged: setCartCount }),
  cart: showCart,
  checkout: showCheckout,
  success: () => showSuccess({ onCartChanged: refreshCartCount }),
  fail: showFail,
};
let visit = 0;
let leaveView = null;

function go(view) {
  history.pushState(null, '', view === 'catalog' ? '/demo/' : `/demo/?view=${view}`);
  route();
}

function route() {
  const thisVisit = ++visit;
  if (leaveView) leaveView();
  leaveView = null;
  clearError();
  const requested = new URLSearchParams(location.search).get('view');
  const view = VIEWS[requested] ? requested : 'catalog';
  const session = customer();
  $('account').textContent = session ? `${session.account.name} (${session.account.email})` : '';
  $('logout').hidden = !session;
  $('login-view').hidden = !!session;
  const blocked = !session && view !== 'catalog' && view !== 'fail';
  for (const name of Object.keys(VIEWS)) $(`${name}-view`).hidden = blocked || name !== view;
  if (blocked) return;
  if (session && view !== 'success') refreshCartCount(); // the success view refreshes it after the confirm
  VIEWS[view]().then((stop) => {
    if (typeof stop !== 'function') return;
    if (thisVisit === visit) leaveView = stop;
    else stop(); // the visitor left while the view was loading
  }, showError);
}

hooks.signedOut = route;
window.addEventListener('popstate', route);
document.addEventListener('click', (event) => {
  const link = event.target.closest('a[data-view]');
  if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
  event.preventDefault();
  go(link.dataset.view);
});

// ---- Login ------------------------------------------------------------------------------
$('email').value = (CONFIG.customer && CONFIG.customer.email) || '';
$('password').value = (CONFIG.customer && CONFIG.customer.password) || '';
const submitLogin = action(async () => {
  await logIn($('email').value, $('password').value);
  route();
});
$('login-form').addEventListener('submit', (event) => {
  event.preventDefault();
  submitLogin({ currentTarget: $('login') });
});
$('logout').addEventListener(
  'click',
  action(async () => {
    await logOut();
    go('catalog');
  }),
);

// ---- Cart and order ---------------------------------------------------------------------
function setCartCount(cart) {
  $('cart-count').textContent = cart.lines.reduce((n, line) => n + line.quantity, 0);
}

async function refreshCartCount() {
  try {
    setCartCount((await asCustomer(Q.cart)).cart);
  } catch {
    // Shown when the cart is opened.
  }
}

async function showCart() {
  const [{ cart }] = await Promise.all([asCustomer(Q.cart), loadAddressBook()]);
  renderCart(cart);
}

function renderCart(cart) {
  setCartCount(cart);
  $('cart-total').textContent = won(cart.totalAmount);
  $('place-order').disabled = !cart.lines.some((line) => line.available);
  if (!CONFIG.tossClientKey) $('place-order').title = "This page's payment window needs TOSS_CLIENT_KEY";
  if (cart.lines.length === 0) {
    $('cart-lines').replaceChildren(h('li', { className: 'muted' }, '장바구니가 비어 있어요 (Your cart is empty)'));
    return;
  }
  // Each mutation answers with the whole cart, which is drawn again.
  const change = (query, variables) => action(async () => renderCart(Object.values(await asCustomer(query, variables))[0]));
  $('cart-lines').replaceChildren(
    ...cart.lines.map((line) => {
      const image = firstImage(line.product.images);
      const productId = line.product.id;
      return h(
        'li',
        { 'data-testid': 'cart-line', 'data-product-id': productId, className: line.available ? '' : 'unavailable' },
        image ? h('img', { src: image.url, alt: '' }) : null,
        h('span', { className: 'grow' }, line.product.name, line.available ? null : h('small', {}, ' · 주문 불가 (unavailable)')),
        h('span', {}, `${won(line.unitPrice)} × ${line.quantity}`),
        h('b', {}, won(line.lineTotal)),
        h('button', { type: 'button', title: 'One more', onclick: change(Q.addToCart, { productId, quantity: 1 }) }, '+1'),
        h(
          'button',
          { type: 'button', 'data-testid': 'remove-from-cart', onclick: change(Q.removeFromCart, { productId }) },
          '삭제 (Remove)',
        ),
      );
    }),
  );
}

$('clear-cart').addEventListener(
  'click',
  action(async () => renderCart((await asCustomer(Q.clearCart)).clearCart)),
);
$('place-order').addEventListener(
  'click',
  action(
    async () => {
      const input = await orderAddressInput();
      rememberOrder((await asCustomer(Q.createOrder, { input })).createOrder);
      go('checkout');
    },
    null,
    { form: $('address-form') }, // a refused address field (extensions.field) is marked in the form
  ),
);

// ---- Checkout: the Toss SDK v2, payment widget for *_gck_ keys, else payment() with an API key -------
async function showCheckout() {
  const order = currentOrder();
  const pay = $('pay');
  pay.disabled = true;
  pay.onclick = null;
  $('payment-method').replaceChildren();
  $('agreement').replaceChildren();
  $('order-summary').replaceChildren();
  if (!order) {
    $('pay-note').textContent = '결제할 주문이 없어요. 장바구니에서 주문하세요. (No order to pay: order from the cart.)';
    return;
  }
  const rows = [
    ['주문명 (Order)', order.orderName],
    ['결제 금액 (Amount)', won(order.totalAmount)],
    ['주문번호 (Order id)', order.orderId],
    ['결제 기한 (Pay by)', when(order.expiresAt)],
    ['배송지 (Ship to)', order.shippingAddress ? addressText(order.shippingAddress) : '-'],
  ];
  $('order-summary').replaceChildren(...rows.flatMap(([label, value]) => [h('dt', {}, label), h('dd', {}, value)]));
  const clientKey = CONFIG.tossClientKey;
  if (!clientKey) {
    $('pay-note').textContent =
      '결제창을 열 수 없습니다. This page cannot open the payment window: start the app with TOSS_CLIENT_KEY as well (the client key paired with TOSS_SECRET_KEY).';
    return;
  }
  const widget = /^(test|live)_gck_/.test(clientKey);
  $('pay-note').textContent = widget ? '토스페이먼츠 결제위젯 (payment widget)' : '토스페이먼츠 결제창 (payment window, API key)';
  const { account } = customer();
  const tossPayments = (await loadTossSdk())(clientKey);
  const request = {
    orderId: order.orderId,
    orderName: order.orderName,
    successUrl: `${location.origin}/demo/?view=success`, // the SDK adds paymentKey, orderId and amount
    failUrl: `${location.origin}/demo/?view=fail`, // ... or code, message and orderId
    customerEmail: account.email,
    customerName: account.name,
  };
  const amount = { currency: 'KRW', value: order.totalAmount };
  if (widget) {
    const widgets = tossPayments.widgets({ customerKey: customerKey(account) });
    await widgets.setAmount(amount); // before rendering
    await Promise.all([
      widgets.renderPaymentMethods({ selector: '#payment-method', variantKey: 'DEFAULT' }),
      widgets.renderAgreement({ selector: '#agreement', variantKey: 'AGREEMENT' }),
    ]);
    pay.onclick = action(() => widgets.requestPayment(request));
  } else {
    const payment = tossPayments.payment({ customerKey: customerKey(account) });
    pay.onclick = action(() => payment.requestPayment({ method: 'CARD', amount, ...request }));
  }
  pay.disabled = false;
}

// ---- Fail: the payment window's code and message -------------------------------------------
async function showFail() {
  const params = new URLSearchParams(location.search);
  $('fail-code').textContent = params.get('code') || 'UNKNOWN';
  $('fail-message').textContent = params.get('message') || '';
  const order = currentOrder();
  const pending = Boolean(customer() && order && order.orderId === (params.get('orderId') || order.orderId));
  $('retry-pay').hidden = !pending;
  $('cancel-order').hidden = !pending;
  $('retry-pay').onclick = () => go('checkout');
  $('cancel-order').onclick = action(async () => {
    const reason = '결제 실패 후 취소 (cancelled after a failed payment)';
    const { cancelOrder } = await asCustomer(Q.cancelOrder, { orderId: order.orderId, reason });
    rememberOrder(null);
    $('fail-message').textContent = `주문이 취소되었어요 (order ${cancelOrder.orderId}: ${cancelOrder.status}).`;
    $('retry-pay').hidden = true;
    $('cancel-order').hidden = true;
  });
}

route();
