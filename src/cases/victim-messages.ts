/**
 * What the API tells a victim, in one place so the wording can be reviewed (and
 * later translated) without reading route code. Plain language; no blame.
 */

export interface HelpResource {
  readonly name: string;
  readonly url: string;
}

/** Known international services for minors; an installation can pass its country's. */
export const DEFAULT_CHILD_PROTECTION_RESOURCES: readonly HelpResource[] = [
  { name: 'Take It Down (NCMEC): removal of nude images taken before 18', url: 'https://takeitdown.ncmec.org/' },
  {
    name: 'Child Helpline International: find a child helpline in your country',
    url: 'https://childhelplineinternational.org/helplines/',
  },
];

export const VICTIM_MESSAGES = {
  registered:
    'Keep the case number, PIN and recovery code somewhere safe: they are shown only this once. ' +
    'With the case number and PIN you can check status and withdraw hashes; the recovery code gives you a new PIN.',
  registeredUnder18:
    'You said you are under 18. Your report goes to the hotline’s child-protection team, and the hashes are ' +
    'blocked as child sexual abuse material: you are not in trouble, and nobody sees your images. ' +
    'Keep the case number, PIN and recovery code safe (shown only this once) to check the status. ' +
    'You can also get help from the services listed below.',
  withdrawalReferred:
    'Your request has been passed to the child-protection team of the hotline, who will decide on it. ' +
    'Images of anyone under 18 stay blocked while they do.',
  withdrawn: (count: number) => `${count} hash${count === 1 ? '' : 'es'} withdrawn; they no longer match anywhere.`,
} as const;
