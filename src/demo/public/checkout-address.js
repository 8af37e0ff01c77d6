// The cart's shipping address (배송지): one of the customer's address book, or a new one typed in
// (optionally saved to the book first), handed to createOrder as input.shippingAddressId / input.shippingAddress.
import { ApiError, asCustomer, Q } from './api.js';
import { $, h } from './dom.js';

const NEW = 'new';
const FIELDS = ['recipientName', 'phone', 'postcode', 'roadAddress', 'detail', 'memo'];
let book = [];

/** One line of an address: `홍길동 · 01012345678 · (06236) 서울 강남구 테헤란로 152 101동` (and the memo). */
export function addressText(a) {
  const where = `(${a.postcode}) ${a.roadAddress}${a.detail ? ` ${a.detail}` : ''}`;
  return `${a.recipientName} · ${a.phone} · ${where}${a.memo ? ` · ${a.memo}` : ''}`;
}

const chosen = () => {
  const checked = document.querySelector('input[name=address-choice]:checked');
  return checked ? checked.value : NEW;
};

function showFormIfNew() {
  $('address-form').hidden = chosen() !== NEW;
}

/**
 * Draws the address book as choices (the default, or `select`, checked) plus "a new address";
 * with an empty book only the form shows. What was typed in the form stays.
 */
export async function loadAddressBook(select) {
  book = (await asCustomer(Q.shippingAddresses)).shippingAddresses;
  const current = select || (book.find((a) => a.isDefault) || book[0] || {}).id || NEW;
  const choice = (value, label, extra) =>
    h(
      'label',
      { className: 'choice', 'data-testid': 'address-choice' },
      h('input', { type: 'radio', name: 'address-choice', value, checked: value === current, onchange: showFormIfNew }),
      h('span', {}, label, extra || null),
    );
  $('address-book').replaceChildren(
    ...(book.length === 0
      ? []
      : [
          ...book.map((a) => choice(a.id, addressText(a), a.isDefault ? h('small', {}, ' · 기본 (default)') : null)),
          choice(NEW, '새 주소 입력 (New address)'),
        ]),
  );
  showFormIfNew();
}

/** The typed address as OrderAddressInput / ShippingAddressInput: empty optional fields left out. */
function typedAddress() {
  const form = $('address-form');
  const invalid = form.querySelector(':invalid');
  if (invalid) {
    form.reportValidity();
    throw new ApiError('BAD_USER_INPUT', '배송지를 입력해 주세요 (Enter the shipping address).', undefined, invalid.name);
  }
  const address = {};
  for (const name of FIELDS) {
    const value = form.elements[name].value.trim();
    if (value !== '' || !['detail', 'memo'].includes(name)) address[name] = value;
  }
  return address;
}

/**
 * createOrder's address part: the chosen book entry, or the typed address (added to the book
 * first when "save" is ticked; the book is then drawn again with it chosen, so a retry after a
 * failed order does not save it twice).
 */
export async function orderAddressInput() {
  const id = chosen();
  if (id !== NEW) return { shippingAddressId: id };
  const address = typedAddress();
  if (!$('save-address').checked) return { shippingAddress: address };
  const { addShippingAddress: saved } = await asCustomer(Q.addShippingAddress, { input: address });
  $('address-form').reset();
  await loadAddressBook(saved.id);
  return { shippingAddressId: saved.id };
}
