/** Base class of every error the SDK throws. */
export class ZhuliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The server could not be reached, timed out, or kept answering 429/503 after the retries (CLI exit code 3). */
export class NetworkError extends ZhuliError {
  constructor(
    message: string,
    /** HTTP status of the last answer, if there was one. */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Credentials missing, expired, revoked or not allowed for this operation (UNAUTHENTICATED/FORBIDDEN; exit code 3). */
export class AuthError extends ZhuliError {
  constructor(
    message: string,
    /** UNAUTHENTICATED or FORBIDDEN. */
    readonly code: string,
  ) {
    super(message);
  }
}

/** One error of a GraphQL response (`errors[]`). */
export interface GraphQLErrorEntry {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: { code?: string; [key: string]: unknown };
}

/** The server answered with GraphQL errors (bad input, limits, …; exit code 1). `data` holds any partial data. */
export class GraphQLRequestError extends ZhuliError {
  constructor(
    readonly errors: GraphQLErrorEntry[],
    readonly data?: unknown,
  ) {
    super(errors.map((e) => `${e.message}${e.extensions?.code ? ` (${e.extensions.code})` : ''}`).join('; '));
  }
  /** The `extensions.code` of the first error. */
  get code(): string | undefined {
    return this.errors[0]?.extensions?.code;
  }
}

/** A mutation's expected failure as the schema types it (`UserError`). */
export interface UserError {
  field?: ReadonlyArray<string> | null;
  message: string;
  code: string;
}

/** A mutation payload returned userErrors (validation, invalid state, version conflict, not found; exit code 1). */
export class UserErrorsError extends ZhuliError {
  constructor(readonly userErrors: ReadonlyArray<UserError>) {
    super(userErrors.map((e) => `${e.code}${e.field?.length ? ` at ${e.field.join('.')}` : ''}: ${e.message}`).join('; '));
  }
}
