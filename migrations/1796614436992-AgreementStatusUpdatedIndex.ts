import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Generated from the entities by npm run migration:generate. */
export class AgreementStatusUpdatedIndex1796614436992 implements MigrationInterface {
  name = 'AgreementStatusUpdatedIndex1796614436992';

  async up(q: QueryRunner): Promise<void> {
    await q.query("CREATE INDEX \"agreement_status_updated_idx\" ON \"agreement\"  (\"status\", \"updatedAt\", \"id\") ");
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("DROP INDEX \"public\".\"agreement_status_updated_idx\"");
  }
}
