// The customer's order: where it goes, each line's status (with its cancelled units and a "취소"
// picker while it can still be cancelled), the payment (what is still charged, every refund), the
// shipments with their carrier, tracking number and tracking link, and "구매확정" (confirmPurchase)
// once lines are delivered.
import { asCustomer, carriers, Q } from './api.js';
import { $, action, h, when, won } from './dom.js';
import { addressText } from './checkout-address.js';
import { cancellable, lineCancelControl } from './cancel-items.js';

export const LINE_LABEL = {
  PAYMENT_PENDING: '결제 대기 (awaiting payment)',
  ORDER_COMPLETED: '배송 준비 (preparing)',
  SHIPPING: '배송 중 (shipping)',
  DELIVERED: '배송 완료 (delivered)',
  PURCHASE_CONFIRMED: '구매확정 (purchase confirmed)',
  CANCELLED: '주문 취소 (cancelled)',
  PAYMENT_FAILED: '결제 실패 (payment failed)',
};
export const SHIPMENT_LABEL = { SHIPPING: '배송 중 (shipping)', DELIVERED: '배송 완료 (delivered)' };
const PAYMENT_LABEL = {
  READY: '승인 중 (confirming)',
  DONE: '결제 완료 (paid)',
  PARTIAL_CANCELED: '부분 취소 (partly refunded)',
  CANCELED: '전액 취소 (refunded)',
  ABORTED: '결제 실패 (refused)',
};

/** An http(s) address as given, else null: a link never runs `javascript:` whatever the API answers. */
export function safeUrl(url) {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : null;
  } catch {
    return null;
  }
}

/** The carrier's name from the public catalog (`CJ대한통운`), its code if the catalog is out of reach, or null. */
export async function carrierNamer() {
  const catalog = await carriers().catch(() => null);
  return (code) => {
    if (!code) return null;
    const info = catalog && catalog.byCode.get(code);
    return info ? `${info.name} (${info.nameEn})` : code;
  };
}

/** A carrier, its tracking number and a link to the carrier's own tracking page (a new tab, no opener or referrer). */
export function trackingParts(shipment, carrierName) {
  const href = shipment.trackingUrl && safeUrl(shipment.trackingUrl);
  if (!shipment.carrier) return [h('b', { className: 'carrier' }, '직접 처리 (marked by an admin)')];
  return [
    h('b', { className: 'carrier' }, carrierName(shipment.carrier)),
    h('code', { className: 'tracking-number' }, shipment.trackingNumber || ''),
    href ? h('a', { className: 'tracking-link', href, target: '_blank', rel: 'noopener noreferrer' }, '배송 조회 (Track) ↗') : null,
  ];
}

export const badge = (status, labels) => h('span', { className: 'badge', 'data-status': status }, labels[status] || status);

let drawn = 0;

/** Fetches the order and draws it; of several loads under way, only the last one started is drawn. */
export async function loadOrderDetail(orderId) {
  const mine = ++drawn;
  const [{ order }, carrierName] = await Promise.all([asCustomer(Q.orderDetail, { orderId }), carrierNamer()]);
  if (mine === drawn && order) draw(order, carrierName);
  return order;
}

/** Draws an order already fetched with its detail (confirmPayment's or confirmPurchase's answer). */
export async function renderOrderDetail(order) {
  const mine = ++drawn;
  const carrierName = await carrierNamer();
  if (mine === drawn) draw(order, carrierName);
}

export function hideOrderDetail() {
  drawn++;
  $('order-detail').hidden = true;
  $('order-error').textContent = '';
}

