import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Generated from the entities by npm run migration:generate (service-account API keys), plus, by hand, the
 * trigger that makes audit_event append-only: UPDATE, DELETE and TRUNCATE raise, for every database user
 * including the table owner and superusers (a REVOKE alone would not stop the owner).
 */
export class AccessAndAudit1795528262085 implements MigrationInterface {
  name = 'AccessAndAudit1795528262085';

  async up(q: QueryRunner): Promise<void> {
    await q.query("CREATE TYPE \"public\".\"principal_role\" AS ENUM('NATIONAL_ADMIN', 'PROVINCIAL_COORDINATOR', 'CITY_COORDINATOR', 'COUNTY_COORDINATOR', 'ORGANIZATION_MANAGER', 'EXPERT', 'ANALYST', 'AUDITOR')");
    await q.query("CREATE TABLE \"api_key\" (\"id\" uuid NOT NULL, \"name\" character varying(120) NOT NULL, \"roles\" \"public\".\"principal_role\" array NOT NULL, \"regionCode\" character varying(12) COLLATE \"C\" NOT NULL, \"prefix\" character varying(40) NOT NULL, \"secretHash\" character(64) NOT NULL, \"createdBy\" character varying(200) NOT NULL, \"createdAt\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), \"lastUsedAt\" TIMESTAMP WITH TIME ZONE, \"revokedAt\" TIMESTAMP WITH TIME ZONE, \"revokedBy\" character varying(200), \"revokeReason\" character varying(500), CONSTRAINT \"PK_b1bd840641b8acbaad89c3d8d11\" PRIMARY KEY (\"id\"))");
    await q.query("CREATE UNIQUE INDEX \"api_key_prefix_key\" ON \"api_key\"  (\"prefix\") ");
    await q.query("CREATE INDEX \"api_key_region_idx\" ON \"api_key\"  (\"regionCode\", \"createdAt\") ");
    // By hand: the audit trail is append-only.
    await q.query(`CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_event is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$`);
    await q.query('CREATE TRIGGER audit_event_no_update_delete BEFORE UPDATE OR DELETE ON audit_event FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()');
    await q.query('CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event');
    await q.query('DROP TRIGGER IF EXISTS audit_event_no_update_delete ON audit_event');
    await q.query('DROP FUNCTION IF EXISTS audit_event_append_only()');
    await q.query("DROP INDEX \"public\".\"api_key_region_idx\"");
    await q.query("DROP INDEX \"public\".\"api_key_prefix_key\"");
    await q.query("DROP TABLE \"api_key\"");
    await q.query("DROP TYPE \"public\".\"principal_role\"");
  }
}
