/**
 * The benchmark queries of `npm run bench` (issue 8), shared by the runner, the peers and the statement-count
 * regression test (test/bench-queries.spec.ts), so all of them measure the same thing.
 */

/**
 * The nested list query a provincial system runs most: the registered agreements of a city, newest change first,
 * with the provider organization, the experts, the beneficiary villages with their township and county, the latest
 * evaluation and the filing history.
 */
export const PROVINCIAL_AGREEMENTS = /* GraphQL */ `
  query ProvincialAgreements($within: String!, $first: Int!) {
    agreements(first: $first, filter: { within: $within, status: [REGISTERED, IN_PROGRESS] }, orderBy: { field: UPDATED_AT, direction: DESC }) {
      pageInfo { hasNextPage endCursor }
      edges {
        node {
          id
          registryNumber
          title
          status
          regionCode
          registeredAt
          updatedAt
          organization { id name type regionCode }
          experts { id name title regionCode }
          beneficiaryVillages(first: 10) {
            edges { node { code name parent { code name parent { code name } } } }
          }
          latestEvaluation { id year level totalScore grade status }
          filingHistory(first: 10) {
            edges { node { level decision toStatus actorName reason at } }
          }
        }
      }
    }
  }
`;

const FIGURES = `
  indicators { indicator actual target completionRate }
  villageCoverage { poorVillages byAgreement byRuralTechAssociation byEStation byAgreementRate byRuralTechAssociationRate byEStationRate }
  householdCoverage { households people withLabour withLabourAndTechnique withIncomeProject techniqueRate incomeProjectRate }`;

/** The province statistics a reporting front end reads (issue 6), with the breakdown by city. */
export const PROVINCE_STATISTICS = /* GraphQL */ `
  query ProvinceStatistics($regionCode: String!, $year: Int!) {
    statistics(regionCode: $regionCode, year: $year) {
      year regionCode regionName ${FIGURES}
      breakdown(first: 100) { totalCount nodes { regionCode regionName ${FIGURES} } }
    }
  }
`;

/** Ranked candidates for a need, with the reasons (issue 4). */
export const MATCH_CANDIDATES = /* GraphQL */ `
  query MatchCandidates($needId: ID!) {
    matchCandidates(needId: $needId, first: 10) {
      totalCount
      nodes { score regionFit spareCapacity offering { id title } reasons { kind points text } }
    }
  }
`;
