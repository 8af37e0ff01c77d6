// Small DOM helpers shared by the views.
export const $ = (id) => document.getElementById(id);

/** `h('button', { className: 'primary', onclick, 'data-testid': 'x' }, 'text', child)`: props, then children. */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value == null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key in el) el[key] = value;
    else el.setAttribute(key, value === true ? '' : value);
  }
  el.append(...children.flat().filter((c) => c != null && c !== false));
  return el;
}

/** A live connection's state (api.js subscribe's onState), as the page shows it. */
export const WS_STATE = {
  connecting: '연결 중… (connecting)',
  live: '● 실시간 (live)',
  reconnecting: '재연결 중… (reconnecting)',
  completed: '구독 종료 (subscription ended)',
  closed: '연결 끊김 (disconnected)',
  failed: '구독 오류 (subscription refused)',
};

export const won = (amount) => `${Number(amount).toLocaleString('ko-KR')}원`;
export const when = (iso) => (iso ? new Date(iso).toLocaleString('ko-KR') : '-');
export const firstImage = (images) => [...images].sort((a, b) => a.position - b.position)[0];

/** `[CODE] message (reason)`: every error the page shows carries its extensions.code. */
export const describe = (err) => `[${err.code || 'ERROR'}] ${err.message}${err.reason ? ` (${err.reason})` : ''}`;
export const clearError = () => ($('error').textContent = '');

/**
 * Shows an error: in `box` when given (a box far down the page), else at the top of the page.
 * A BAD_USER_INPUT naming its input (`err.field`, e.g. "phone" or "shippingAddress.phone") marks
 * that input of `form` (aria-invalid) and focuses it.
 */
export function showError(err, { box, form } = {}) {
  (box || $('error')).textContent = describe(err);
  if (form) markField(form, err.field);
}

/** Clears the marks, then marks the input named by the last part of `field`, if `form` has one. */
export function markField(form, field) {
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  const name = field && field.split('.').pop();
  const input = name && form.querySelector(`[name="${CSS.escape(name)}"]`);
  if (!input) return;
  input.setAttribute('aria-invalid', 'true');
  input.focus();
}

/**
 * Wraps a click handler: its button is disabled while it runs, any error is shown (in `where.box`,
 * marking `where.form`'s input, as showError does), then `after()` may reset the button.
 */
export function action(fn, after, where = {}) {
  return async (event) => {
    const button = event && event.currentTarget;
    if (button) button.disabled = true;
    if (where.box) where.box.textContent = '';
    else clearError();
    if (where.form) markField(where.form, null);
    try {
      await fn(event, button);
    } catch (err) {
      showError(err, where);
    } finally {
      if (button) button.disabled = false;
      if (after) after();
    }
  };
}
