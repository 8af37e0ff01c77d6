import { Migration } from '@mikro-orm/migrations';

export class Migration20261201184434 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`shipment\` (\`id\` int unsigned not null auto_increment primary key, \`order_id\` int unsigned not null, \`seller_id\` int unsigned not null, \`carrier\` varchar(32) null, \`tracking_number\` varchar(32) null, \`status\` enum('SHIPPING', 'DELIVERED') not null default 'SHIPPING', \`shipped_at\` datetime(3) not null, \`delivered_at\` datetime(3) null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`shipment\` add index \`shipment_order_id_index\`(\`order_id\`);`);
    this.addSql(`alter table \`shipment\` add index \`shipment_seller_id_index\`(\`seller_id\`);`);
    this.addSql(`alter table \`shipment\` add index \`shipment_status_delivered\`(\`status\`, \`delivered_at\`);`);
    this.addSql(`alter table \`shipment\` add index \`shipment_order\`(\`order_id\`, \`id\`);`);

    this.addSql(`alter table \`shipment\` add constraint \`shipment_order_id_foreign\` foreign key (\`order_id\`) references \`customer_order\` (\`id\`) on update cascade on delete cascade;`);
    this.addSql(`alter table \`shipment\` add constraint \`shipment_seller_id_foreign\` foreign key (\`seller_id\`) references \`seller\` (\`id\`) on update cascade on delete restrict;`);

    this.addSql(`alter table \`customer_order\` add \`ship_recipient_name\` varchar(50) null, add \`ship_phone\` varchar(20) null, add \`ship_postcode\` varchar(5) null, add \`ship_road_address\` varchar(200) null, add \`ship_detail\` varchar(100) null, add \`ship_memo\` varchar(100) null;`);




    this.addSql(`alter table \`order_status_change\` add \`shipment_id\` int unsigned null, add \`carrier\` varchar(32) null, add \`tracking_number\` varchar(32) null, add \`seller_id\` int unsigned null;`);
    this.addSql(`alter table \`order_status_change\` modify \`kind\` enum('CREATED', 'PAID', 'FAILED', 'EXPIRED', 'CANCELLED', 'REFUNDED', 'SHIPPING', 'DELIVERED', 'SHIPPED', 'PURCHASE_CONFIRMED', 'FLAGGED') not null;`);
    this.addSql(`alter table \`order_status_change\` add constraint \`order_status_change_shipment_id_foreign\` foreign key (\`shipment_id\`) references \`shipment\` (\`id\`) on update cascade on delete cascade;`);
    this.addSql(`alter table \`order_status_change\` add constraint \`order_status_change_seller_id_foreign\` foreign key (\`seller_id\`) references \`seller\` (\`id\`) on update cascade on delete cascade;`);
    this.addSql(`alter table \`order_status_change\` add index \`order_status_change_shipment_id_index\`(\`shipment_id\`);`);
    this.addSql(`alter table \`order_status_change\` add index \`order_status_change_seller_id_index\`(\`seller_id\`);`);

    this.addSql(`alter table \`order_item\` add \`shipment_id\` int unsigned null, add \`confirmed_at\` datetime(3) null;`);
    this.addSql(`alter table \`order_item\` add constraint \`order_item_shipment_id_foreign\` foreign key (\`shipment_id\`) references \`shipment\` (\`id\`) on update cascade on delete set null;`);
    this.addSql(`alter table \`order_item\` add index \`order_item_shipment_id_index\`(\`shipment_id\`);`);
    this.addSql(`alter table \`order_item\` add index \`order_item_seller_unshipped\`(\`seller_id\`, \`shipment_id\`, \`order_id\`);`);

    // Orders an admin moved to SHIPPING or DELIVERED before shipments existed: one shipment per
    // seller (no carrier or tracking number, like the admin's step now), so every shipped line has one.
    this.addSql(`insert into \`shipment\` (\`order_id\`, \`seller_id\`, \`status\`, \`shipped_at\`, \`delivered_at\`)
      select distinct o.\`id\`, i.\`seller_id\`, if(o.\`status\` = 'DELIVERED', 'DELIVERED', 'SHIPPING'), o.\`updated_at\`,
             if(o.\`status\` = 'DELIVERED', o.\`updated_at\`, null)
        from \`customer_order\` o join \`order_item\` i on i.\`order_id\` = o.\`id\`
       where o.\`status\` in ('SHIPPING', 'DELIVERED');`);
    this.addSql(`update \`order_item\` i join \`shipment\` s on s.\`order_id\` = i.\`order_id\` and s.\`seller_id\` = i.\`seller_id\`
      set i.\`shipment_id\` = s.\`id\` where i.\`shipment_id\` is null;`);

  }

  override async down(): Promise<void> {
    this.addSql(`alter table \`order_status_change\` drop foreign key \`order_status_change_shipment_id_foreign\`;`);
    this.addSql(`alter table \`order_status_change\` drop foreign key \`order_status_change_seller_id_foreign\`;`);
    this.addSql(`alter table \`order_item\` drop foreign key \`order_item_shipment_id_foreign\`;`);
    this.addSql(`drop table if exists \`shipment\`;`);

    this.addSql(`alter table \`order_item\` drop index \`order_item_shipment_id_index\`;`);
    this.addSql(`alter table \`order_item\` drop index \`order_item_seller_unshipped\`;`);
    this.addSql(`alter table \`order_item\` drop column \`shipment_id\`, drop column \`confirmed_at\`;`);

    this.addSql(`alter table \`order_status_change\` drop index \`order_status_change_shipment_id_index\`;`);
    this.addSql(`alter table \`order_status_change\` drop index \`order_status_change_seller_id_index\`;`);
    this.addSql(`alter table \`order_status_change\` drop column \`shipment_id\`, drop column \`carrier\`, drop column \`tracking_number\`, drop column \`seller_id\`;`);
    this.addSql(`delete from \`order_status_change\` where \`kind\` in ('SHIPPED', 'PURCHASE_CONFIRMED');`);
    this.addSql(`alter table \`order_status_change\` modify \`kind\` enum('CREATED', 'PAID', 'FAILED', 'EXPIRED', 'CANCELLED', 'REFUNDED', 'SHIPPING', 'DELIVERED', 'FLAGGED') not null;`);

    this.addSql(`alter table \`customer_order\` drop column \`ship_recipient_name\`, drop column \`ship_phone\`, drop column \`ship_postcode\`, drop column \`ship_road_address\`, drop column \`ship_detail\`, drop column \`ship_memo\`;`);
  }

}
