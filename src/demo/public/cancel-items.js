// 부분 취소 (#16): the customer's per-line "취소" (some units of one line) and the seller's "판매 취소"
// (one of its unshipped lines, with a reason), both through cancelOrderItems. The server checks every
// number (units left, shipped lines, a refund already under way): the page shows its message as is.
import { asCustomer, asSeller, Q } from './api.js';
import { action, h } from './dom.js';

/** Units of the line not cancelled yet. */
export const unitsLeft = (item) => item.quantity - item.cancelledQuantity;

/** A paid line not shipped, with units left: the customer may still cancel some of them. */
export const cancellable = (item) => item.status === 'ORDER_COMPLETED' && unitsLeft(item) > 0;

/**
 * The customer's picker for one line: how many units (1 by default, at most those left) and "취소".
 * `onCancelled(order)` gets cancelOrderItems' answer (the order with its lines and payment);
 * a refusal is shown in `error`, marking the picker. Its input is named after the API's argument
 * (`items`), so a BAD_USER_INPUT on `items` marks it.
 */
export function lineCancelControl(order, item, { error, onCancelled }) {
  const left = unitsLeft(item);
  const quantity = h('input', {
    type: 'number',
    name: 'items',
    min: 1,
    max: left,
    step: 1,
    value: 1,
    inputMode: 'numeric',
    className: 'cancel-quantity',
    'aria-label': `취소 수량 (units to cancel, at most ${left})`,
  });
  const button = h('button', { type: 'submit', 'data-testid': 'cancel-line' }, '취소 ', h('small', {}, 'Cancel'));
  // noValidate: min and max are hints; the server's refusal (and its message) is the one the page shows.
  const form = h('form', { className: 'cancel-line', 'data-testid': 'cancel-line-form', noValidate: true }, quantity, button);
  const cancel = action(
    async () => {
      const items = [{ itemId: item.id, quantity: Number(quantity.value) }];
      const { cancelOrderItems } = await asCustomer(Q.cancelOrderItems, { orderId: order.orderId, items });
      await onCancelled(cancelOrderItems);
    },
    null,
    { box: error, form },
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    cancel({ currentTarget: button });
  });
  return form;
}

/**
 * The seller's 판매 취소 of one of its unshipped lines (every unit left), with a reason sent to
 * Toss and shown to the customer (the server's default when left empty). `onDone(order)` gets the
 * order as the seller sees it.
 */
export function sellerCancelForm(order, lines, { error, onDone }) {
  const line = h(
    'select',
    { name: 'items', 'aria-label': '취소할 상품 (line to cancel)' },
    ...lines.map((item) => h('option', { value: item.id }, `${item.productName} × ${unitsLeft(item)}`)),
  );
  const reason = h('input', {
    name: 'reason',
    maxLength: 200,
    autocomplete: 'off',
    placeholder: '판매자 취소 (cancelled by the seller)', // the server's reason when none is given
    'aria-label': '취소 사유 (reason)',
  });
  const button = h(
    'button',
    { type: 'submit', className: 'danger', 'data-testid': 'seller-cancel' },
    '판매 취소 ',
    h('small', {}, 'Cancel sale'),
  );
  const form = h(
    'form',
    { className: 'row seller-cancel', 'data-testid': 'seller-cancel-form' },
    h('label', {}, '판매 취소 ', h('small', {}, 'Line'), line),
    h('label', {}, '사유 ', h('small', {}, 'Reason'), reason),
    button,
  );
  const cancel = action(
    async () => {
      const item = lines.find((l) => l.id === line.value);
      const items = [{ itemId: line.value, quantity: item ? unitsLeft(item) : 1 }];
      const variables = { orderId: order.orderId, items, reason: reason.value.trim() || null };
      const { cancelOrderItems } = await asSeller(Q.cancelOrderItems, variables);
      await onDone(cancelOrderItems, item);
    },
    null,
    { box: error, form }, // a refused `reason` or `items` is marked in this form
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    cancel({ currentTarget: button });
  });
  return form;
}
