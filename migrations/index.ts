import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261202050452 } from './Migration20261202050452';
import { Migration20261202081500 } from './Migration20261202081500';
import { Migration20261201215241 } from './Migration20261201215241';
import { Migration20261201191433 } from './Migration20261201191433';
import { Migration20261201191913 } from './Migration20261201191913';
import { Migration20261201184434 } from './Migration20261201184434';
import { Migration20261201173210 } from './Migration20261201173210';
import { Migration20261201150246 } from './Migration20261201150246';
import { Migration20261124040007 } from './Migration20261124040007';
import { Migration20261124034903 } from './Migration20261124034903';
import { Migration20261124032712 } from './Migration20261124032712';
import { Migration20261124023420 } from './Migration20261124023420';
import { Migration20261124024629 } from './Migration20261124024629';

/**
 * Every migration, oldest first. Listed explicitly (not globbed) so they run the same from the
 * TypeScript sources and from the compiled build. `npm run migration:create` appends here.
 */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261124023420', class: Migration20261124023420 },
  { name: 'Migration20261124024629', class: Migration20261124024629 },
  { name: 'Migration20261124032712', class: Migration20261124032712 },
  { name: 'Migration20261124034903', class: Migration20261124034903 },
  { name: 'Migration20261124040007', class: Migration20261124040007 },
  { name: 'Migration20261201150246', class: Migration20261201150246 },
  { name: 'Migration20261201173210', class: Migration20261201173210 },
  { name: 'Migration20261201184434', class: Migration20261201184434 },
  { name: 'Migration20261201191433', class: Migration20261201191433 },
  { name: 'Migration20261201191913', class: Migration20261201191913 },
  { name: 'Migration20261201215241', class: Migration20261201215241 },
  { name: 'Migration20261202050452', class: Migration20261202050452 },
  { name: 'Migration20261202081500', class: Migration20261202081500 },
];
