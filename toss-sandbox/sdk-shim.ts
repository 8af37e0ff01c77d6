/**
 * A stand-in for `https://js.tosspayments.com/v2/standard`: a global `TossPayments(clientKey)` whose
 * `widgets(...).requestPayment()` and `payment(...).requestPayment()` navigate to the sandbox /checkout page.
 * Redirect mode only (successUrl and failUrl are required), like the storefront uses it.
 */
export function sdkShim(fallbackOrigin: string): string {
  return `/* Toss Payments sandbox SDK shim (v2 standard subset) */
(function () {
  'use strict';
  var script = document.currentScript;
  var origin = script && script.src ? new URL(script.src).origin : ${JSON.stringify(fallbackOrigin)};

  function sdkError(code, message) {
    var error = new Error(message);
    error.code = code;
    return error;
  }

  function isAbsolute(url) {
    try {
      var parsed = new URL(url);
      return parsed.protocol === 'http:' || parsed.protocol === 'https:';
    } catch (e) {
      return false;
    }
  }

  function render(selector, text) {
    var element = selector ? document.querySelector(selector) : null;
    if (element) element.textContent = text;
    return { on: function () {}, destroy: function () { if (element) element.textContent = ''; } };
  }

  function navigate(clientKey, params, amount) {
    if (!params || typeof params !== 'object') return Promise.reject(sdkError('INVALID_PARAMETERS', 'requestPayment needs an object'));
    if (!isAbsolute(params.successUrl) || !isAbsolute(params.failUrl)) {
      return Promise.reject(sdkError('INVALID_URL', 'successUrl and failUrl must be absolute URLs (the sandbox supports redirect mode only)'));
    }
    if (!amount || typeof amount.value !== 'number' || !(amount.value > 0)) {
      return Promise.reject(sdkError('INVALID_AMOUNT_VALUE', 'amount.value must be greater than 0'));
    }
    var query = new URLSearchParams({
      clientKey: clientKey,
      orderId: String(params.orderId),
      orderName: String(params.orderName),
      amount: String(amount.value),
      successUrl: params.successUrl,
      failUrl: params.failUrl
    });
    if (params.customerEmail) query.set('customerEmail', String(params.customerEmail));
    if (params.customerName) query.set('customerName', String(params.customerName));
    window.location.href = origin + '/checkout?' + query.toString();
    return new Promise(function () {});
  }

  function TossPayments(clientKey) {
    if (typeof clientKey !== 'string' || clientKey.indexOf('test_') !== 0) {
      throw sdkError('INVALID_CLIENT_KEY', 'The sandbox only accepts test_ client keys');
    }
    return {
      widgets: function () {
        if (clientKey.indexOf('test_gck_') !== 0) throw sdkError('INVALID_CLIENT_KEY', 'widgets() needs a widget client key (test_gck_)');
        var amount = null;
        return {
          setAmount: function (value) { amount = value; return Promise.resolve(); },
          renderPaymentMethods: function (options) { return Promise.resolve(render(options && options.selector, '카드 (sandbox)')); },
          renderAgreement: function (options) { return Promise.resolve(render(options && options.selector, '약관 동의 (sandbox)')); },
          requestPayment: function (params) {
            if (!amount) return Promise.reject(sdkError('NEED_AMOUNT', 'call setAmount() first'));
            return navigate(clientKey, params, amount);
          }
        };
      },
      payment: function () {
        if (clientKey.indexOf('test_ck_') !== 0) throw sdkError('INVALID_CLIENT_KEY', 'payment() needs an API client key (test_ck_)');
        return {
          requestPayment: function (params) {
            if (params && params.method && params.method !== 'CARD') {
              return Promise.reject(sdkError('NOT_SUPPORTED_METHOD', 'The sandbox only supports CARD'));
            }
            return navigate(clientKey, params, params && params.amount);
          }
        };
      }
    };
  }
  TossPayments.ANONYMOUS = '@@ANONYMOUS';
  window.TossPayments = TossPayments;
})();
`;
}
