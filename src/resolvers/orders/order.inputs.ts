import { ArrayMaxSize, IsOptional } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';
import { OrderAddressInput } from '../shipping/shipping-address.inputs';

@InputType('CreateOrderInput')
export class CreateOrderInput {
  @Field(() => [ID], { nullable: true, description: 'Order only these products from the cart; all of it when omitted.' })
  @IsOptional()
  @ArrayMaxSize(100, { message: 'productIds may name at most 100 products' })
  productIds?: string[] | null;

  @Field(() => ID, {
    nullable: true,
    description: 'Ship to this address of your address book. With neither this nor shippingAddress, your default address is used (if any).',
  })
  shippingAddressId?: string | null;

  @Field(() => OrderAddressInput, { nullable: true, description: 'Ship to this address (not saved in your address book).' })
  shippingAddress?: OrderAddressInput | null;
}
