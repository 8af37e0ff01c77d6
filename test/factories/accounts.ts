import { SignUpDocument, type Role } from '../generated/graphql';
import type { GraphQLClient } from '../helpers/graphql-client';

let seq = 0;
export const TEST_INVITE_CODE = 'test-invite-code';

export type TestAccount = { id: string; email: string; token: string; role: Role };

/** Signs up a fresh account of a role through the API (admins use TEST_INVITE_CODE). */
export async function signUpAs(client: GraphQLClient, role: Role, name = `${role.toLowerCase()} ${seq + 1}`): Promise<TestAccount> {
  const email = `${role.toLowerCase()}-${process.pid}-${++seq}@example.com`;
  const data = await client.ok(SignUpDocument, {
    input: { role, email, password: 'password1234', name, adminInviteCode: role === 'ADMIN' ? TEST_INVITE_CODE : undefined },
  });
  return { id: data.signUp.account.id, email, token: data.signUp.token, role };
}
