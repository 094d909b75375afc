import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Housekeeping (issue 9): an index on notification.at for retention (generated from the entity), and by hand
 * (the table has no entity) `idempotency_key.failed_at`: set when a key stayed "running" past the stuck timeout
 * because its process died, so a retry gets a clear INVALID_STATE instead of waiting for the 24 h expiry.
 */
export class Housekeeping1796472262922 implements MigrationInterface {
  name = 'Housekeeping1796472262922';

  async up(q: QueryRunner): Promise<void> {
    await q.query("CREATE INDEX \"notification_at_idx\" ON \"notification\"  (\"at\") ");
    await q.query('ALTER TABLE "idempotency_key" ADD "failed_at" TIMESTAMP WITH TIME ZONE');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE "idempotency_key" DROP COLUMN "failed_at"');
    await q.query("DROP INDEX \"public\".\"notification_at_idx\"");
  }
}
