/** Message language, chosen from `Accept-Language`. */
export type Lang = 'ko' | 'en';

interface ErrorSpec {
  status: number;
  ko: string;
  en: string;
}

function spec(status: number, ko: string, en: string): ErrorSpec {
  return { status, ko, en };
}

const TEMPORARY_KO = '일시적인 오류가 발생했습니다. 잠시 후 다시 시도해주세요.';
const TEMPORARY_EN = 'This is temporary error. Please try again in a few minutes.';

/** Every code of the reference (§6) plus the few the sandbox itself needs, with the documented HTTP status. */
const CATALOGUE: Readonly<Record<string, ErrorSpec>> = {
  // Confirm
  ALREADY_PROCESSED_PAYMENT: spec(400, '이미 처리된 결제 입니다.', 'This is a payment that has already been processed.'),
  PROVIDER_ERROR: spec(400, TEMPORARY_KO, TEMPORARY_EN),
  CARD_PROCESSING_ERROR: spec(400, '카드사에서 오류가 발생했습니다.', 'An error occurred at the card company.'),
  INVALID_REQUEST: spec(400, '잘못된 요청입니다.', 'The bad request.'),
  INVALID_API_KEY: spec(400, '잘못된 시크릿키 연동 정보 입니다.', 'Incorrect secret key.'),
  INVALID_REJECT_CARD: spec(400, '카드 사용이 거절되었습니다. 카드사 문의가 필요합니다.', 'Refer to card issuer/decline.'),
  INVALID_CARD_EXPIRATION: spec(
    400,
    '카드 정보를 다시 확인해주세요. (유효기간)',
    'Please check the card expiration date information again.',
  ),
  INVALID_STOPPED_CARD: spec(400, '정지된 카드 입니다.', 'This is a suspended card.'),
  INVALID_CARD_NUMBER: spec(400, '카드번호를 다시 확인해주세요.', 'Please check the card number again.'),
  INVALID_CARD_LOST_OR_STOLEN: spec(400, '분실 혹은 도난 카드입니다.', 'This card has been reported lost or stolen.'),
  BELOW_MINIMUM_AMOUNT: spec(
    400,
    '신용카드는 결제금액이 100원 이상, 계좌는 200원이상부터 결제가 가능합니다.',
    'Payment can be made from 100 won or more by credit card, and 200 won or more for account.',
  ),
  EXCEED_MAX_AMOUNT: spec(400, '거래금액 한도를 초과했습니다.', 'The transaction amount limit has been exceeded.'),
  EXCEED_MAX_CARD_INSTALLMENT_PLAN: spec(
    400,
    '설정 가능한 최대 할부 개월 수를 초과했습니다.',
    'Maximum number of installment months exceeded.',
  ),
  INVALID_CARD_INSTALLMENT_PLAN: spec(400, '할부 개월 정보가 잘못되었습니다.', 'The installment plan is invalid.'),
  NOT_SUPPORTED_INSTALLMENT_PLAN_CARD_OR_MERCHANT: spec(
    400,
    '할부가 지원되지 않는 카드 또는 가맹점 입니다.',
    'Installments are not supported.',
  ),
  NOT_SUPPORTED_MONTHLY_INSTALLMENT_PLAN: spec(400, '할부가 지원되지 않는 카드입니다.', 'This card does not support installments.'),
  EXCEED_MAX_DAILY_PAYMENT_COUNT: spec(400, '하루 결제 가능 횟수를 초과했습니다.', 'The daily payment count has been exceeded.'),
  EXCEED_MAX_PAYMENT_AMOUNT: spec(400, '하루 결제 가능 금액을 초과했습니다.', 'The daily payment amount has been exceeded.'),
  EXCEED_MAX_MONTHLY_PAYMENT_AMOUNT: spec(
    400,
    '당월 결제 가능금액인 1,000,000원을 초과 하셨습니다.',
    'The monthly payment amount has been exceeded.',
  ),
  NOT_ALLOWED_POINT_USE: spec(400, '포인트 사용이 불가한 카드로 카드 포인트 결제에 실패했습니다.', 'This card cannot be used with points.'),
  UNAPPROVED_ORDER_ID: spec(400, '아직 승인되지 않은 주문번호입니다.', 'This order ID has not been approved yet.'),
  NOT_AVAILABLE_PAYMENT: spec(400, '결제가 불가능한 시간대입니다.', 'Payments are not available at this time.'),
  INVALID_AUTHORIZE_AUTH: spec(400, '유효하지 않은 인증 방식입니다.', 'Invalid authentication method.'),
  NOT_FOUND_TERMINAL_ID: spec(400, '단말기번호(Terminal Id)가 없습니다.', 'There is no terminal ID.'),
  DUPLICATED_ORDER_ID: spec(
    400,
    '이미 승인 및 취소가 진행된 중복된 주문번호 입니다. 다른 주문번호로 진행해주세요.',
    'This order ID has already been approved or canceled. Please use another order ID.',
  ),
  UNAUTHORIZED_KEY: spec(401, '인증되지 않은 시크릿 키 혹은 클라이언트 키 입니다.', 'Unauthorized secret key or client key.'),
  REJECT_CARD_PAYMENT: spec(
    403,
    '한도초과 혹은 잔액부족으로 결제에 실패했습니다.',
    'Payment failed: limit exceeded or insufficient balance.',
  ),
  REJECT_CARD_COMPANY: spec(403, '결제 승인이 거절되었습니다.', 'The payment approval was rejected.'),
  FORBIDDEN_REQUEST: spec(403, '허용되지 않은 요청입니다.', 'This request is not allowed.'),
  INCORRECT_BASIC_AUTH_FORMAT: spec(
    403,
    "잘못된 요청입니다. ':' 를 포함해 인코딩해주세요.",
    "Bad request. Encode the key together with ':'.",
  ),
  FDS_ERROR: spec(403, '위험거래가 감지되어 결제가 제한됩니다.', 'The payment is restricted because a risky transaction was detected.'),
  EXCEED_MAX_AUTH_COUNT: spec(403, '최대 인증 횟수를 초과했습니다.', 'The maximum number of authentications has been exceeded.'),
  EXCEED_MAX_ONE_DAY_AMOUNT: spec(403, '일일 한도를 초과했습니다.', 'The daily limit has been exceeded.'),
  INVALID_PASSWORD: spec(403, '결제 비밀번호가 일치하지 않습니다.', 'The payment password does not match.'),
  NOT_AVAILABLE_BANK: spec(403, '은행 서비스 시간이 아닙니다.', 'The bank service is not available at this time.'),
  REJECT_ACCOUNT_PAYMENT: spec(403, '잔액부족으로 결제에 실패했습니다.', 'Payment failed due to insufficient balance.'),
  NOT_FOUND_PAYMENT: spec(404, '존재하지 않는 결제 정보 입니다.', 'The payment does not exist.'),
  NOT_FOUND_PAYMENT_SESSION: spec(
    404,
    '결제 시간이 만료되어 결제 진행 데이터가 존재하지 않습니다.',
    'The payment session has expired and its data no longer exists.',
  ),
  NOT_FOUND: spec(404, '존재하지 않는 정보 입니다.', 'The information does not exist.'),
  FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING: spec(
    500,
    '결제가 완료되지 않았어요. 다시 시도해주세요.',
    'The payment was not completed. Please try again.',
  ),
  FAILED_INTERNAL_SYSTEM_PROCESSING: spec(
    500,
    '내부 시스템 처리 작업이 실패했습니다. 잠시 후 다시 시도해주세요.',
    'Internal system processing failed. Please try again in a few minutes.',
  ),
  UNKNOWN_PAYMENT_ERROR: spec(
    500,
    '결제에 실패했어요. 같은 문제가 반복된다면 은행이나 카드사로 문의해주세요.',
    'The payment failed. If it keeps happening, contact your bank or card company.',
  ),
  // Cancel
  ALREADY_CANCELED_PAYMENT: spec(400, '이미 취소된 결제 입니다.', 'This payment has already been canceled.'),
  NOT_MATCHES_REFUNDABLE_AMOUNT: spec(400, '잔액 결과가 일치하지 않습니다.', 'The refundable amount does not match.'),
  INVALID_REFUND_ACCOUNT_INFO: spec(
    400,
    '환불 계좌번호와 예금주명이 일치하지 않습니다.',
    'The refund account number and holder name do not match.',
  ),
  INVALID_REFUND_ACCOUNT_NUMBER: spec(400, '잘못된 환불 계좌번호입니다.', 'Invalid refund account number.'),
  INVALID_BANK: spec(400, '유효하지 않은 은행입니다.', 'Invalid bank.'),
  REFUND_REJECTED: spec(
    400,
    '환불이 거절됐습니다. 결제사에 문의 부탁드립니다.',
    'The refund was rejected. Please contact the payment provider.',
  ),
  ALREADY_REFUND_PAYMENT: spec(400, '이미 환불된 결제입니다.', 'This payment has already been refunded.'),
  FORBIDDEN_BANK_REFUND_REQUEST: spec(400, '고객 계좌가 입금이 되지 않는 상태입니다.', 'The customer account cannot receive deposits.'),
  EXCEED_CANCEL_AMOUNT_DISCOUNT_AMOUNT: spec(
    400,
    '즉시할인금액보다 적은 금액은 부분취소가 불가능합니다.',
    'A partial cancel below the instant discount amount is not possible.',
  ),
  NOT_CANCELABLE_AMOUNT: spec(403, '취소 할 수 없는 금액 입니다.', 'This amount cannot be canceled.'),
  NOT_CANCELABLE_PAYMENT: spec(403, '취소 할 수 없는 결제 입니다.', 'This payment cannot be canceled.'),
  FORBIDDEN_CONSECUTIVE_REQUEST: spec(
    403,
    '반복적인 요청은 허용되지 않습니다. 잠시 후 다시 시도해주세요.',
    'Repeated requests are not allowed. Please try again later.',
  ),
  EXCEED_MAX_REFUND_DUE: spec(403, '환불 가능한 기간이 지났습니다.', 'The refund period has passed.'),
  NOT_ALLOWED_PARTIAL_REFUND: spec(
    403,
    '에스크로 주문, 현금 카드 결제일 때는 부분 환불이 불가합니다.',
    'Partial refunds are not possible for escrow orders or cash card payments.',
  ),
  NOT_ALLOWED_PARTIAL_REFUND_WAITING_DEPOSIT: spec(
    403,
    '입금 대기중인 결제는 부분 환불이 불가합니다.',
    'Payments waiting for deposit cannot be partially refunded.',
  ),
  NOT_CANCELABLE_PAYMENT_FOR_DORMANT_USER: spec(
    403,
    '휴면 처리된 회원의 결제는 취소할 수 없습니다.',
    'Payments of dormant users cannot be canceled.',
  ),
  EXCEED_CANCEL_LIMIT: spec(403, '취소 한도 금액을 초과 하였습니다.', 'The cancel limit has been exceeded.'),
  FAILED_REFUND_PROCESS: spec(500, '환불요청에 실패했습니다.', 'The refund request failed.'),
  FAILED_PARTIAL_REFUND: spec(500, '부분 환불이 실패했습니다.', 'The partial refund failed.'),
  FAILED_METHOD_HANDLING_CANCEL: spec(
    500,
    '취소 중 결제 시 사용한 결제 수단 처리과정에서 일시적인 오류가 발생했습니다.',
    'A temporary error occurred while handling the payment method during the cancel.',
  ),
  COMMON_ERROR: spec(500, TEMPORARY_KO, TEMPORARY_EN),
  // Any POST
  INVALID_IDEMPOTENCY_KEY: spec(400, '멱등키는 300자 이하여야 합니다.', 'The idempotency key must be 300 characters or fewer.'),
  IDEMPOTENT_REQUEST_PROCESSING: spec(409, '이전 멱등 요청이 처리중입니다.', 'The previous idempotent request is still being processed.'),
  // Failure codes stored on payments and passed to failUrl
  EXPIRED_PAYMENT: spec(400, '결제가 만료되었습니다. 다시 시도해주세요.', 'The payment has expired. Please try again.'),
  PAY_PROCESS_CANCELED: spec(400, '사용자에 의해 결제가 취소되었습니다.', 'Payment has been canceled by the customer.'),
  PAY_PROCESS_ABORTED: spec(
    400,
    '결제 진행 중 승인에 실패하여 결제가 중단되었습니다.',
    'Payment has been canceled or has not been processed.',
  ),
};

/** True when the code is one the sandbox knows (documented or sandbox-specific). */
export function isKnownCode(code: string): boolean {
  return Object.prototype.hasOwnProperty.call(CATALOGUE, code);
}

/** Documented HTTP status of a code; 400 for codes the reference does not list. */
export function statusOf(code: string): number {
  return isKnownCode(code) ? CATALOGUE[code].status : 400;
}

/** Message of a code in the requested language. */
export function messageOf(code: string, lang: Lang = 'ko'): string {
  if (isKnownCode(code)) return CATALOGUE[code][lang];
  return lang === 'en' ? `Error reproduced by the sandbox (${code}).` : `테스트 환경에서 재현된 에러입니다. (${code})`;
}

/** An expected API error; rendered as `{code, message}` with the documented status. */
export class TossError extends Error {
  readonly status: number;

  constructor(
    readonly code: string,
    status?: number,
  ) {
    super(code);
    this.name = 'TossError';
    this.status = status ?? statusOf(code);
  }
}

/** The `{code, message}` body of an error. */
export function errorBody(code: string, lang: Lang): { code: string; message: string } {
  return { code, message: messageOf(code, lang) };
}
