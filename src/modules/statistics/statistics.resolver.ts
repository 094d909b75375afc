import { Arg, Args, Authorized, Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import type { Page } from '../../graphql/connection';
import { PageArgs } from '../../graphql/connection';
import type { Context } from '../context';
import { CountyAssessment, CountyAssessmentConnection, RegionFigures, RegionFiguresConnection, Statistics } from './statistics.types';

@Resolver(() => Statistics)
export class StatisticsResolver {
  @Authorized()
  @Query(() => Statistics, {
    nullable: true,
    description:
      'Statistics (统计) of a province, city or county (000000 = the whole country, national scope only) for a year: every indicator with actual (computed from the data), target and completion rate, coverage of poor villages and households, and a breakdown by child region. Null when the region is unknown or outside your region scope',
  })
  statistics(
    @Arg('regionCode', { description: 'Division code (6 digits), e.g. 340000, 341500, 341524; 000000 for the whole country' }) regionCode: string,
    @Arg('year', () => Int, { description: 'Year, e.g. 2018' }) year: number,
    @Ctx() ctx: Context,
  ): Promise<Statistics | null> {
    return ctx.services.statistics.statistics(ctx.scope, regionCode, year);
  }

  @FieldResolver(() => RegionFiguresConnection, { description: 'One row per child region (cities of a province, counties of a city, townships of a county, provinces of the country), by code, with the same figures' })
  breakdown(@Root() s: Statistics, @Args() page: PageArgs, @Ctx() ctx: Context): Page<RegionFigures> {
    return ctx.services.statistics.breakdown(s, page);
  }

  @Authorized()
  @Query(() => CountyAssessmentConnection, {
    description:
      'Assessment (考核) of the county associations inside a region against the targets split down to them for a year: per-indicator completion, score and grade; counties with at least one target, by code. Empty outside your region scope',
  })
  countyAssessments(
    @Arg('regionCode', { description: 'Province, city or county code (6 digits); 000000 for the whole country' }) regionCode: string,
    @Arg('year', () => Int, { description: 'Year' }) year: number,
    @Args() page: PageArgs,
    @Ctx() ctx: Context,
  ): Promise<Page<CountyAssessment>> {
    return ctx.services.statistics.countyAssessments(ctx.scope, regionCode, year, page);
  }
}
