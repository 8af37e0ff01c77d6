import { ArrayMaxSize } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';

@InputType('CreateOrderInput')
export class CreateOrderInput {
  @Field(() => [ID], { nullable: true, description: 'Order only these products from the cart; all of it when omitted.' })
  @ArrayMaxSize(100, { message: 'productIds may name at most 100 products' })
  productIds?: string[] | null;
}
