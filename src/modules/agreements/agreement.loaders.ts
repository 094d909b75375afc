import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { entityFromJson } from '../../db/entity-json';
import { nestedPageLoader, nestedPreloader, type NestedSpec } from '../../graphql/nested-connection';
import type { Preloader } from '../../graphql/preload';
import type { Scope } from '../../graphql/scope';
import type { Context } from '../context';
import { Expert } from '../experts/expert.entity';
import { Organization } from '../organizations/organization.entity';
import { Region } from '../regions/region.entity';
import type { Agreement, AgreementLink, AgreementProgressItem, AgreementTask } from './agreement.entity';
import type { Principal } from '../../graphql/principal';
import type { ServiceMatch } from '../matching/match.entity';
import type { MatchingService } from '../matching/matching.service';
import { AgreementFilingStep, AgreementProgressReport, AgreementVillage } from './agreement.entity';
import type { AgreementService } from './agreement.service';

/** Beneficiary villages of each agreement (join rows), by code. */
const VILLAGES: NestedSpec<AgreementVillage> = { entity: AgreementVillage, parentProperty: 'agreementId', sortProperty: 'villageCode', direction: 'ASC', idProperty: 'villageCode' };
/** Filing history (备案记录) of each agreement, oldest first. */
const FILING_STEPS: NestedSpec<AgreementFilingStep> = { entity: AgreementFilingStep, parentProperty: 'agreementId', sortProperty: 'id', direction: 'ASC' };

/** Per-request loaders of the agreements module; agreements are read within the caller's region scope. */
export function createAgreementLoaders(ds: DataSource, service: AgreementService, scope: Scope, matching: MatchingService, principal: Principal) {
  return {
    agreementById: new DataLoader<string, Agreement | null>((ids) => service.byIds(scope, ids)),
    agreementTasks: new DataLoader<string, AgreementTask[]>((ids) => service.tasksOf(ids)),
    agreementExpertIds: new DataLoader<string, string[]>((ids) => service.expertIdsOf(ids)),
    /** Linked households, needs and matches (ids by kind). */
    agreementLinks: new DataLoader<string, AgreementLink[]>((ids) => service.linksOf(ids)),
    /** Matches as the caller may see them (the matching module's rule), batched. */
    agreementMatchById: new DataLoader<string, ServiceMatch | null>((ids) => matching.byIds(principal, scope, ids)),
    agreementProgress: new DataLoader<string, number | null>((ids) => service.progressOf(ids)),
    taskDelivered: new DataLoader<string, number>((ids) => service.deliveredOf(ids)),
    progressItems: new DataLoader<string, AgreementProgressItem[]>((ids) => service.itemsOf(ids)),
    agreementVillages: nestedPageLoader(ds, VILLAGES),
    agreementFilingSteps: nestedPageLoader(ds, FILING_STEPS),
    /** Progress reports of each agreement, newest first. */
    agreementReports: nestedPageLoader(ds, { entity: AgreementProgressReport, parentProperty: 'agreementId', sortProperty: 'createdAt', direction: 'DESC' }),
  };
}
export type AgreementLoaders = ReturnType<typeof createAgreementLoaders>;

/**
 * Relations of Agreement read ahead for a page of agreements (src/graphql/preload.ts), each priming the loader its
 * field resolver reads with what that loader would load: the organization and the experts within the caller's scope
 * (OrganizationService.byIds, expertIdsOf + ExpertService.byIds), the first page of beneficiary villages with the
 * villages and their ancestors (regionByCode), and the first page of the filing history.
 */
export const agreementPreloaders: Record<string, Preloader<Context, Agreement>> = {
  organization: {
    // With the key it was read for: the agreement may have changed between the page and this statement.
    sql: ({ ctx }, _args, bind) => `json_build_array(p."organizationId", ${ctx.services.organizations.jsonSql(ctx.scope, 'p."organizationId"', bind)})`,
    prime: ({ ctx, ds }, a, value) => {
      const [key, json] = value as [string | null, unknown];
      if (a.organizationId && key === a.organizationId) ctx.loaders.organizationById.prime(key, entityFromJson(ds, Organization, json));
    },
  },
  experts: {
    sql: ({ ctx }, _args, bind) =>
      `(SELECT json_agg(json_build_array(ae."expertId", ${ctx.services.experts.jsonSql(ctx.scope, 'ae."expertId"', bind)}) ORDER BY ae."expertId")
          FROM agreement_expert ae WHERE ae."agreementId" = p.id)`,
    prime: ({ ctx, ds }, a, value) => {
      const pairs = (value as Array<[string, unknown]> | null) ?? [];
      ctx.loaders.agreementExpertIds.prime(a.id, pairs.map(([id]) => id));
      for (const [id, expert] of pairs) ctx.loaders.expertById.prime(id, entityFromJson(ds, Expert, expert));
    },
  },
  beneficiaryVillages: nestedPreloader<Context, Agreement, AgreementVillage>(VILLAGES, (ctx) => ctx.loaders.agreementVillages, (a) => a.id, {
    // The villages of the window and their ancestors, each once: what regionByCode reads and primes for them.
    also: {
      sql: (ctx) => ctx.services.regions.withAncestorsJsonSql('array_agg(t."villageCode")'),
      prime: ({ ctx, ds }, value) => {
        for (const json of (value as unknown[] | null) ?? []) {
          const region = entityFromJson(ds, Region, json) as Region;
          ctx.loaders.regionByCode.prime(region.code, region);
        }
      },
    },
  }),
  filingHistory: nestedPreloader<Context, Agreement, AgreementFilingStep>(FILING_STEPS, (ctx) => ctx.loaders.agreementFilingSteps, (a) => a.id),
};
