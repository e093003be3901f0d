/**
 * Victims' registrations (the StopNCII model, done better).
 *
 * A victim submits hashes only (PDQ for images, MD5 and vPDQ for videos) with
 * consent statements, to the hotline of an organisation. They get a case number,
 * a 10-digit PIN and a recovery code, each shown once. With case number and PIN
 * they can check status and withdraw hashes; with the recovery code they get a
 * new PIN (StopNCII cannot recover a lost PIN).
 *
 * Nothing that identifies the person is stored or accepted: no name, contact,
 * client address or free text (a label such as "photo from my ex" would
 * identify). The hashes become bank content (source 'victim', case_ref = case
 * number) in a per-organisation victims bank, so the live index picks them up
 * from the change feed, and a withdrawal tombstones them like any content.
 *
 * Someone who says they are under 18 is routed to the child-protection path:
 * no NCII registration; a 'csam' case at top priority with an alert for the
 * hotline's child-protection team, and the hashes in a csam-category bank.
 * Withdrawals on that path are requests for the team, not applied directly:
 * material depicting a child is blocked whatever the consent, and a child can
 * be coerced into handing over a PIN.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { PasswordHasher } from '../accounts/passwords.js';
import { type Bank, createBank, getBank } from '../banks/banks.js';
import { importContent } from '../banks/content.js';
import { isBankError } from '../banks/errors.js';
import { signalInput } from '../banks/hashes.js';
import type { Schema } from '../db/schema.js';
import type { VictimPath } from '../db/schema-victims.js';
import { addCaseEvent, createCase, inTransaction, normaliseReference, VICTIM_CASE_ACTOR } from './cases.js';
import { CaseError, invalidInput } from './errors.js';
import {
  DEFAULT_VICTIM_CREDENTIAL_POLICY,
  generatePin,
  generateRecoveryCode,
  isLocked,
  normalisePin,
  normaliseRecoveryCode,
  recoveryDigest,
  recoveryMatches,
  type VictimCredentialPolicy,
} from './victim-credentials.js';
import { findOpenHotline } from './victim-hotlines.js';

export interface VictimDeps {
  readonly db: Kysely<Schema>;
  readonly passwords: PasswordHasher;
  readonly clock: () => Date;
  readonly policy?: VictimCredentialPolicy;
}

/** The wording the consent statements refer to; bump it when the text changes. */
export const CONSENT_VERSION = '2026-1';

export const MAX_VICTIM_HASHES = 50;

export const registrationInput = z.strictObject({
  /** The hotline's public slug. */
  hotline: z.string().trim().min(1).max(63),
  consent: z.strictObject({
    ownsImages: z.literal(true, 'you must confirm that the images are of you'),
    consentToMatch: z.literal(true, 'you must agree that the hashes are matched against what Perisai scans'),
    over18: z.boolean(),
  }),
  hashes: z
    .array(signalInput)
    .min(1)
    .max(MAX_VICTIM_HASHES)
    .refine((hs) => hs.every((h) => h.type !== 'sha256'), 'hashes are pdq, md5 or vpdq'),
});
export type RegistrationInput = z.input<typeof registrationInput>;

export interface Registration {
  caseNumber: string;
  pin: string;
  recoveryCode: string;
  path: VictimPath;
  /** One bank content item per distinct hash, in the order given. */
  contentIds: number[];
}

const BANK_OF_PATH: Readonly<Record<VictimPath, { suffix: string; category: 'ncii' | 'csam' }>> = {
  ncii: { suffix: 'NCII', category: 'ncii' },
  child_protection: { suffix: 'CHILD', category: 'csam' },
};

/** The organisation's bank for victims' hashes on this path, created on first use. */
export async function ensureVictimsBank(db: Kysely<Schema>, organisationId: number, path: VictimPath): Promise<Bank> {
  const { suffix, category } = BANK_OF_PATH[path];
  const name = `VICTIMS_ORG${organisationId}_${suffix}`;
  const existing = await getBank(db, name);
  if (existing) return existing;
  try {
    return await createBank(db, { name, category, orgId: organisationId, kind: 'block' });
  } catch (err) {
    // Two first registrations at once: the other one created it.
    if (isBankError(err, 'conflict')) return (await getBank(db, name))!;
    throw err;
  }
}

