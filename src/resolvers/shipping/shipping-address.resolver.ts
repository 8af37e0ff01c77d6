import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { requireIdentity } from '../../auth/auth-checker';
import type { GraphQLContext } from '../../context';
import { Role } from '../../entities/role';
import { ShippingAddressService } from '../../services/shipping/shipping-address.service';
import { ShippingAddressInput, UpdateShippingAddressInput } from './shipping-address.inputs';
import { ShippingAddressType, toShippingAddressType } from './shipping-address.types';

@Resolver(() => ShippingAddressType)
export class ShippingAddressResolver {
  constructor(private readonly addresses: ShippingAddressService) {}

  @Authorized(Role.CUSTOMER)
  @Query(() => [ShippingAddressType], { description: "The caller's address book: the default first, then the newest." })
  async shippingAddresses(@Ctx() ctx: GraphQLContext): Promise<ShippingAddressType[]> {
    return (await this.addresses.list(ctx.em, requireIdentity(ctx.auth).accountId)).map(toShippingAddressType);
  }

  @Authorized(Role.CUSTOMER)
  @Mutation(() => ShippingAddressType, { description: 'Adds an address; the first one (or one with isDefault: true) becomes the default.' })
  async addShippingAddress(
    @Arg('input', () => ShippingAddressInput) input: ShippingAddressInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ShippingAddressType> {
    return toShippingAddressType(await this.addresses.add(ctx.em, requireIdentity(ctx.auth).accountId, input));
  }

  @Authorized(Role.CUSTOMER)
  @Mutation(() => ShippingAddressType, { description: 'Changes the given fields of one of your addresses.' })
  async updateShippingAddress(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateShippingAddressInput) input: UpdateShippingAddressInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ShippingAddressType> {
    return toShippingAddressType(await this.addresses.update(ctx.em, requireIdentity(ctx.auth).accountId, id, input));
  }

  @Authorized(Role.CUSTOMER)
  @Mutation(() => Boolean, {
    description:
      'Deletes one of your addresses (true). When it was the default, the most recently added remaining address becomes the default.',
  })
  async deleteShippingAddress(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    return this.addresses.delete(ctx.em, requireIdentity(ctx.auth).accountId, id);
  }

  @Authorized(Role.CUSTOMER)
  @Mutation(() => ShippingAddressType, { description: 'Makes one of your addresses the default, and no other.' })
  async setDefaultShippingAddress(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ShippingAddressType> {
    return toShippingAddressType(await this.addresses.setDefault(ctx.em, requireIdentity(ctx.auth).accountId, id));
  }
}
