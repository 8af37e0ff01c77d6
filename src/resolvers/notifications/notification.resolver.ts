import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { requireIdentity } from '../../auth/auth-checker';
import type { GraphQLContext } from '../../context';
import { Role } from '../../entities/role';
import { badInput } from '../../schema/errors';
import { pageComplexity } from '../../schema/limits';
import { parseNumericId } from '../../schema/ids';
import type { SellerOrderEvent } from '../../services/notifications/order-feed';
import type { OrderEventRecord } from '../../services/notifications/order-event-records';
import { MAX_NOTIFICATION_PAGE, NotificationService } from '../../services/notifications/notification.service';
import {
  NotificationConnection,
  OrderEventType,
  SellerOrderEventType,
  toNotificationConnection,
  toOrderEventType,
  toSellerOrderEventType,
} from './notification.types';

@Resolver()
export class NotificationResolver {
  constructor(private readonly notificationService: NotificationService) {}

  @Authorized(Role.CUSTOMER)
  @Query(() => NotificationConnection, {
    complexity: pageComplexity(20),
    description: `The caller's order events kept as notifications, newest first, at most ${MAX_NOTIFICATION_PAGE} a page.`,
  })
  async notifications(
    @Ctx() ctx: GraphQLContext,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first: number,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Arg('unreadOnly', () => Boolean, { nullable: true, defaultValue: false }) unreadOnly?: boolean | null,
  ): Promise<NotificationConnection> {
    return toNotificationConnection(
      await this.notificationService.list(ctx.em, requireIdentity(ctx.auth).accountId, { first, after, unreadOnly }),
    );
  }

  @Authorized(Role.CUSTOMER)
  @Mutation(() => Int, { description: "Marks the caller's notifications read; returns how many changed (others' ids are ignored)." })
  async markNotificationsRead(@Arg('ids', () => [ID]) ids: string[], @Ctx() ctx: GraphQLContext): Promise<number> {
    return this.notificationService.markRead(ctx.em, requireIdentity(ctx.auth).accountId, ids);
  }

  @Authorized(Role.CUSTOMER)
  @Subscription(() => OrderEventType, {
    description:
      "Every change of the caller's orders and payments, in order. Pass the last event id seen as `afterId` to get what was missed first.",
    subscribe: ({ context, args }) => {
      const ctx = context as GraphQLContext;
      const afterId = args.afterId == null ? null : parseNumericId(args.afterId as string);
      if (args.afterId != null && afterId === null) throw badInput('afterId', 'is not an event id');
      return ctx.feed.customerEvents(requireIdentity(ctx.auth).accountId, afterId);
    },
  })
  orderEvents(
    @Root() event: OrderEventRecord,
    @Arg('afterId', () => ID, { nullable: true, description: 'The last event id this client saw.' }) _afterId?: string | null,
  ): OrderEventType {
    return toOrderEventType(event);
  }

  @Authorized(Role.SELLER)
  @Subscription(() => SellerOrderEventType, {
    description:
      "New paid orders, cancellations, delivery steps and 구매확정 touching the seller's products, with only the seller's lines; a shipment's SHIPPED and DELIVERED reach only its seller.",
    subscribe: ({ context }) => {
      const ctx = context as GraphQLContext;
      return ctx.feed.sellerEvents(requireIdentity(ctx.auth).accountId);
    },
  })
  sellerOrderEvents(@Root() event: SellerOrderEvent): SellerOrderEventType {
    return toSellerOrderEventType(event);
  }
}
