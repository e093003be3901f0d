/**
 * Preserve before takedown. A takedown destroys what the police need (it
 * happened in Malaysia: the regulator's takedowns wiped the evidence), so no
 * notice goes out, by e-mail or by hand, until the evidence gate says the
 * item's evidence is preserved in the vault and logged.
 *
 * The one way past the gate is an override: a person holding evidence:preserve
 * (the permission of those who decide about evidence, analysts and admins)
 * gives a reason. It is recorded on the takedown (who, why, when), as an
 * 'override' event in its history and in the audit trail, and it stands for
 * that takedown's later reminders. API keys cannot override (no key scope
 * grants evidence:preserve).
 */
import type { Takedown } from './model.js';

export interface EvidenceCheck {
  preserved: boolean;
  /** Where the preserved evidence is (capture ids, log entry); fills the notice's evidence reference. */
  reference?: string;
}

/** Implemented by the evidence vault: is this takedown's evidence preserved and logged? */
export interface EvidenceGate {
  isPreserved(takedown: Takedown): Promise<EvidenceCheck>;
}

/** Until the vault's gate is wired, nothing counts as preserved: sending needs an override (fails closed). */
export const UNWIRED_EVIDENCE_GATE: EvidenceGate = {
  async isPreserved() {
    return { preserved: false };
  },
};

export const MIN_OVERRIDE_REASON = 10;

export interface EvidenceOverride {
  /** Why the takedown may go out without preserved evidence; at least 10 characters. */
  reason: string;
}
