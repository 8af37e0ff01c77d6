/** The three kinds of account. Each lives in its own table; the same email may exist once per role. */
export enum Role {
  CUSTOMER = 'CUSTOMER',
  SELLER = 'SELLER',
  ADMIN = 'ADMIN',
}
