import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Agreements (帮扶协议书), filing history, progress, notifications; generated from the entities, shared enum types de-duplicated, the registry-number sequence added by hand. */
export class AgreementsAndNotifications1795530387095 implements MigrationInterface {
  name = 'AgreementsAndNotifications1795530387095';

  async up(q: QueryRunner): Promise<void> {
    await q.query("CREATE TYPE \"public\".\"agreement_status\" AS ENUM('DRAFT', 'SIGNED', 'COUNTY_REVIEW', 'CITY_REVIEW', 'PROVINCE_REVIEW', 'SUBMITTED', 'REGISTERED', 'IN_PROGRESS', 'COMPLETED', 'TERMINATED', 'RETURNED')");
    await q.query("CREATE TYPE \"public\".\"filing_level\" AS ENUM('FILER', 'COUNTY', 'CITY', 'PROVINCE', 'NATIONAL')");
    await q.query("CREATE TABLE \"agreement\" (\"id\" uuid NOT NULL DEFAULT gen_random_uuid(), \"title\" character varying(200) NOT NULL, \"status\" \"public\".\"agreement_status\" NOT NULL DEFAULT 'DRAFT', \"regionCode\" character varying(12) COLLATE \"C\" NOT NULL, \"filerLevel\" \"public\".\"region_level\" NOT NULL, \"organizationId\" uuid, \"periodStart\" date, \"periodEnd\" date, \"goals\" text, \"measures\" text, \"mechanism\" text, \"signingDate\" date, \"signatories\" jsonb NOT NULL DEFAULT '[]', \"reviewLevel\" \"public\".\"filing_level\", \"registryNumber\" character varying(32), \"returnReason\" character varying(1000), \"terminationReason\" character varying(1000), \"completionNote\" character varying(2000), \"createdBy\" character varying(200) NOT NULL, \"signedAt\" TIMESTAMP(3) WITH TIME ZONE, \"filedAt\" TIMESTAMP(3) WITH TIME ZONE, \"filedBy\" character varying(200), \"registeredAt\" TIMESTAMP(3) WITH TIME ZONE, \"version\" integer NOT NULL DEFAULT '1', \"createdAt\" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), \"updatedAt\" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_e7537188219eeef56233a609753\" PRIMARY KEY (\"id\"))");
    await q.query("CREATE UNIQUE INDEX \"agreement_registry_number_unique\" ON \"agreement\"  (\"registryNumber\") ");
    await q.query("CREATE INDEX \"agreement_organization_idx\" ON \"agreement\"  (\"organizationId\") ");
    await q.query("CREATE INDEX \"agreement_updated_idx\" ON \"agreement\"  (\"updatedAt\", \"id\") ");
    await q.query("CREATE INDEX \"agreement_status_idx\" ON \"agreement\"  (\"status\", \"regionCode\") ");
    await q.query("CREATE INDEX \"agreement_region_idx\" ON \"agreement\"  (\"regionCode\", \"id\") ");
    await q.query("CREATE TYPE \"public\".\"agreement_task_kind\" AS ENUM('TRAINING', 'HOUSEHOLDS_REACHED', 'TECHNIQUES_PROMOTED', 'ONSITE_GUIDANCE', 'DEMONSTRATION_BASE', 'VARIETIES_INTRODUCED', 'SCIENCE_POPULARIZATION', 'MARKET_LINKAGE', 'OTHER')");
    await q.query("CREATE TABLE \"agreement_task\" (\"id\" uuid NOT NULL DEFAULT gen_random_uuid(), \"agreementId\" uuid NOT NULL, \"position\" smallint NOT NULL, \"kind\" \"public\".\"agreement_task_kind\" NOT NULL, \"description\" character varying(500) NOT NULL, \"plannedQuantity\" numeric(12,2) NOT NULL, \"unit\" character varying(20) NOT NULL, CONSTRAINT \"PK_266b95710bd29312edc5e15d59a\" PRIMARY KEY (\"id\"))");
    await q.query("CREATE INDEX \"agreement_task_agreement_idx\" ON \"agreement_task\"  (\"agreementId\", \"position\") ");
    await q.query("CREATE TABLE \"agreement_expert\" (\"agreementId\" uuid NOT NULL, \"expertId\" uuid NOT NULL, CONSTRAINT \"PK_b2730a8905bb64efb764350b707\" PRIMARY KEY (\"agreementId\", \"expertId\"))");
    await q.query("CREATE INDEX \"agreement_expert_expert_idx\" ON \"agreement_expert\"  (\"expertId\") ");
    await q.query("CREATE TABLE \"agreement_village\" (\"agreementId\" uuid NOT NULL, \"villageCode\" character varying(12) COLLATE \"C\" NOT NULL, CONSTRAINT \"PK_f93dc498befebdbf19b2694664f\" PRIMARY KEY (\"agreementId\", \"villageCode\"))");
    await q.query("CREATE INDEX \"agreement_village_village_idx\" ON \"agreement_village\"  (\"villageCode\") ");
    await q.query("CREATE TYPE \"public\".\"filing_decision\" AS ENUM('CREATED', 'AMENDED', 'SIGNED', 'FILED', 'APPROVED', 'RETURNED', 'SUBMITTED', 'REGISTERED', 'STARTED', 'COMPLETED', 'TERMINATED')");
    await q.query("CREATE TABLE \"agreement_filing_step\" (\"id\" BIGSERIAL NOT NULL, \"agreementId\" uuid NOT NULL, \"decision\" \"public\".\"filing_decision\" NOT NULL, \"level\" \"public\".\"filing_level\" NOT NULL, \"fromStatus\" \"public\".\"agreement_status\", \"toStatus\" \"public\".\"agreement_status\" NOT NULL, \"actorSubject\" character varying(200) NOT NULL, \"actorName\" character varying(100), \"reason\" character varying(2000), \"at\" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_d617cf4eb96e87b6ccbdbc24767\" PRIMARY KEY (\"id\"))");
    await q.query("CREATE INDEX \"agreement_filing_step_agreement_idx\" ON \"agreement_filing_step\"  (\"agreementId\", \"id\") ");
    await q.query("CREATE TABLE \"agreement_progress_report\" (\"id\" uuid NOT NULL DEFAULT gen_random_uuid(), \"agreementId\" uuid NOT NULL, \"reportedOn\" date NOT NULL, \"note\" character varying(2000), \"evidence\" text array NOT NULL DEFAULT '{}', \"reportedBy\" character varying(200) NOT NULL, \"createdAt\" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_3dcab1e9fdf6e88374bb9f86e28\" PRIMARY KEY (\"id\"))");
    await q.query("CREATE INDEX \"agreement_progress_report_agreement_idx\" ON \"agreement_progress_report\"  (\"agreementId\", \"reportedOn\") ");
    await q.query("CREATE TABLE \"agreement_progress_item\" (\"id\" uuid NOT NULL DEFAULT gen_random_uuid(), \"reportId\" uuid NOT NULL, \"taskId\" uuid NOT NULL, \"deliveredQuantity\" numeric(12,2) NOT NULL, CONSTRAINT \"PK_13fa66d736b463fc51de638e213\" PRIMARY KEY (\"id\"))");
    await q.query("CREATE INDEX \"agreement_progress_item_report_idx\" ON \"agreement_progress_item\"  (\"reportId\") ");
    await q.query("CREATE INDEX \"agreement_progress_item_task_idx\" ON \"agreement_progress_item\"  (\"taskId\") ");
    await q.query("CREATE TYPE \"public\".\"notification_type\" AS ENUM('FILED', 'REVIEW_APPROVED', 'RETURNED', 'SUBMITTED', 'REGISTERED', 'STARTED', 'COMPLETED', 'TERMINATED')");
    await q.query("CREATE TYPE \"public\".\"notification_target\" AS ENUM('FILER', 'COUNTY', 'CITY', 'PROVINCE', 'NATIONAL')");
    await q.query("CREATE TABLE \"notification\" (\"id\" BIGSERIAL NOT NULL, \"cursor\" bigint, \"type\" \"public\".\"notification_type\" NOT NULL, \"agreementId\" uuid NOT NULL, \"regionCode\" character varying(12) COLLATE \"C\" NOT NULL, \"targetLevel\" \"public\".\"notification_target\" NOT NULL, \"targetRegionCode\" character varying(12) COLLATE \"C\" NOT NULL, \"status\" character varying(32) NOT NULL, \"reason\" character varying(2000), \"actorSubject\" character varying(200) NOT NULL, \"actorName\" character varying(100), \"at\" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), \"publishedAt\" TIMESTAMP(3) WITH TIME ZONE, CONSTRAINT \"PK_705b6c7cdf9b2c2ff7ac7872cb7\" PRIMARY KEY (\"id\"))");
    await q.query("CREATE INDEX \"notification_agreement_idx\" ON \"notification\"  (\"agreementId\") ");
    await q.query("CREATE INDEX \"notification_region_idx\" ON \"notification\"  (\"regionCode\", \"cursor\") ");
    await q.query("CREATE INDEX \"notification_unpublished_idx\" ON \"notification\"  (\"id\") WHERE \"cursor\" IS NULL");
    await q.query("CREATE UNIQUE INDEX \"notification_cursor_unique\" ON \"notification\"  (\"cursor\") ");
    await q.query("CREATE TABLE \"notification_ack\" (\"subject\" character varying(200) NOT NULL, \"notificationId\" bigint NOT NULL, \"at\" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_6192083c6fec62b37a183da9ae4\" PRIMARY KEY (\"subject\", \"notificationId\"))");
    await q.query("CREATE INDEX \"notification_ack_notification_idx\" ON \"notification_ack\"  (\"notificationId\") ");
    await q.query("ALTER TABLE \"agreement\" ADD CONSTRAINT \"FK_6487cb42652fec0305d30f62540\" FOREIGN KEY (\"regionCode\") REFERENCES \"region\"(\"code\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"agreement\" ADD CONSTRAINT \"FK_2a8a0c20aef7cb334441008fcd7\" FOREIGN KEY (\"organizationId\") REFERENCES \"organization\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"agreement_task\" ADD CONSTRAINT \"FK_9e136f325b176a98c8967339c03\" FOREIGN KEY (\"agreementId\") REFERENCES \"agreement\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"agreement_expert\" ADD CONSTRAINT \"FK_790e8c332e8393700f37988ecc9\" FOREIGN KEY (\"agreementId\") REFERENCES \"agreement\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"agreement_expert\" ADD CONSTRAINT \"FK_2efc13972ae1873753de970cbe7\" FOREIGN KEY (\"expertId\") REFERENCES \"expert\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"agreement_village\" ADD CONSTRAINT \"FK_fc7c0b4615c2672538e6dead920\" FOREIGN KEY (\"agreementId\") REFERENCES \"agreement\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"agreement_village\" ADD CONSTRAINT \"FK_ee73f1768da3e2cfac8505d73d0\" FOREIGN KEY (\"villageCode\") REFERENCES \"region\"(\"code\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"agreement_filing_step\" ADD CONSTRAINT \"FK_7344a31fa36bbe717421e8d8548\" FOREIGN KEY (\"agreementId\") REFERENCES \"agreement\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"agreement_progress_report\" ADD CONSTRAINT \"FK_1663f6c4d25e72ced946454ba0f\" FOREIGN KEY (\"agreementId\") REFERENCES \"agreement\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"agreement_progress_item\" ADD CONSTRAINT \"FK_ebba33726cd008eb9617693f3a1\" FOREIGN KEY (\"reportId\") REFERENCES \"agreement_progress_report\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"agreement_progress_item\" ADD CONSTRAINT \"FK_927f708f541e61e949ca35f016a\" FOREIGN KEY (\"taskId\") REFERENCES \"agreement_task\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
    // By hand: the national sequence behind registry numbers (入库编号), which TypeORM does not model.
    await q.query('CREATE SEQUENCE "agreement_registry_seq"');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP SEQUENCE "agreement_registry_seq"');
    await q.query("ALTER TABLE \"agreement_progress_item\" DROP CONSTRAINT \"FK_927f708f541e61e949ca35f016a\"");
    await q.query("ALTER TABLE \"agreement_progress_item\" DROP CONSTRAINT \"FK_ebba33726cd008eb9617693f3a1\"");
    await q.query("ALTER TABLE \"agreement_progress_report\" DROP CONSTRAINT \"FK_1663f6c4d25e72ced946454ba0f\"");
    await q.query("ALTER TABLE \"agreement_filing_step\" DROP CONSTRAINT \"FK_7344a31fa36bbe717421e8d8548\"");
    await q.query("ALTER TABLE \"agreement_village\" DROP CONSTRAINT \"FK_ee73f1768da3e2cfac8505d73d0\"");
    await q.query("ALTER TABLE \"agreement_village\" DROP CONSTRAINT \"FK_fc7c0b4615c2672538e6dead920\"");
    await q.query("ALTER TABLE \"agreement_expert\" DROP CONSTRAINT \"FK_2efc13972ae1873753de970cbe7\"");
    await q.query("ALTER TABLE \"agreement_expert\" DROP CONSTRAINT \"FK_790e8c332e8393700f37988ecc9\"");
    await q.query("ALTER TABLE \"agreement_task\" DROP CONSTRAINT \"FK_9e136f325b176a98c8967339c03\"");
    await q.query("ALTER TABLE \"agreement\" DROP CONSTRAINT \"FK_2a8a0c20aef7cb334441008fcd7\"");
    await q.query("ALTER TABLE \"agreement\" DROP CONSTRAINT \"FK_6487cb42652fec0305d30f62540\"");
    await q.query("DROP INDEX \"public\".\"notification_ack_notification_idx\"");
    await q.query("DROP TABLE \"notification_ack\"");
    await q.query("DROP INDEX \"public\".\"notification_cursor_unique\"");
    await q.query("DROP INDEX \"public\".\"notification_unpublished_idx\"");
    await q.query("DROP INDEX \"public\".\"notification_region_idx\"");
    await q.query("DROP INDEX \"public\".\"notification_agreement_idx\"");
    await q.query("DROP TABLE \"notification\"");
    await q.query("DROP TYPE \"public\".\"notification_target\"");
    await q.query("DROP TYPE \"public\".\"notification_type\"");
    await q.query("DROP INDEX \"public\".\"agreement_progress_item_task_idx\"");
    await q.query("DROP INDEX \"public\".\"agreement_progress_item_report_idx\"");
    await q.query("DROP TABLE \"agreement_progress_item\"");
    await q.query("DROP INDEX \"public\".\"agreement_progress_report_agreement_idx\"");
    await q.query("DROP TABLE \"agreement_progress_report\"");
    await q.query("DROP INDEX \"public\".\"agreement_filing_step_agreement_idx\"");
    await q.query("DROP TABLE \"agreement_filing_step\"");
    await q.query("DROP TYPE \"public\".\"filing_decision\"");
    await q.query("DROP INDEX \"public\".\"agreement_village_village_idx\"");
    await q.query("DROP TABLE \"agreement_village\"");
    await q.query("DROP INDEX \"public\".\"agreement_expert_expert_idx\"");
    await q.query("DROP TABLE \"agreement_expert\"");
    await q.query("DROP INDEX \"public\".\"agreement_task_agreement_idx\"");
    await q.query("DROP TABLE \"agreement_task\"");
    await q.query("DROP TYPE \"public\".\"agreement_task_kind\"");
    await q.query("DROP INDEX \"public\".\"agreement_region_idx\"");
    await q.query("DROP INDEX \"public\".\"agreement_status_idx\"");
    await q.query("DROP INDEX \"public\".\"agreement_updated_idx\"");
    await q.query("DROP INDEX \"public\".\"agreement_organization_idx\"");
    await q.query("DROP INDEX \"public\".\"agreement_registry_number_unique\"");
    await q.query("DROP TABLE \"agreement\"");
    await q.query("DROP TYPE \"public\".\"agreement_status\"");
    await q.query("DROP TYPE \"public\".\"filing_level\"");
  }
}
