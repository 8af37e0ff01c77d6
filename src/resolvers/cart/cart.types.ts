import { Field, Int, ObjectType } from 'type-graphql';
import type { CartView } from '../../services/cart/cart.service';
import { ProductType, toProductType } from '../catalog/product.types';

@ObjectType('CartLine')
export class CartLineType {
  @Field(() => ProductType)
  product!: ProductType;

  @Field(() => Int)
  quantity!: number;

  @Field(() => Int, { description: "The product's current price (KRW)." })
  unitPrice!: number;

  @Field(() => Int, { description: 'unitPrice x quantity.' })
  lineTotal!: number;

  @Field(() => Boolean, { description: 'Whether this line can be ordered now: on sale, not deleted, and enough stock.' })
  available!: boolean;
}

@ObjectType('Cart')
export class CartType {
  @Field(() => [CartLineType])
  lines!: CartLineType[];

  @Field(() => Int, { description: 'The total of the lines that can be ordered now (KRW).' })
  totalAmount!: number;
}

export function toCartType(cart: CartView): CartType {
  return {
    lines: cart.lines.map((l) => ({ ...l, product: toProductType(l.product) })),
    totalAmount: cart.totalAmount,
  };
}