export async function registerVictim(deps: VictimDeps, input: RegistrationInput): Promise<Registration> {
  const parsed = registrationInput.safeParse(input);
  if (!parsed.success) throw invalidInput('registration', parsed.error);
  const r = parsed.data;
  const hotline = await findOpenHotline(deps.db, r.hotline);
  if (!hotline) throw new CaseError('not-found', `no open hotline '${r.hotline}'`);
  const path: VictimPath = r.consent.over18 ? 'ncii' : 'child_protection';
  const bank = await ensureVictimsBank(deps.db, hotline.organisationId, path);
  const hashes = distinctHashes(r.hashes);
  refuseWeakHashes(hashes, bank);
  const pin = generatePin();
  const recoveryCode = generateRecoveryCode();
  const pinHash = await deps.passwords.hash(pin);
  const now = deps.clock();
  const consent = { owns_images: true, consent_to_match: true, over_18: r.consent.over18, version: CONSENT_VERSION };
  return inTransaction(deps.db, async (trx) => {
    const opened = await createCase(
      trx,
      {
        organisationId: hotline.organisationId,
        title: path === 'ncii' ? 'Victim registration' : 'Child-protection registration (under 18)',
        category: BANK_OF_PATH[path].category,
        priority: path === 'ncii' ? 3 : 1,
      },
      VICTIM_CASE_ACTOR,
      now,
    );
    const items = hashes.map((signal) => ({ source: 'victim' as const, caseRef: opened.reference, signals: [signal] }));
    const content = await importContent(trx, bank.name, items);
    const registration = await trx
      .insertInto('victim_registrations')
      .values({
        case_id: opened.id,
        bank_id: bank.id,
        path,
        consent: JSON.stringify(consent),
        pin_hash: pinHash,
        recovery_hash: recoveryDigest(normaliseRecoveryCode(recoveryCode)!),
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await addCaseEvent(
      trx,
      opened.id,
      {
        kind: 'victim',
        targetKind: 'registration',
        targetId: String(registration.id),
        body: `registered ${content.length} hash${content.length === 1 ? '' : 'es'}`,
        details: { path, hashes: content.length, types: countTypes(hashes), bank: bank.name },
      },
      VICTIM_CASE_ACTOR,
      now,
    );
    if (path === 'child_protection') {
      await addCaseEvent(
        trx,
        opened.id,
        { kind: 'alert', body: 'the person registering said they are under 18: child-protection path' },
        VICTIM_CASE_ACTOR,
        now,
      );
    }
    return { caseNumber: opened.reference, pin, recoveryCode, path, contentIds: content.map((c) => c.id) };
  });
}

type ParsedHash = z.output<typeof signalInput>;

/** The same PDQ or MD5 hash twice is one item; videos are kept as given. */
function distinctHashes(hashes: readonly ParsedHash[]): ParsedHash[] {
  const seen = new Set<string>();
  return hashes.filter((h) => {
    if (h.type === 'vpdq') return true;
    const key = `${h.type}:${h.hash}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A PDQ hash below the bank's quality floor would never match: say so now, not never. */
function refuseWeakHashes(hashes: readonly ParsedHash[], bank: Bank): void {
  hashes.forEach((h, i) => {
    if (h.type === 'pdq' && h.quality !== undefined && h.quality < bank.minQuality) {
      throw new CaseError(
        'validation',
        `invalid registration: hashes.${i} has quality ${h.quality}, below ${bank.minQuality}: the picture is too plain to be recognised reliably`,
      );
    }
  });
}

function countTypes(hashes: readonly ParsedHash[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const h of hashes) counts[h.type] = (counts[h.type] ?? 0) + 1;
  return counts;
}

// ---- signing in with case number and PIN ----

/** A registration a victim has proved they hold; what status and withdrawal work on. */
export interface VictimSession {
  registrationId: number;
  caseId: number;
  caseNumber: string;
  organisationId: number;
  bankId: number;
  path: VictimPath;
}

interface RegistrationRecord extends VictimSession {
  pinHash: string;
  recoveryHash: Buffer;
  lockedUntil: Date | null;
}

/** One answer for every refusal, so it tells nobody which case numbers exist or are locked. */
export const REFUSED_PIN =
  'wrong case number or PIN, or too many wrong PINs: the case then refuses PINs for an hour (your recovery code still works)';
export const REFUSED_RECOVERY = 'wrong case number or recovery code';

async function findRegistration(db: Kysely<Schema>, caseNumber: string): Promise<RegistrationRecord | null> {
  const reference = normaliseReference(caseNumber);
  if (!reference) return null;
  const row = await db
    .selectFrom('victim_registrations as r')
    .innerJoin('cases as c', 'c.id', 'r.case_id')
    .select(['r.id', 'r.case_id', 'c.reference', 'c.org_id', 'r.bank_id', 'r.path', 'r.pin_hash'])
    .select(['r.recovery_hash', 'r.locked_until'])
    .where('c.reference', '=', reference)
    .executeTakeFirst();
  if (!row) return null;
  return {
    registrationId: row.id,
    caseId: row.case_id,
    caseNumber: row.reference,
    organisationId: row.org_id,
    bankId: row.bank_id,
    path: row.path,
    pinHash: row.pin_hash,
    recoveryHash: row.recovery_hash,
    lockedUntil: row.locked_until,
  };
}

/**
 * Checks case number and PIN. Every attempt costs one argon2id verification,
 * also for an unknown case number, so timing tells nothing either. Wrong PINs
 * count towards the per-case lockout; while locked even the right PIN is refused.
 */
export async function authenticateVictim(deps: VictimDeps, caseNumber: string, pin: string): Promise<VictimSession> {
  const policy = deps.policy ?? DEFAULT_VICTIM_CREDENTIAL_POLICY;
  const record = await findRegistration(deps.db, caseNumber);
  const digits = normalisePin(pin) ?? pin.slice(0, 64);
  if (!record) {
    await deps.passwords.verifyDummy(digits);
    throw new CaseError('unauthorized', REFUSED_PIN);
  }
  const pinOk = await deps.passwords.verify(record.pinHash, digits);
  const now = deps.clock();
  if (isLocked(record.lockedUntil, now)) throw new CaseError('unauthorized', REFUSED_PIN);
  if (!pinOk) {
    await countWrongPin(deps, record, policy, now);
    throw new CaseError('unauthorized', REFUSED_PIN);
  }
  await deps.db
    .updateTable('victim_registrations')
    .set({ failed_pins: 0 })
    .where('id', '=', record.registrationId)
    .where('failed_pins', '>', 0)
    .execute();
  const { pinHash: _p, recoveryHash: _r, lockedUntil: _l, ...session } = record;
  return session;
}

async function countWrongPin(
  deps: VictimDeps,
  record: RegistrationRecord,
  policy: VictimCredentialPolicy,
  now: Date,
): Promise<void> {
  await deps.db
    .updateTable('victim_registrations')
    .set((eb) => ({ failed_pins: eb('failed_pins', '+', 1), updated_at: now }))
    .where('id', '=', record.registrationId)
    .execute();
  // Conditional, so of two wrong PINs racing at the threshold only one locks and alerts.
  const locked = await deps.db
    .updateTable('victim_registrations')
    .set({ failed_pins: 0, locked_until: new Date(now.getTime() + policy.lockoutMs), updated_at: now })
    .where('id', '=', record.registrationId)
    .where('failed_pins', '>=', policy.maxFailedPins)
    .returning('id')
    .executeTakeFirst();
  if (!locked) return;
  await addCaseEvent(
    deps.db,
    record.caseId,
    {
      kind: 'alert',
      body: `${policy.maxFailedPins} wrong PINs in a row: the case refuses PINs for ${Math.round(policy.lockoutMs / 60_000)} minutes`,
      details: { locked_until: new Date(now.getTime() + policy.lockoutMs).toISOString() },
    },
    VICTIM_CASE_ACTOR,
    now,
  );
}

// ---- recovery ----

/**
 * A new PIN and a new recovery code for whoever holds the recovery code; the old
 * ones stop working and any PIN lockout ends. The code is 140 random bits, so
 * it is not counted towards the lockout (the routes rate-limit per client).
 */
export async function recoverVictimCredentials(
  deps: VictimDeps,
  caseNumber: string,
  recoveryCode: string,
): Promise<{ caseNumber: string; pin: string; recoveryCode: string }> {
  const record = await findRegistration(deps.db, caseNumber);
  if (!record || !recoveryMatches(recoveryCode, record.recoveryHash)) {
    throw new CaseError('unauthorized', REFUSED_RECOVERY);
  }
  const pin = generatePin();
  const nextCode = generateRecoveryCode();
  const pinHash = await deps.passwords.hash(pin);
  const now = deps.clock();
  return inTransaction(deps.db, async (trx) => {
    // Only if the code is still the one checked: of two recoveries with one code, one wins.
    const renewed = await trx
      .updateTable('victim_registrations')
      .set({
        pin_hash: pinHash,
        recovery_hash: recoveryDigest(normaliseRecoveryCode(nextCode)!),
        failed_pins: 0,
        locked_until: null,
        credentials_renewed_at: now,
        updated_at: now,
      })
      .where('id', '=', record.registrationId)
      .where('recovery_hash', '=', record.recoveryHash)
      .returning('id')
      .executeTakeFirst();
    if (!renewed) throw new CaseError('unauthorized', REFUSED_RECOVERY);
    await addCaseEvent(
      trx,
      record.caseId,
      {
        kind: 'victim',
        targetKind: 'registration',
        targetId: String(record.registrationId),
        body: 'new PIN and recovery code issued with the recovery code',
      },
      VICTIM_CASE_ACTOR,
      now,
    );
    return { caseNumber: record.caseNumber, pin, recoveryCode: nextCode };
  });
}
