import { Field, InputType } from 'type-graphql';
import { ADDRESS_LIMITS, MAX_ADDRESSES_PER_CUSTOMER } from '../../services/shipping/address-rules';

// The rules themselves live in services/shipping/address-rules.ts (pure, unit-tested); each
// refusal is BAD_USER_INPUT with `extensions.field` naming the field (e.g. `phone`).
const { recipientName, roadAddress, detail, memo } = ADDRESS_LIMITS;
const D = {
  recipientName: `The recipient (받는 분), ${recipientName.min} to ${recipientName.max} characters.`,
  phone:
    'A Korean phone number: mobile 010/011/016/017/018/019 (10-11 digits), Seoul 02 (9-10 digits), area codes 031-064 (10-11 digits), ' +
    '070 (11 digits) or a 15xx/16xx/18xx number (8 digits). Spaces, dots, hyphens and parentheses are ignored and `+82` stands for ' +
    'the leading 0 (`010-1234-5678`, `+82 10-1234-5678`); stored and returned as digits only (`01012345678`).',
  postcode: '우편번호: exactly 5 digits.',
  roadAddress: `도로명주소, ${roadAddress.min} to ${roadAddress.max} characters.`,
  detail: `동/호수, up to ${detail.max} characters; may be empty.`,
  memo: `An optional delivery memo (배송 메모), up to ${memo.max} characters; empty or null means none.`,
};

@InputType('OrderAddressInput', {
  description: 'An address written out. Text is trimmed; control characters (line breaks) are refused.',
})
export class OrderAddressInput {
  @Field(() => String, { description: D.recipientName })
  recipientName!: string;

  @Field(() => String, { description: D.phone })
  phone!: string;

  @Field(() => String, { description: D.postcode })
  postcode!: string;

  @Field(() => String, { description: D.roadAddress })
  roadAddress!: string;

  @Field(() => String, { nullable: true, description: D.detail })
  detail?: string | null;

  @Field(() => String, { nullable: true, description: D.memo })
  memo?: string | null;
}

@InputType('ShippingAddressInput', {
  description: `A new address of the address book, with the rules of OrderAddressInput. At most ${MAX_ADDRESSES_PER_CUSTOMER} addresses a customer.`,
})
export class ShippingAddressInput extends OrderAddressInput {
  @Field(() => Boolean, { nullable: true, description: 'true makes it the default address. The first address is always the default.' })
  isDefault?: boolean | null;
}

@InputType('UpdateShippingAddressInput', {
  description:
    'Only the fields given change, with the same rules as ShippingAddressInput; `memo: null` removes the memo. Use setDefaultShippingAddress to change the default.',
})
export class UpdateShippingAddressInput {
  @Field(() => String, { nullable: true, description: D.recipientName })
  recipientName?: string | null;

  @Field(() => String, { nullable: true, description: D.phone })
  phone?: string | null;

  @Field(() => String, { nullable: true, description: D.postcode })
  postcode?: string | null;

  @Field(() => String, { nullable: true, description: D.roadAddress })
  roadAddress?: string | null;

  @Field(() => String, { nullable: true, description: D.detail })
  detail?: string | null;

  @Field(() => String, { nullable: true, description: D.memo })
  memo?: string | null;
}
