import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { validate, type ValidationError } from 'class-validator';
import { QueryFailedError } from 'typeorm';

/** Machine-readable reason of an expected failure. */
export enum UserErrorCode {
  VALIDATION = 'VALIDATION',
  NOT_FOUND = 'NOT_FOUND',
  FORBIDDEN = 'FORBIDDEN',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  VERSION_CONFLICT = 'VERSION_CONFLICT',
  INVALID_STATE = 'INVALID_STATE',
  DUPLICATE = 'DUPLICATE',
  NOT_ELIGIBLE = 'NOT_ELIGIBLE',
  LIMIT_EXCEEDED = 'LIMIT_EXCEEDED',
}
registerEnumType(UserErrorCode, {
  name: 'UserErrorCode',
  description: 'Why a mutation did not do what was asked',
  valuesConfig: {
    VALIDATION: { description: 'An input value is malformed or out of range' },
    NOT_FOUND: { description: 'A referenced object does not exist (or is outside your scope)' },
    FORBIDDEN: { description: 'You may not do this here (role or region scope)' },
    UNAUTHENTICATED: { description: 'No valid credentials were presented' },
    VERSION_CONFLICT: { description: 'The object changed since you read it; re-read and retry with the new version' },
    INVALID_STATE: { description: 'Not allowed in the current state of the object' },
    DUPLICATE: { description: 'A unique value is already taken' },
    NOT_ELIGIBLE: { description: 'The object does not meet the eligibility rules' },
    LIMIT_EXCEEDED: { description: 'A size or count limit was exceeded' },
  },
});

/** An expected failure of a mutation, reported in its payload's `userErrors`. */
@ObjectType({ description: 'An expected failure of a mutation: what went wrong, where in the input, and a code' })
export class UserError {
  @Field(() => [String], { nullable: true, description: 'Path to the input field at fault, e.g. ["input", "creditCode"]' })
  field?: string[] | null;

  @Field({ description: 'Human-readable explanation' })
  message: string;

  @Field(() => UserErrorCode, { description: 'Machine-readable code' })
  code: UserErrorCode;
}

/** Thrown by services for expected failures; mutation payloads turn it into `userErrors`. */
export class DomainError extends Error {
  constructor(
    readonly code: UserErrorCode,
    message: string,
    readonly field?: string[],
    readonly more: DomainError[] = [],
  ) {
    super(message);
  }
  toUserErrors(): UserError[] {
    return [this, ...this.more].map((e) => ({ code: e.code, message: e.message, field: e.field ?? null }));
  }
}

/** Base of every mutation payload. */
@ObjectType({ description: 'Base of mutation payloads' })
export abstract class Payload {
  @Field(() => [UserError], { description: 'Expected failures; empty when the mutation succeeded' })
  userErrors: UserError[];
}

function flatten(errors: ValidationError[], path: string[]): UserError[] {
  const out: UserError[] = [];
  for (const e of errors) {
    const here = [...path, e.property];
    for (const message of Object.values(e.constraints ?? {})) {
      out.push({ field: here, message, code: UserErrorCode.VALIDATION });
    }
    if (e.children?.length) out.push(...flatten(e.children, here));
  }
  return out;
}

/** Shape-validates an input object with class-validator; returns userErrors with field paths. */
export async function validateInput(input: object | undefined | null, argName = 'input'): Promise<UserError[]> {
  if (!input) return [];
  return flatten(await validate(input, { forbidUnknownValues: false }), [argName]);
}

/**
 * Text PostgreSQL cannot store (NUL characters: text and jsonb refuse them, and the whole statement fails) anywhere
 * in an input value, as VALIDATION userErrors at their paths.
 */
export function nulCharacters(value: unknown, path: string[] = ['input']): UserError[] {
  if (typeof value === 'string') return value.includes('\u0000') ? [{ field: path, message: 'Text must not contain NUL characters', code: UserErrorCode.VALIDATION }] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => nulCharacters(v, [...path, String(i)]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => nulCharacters(v, [...path, k]));
  return [];
}

/**
 * Runs a mutation: refuses text the database cannot store, validates the input's shape, calls the service, and turns
 * expected failures into `userErrors`. Anything else propagates (logged, reported as a generic error with a request
 * id). `checkedByRow` names a list field whose items the service checks one by one (an import's `rows`): their text
 * is left to those checks, so one bad row never refuses the batch.
 */
export async function mutation<P extends object>(
  input: object | null | undefined,
  run: () => Promise<Partial<P>>,
  checkedByRow?: string,
): Promise<P & { userErrors: UserError[] }> {
  const text = nulCharacters(input && checkedByRow ? { ...input, [checkedByRow]: undefined } : input);
  const shapeErrors = [...text, ...(await validateInput(input))];
  if (shapeErrors.length) return { userErrors: shapeErrors } as unknown as P & { userErrors: UserError[] };
  try {
    const result = await run();
    return { ...result, userErrors: [] } as P & { userErrors: UserError[] };
  } catch (err) {
    const known = asDomainError(err);
    if (known) return { userErrors: known.toUserErrors() } as unknown as P & { userErrors: UserError[] };
    throw err;
  }
}

/**
 * `mutation()` for a state-machine mutation: a refused transition (an error `stateOf` recognises) also reports the
 * object's current state in the payload's `currentStatus`.
 */
export async function stateMutation<P extends { currentStatus?: S | null }, S>(input: object, run: () => Promise<Partial<P>>, stateOf: (err: unknown) => S | undefined): Promise<P & { userErrors: UserError[] }> {
  let currentStatus: S | null = null;
  const result = await mutation<P>(input, async () => {
    try {
      return await run();
    } catch (err) {
      currentStatus = stateOf(err) ?? null;
      throw err;
    }
  });
  return { ...result, currentStatus };
}

/** Maps domain errors, and unique/foreign-key violations the database raised, to a DomainError. */
export function asDomainError(err: unknown): DomainError | null {
  if (err instanceof DomainError) return err;
  if (err instanceof QueryFailedError) {
    const code = (err as unknown as { driverError?: { code?: string; constraint?: string } }).driverError?.code;
    const constraint = (err as unknown as { driverError?: { constraint?: string } }).driverError?.constraint;
    if (code === '23505') return new DomainError(UserErrorCode.DUPLICATE, `A record with this value already exists (${constraint ?? 'unique'})`);
    if (code === '40001') return new DomainError(UserErrorCode.VERSION_CONFLICT, 'Concurrent update; retry');
  }
  return null;
}
