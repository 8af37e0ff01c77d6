import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { requireIdentity } from '../../auth/auth-checker';
import type { GraphQLContext } from '../../context';
import { Role } from '../../entities/role';
import { PaymentService } from '../../services/payments/payment.service';
import { OrderType, toOrderType } from '../orders/order.types';
import { ConfirmPaymentInput, PaymentType, toPaymentType } from './payment.types';

@Resolver(() => PaymentType)
export class PaymentResolver {
  constructor(private readonly payments: PaymentService) {}

  @Authorized(Role.CUSTOMER)
  @Mutation(() => OrderType, {
    description:
      "Step 5 of the Toss flow: the success URL's paymentKey, orderId and amount. The order becomes ORDER_COMPLETED, or PAYMENT_FAILED with Toss's code.",
  })
  async confirmPayment(
    @Arg('input', () => ConfirmPaymentInput) input: ConfirmPaymentInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<OrderType> {
    const order = await this.payments.confirm(ctx.em, requireIdentity(ctx.auth), input);
    return toOrderType({ order, sellerId: null });
  }

  @Authorized(Role.CUSTOMER, Role.ADMIN)
  @Query(() => PaymentType, { nullable: true, description: "The order's payment (its customer or an admin); null before any confirm." })
  async payment(@Arg('orderId', () => String) orderId: string, @Ctx() ctx: GraphQLContext): Promise<PaymentType | null> {
    const payment = await this.payments.find(ctx.em, requireIdentity(ctx.auth), orderId);
    return payment && toPaymentType(payment, orderId);
  }
}
