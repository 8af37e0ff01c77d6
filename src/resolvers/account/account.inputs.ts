import { IsEmail, IsOptional, Length, Matches, MaxLength } from 'class-validator';
import { Field, InputType } from 'type-graphql';
import { Role } from '../../schema/enums';

@InputType('SignUpInput')
export class SignUpInput {
  @Field(() => Role)
  role!: Role;

  @Field(() => String)
  @MaxLength(254, { message: 'email must be at most 254 characters' })
  @IsEmail({}, { message: 'email must be a valid email address' })
  email!: string;

  @Field(() => String)
  @Length(8, 128, { message: 'password must be 8 to 128 characters long' })
  password!: string;

  @Field(() => String)
  @Length(1, 100, { message: 'name must be 1 to 100 characters long' })
  @Matches(/\S/, { message: 'name must not be blank' })
  name!: string;

  @Field(() => String, { nullable: true, description: "Required for role ADMIN; must equal the server's ADMIN_INVITE_CODE." })
  @IsOptional()
  @MaxLength(200, { message: 'adminInviteCode must be at most 200 characters' })
  adminInviteCode?: string | null;
}

@InputType('LoginInput')
export class LoginInput {
  @Field(() => Role)
  role!: Role;

  @Field(() => String)
  @MaxLength(254, { message: 'email must be at most 254 characters' })
  @IsEmail({}, { message: 'email must be a valid email address' })
  email!: string;

  @Field(() => String)
  @Length(1, 128, { message: 'password must be 1 to 128 characters long' })
  password!: string;
}