function draw(order, carrierName) {
  $('order-detail').hidden = false;
  $('order-address').replaceChildren(
    h('b', {}, '배송지 '),
    h('small', {}, 'Shipping address '),
    order.shippingAddress
      ? h('span', { 'data-testid': 'order-address' }, addressText(order.shippingAddress))
      : h('span', { className: 'muted' }, '없음 (none given)'),
  );
  const names = new Map(order.items.map((item) => [item.id, item.productName]));
  const error = $('order-error');
  // A cancel answers with the whole order, drawn at once; its event (ITEMS_CANCELLED, REFUNDED) reloads it too.
  const onCancelled = (answer) => renderOrderDetail(answer);
  $('order-lines').replaceChildren(
    ...order.items.map((item) =>
      h(
        'li',
        {
          'data-testid': 'order-line',
          'data-item-id': item.id,
          'data-status': item.status,
          'data-cancelled': item.cancelledQuantity,
        },
        h('span', { className: 'grow' }, item.productName),
        h('span', {}, `${won(item.unitPrice)} × ${item.quantity}`),
        item.cancelledQuantity > 0 ? h('small', { className: 'cancelled-units' }, `취소 (cancelled) ${item.cancelledQuantity}개`) : null,
        badge(item.status, LINE_LABEL),
        item.purchaseConfirmedAt ? h('small', {}, when(item.purchaseConfirmedAt)) : null,
        cancellable(item) && !order.refundPending ? lineCancelControl(order, item, { error, onCancelled }) : null,
      ),
    ),
  );
  drawPayment(order);
  $('shipments').replaceChildren(
    ...(order.shipments.length === 0
      ? [h('li', { className: 'muted' }, '아직 발송 전이에요 (Not shipped yet)')]
      : order.shipments.map((s) =>
          h(
            'li',
            { 'data-testid': 'shipment', 'data-shipment-id': s.id, 'data-status': s.status },
            badge(s.status, SHIPMENT_LABEL),
            ...trackingParts(s, carrierName),
            h(
              'small',
              { className: 'grow' },
              `${s.seller.name} · ${s.items.map((i) => names.get(i.id) || i.id).join(', ')} · 발송 (shipped) ${when(s.shippedAt)}`,
              s.deliveredAt ? ` · 도착 (delivered) ${when(s.deliveredAt)}` : '',
            ),
          ),
        )),
  );
  const confirm = $('confirm-purchase');
  const deliverable = () => order.items.some((item) => item.status === 'DELIVERED');
  confirm.disabled = !deliverable();
  confirm.onclick = action(
    async () => {
      order = (await asCustomer(Q.confirmPurchase, { orderId: order.orderId })).confirmPurchase;
      await renderOrderDetail(order);
    },
    () => (confirm.disabled = !deliverable()),
  );
}

/** What was paid, what is still charged, and each refund Toss made (amount, reason, time), oldest first. */
function drawPayment(order) {
  const p = order.payment;
  if (!p) {
    $('order-payment').replaceChildren(h('span', { className: 'muted' }, '결제 정보 없음 (no payment yet)'));
    return;
  }
  $('order-payment').replaceChildren(
    h(
      'p',
      { className: 'row' },
      h('b', {}, '결제 '),
      h('small', {}, 'Payment'),
      h('span', { className: 'badge', 'data-status': p.status, 'data-testid': 'payment-status' }, PAYMENT_LABEL[p.status] || p.status),
      h('span', {}, `${p.method} · 결제 금액 (paid) ${won(p.amount)}`),
      h('span', {}, '잔액 (still charged) ', h('b', { 'data-testid': 'payment-balance' }, won(p.balanceAmount))),
      order.refundPending ? h('small', { className: 'pending' }, '환불 처리 중 (a refund is under way)') : null,
    ),
    ...(p.cancels.length === 0
      ? []
      : [
          h(
            'ul',
            { className: 'lines cancels' },
            ...p.cancels.map((c) =>
              h(
                'li',
                { 'data-testid': 'payment-cancel', 'data-amount': c.amount },
                h('b', { className: 'refund' }, `−${won(c.amount)}`),
                h('span', { className: 'grow' }, c.reason),
                h('time', {}, when(c.canceledAt)),
              ),
            ),
          ),
        ]),
  );
}
