import { sqliteEnumDefinitions } from '../../src/db/sqlite-schema';

describe('sqliteEnumDefinitions', () => {
  it('reads every value of each enum check, not only the first', () => {
    const sql =
      "CREATE TABLE `auth_session` (`id` text not null, `role` text check (`role` in ('CUSTOMER', 'SELLER', 'ADMIN')) not null, " +
      "`kind` text check (`kind` in ('A')) null, `note` text check (`note` in ('it''s', 'b, c')) not null, `account_id` integer not null)";
    expect(sqliteEnumDefinitions(sql)).toEqual({ role: ['CUSTOMER', 'SELLER', 'ADMIN'], kind: ['A'], note: ["it's", 'b, c'] });
  });

  it('finds nothing in a table without enums', () => {
    expect(sqliteEnumDefinitions('CREATE TABLE `t` (`id` integer not null primary key autoincrement, `name` text not null)')).toEqual({});
  });
});
