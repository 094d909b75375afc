/** Resident identity numbers (公民身份号码, GB 11643-1999): 17 digits and a check character (0-9 or X). */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

/** The check character of the first 17 digits; null if they are not 17 digits. */
export function idCheckChar(first17: string): string | null {
  if (!/^\d{17}$/.test(first17)) return null;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i];
  return CHECK[sum % 11];
}

/** Whether a string is an 18-character ID number with a valid birth date shape and check character. */
export function isValidIdNumber(id: unknown): boolean {
  if (typeof id !== 'string' || !/^\d{17}[\dX]$/.test(id)) return false;
  const month = Number(id.slice(10, 12));
  const day = Number(id.slice(12, 14));
  if (month < 1 || month > 12 || day < 1 || day > 31) return false;
  return idCheckChar(id.slice(0, 17)) === id[17];
}

/** Completes 17 digits into a valid ID number (demo data, tests and the benchmark generator). */
export function withIdCheck(first17: string): string {
  const c = idCheckChar(first17);
  if (!c) throw new Error(`not 17 digits: ${first17}`);
  return first17 + c;
}
