/**
 * The Zhuli SDK: `ZhuliClient` (requests with retries, pagination, resumable subscriptions), its errors,
 * the userErrors helpers, and the typed documents generated from schema.graphql and src/client/operations.
 */
export { ZhuliClient, assertNoUserErrors, userErrorsResult, backoffDelay } from './client';
export type { ZhuliClientOptions, RetryOptions, ConnectionLike, Page, SubscribeOptions, Checked, Operation } from './client';
export { ZhuliError, NetworkError, AuthError, GraphQLRequestError, UserErrorsError } from './errors';
export type { UserError, GraphQLErrorEntry } from './errors';
export { clientOptionsFrom, type ClientSettings } from './settings';
export * from './generated/graphql';
