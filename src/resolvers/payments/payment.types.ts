import { Field, InputType, Int, ObjectType } from 'type-graphql';
import { IsInt, Length, Matches, Min } from 'class-validator';
import { PaymentStatus } from '../../schema/enums';
import type { PaymentRecord } from '../../services/payments/payment-records';

@ObjectType('PaymentCancel', { description: 'One refund of (part of) a payment, as Toss reports it.' })
export class PaymentCancelType {
  @Field(() => Int, { description: 'KRW refunded by this cancel.' })
  amount!: number;

  @Field(() => String)
  reason!: string;

  @Field(() => Date)
  canceledAt!: Date;

  @Field(() => String, { nullable: true, description: "Toss's key of this cancel transaction." })
  transactionKey!: string | null;
}

@ObjectType('Payment')
export class PaymentType {
  @Field(() => String)
  paymentKey!: string;

  @Field(() => String)
  orderId!: string;

  @Field(() => String, { description: "Toss's method label, e.g. 카드 (card)." })
  method!: string;

  @Field(() => Int, { description: 'KRW.' })
  amount!: number;

  @Field(() => PaymentStatus)
  status!: PaymentStatus;

  @Field(() => Int, { description: 'KRW still charged: 0 before approval and after a full refund.' })
  balanceAmount!: number;

  @Field(() => [PaymentCancelType], { description: 'Every refund Toss reports on this payment, oldest first.' })
  cancels!: PaymentCancelType[];

  @Field(() => Date, { nullable: true })
  approvedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  canceledAt!: Date | null;

  @Field(() => String, { nullable: true })
  cancelReason!: string | null;

  @Field(() => String, { nullable: true, description: "Toss's card sales slip." })
  receiptUrl!: string | null;

  @Field(() => String, { nullable: true, description: "Toss's error code when the payment was refused." })
  failureCode!: string | null;
}

@InputType('ConfirmPaymentInput')
export class ConfirmPaymentInput {
  @Field(() => String, { description: 'From the success URL.' })
  @Length(1, 200, { message: 'paymentKey must be 1 to 200 characters' })
  paymentKey!: string;

  @Field(() => String, { description: 'From the success URL: the orderId createOrder returned.' })
  @Matches(/^[A-Za-z0-9_-]{6,64}$/, { message: 'orderId must be 6 to 64 letters, digits, - or _' })
  orderId!: string;

  @Field(() => Int, { description: "From the success URL; it must equal the order's totalAmount." })
  @IsInt({ message: 'amount must be a whole number of won' })
  @Min(1, { message: 'amount must be positive' })
  amount!: number;
}

export function toPaymentType(payment: PaymentRecord, orderId: string): PaymentType {
  return {
    paymentKey: payment.paymentKey,
    orderId,
    method: payment.method ?? '카드',
    amount: payment.amount,
    status: payment.status,
    balanceAmount: payment.balanceAmount,
    cancels: payment.cancels.map((c) => ({
      amount: c.amount,
      reason: c.reason,
      canceledAt: new Date(c.canceledAt),
      transactionKey: c.transactionKey,
    })),
    approvedAt: payment.approvedAt,
    canceledAt: payment.canceledAt,
    cancelReason: payment.cancelReason,
    receiptUrl: payment.receiptUrl,
    failureCode: payment.failureCode,
  };
}
