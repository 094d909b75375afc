import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Links from agreements to issue 4 records (households, needs, accepted matches); generated from the entities. */
export class AgreementLinks1795532728052 implements MigrationInterface {
  name = 'AgreementLinks1795532728052';

  async up(q: QueryRunner): Promise<void> {
    await q.query("CREATE TYPE \"public\".\"agreement_link_kind\" AS ENUM('HOUSEHOLD', 'NEED', 'MATCH')");
    await q.query("CREATE TABLE \"agreement_link\" (\"agreementId\" uuid NOT NULL, \"kind\" \"public\".\"agreement_link_kind\" NOT NULL, \"targetId\" uuid NOT NULL, CONSTRAINT \"PK_e1ea44453e8b7dcf37456ba46ce\" PRIMARY KEY (\"agreementId\", \"kind\", \"targetId\"))");
    await q.query("CREATE INDEX \"agreement_link_target_idx\" ON \"agreement_link\"  (\"kind\", \"targetId\") ");
    await q.query("ALTER TABLE \"agreement_link\" ADD CONSTRAINT \"FK_537fed7b38f5e0176b50a3f768c\" FOREIGN KEY (\"agreementId\") REFERENCES \"agreement\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("ALTER TABLE \"agreement_link\" DROP CONSTRAINT \"FK_537fed7b38f5e0176b50a3f768c\"");
    await q.query("DROP INDEX \"public\".\"agreement_link_target_idx\"");
    await q.query("DROP TABLE \"agreement_link\"");
    await q.query("DROP TYPE \"public\".\"agreement_link_kind\"");
  }
}
