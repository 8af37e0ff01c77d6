import { IsOptional, Length, Matches } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';

@InputType('CategoryInput')
export class CategoryInput {
  @Field(() => String)
  @Length(1, 50, { message: 'name must be 1 to 50 characters long' })
  @Matches(/\S/, { message: 'name must not be blank' })
  name!: string;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  parentId?: string | null;
}
