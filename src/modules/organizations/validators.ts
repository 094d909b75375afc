import { registerDecorator, type ValidationOptions } from 'class-validator';

/** Character set of the unified social credit code (GB 32100-2015): digits and capitals without I, O, Z, S, V. */
export const CREDIT_CODE_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const CREDIT_CODE_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** The check character (18th) of a unified social credit code for its first 17 characters; null if they are malformed. */
export function creditCodeCheckChar(first17: string): string | null {
  if (first17.length !== 17) return null;
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = CREDIT_CODE_CHARSET.indexOf(first17[i]);
    if (v < 0) return null;
    sum += v * CREDIT_CODE_WEIGHTS[i];
  }
  const check = 31 - (sum % 31);
  return CREDIT_CODE_CHARSET[check === 31 ? 0 : check];
}

/** Whether a string is a well-formed unified social credit code (统一社会信用代码) with a correct check character. */
export function isValidCreditCode(code: unknown): boolean {
  if (typeof code !== 'string' || code.length !== 18) return false;
  return creditCodeCheckChar(code.slice(0, 17)) === code[17];
}

/** Completes 17 characters into a valid credit code (demo data and tests). */
export function withCreditCheck(first17: string): string {
  const c = creditCodeCheckChar(first17);
  if (!c) throw new Error(`not a credit code prefix: ${first17}`);
  return first17 + c;
}

/** Mainland mobile (13812345678) or landline with area code (0551-12345678, optional extension). */
export const PHONE_PATTERN = /^(?:1[3-9]\d{9}|0\d{2,3}-\d{7,8}(?:-\d{1,6})?)$/;

/** class-validator: a unified social credit code with a valid GB 32100-2015 check character. */
export function IsCreditCode(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isCreditCode',
      target: object.constructor,
      propertyName,
      options: { message: `${propertyName} must be an 18-character unified social credit code (统一社会信用代码) with a valid check character`, ...options },
      // Lower-case letters are accepted here and upper-cased by the service.
      validator: { validate: (value: unknown) => typeof value === 'string' && isValidCreditCode(value.toUpperCase()) },
    });
}

/** class-validator: a mainland mobile number or a landline number with area code. */
export function IsContactPhone(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isContactPhone',
      target: object.constructor,
      propertyName,
      options: { message: `${propertyName} must be a mainland mobile number (13812345678) or a landline with area code (0551-12345678)`, ...options },
      validator: { validate: (value: unknown) => typeof value === 'string' && PHONE_PATTERN.test(value) },
    });
}
