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

export const won = (amount) => `${Number(amount).toLocaleString('ko-KR')}원`;
export const when = (iso) => (iso ? new Date(iso).toLocaleString('ko-KR') : '-');
export const firstImage = (images) => [...images].sort((a, b) => a.position - b.position)[0];

/** `[CODE] message (reason)`: every error the page shows carries its extensions.code. */
export const describe = (err) => `[${err.code || 'ERROR'}] ${err.message}${err.reason ? ` (${err.reason})` : ''}`;
export const showError = (err) => ($('error').textContent = describe(err));
export const clearError = () => ($('error').textContent = '');

/** Wraps a click handler: its button is disabled while it runs, any error is shown, then `after()` may reset the button. */
export function action(fn, after) {
  return async (event) => {
    const button = event && event.currentTarget;
    if (button) button.disabled = true;
    clearError();
    try {
      await fn(event, button);
    } catch (err) {
      showError(err);
    } finally {
      if (button) button.disabled = false;
      if (after) after();
    }
  };
}
