// The product list: search (검색), category, price range and sort, keyset paging with a stack of the cursors seen
// for "Previous". A search, its price range and the sort stay with every page until they are changed or cleared.
import { asCustomer, gql, Q } from './api.js';
import { $, action, clearError, firstImage, h, markField, showError, won } from './dom.js';

const PAGE_SIZE = 12;
/** The applied query: what the visitor submitted, not what is half typed in the box. */
const catalog = { after: null, stack: [], categoriesLoaded: false, search: '', minPrice: null, maxPrice: null, onCartChanged: null };
/** Counts the loads, so only the latest one draws the page (an earlier answer arriving late is dropped). */
let loads = 0;
const searching = () => catalog.search.trim() !== '';

/** Shows the current page of the listing (the catalog view); `onCartChanged` gets the cart an "Add to cart" answers. */
export async function showCatalog({ onCartChanged } = {}) {
  if (onCartChanged) catalog.onCartChanged = onCartChanged;
  if (!catalog.categoriesLoaded) {
    const { categories } = await gql(Q.categories);
    const options = categories
      .map((c) => ({ id: c.id, label: c.parent ? `${c.parent.name} › ${c.name}` : c.name }))
      .sort((a, b) => a.label.localeCompare(b.label, 'ko'));
    $('category').append(...options.map((o) => h('option', { value: o.id }, o.label)));
    catalog.categoriesLoaded = true;
  }
  const variables = {
    first: PAGE_SIZE,
    after: catalog.after,
    sort: $('sort').value,
    categoryId: $('category').value || null,
    search: searching() ? catalog.search : null,
    minPrice: catalog.minPrice,
    maxPrice: catalog.maxPrice,
  };
  const mine = ++loads;
  let products;
  try {
    ({ products } = await gql(Q.products, variables));
  } catch (err) {
    if (mine === loads) throw err;
    return;
  }
  if (mine !== loads) return;
  const filtered = searching() || catalog.minPrice != null || catalog.maxPrice != null;
  $('count-label').textContent = filtered ? '검색 결과' : '총';
  $('total-count').textContent = products.totalCount;
  $('no-results').hidden = products.totalCount > 0;
  $('page-number').textContent = `${catalog.stack.length + 1} / ${Math.max(1, Math.ceil(products.totalCount / PAGE_SIZE))}`;
  $('prev-page').disabled = catalog.stack.length === 0;
  $('next-page').disabled = !products.pageInfo.hasNextPage;
  $('next-page').dataset.cursor = products.pageInfo.endCursor || '';
  $('products').replaceChildren(...products.edges.map(({ node }) => productCard(node)));
}

function productCard(product) {
  const image = firstImage(product.images);
  const soldOut = product.status === 'SOLD_OUT' || product.stock === 0;
  const buyable = product.status === 'ON_SALE' && product.stock > 0;
  const addToCart = action(async (_event, button) => {
    const { addToCart: cart } = await asCustomer(Q.addToCart, { productId: product.id, quantity: 1 });
    if (catalog.onCartChanged) catalog.onCartChanged(cart);
    button.textContent = '담았어요 ✓ (Added)';
  });
  return h(
    'article',
    { className: 'product', 'data-testid': 'product', 'data-product-id': product.id, 'data-status': product.status },
    h(
      'div',
      { className: 'thumb' },
      image ? h('img', { src: image.url, alt: product.name, loading: 'lazy' }) : h('div', { className: 'noimg' }, 'No image'),
      soldOut ? h('span', { className: 'sold-out', 'data-testid': 'sold-out' }, '품절 ', h('small', {}, 'Sold out')) : null,
    ),
    h('h3', {}, product.name),
    h('p', { className: 'price', 'data-price': product.price }, won(product.price)),
    h('p', { className: 'muted' }, `${product.seller.name}${product.category ? ` · ${product.category.name}` : ''}`),
    h(
      'button',
      { type: 'button', className: 'primary', disabled: !buyable, 'data-testid': 'add-to-cart', onclick: buyable ? addToCart : null },
      buyable ? '담기 (Add to cart)' : '품절 (Sold out)',
    ),
  );
}

function reloadCatalog(reset) {
  if (reset) Object.assign(catalog, { after: null, stack: [] });
  clearError();
  markField($('search-form'), null);
  // A refused search or price (BAD_USER_INPUT naming `search`, `minPrice` or `maxPrice`) is marked in the form.
  showCatalog().catch((err) => showError(err, { form: $('search-form') }));
}

/** 정확도순 (RELEVANCE) is offered only while a search is applied, and is then the default. */
function syncRelevance(wasSearching) {
  const relevance = $('sort').querySelector('option[value=RELEVANCE]');
  relevance.hidden = !searching();
  relevance.disabled = !searching();
  if (searching() && !wasSearching) $('sort').value = 'RELEVANCE';
  if (!searching() && $('sort').value === 'RELEVANCE') $('sort').value = 'NEWEST';
}

/** A price box as the API takes it: a number of won, or null when empty (the server refuses what is out of range). */
const priceOf = (input) => (input.value.trim() === '' ? null : Number(input.value));

function applySearch() {
  const wasSearching = searching();
  Object.assign(catalog, { search: $('search').value, minPrice: priceOf($('min-price')), maxPrice: priceOf($('max-price')) });
  syncRelevance(wasSearching);
  reloadCatalog(true);
}

$('search-form').addEventListener('submit', (event) => {
  event.preventDefault();
  applySearch();
});
$('search-clear').addEventListener('click', () => {
  $('search').value = '';
  $('min-price').value = '';
  $('max-price').value = '';
  applySearch();
  $('search').focus();
});
// Emptying the box (the field's own ✕, or deleting the text) goes back to the full listing at once.
$('search').addEventListener('input', () => {
  if ($('search').value === '' && searching()) applySearch();
});
$('category').addEventListener('change', () => reloadCatalog(true));
$('sort').addEventListener('change', () => reloadCatalog(true));
$('next-page').addEventListener('click', () => {
  catalog.stack.push(catalog.after);
  catalog.after = $('next-page').dataset.cursor;
  reloadCatalog(false);
});
$('prev-page').addEventListener('click', () => {
  if (catalog.stack.length === 0) return;
  catalog.after = catalog.stack.pop();
  reloadCatalog(false);
});
syncRelevance(false);
