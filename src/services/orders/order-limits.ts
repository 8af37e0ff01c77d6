import { GRAPHQL_INT_MAX } from '../../config';

/**
 * What one order may hold (ORDER_MAX_AMOUNT, ORDER_MAX_LINE_QUANTITY). The cart refuses to grow
 * past them and createOrder checks them again, both before anything is written.
 */
export type OrderLimits = Readonly<{ maxAmount: number; maxLineQuantity: number }>;

/** `50,000,000 KRW`, for messages. */
export const won = (amount: number): string => `${amount.toLocaleString('en-US')} KRW`;

/**
 * An amount as the API shows it: exact up to GraphQL's Int, GRAPHQL_INT_MAX above. Only a cart
 * whose prices rose after its lines were added gets there, and such an amount is past
 * ORDER_MAX_AMOUNT (which is at most GRAPHQL_INT_MAX), so it cannot be ordered as it stands.
 */
export const shownAmount = (amount: number): number => Math.min(amount, GRAPHQL_INT_MAX);

/** Can a line of `quantity` units at `unitPrice` be part of an order at all? */
export const withinOrderLimits = (limits: OrderLimits, unitPrice: number, quantity: number): boolean =>
  quantity <= limits.maxLineQuantity && unitPrice * quantity <= limits.maxAmount;

/** `60,000,000 KRW, above the 50,000,000 KRW one order may total`, for messages. */
export const pastMaxAmount = (limits: OrderLimits, total: number): string =>
  `${won(total)}, above the ${won(limits.maxAmount)} one order may total`;
