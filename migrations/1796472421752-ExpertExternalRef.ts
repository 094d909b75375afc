import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Generated from the entities by npm run migration:generate. */
export class ExpertExternalRef1796472421752 implements MigrationInterface {
  name = 'ExpertExternalRef1796472421752';

  async up(q: QueryRunner): Promise<void> {
    await q.query("ALTER TABLE \"expert\" ADD \"externalRef\" character varying(64)");
    await q.query("CREATE UNIQUE INDEX \"expert_external_ref_unique\" ON \"expert\"  (\"externalRef\") ");
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("DROP INDEX \"public\".\"expert_external_ref_unique\"");
    await q.query("ALTER TABLE \"expert\" DROP COLUMN \"externalRef\"");
  }
}
