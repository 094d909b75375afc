import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ConnectionType } from '../../graphql/connection';
import { Indicator } from '../targets/indicator';

/** One indicator of one region: actual (computed from the data), target and completion. */
@ObjectType({ description: 'One indicator (考核指标) of a region for the year: the actual value computed from the data, the target and the completion rate' })
export class IndicatorFigure {
  @Field(() => Indicator, { description: 'Indicator' })
  indicator: Indicator;
  @Field(() => Int, { description: 'Actual value (完成数), computed from the registry — never typed in' })
  actual: number;
  @Field(() => Int, { nullable: true, description: 'Target (目标数) of the region for the year; null when none was set' })
  target: number | null;
  @Field(() => Float, { nullable: true, description: 'actual / target (完成率; above 1 when exceeded); null without a positive target' })
  completionRate: number | null;
}

/** Coverage of registered poor villages. */
@ObjectType({ description: 'Coverage of registered poor villages (贫困村覆盖)' })
export class VillageCoverage {
  @Field(() => Int, { description: 'Registered poor villages (建档立卡贫困村) in the region' })
  poorVillages: number;
  @Field(() => Int, { description: 'Covered by a registered agreement (REGISTERED, IN_PROGRESS or COMPLETED) whose period overlaps the year' })
  byAgreement: number;
  @Field(() => Int, { description: 'With a 农技协: the village registration says so, or an ACTIVE rural technical association is registered in the village' })
  byRuralTechAssociation: number;
  @Field(() => Int, { description: 'With a 科普中国乡村e站: the village registration says so, or an E_STATION facility in the village operates during the year' })
  byEStation: number;
  @Field(() => Float, { nullable: true, description: 'byAgreement / poorVillages; null without poor villages' })
  byAgreementRate: number | null;
  @Field(() => Float, { nullable: true, description: 'byRuralTechAssociation / poorVillages; null without poor villages' })
  byRuralTechAssociationRate: number | null;
  @Field(() => Float, { nullable: true, description: 'byEStation / poorVillages; null without poor villages' })
  byEStationRate: number | null;
}

/** Coverage of registered poor households. */
@ObjectType({ description: 'Coverage of registered poor households (贫困户覆盖); the current registry, whatever the year' })
export class HouseholdCoverage {
  @Field(() => Int, { description: 'Registered households (建档立卡贫困户, any status)' })
  households: number;
  @Field(() => Int, { description: 'Their members (人口)' })
  people: number;
  @Field(() => Int, { description: 'Households with at least one member able to work (有劳动力)' })
  withLabour: number;
  @Field(() => Int, { description: 'Households with labour that master at least one practical technique' })
  withLabourAndTechnique: number;
  @Field(() => Int, { description: 'Households that joined at least one income project' })
  withIncomeProject: number;
  @Field(() => Float, { nullable: true, description: 'withLabourAndTechnique / withLabour (target: every household with labour); null without such households' })
  techniqueRate: number | null;
  @Field(() => Float, { nullable: true, description: 'withIncomeProject / households; null without households' })
  incomeProjectRate: number | null;
}

/** The figures of one region: indicators and coverage. */
@ObjectType({ description: 'The figures of one region for the year: every indicator with target and completion, and coverage' })
export class RegionFigures {
  @Field({ description: 'Division code of the region (000000 = the whole country)' })
  regionCode: string;
  @Field({ description: 'Name of the region (全国 for 000000)' })
  regionName: string;
  @Field(() => [IndicatorFigure], { description: 'Every indicator, in the order of the Indicator enum' })
  indicators: IndicatorFigure[];
  @Field(() => VillageCoverage, { description: 'Coverage of registered poor villages' })
  villageCoverage: VillageCoverage;
  @Field(() => HouseholdCoverage, { description: 'Coverage of registered poor households' })
  householdCoverage: HouseholdCoverage;
}

export const RegionFiguresConnection = ConnectionType(RegionFigures, 'RegionFigures', 'per-region figures (child regions of a statistics report)');

/** Statistics of a region for a year, with the breakdown by child region. */
@ObjectType({ description: 'Statistics (统计) of a region for a year, for reporting front ends: indicators with target vs actual, coverage, and a breakdown by child region' })
export class Statistics extends RegionFigures {
  @Field(() => Int, { description: 'Year' })
  year: number;
  /** Child rows, ordered by code (paged by the breakdown field). */
  rows: RegionFigures[];
}

/** Grade of a county assessment. */
export enum AssessmentGrade {
  EXCELLENT = 'EXCELLENT',
  GOOD = 'GOOD',
  PASS = 'PASS',
  FAIL = 'FAIL',
}
registerEnumType(AssessmentGrade, {
  name: 'AssessmentGrade',
  description: 'Grade of the assessment (考核等次) of an organizing unit, from its score',
  valuesConfig: {
    EXCELLENT: { description: 'Score ≥ 90 (优秀)' },
    GOOD: { description: 'Score ≥ 75 (良好)' },
    PASS: { description: 'Score ≥ 60 (合格)' },
    FAIL: { description: 'Score < 60 (不合格)' },
  },
});

/** One indicator of a county's assessment. */
@ObjectType({ description: 'One assessed indicator of a county: target, actual and the capped completion that enters the score' })
export class AssessedIndicator {
  @Field(() => Indicator, { description: 'Indicator' })
  indicator: Indicator;
  @Field(() => Int, { description: 'Target of the county' })
  target: number;
  @Field(() => Int, { description: 'Actual, computed from the data' })
  actual: number;
  @Field(() => Float, { description: 'min(1, actual / target); 1 for a target of 0' })
  completion: number;
}

/** The assessment (考核) of a county association against its targets. */
@ObjectType({ description: "Assessment (考核) of a county association (区县科协) against the targets split down to it: each indicator's completion, the overall score and grade" })
export class CountyAssessment {
  @Field({ description: '6-digit code of the county' })
  countyCode: string;
  @Field({ description: 'Name of the county' })
  countyName: string;
  @Field(() => Int, { description: 'Year' })
  year: number;
  @Field(() => Int, { description: 'Indicators with a target (the ones assessed)' })
  indicatorsAssessed: number;
  @Field(() => Int, { description: 'Indicators whose target is met (actual ≥ target)' })
  indicatorsMet: number;
  @Field(() => Float, { description: 'Average of the capped completions (0–1)' })
  completionRate: number;
  @Field(() => Float, { description: 'Score out of 100 = 100 × completionRate, one decimal' })
  score: number;
  @Field(() => AssessmentGrade, { description: 'Grade from the score' })
  grade: AssessmentGrade;
  @Field(() => [AssessedIndicator], { description: 'Every indicator with a target, in the order of the Indicator enum' })
  indicators: AssessedIndicator[];
}

export const CountyAssessmentConnection = ConnectionType(CountyAssessment, 'CountyAssessment', 'county assessments (考核)');
