import { Migration } from '@mikro-orm/migrations';

/** Refund claims and admin flags on orders; partial cancels, balances and cancel lists on payments; the FLAGGED event. */
export class Migration20261201150246 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table \`customer_order\` add \`refund_claimed_at\` datetime(3) null, add \`flagged_at\` datetime(3) null, add \`flag_reason\` varchar(255) null;`);
    this.addSql(`alter table \`customer_order\` add index \`customer_order_flagged\`(\`flagged_at\`, \`id\`);`);
    this.addSql(`alter table \`customer_order\` add index \`customer_order_refund_claimed\`(\`refund_claimed_at\`);`);

    this.addSql(`alter table \`order_status_change\` modify \`kind\` enum('CREATED', 'PAID', 'FAILED', 'EXPIRED', 'CANCELLED', 'REFUNDED', 'SHIPPING', 'DELIVERED', 'FLAGGED') not null, modify \`payment_status\` enum('READY', 'DONE', 'PARTIAL_CANCELED', 'CANCELED', 'ABORTED') null;`);

    this.addSql(`alter table \`payment\` add \`balance_amount\` int unsigned not null default 0, add \`cancels\` json null, add \`refund_check_at\` datetime(3) null;`);
    this.addSql(`alter table \`payment\` add index \`payment_refund_check\`(\`refund_check_at\`);`);
    this.addSql(`alter table \`payment\` modify \`status\` enum('READY', 'DONE', 'PARTIAL_CANCELED', 'CANCELED', 'ABORTED') not null default 'READY';`);
    // Approved payments are charged their whole amount; every other existing row holds nothing.
    this.addSql(`update \`payment\` set \`balance_amount\` = \`amount\` where \`status\` = 'DONE';`);
  }

  override async down(): Promise<void> {
    this.addSql(`update \`payment\` set \`status\` = 'DONE' where \`status\` = 'PARTIAL_CANCELED';`);
    this.addSql(`alter table \`payment\` modify \`status\` enum('READY', 'DONE', 'CANCELED', 'ABORTED') not null default 'READY';`);
    this.addSql(`alter table \`payment\` drop index \`payment_refund_check\`;`);
    this.addSql(`alter table \`payment\` drop column \`balance_amount\`, drop column \`cancels\`, drop column \`refund_check_at\`;`);
    this.addSql(`delete from \`order_status_change\` where \`kind\` = 'FLAGGED';`);
    this.addSql(`update \`order_status_change\` set \`payment_status\` = 'DONE' where \`payment_status\` = 'PARTIAL_CANCELED';`);
    this.addSql(`alter table \`order_status_change\` modify \`kind\` enum('CREATED', 'PAID', 'FAILED', 'EXPIRED', 'CANCELLED', 'REFUNDED', 'SHIPPING', 'DELIVERED') not null, modify \`payment_status\` enum('READY', 'DONE', 'CANCELED', 'ABORTED') null;`);
    this.addSql(`alter table \`customer_order\` drop index \`customer_order_flagged\`;`);
    this.addSql(`alter table \`customer_order\` drop index \`customer_order_refund_claimed\`;`);
    this.addSql(`alter table \`customer_order\` drop column \`refund_claimed_at\`, drop column \`flagged_at\`, drop column \`flag_reason\`;`);
  }
}
