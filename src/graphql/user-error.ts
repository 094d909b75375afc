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
 * Runs a mutation: validates the input's shape, calls the service, and turns expected failures into
 * `userErrors`. Anything else propagates (logged, reported as a generic error with a request id).
 */
export async function mutation<P extends object>(
  input: object | null | undefined,
  run: () => Promise<Partial<P>>,
  argName = 'input',
): Promise<P & { userErrors: UserError[] }> {
  const shapeErrors = await validateInput(input, argName);
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
