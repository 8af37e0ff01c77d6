// The customer's order: where it goes, each line's status, the shipments with their carrier, tracking
// number and tracking link, and "구매확정" (confirmPurchase) once lines are delivered.
import { asCustomer, carriers, Q } from './api.js';
import { $, action, h, when, won } from './dom.js';
import { addressText } from './checkout-address.js';

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
  $('order-lines').replaceChildren(
    ...order.items.map((item) =>
      h(
        'li',
        { 'data-testid': 'order-line', 'data-item-id': item.id, 'data-status': item.status },
        h('span', { className: 'grow' }, item.productName),
        h('span', {}, `${won(item.unitPrice)} × ${item.quantity}`),
        badge(item.status, LINE_LABEL),
        item.purchaseConfirmedAt ? h('small', {}, when(item.purchaseConfirmedAt)) : null,
      ),
    ),
  );
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
