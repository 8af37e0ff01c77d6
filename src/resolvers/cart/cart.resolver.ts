import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { requireIdentity } from '../../auth/auth-checker';
import type { GraphQLContext } from '../../context';
import { Role } from '../../entities/role';
import { CartService } from '../../services/cart/cart.service';
import { CartType, toCartType } from './cart.types';

@Resolver(() => CartType)
export class CartResolver {
  constructor(private readonly cartService: CartService) {}

  @Authorized(Role.CUSTOMER)
  @Query(() => CartType, { description: "The caller's cart, with current prices and availability." })
  async cart(@Ctx() ctx: GraphQLContext): Promise<CartType> {
    return toCartType(await this.cartService.view(ctx.em, requireIdentity(ctx.auth).accountId));
  }

  @Authorized(Role.CUSTOMER)
  @Mutation(() => CartType, { description: 'Adds a product, or raises its quantity if it is already in the cart; never above its stock.' })
  async addToCart(
    @Arg('productId', () => ID) productId: string,
    @Arg('quantity', () => Int) quantity: number,
    @Ctx() ctx: GraphQLContext,
  ): Promise<CartType> {
    return toCartType(await this.cartService.add(ctx.em, requireIdentity(ctx.auth).accountId, productId, quantity));
  }

  @Authorized(Role.CUSTOMER)
  @Mutation(() => CartType)
  async removeFromCart(@Arg('productId', () => ID) productId: string, @Ctx() ctx: GraphQLContext): Promise<CartType> {
    return toCartType(await this.cartService.remove(ctx.em, requireIdentity(ctx.auth).accountId, productId));
  }

  @Authorized(Role.CUSTOMER)
  @Mutation(() => CartType)
  async clearCart(@Ctx() ctx: GraphQLContext): Promise<CartType> {
    return toCartType(await this.cartService.clear(ctx.em, requireIdentity(ctx.auth).accountId));
  }
}
