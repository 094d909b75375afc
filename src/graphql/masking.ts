import type { MiddlewareFn } from 'type-graphql';
import { COORDINATORS, Role, type Principal } from './principal';

/**
 * Personal data (个人信息) masking: names, phone numbers and ID numbers of people are sent unmasked only to
 * those who need them. Field resolvers of personal fields call `revealOrMask` (or use `@UseMiddleware(
 * MaskPersonalData(...))`); the unmasked value never leaves the server for anyone else.
 */

/** Kinds of personal data and how each is masked. */
export type PersonalDataKind = 'name' | 'phone' | 'idNumber' | 'email';

/** Whose personal data a value is: where the person is registered, and who they are. */
export interface PersonalDataOwner {
  /** Region code of the person (or of the record holding the data); null = unknown, only national scope sees it. */
  regionCode: string | null | undefined;
  /** The expert the data belongs to (an EXPERT principal with this expertId sees their own data). */
  expertId?: string | null;
  /** The organization the data belongs to (its ORGANIZATION_MANAGER sees it). */
  organizationId?: string | null;
}

/** '张三丰' → '张**', 'Li Wei' → 'L*****': first character kept, the rest starred. */
export function maskName(name: string | null | undefined): string | null {
  if (name == null) return null;
  const chars = Array.from(name.trim());
  if (chars.length === 0) return '';
  return chars[0] + '*'.repeat(Math.max(chars.length - 1, 1));
}

/** '13812345678' → '138****5678'; '0564-5012345' → '0564****2345'; short numbers are fully starred. */
export function maskPhone(phone: string | null | undefined): string | null {
  if (phone == null) return null;
  const p = phone.trim();
  if (p.length <= 7) return '*'.repeat(p.length);
  const head = /^0\d{2,3}-/.test(p) ? p.indexOf('-') : 3;
  return p.slice(0, head) + '****' + p.slice(-4);
}

/** '340102199001011234' → '3401**********1234' (18- or 15-digit resident ID): region prefix and last 4 kept. */
export function maskIdNumber(id: string | null | undefined): string | null {
  if (id == null) return null;
  const s = id.trim();
  if (s.length <= 8) return '*'.repeat(s.length);
  return s.slice(0, 4) + '*'.repeat(s.length - 8) + s.slice(-4);
}

/** 'zhang.san@example.cn' → 'z*********@example.cn': first character of the local part kept. */
export function maskEmail(email: string | null | undefined): string | null {
  if (email == null) return null;
  const at = email.lastIndexOf('@');
  if (at <= 0) return maskName(email);
  return `${email[0]}${'*'.repeat(Math.max(at - 1, 1))}${email.slice(at)}`;
}

const MASKERS: Record<PersonalDataKind, (v: string) => string | null> = { name: maskName, phone: maskPhone, idNumber: maskIdNumber, email: maskEmail };

/**
 * Keys that hold personal data wherever they appear in stored snapshots (audit before/after), with their kind.
 * Modules that add personal fields list them here, so the audit trail never leaks what the fields mask.
 */
export const PERSONAL_KEYS: Record<string, PersonalDataKind> = {
  contactName: 'name',
  contactPhone: 'phone',
  email: 'email',
  headName: 'name',
  headOfHouseholdName: 'name',
  headIdNumber: 'idNumber',
  idNumber: 'idNumber',
  phone: 'phone',
};

/** A snapshot (e.g. audit before/after) with its personal keys masked unless the principal may see them. */
export function maskSnapshot(principal: Principal, owner: PersonalDataOwner, snapshot: Record<string, unknown> | null): Record<string, unknown> | null {
  if (!snapshot || canSeePersonalData(principal, owner)) return snapshot;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(snapshot)) out[k] = typeof v === 'string' && PERSONAL_KEYS[k] ? MASKERS[PERSONAL_KEYS[k]](v) : v;
  return out;
}

/**
 * Whether a principal may see a person's data unmasked: coordinators (and service accounts with a coordinator
 * role) whose scope covers the owner's region, and the person themself (EXPERT with the same expertId, the
 * ORGANIZATION_MANAGER of the owning organization). ANALYST never (even when holding another role too);
 * AUDITOR, anonymous callers and everybody else no.
 */
export function canSeePersonalData(principal: Principal, owner: PersonalDataOwner): boolean {
  if (principal.kind === 'ANONYMOUS') return false;
  if (principal.roles.includes(Role.ANALYST)) return false;
  if (principal.roles.includes(Role.EXPERT) && principal.expertId && owner.expertId && principal.expertId === owner.expertId) return true;
  if (principal.roles.includes(Role.ORGANIZATION_MANAGER) && principal.organizationId && owner.organizationId && principal.organizationId === owner.organizationId) return true;
  const coordinator = principal.roles.some((r) => (COORDINATORS as readonly Role[]).includes(r));
  if (!coordinator || principal.scopePrefix == null) return false;
  if (principal.scopePrefix === '') return true;
  return owner.regionCode != null && owner.regionCode.startsWith(principal.scopePrefix);
}

/** The value itself when the principal may see it (`canSeePersonalData`), otherwise its masked form. */
export function revealOrMask(principal: Principal, owner: PersonalDataOwner, value: string | null | undefined, kind: PersonalDataKind): string | null {
  if (value == null) return null;
  return canSeePersonalData(principal, owner) ? value : MASKERS[kind](value);
}

/**
 * Field middleware masking the value a field resolves to: `@UseMiddleware(MaskPersonalData('phone', (e: Expert) =>
 * ({ regionCode: e.regionCode, expertId: e.id })))` on a `@Field` or `@FieldResolver`.
 */
export function MaskPersonalData<Root = any>(kind: PersonalDataKind, ownerOf: (root: Root) => PersonalDataOwner): MiddlewareFn<{ principal: Principal }> {
  return async ({ root, context }, next) => {
    const value = (await next()) as string | null | undefined;
    return revealOrMask(context.principal, ownerOf(root as Root), value, kind);
  };
}
