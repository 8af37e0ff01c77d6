import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { requireIdentity } from '../../auth/auth-checker';
import type { GraphQLContext } from '../../context';
import { AccountService, type AuthResult } from '../../services/account/account.service';
import { viewerOf, type Viewer } from '../../services/account/email-visibility';
import { LoginInput, SignUpInput } from './account.inputs';
import { AccountType, AuthPayload, toAccountType } from './account.types';

@Resolver()
export class AccountResolver {
  constructor(private readonly accounts: AccountService) {}

  @Query(() => AccountType, { nullable: true, description: 'The logged-in account; null when anonymous.' })
  async me(@Ctx() ctx: GraphQLContext): Promise<AccountType | null> {
    if (ctx.auth.kind === 'anonymous') return null;
    const record = await this.accounts.findAccount(ctx.em, requireIdentity(ctx.auth));
    return record && toAccountType(record, viewerOf(ctx.auth));
  }

  @Mutation(() => AuthPayload)
  async signUp(@Arg('input', () => SignUpInput) input: SignUpInput, @Ctx() ctx: GraphQLContext): Promise<AuthPayload> {
    const result = await this.accounts.signUp(ctx.em, input, ctx.ip);
    return { token: result.token, account: toAccountType(result, selfOf(result)) };
  }

  @Mutation(() => AuthPayload)
  async login(@Arg('input', () => LoginInput) input: LoginInput, @Ctx() ctx: GraphQLContext): Promise<AuthPayload> {
    const result = await this.accounts.login(ctx.em, input, ctx.ip);
    return { token: result.token, account: toAccountType(result, selfOf(result)) };
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'Revokes the current token at once, including its open subscriptions.' })
  async logout(@Ctx() ctx: GraphQLContext): Promise<boolean> {
    await this.accounts.logout(ctx.em, requireIdentity(ctx.auth));
    return true;
  }
}

/** Who sees an AuthPayload: the account that just signed up or logged in. */
const selfOf = (result: AuthResult): Viewer => ({ role: result.role, accountId: result.account.id });
