import { IsInt, IsOptional, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';
import { ProductStatus } from '../../schema/enums';

export const PRICE_MAX = 100_000_000;
export const STOCK_MAX = 1_000_000;

/** Applies several property decorators as one, so create and update share each field's rules. */
const rules =
  (...decorators: PropertyDecorator[]): PropertyDecorator =>
  (target, key) =>
    decorators.forEach((decorate) => decorate(target, key));

const NameRules = () =>
  rules(Length(1, 100, { message: 'name must be 1 to 100 characters long' }), Matches(/\S/, { message: 'name must not be blank' }));
const DescriptionRules = () => MaxLength(5000, { message: 'description must be at most 5000 characters' });
const PriceRules = () =>
  rules(
    IsInt({ message: 'price must be a whole number of won' }),
    Min(1, { message: `price must be between 1 and ${PRICE_MAX}` }),
    Max(PRICE_MAX, { message: `price must be between 1 and ${PRICE_MAX}` }),
  );
const StockRules = () =>
  rules(
    IsInt({ message: 'stock must be a whole number' }),
    Min(0, { message: `stock must be between 0 and ${STOCK_MAX}` }),
    Max(STOCK_MAX, { message: `stock must be between 0 and ${STOCK_MAX}` }),
  );

@InputType('CreateProductInput')
export class CreateProductInput {
  @Field(() => String, { description: '1 to 100 characters.' })
  @NameRules()
  name!: string;

  @Field(() => String, { description: 'Up to 5,000 characters.' })
  @DescriptionRules()
  description!: string;

  @Field(() => Int, { description: `KRW, 1 to ${PRICE_MAX}.` })
  @PriceRules()
  price!: number;

  @Field(() => Int, { description: `0 to ${STOCK_MAX}.` })
  @StockRules()
  stock!: number;

  @Field(() => ProductStatus, { nullable: true, description: 'Defaults to ON_SALE.' })
  @IsOptional()
  status?: ProductStatus | null;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  categoryId?: string | null;
}

@InputType('UpdateProductInput', { description: 'Only the fields given change; `categoryId: null` removes the category.' })
export class UpdateProductInput {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @NameRules()
  name?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @DescriptionRules()
  description?: string | null;

  @Field(() => Int, { nullable: true })
  @IsOptional()
  @PriceRules()
  price?: number | null;

  @Field(() => Int, { nullable: true })
  @IsOptional()
  @StockRules()
  stock?: number | null;

  @Field(() => ProductStatus, { nullable: true })
  @IsOptional()
  status?: ProductStatus | null;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  categoryId?: string | null;
}
