// 내 상품 in the seller box: the logged-in seller's own catalog (myProducts: every status, never deleted ones),
// searched and filtered by status, with its stock and the units unpaid orders hold (heldStock, 결제 대기), a quick
// restock and hide/show (updateProduct). Paged with "More".
import { asSeller, Q, seller } from './api.js';
import { $, action, firstImage, h, markField, won } from './dom.js';
import { badge } from './order-detail.js';

const STATUS_LABEL = { ON_SALE: '판매 중 (on sale)', SOLD_OUT: '품절 (sold out)', HIDDEN: '숨김 (hidden)' };
/** The applied filter (what was submitted), the next page's cursor, and a counter so a late answer is dropped. */
const list = { search: '', status: null, after: null, loads: 0 };

/** Draws the first page for the applied filter, or appends the next one (`more`). */
export async function loadMyProducts({ more = false } = {}) {
  const mine = ++list.loads;
  if (!more) list.after = null;
  const { myProducts } = await asSeller(Q.myProducts, {
    after: list.after,
    status: list.status,
    search: list.search.trim() === '' ? null : list.search,
  });
  if (mine !== list.loads || !seller()) return;
  $('my-products-box').hidden = false;
  $('my-total').textContent = myProducts.totalCount;
  $('my-no-results').hidden = myProducts.totalCount > 0;
  const rows = myProducts.edges.map(({ node }) => productRow(node));
  if (more) $('my-products').append(...rows);
  else $('my-products').replaceChildren(...rows);
  list.after = myProducts.pageInfo.endCursor;
  $('my-more').hidden = !myProducts.pageInfo.hasNextPage;
}

/** Empties the box (the seller logged out). */
export function clearMyProducts() {
  list.loads++;
  $('my-products-box').hidden = true;
  $('my-products').replaceChildren();
  $('my-error').textContent = '';
}

function productRow(product) {
  const image = firstImage(product.images);
  const stock = h('input', {
    name: 'stock',
    type: 'number',
    min: 0,
    max: 1000000,
    value: product.stock,
    required: true,
    className: 'stock-input',
    'aria-label': '재고 (Stock)',
  });
  const restockButton = h('button', { type: 'submit', 'data-testid': 'restock' }, '재고 변경 ', h('small', {}, 'Set stock'));
  const restockForm = h('form', { className: 'restock' }, stock, restockButton);
  const row = h(
    'li',
    { 'data-testid': 'my-product', 'data-product-id': product.id, 'data-status': product.status },
    image ? h('img', { src: image.url, alt: '' }) : null,
    h(
      'span',
      { className: 'grow' },
      h('b', {}, product.name),
      h('br'),
      h('small', {}, `${won(product.price)}${product.category ? ` · ${product.category.name}` : ''}`),
    ),
    badge(product.status, STATUS_LABEL),
    h('span', { 'data-testid': 'my-stock' }, `재고 ${product.stock}개`),
    product.heldStock ? h('span', { className: 'pending', 'data-testid': 'held-stock' }, `결제 대기 ${product.heldStock}개`) : null,
    restockForm,
    h(
      'button',
      { type: 'button', 'data-testid': 'toggle-hidden', onclick: change({ status: product.status === 'HIDDEN' ? 'ON_SALE' : 'HIDDEN' }) },
      ...(product.status === 'HIDDEN' ? ['보이기 ', h('small', {}, 'Show')] : ['숨기기 ', h('small', {}, 'Hide')]),
    ),
  );
  /** updateProduct, then the row drawn again from its answer (it stays in place even if it no longer matches the filter). */
  function change(input, form) {
    return action(
      async () => {
        const { updateProduct } = await asSeller(Q.updateProduct, { id: product.id, input });
        row.replaceWith(productRow(updateProduct));
      },
      null,
      { box: $('my-error'), form },
    );
  }
  restockForm.addEventListener('submit', (event) => {
    event.preventDefault();
    change({ stock: Number(stock.value) }, restockForm)({ currentTarget: restockButton });
  });
  return row;
}

const where = { box: $('my-error'), form: $('my-products-form') };
$('my-products-form').addEventListener('submit', (event) => {
  event.preventDefault();
  Object.assign(list, { search: $('my-search').value, status: $('my-status').value || null });
  markField($('my-products-form'), null);
  action(() => loadMyProducts(), null, where)({ currentTarget: $('my-search-button') });
});
$('my-status').addEventListener('change', () => $('my-products-form').requestSubmit());
// Emptying the box goes back to every product (in the chosen status).
$('my-search').addEventListener('input', () => {
  if ($('my-search').value === '' && list.search !== '') $('my-products-form').requestSubmit();
});
$('my-more').addEventListener(
  'click',
  action(() => loadMyProducts({ more: true }), null, where),
);
