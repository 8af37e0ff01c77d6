import { Field, ID, ObjectType } from 'type-graphql';
import type { ShippingAddress } from '../../entities';

@ObjectType('ShippingAddress', { description: "An address in the customer's address book (배송지)." })
export class ShippingAddressType {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  recipientName!: string;

  @Field(() => String, { description: 'Digits only, with the leading 0: `01012345678`, `0212345678`, `15881234`.' })
  phone!: string;

  @Field(() => String, { description: '우편번호, 5 digits.' })
  postcode!: string;

  @Field(() => String, { description: '도로명주소.' })
  roadAddress!: string;

  @Field(() => String, { description: '동/호수; an empty string when there is none.' })
  detail!: string;

  @Field(() => String, { nullable: true, description: 'The delivery memo, or null.' })
  memo!: string | null;

  @Field(() => Boolean, { description: 'Exactly one address of a non-empty book is the default.' })
  isDefault!: boolean;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;
}

export function toShippingAddressType(a: ShippingAddress): ShippingAddressType {
  return {
    id: String(a.id),
    recipientName: a.recipientName,
    phone: a.phone,
    postcode: a.postcode,
    roadAddress: a.roadAddress,
    detail: a.detail,
    memo: a.memo,
    isDefault: a.isDefault,
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
  };
}
