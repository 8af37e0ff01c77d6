import type { CheckoutSession } from './context';
import { escapeHtml } from './http-io';
import type { Payment } from './types';

/** Outcomes a developer can pick for the later confirm (sandbox-only control on the page). */
export const CONFIRM_OUTCOMES: readonly { code: string; label: string }[] = [
  { code: '', label: '승인 성공 (confirm succeeds)' },
  { code: 'REJECT_CARD_COMPANY', label: 'REJECT_CARD_COMPANY' },
  { code: 'REJECT_CARD_PAYMENT', label: 'REJECT_CARD_PAYMENT' },
  { code: 'INVALID_CARD_EXPIRATION', label: 'INVALID_CARD_EXPIRATION' },
  { code: 'INVALID_STOPPED_CARD', label: 'INVALID_STOPPED_CARD' },
  { code: 'EXCEED_MAX_AMOUNT', label: 'EXCEED_MAX_AMOUNT' },
];

const STYLE = `body{font-family:system-ui,sans-serif;background:#f2f4f6;margin:0;padding:32px}
main{max-width:420px;margin:auto;background:#fff;border-radius:16px;padding:24px;box-shadow:0 2px 8px #0001}
h1{font-size:18px;margin:0 0 16px}dl{display:grid;grid-template-columns:auto 1fr;gap:6px 12px;margin:0 0 20px}
dt{color:#6b7684}dd{margin:0;font-weight:600}button{display:block;width:100%;padding:12px;margin-top:8px;border:0;
border-radius:10px;font-size:15px;cursor:pointer}.approve{background:#3182f6;color:#fff}.decline{background:#e5e8eb}
.reject{background:#fff0f0;color:#c92a2a}select{width:100%;padding:8px}small{color:#8b95a1}ul{color:#c92a2a}`;

function layout(title: string, body: string): string {
  return `<!doctype html><html lang="ko"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

function won(amount: number): string {
  return `${amount.toLocaleString('en-US')}원`;
}

function rows(entries: Array<[string, string]>): string {
  return `<dl>${entries.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>`;
}

/** The simulated payment window: order summary plus Approve / Decline / Card rejected. */
export function checkoutPage(session: CheckoutSession): string {
  const entries: Array<[string, string]> = [
    ['주문명', session.orderName],
    ['결제 금액', won(session.amount)],
    ['주문번호', session.orderId],
  ];
  if (session.customerName) entries.push(['구매자', session.customerName]);
  if (session.customerEmail) entries.push(['이메일', session.customerEmail]);
  const options = CONFIRM_OUTCOMES.map((o) => `<option value="${escapeHtml(o.code)}">${escapeHtml(o.label)}</option>`).join('');
  return layout(
    '토스페이먼츠 결제 (sandbox)',
    `<h1>토스페이먼츠 결제 <small>sandbox</small></h1>${rows(entries)}
<form method="post" action="/checkout/complete">
<input type="hidden" name="session" value="${escapeHtml(session.id)}">
<label><small>Sandbox: outcome of the later confirm</small><select name="confirmError">${options}</select></label>
<button class="approve" type="submit" name="action" value="approve">${escapeHtml(won(session.amount))} 결제하기 (Approve)</button>
<button class="decline" type="submit" name="action" value="decline">결제 취소 (Decline)</button>
<button class="reject" type="submit" name="action" value="reject">카드사 거절 (Card rejected)</button>
</form>`,
  );
}

/** A 400 page listing what is wrong with the request. */
export function errorPage(title: string, problems: readonly string[]): string {
  return layout(title, `<h1>${escapeHtml(title)}</h1><ul>${problems.map((p) => `<li>${escapeHtml(p)}</li>`).join('')}</ul>`);
}

/** Sales slip / checkout link target: a read-only summary of the payment. */
export function paymentSummaryPage(payment: Payment): string {
  const entries: Array<[string, string]> = [
    ['상태', payment.status],
    ['주문명', payment.orderName],
    ['주문번호', payment.orderId],
    ['결제 금액', won(payment.totalAmount)],
    ['취소 가능 잔액', won(payment.balanceAmount)],
    ['요청 시각', payment.requestedAt],
    ['승인 시각', payment.approvedAt ?? '-'],
    ['paymentKey', payment.paymentKey],
  ];
  return layout('매출전표 (sandbox)', `<h1>매출전표 <small>sandbox</small></h1>${rows(entries)}`);
}
