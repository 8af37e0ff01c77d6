// The success URL: confirm the payment, then follow the order live through orderEvents: its lines, shipments and
// tracking (order-detail.js), with the demo seller box (seller-box.js) and the demo admin beside it.
import { asAdmin, asCustomer, Q, rememberOrder, subscribe } from './api.js';
import { $, action, describe, h, showError, when, won, WS_STATE } from './dom.js';
import { carrierNamer, hideOrderDetail, loadOrderDetail } from './order-detail.js';
import { startSellerBox } from './seller-box.js';

const STATUS_LABEL = {
  PAYMENT_PENDING: '결제 대기',
  ORDER_COMPLETED: '결제 완료',
  SHIPPING: '배송 중',
  DELIVERED: '배송 완료',
  CANCELLED: '주문 취소',
  PAYMENT_FAILED: '결제 실패',
};
const NEXT_STATUS = { ORDER_COMPLETED: 'SHIPPING', SHIPPING: 'DELIVERED' };
const PAID = ['ORDER_COMPLETED', 'SHIPPING', 'DELIVERED'];

/**
 * Reads paymentKey, orderId and amount from the address (the SDK put them there), calls
 * confirmPayment and starts the live timeline. Resolves to a function that stops it.
 */
export async function showSuccess({ onCartChanged }) {
  const params = new URLSearchParams(location.search);
  const paymentKey = params.get('paymentKey');
  const orderId = params.get('orderId');
  const amount = params.get('amount') || '';
  const result = $('confirm-result');
  $('events').replaceChildren();
  $('ws-state').textContent = '';
  setStatus(null);
  hideOrderDetail();
  const stopSellerBox = startSellerBox(orderId);
  if (!paymentKey || !orderId || !/^[0-9]+$/.test(amount)) {
    result.textContent = 'paymentKey, orderId and amount are missing from the address.';
    return stopSellerBox;
  }
  result.textContent = '결제 승인 중… (confirming the payment)';
  let order;
  try {
    // Confirming again (a reload) is safe: the server completes the order once.
    order = (await asCustomer(Q.confirmPayment, { input: { paymentKey, orderId, amount: Number(amount) } })).confirmPayment;
    rememberOrder(null);
    showConfirmed(order);
  } catch (err) {
    showError(err);
    result.textContent = `결제 승인 실패 (Confirm failed): ${describe(err)}`;
    order = (await asCustomer(Q.order, { orderId }).catch(() => ({ order: null }))).order;
    if (!order) return stopSellerBox;
  }
  onCartChanged(); // paid lines have left the cart
  setStatus(order.status);
  loadOrderDetail(order.orderId).catch(showError);
  $('ship').onclick = action(
    async () => {
      const next = NEXT_STATUS[$('order-status').dataset.status];
      if (!next) return;
      await asAdmin(Q.updateOrderStatus, { orderId: order.orderId, status: next });
      // The page's status is not taken from this answer: it arrives through orderEvents.
      $('admin-note').textContent = `관리자가 ${next}(으)로 변경했어요. Sent; the status above changes when the event arrives.`;
    },
    () => ($('ship').disabled = !NEXT_STATUS[$('order-status').dataset.status]),
  );
  const stopFollowing = await followOrder(order.orderId);
  return () => {
    stopFollowing();
    stopSellerBox();
  };
}

function showConfirmed(order) {
  const p = order.payment;
  $('confirm-result').replaceChildren(
    h('b', {}, PAID.includes(order.status) ? '결제 완료! (Payment approved)' : `결제 실패 (${order.failureCode || order.status})`),
    h('p', {}, `${order.orderName} · ${won(order.totalAmount)} · ${order.orderId}`),
    p
      ? h(
          'p',
          { className: 'muted' },
          `${p.method} · ${p.status} · ${when(p.approvedAt)} `,
          p.receiptUrl ? h('a', { href: p.receiptUrl, target: '_blank', rel: 'noopener noreferrer' }, '영수증 (receipt)') : null,
        )
      : null,
  );
}

function setStatus(status) {
  const el = $('order-status');
  el.textContent = status || '-';
  el.dataset.status = status || '';
  $('order-status-label').textContent = (status && STATUS_LABEL[status]) || '';
  const next = NEXT_STATUS[status];
  $('ship').disabled = !next;
  $('ship').textContent = next ? `${next === 'SHIPPING' ? '배송 시작' : '배송 완료'} (→ ${next})` : '배송 처리 없음 (nothing to do)';
}

function addEvent(event, source, carrierName) {
  $('events').append(
    h(
      'li',
      { 'data-source': source, 'data-status': event.orderStatus },
      h('time', {}, when(event.at)),
      ' ',
      h('b', {}, event.kind),
      ` · 주문 (order) ${event.orderStatus}`,
      event.paymentStatus ? ` · 결제 (payment) ${event.paymentStatus}` : '',
      event.carrier ? ` · ${carrierName(event.carrier)} ${event.trackingNumber || ''}` : '',
      source === 'history' ? h('small', {}, ' (earlier)') : null,
    ),
  );
}

/** The order's earlier events from `notifications`, then live ones after the last id seen, so none is missed in between. */
async function followOrder(orderId) {
  let afterId = null;
  const carrierName = await carrierNamer();
  try {
    const edges = (await asCustomer(Q.notifications)).notifications.edges; // newest first
    if (edges.length > 0) afterId = edges[0].node.id;
    for (const { node } of [...edges].reverse()) if (node.orderId === orderId) addEvent(node, 'history', carrierName);
  } catch (err) {
    showError(err);
  }
  return subscribe(Q.orderEvents, () => ({ afterId }), {
    onData: ({ orderEvents: event }) => {
      afterId = event.id;
      if (event.orderId !== orderId) return;
      addEvent(event, 'live', carrierName);
      setStatus(event.orderStatus);
      // Shipped, delivered, confirmed: the lines and shipments are read again (the event names the change, not the whole order).
      loadOrderDetail(orderId).catch(showError);
    },
    onError: showError,
    onState: (state) => ($('ws-state').textContent = WS_STATE[state] || state),
  });
}
