import type { Severity } from '../finding.js';

export type SeveritySetting = Severity | 'off';

/** One rule's entry in a pack: a bare severity, or a severity and options. */
export type PackEntry = SeveritySetting | { severity?: SeveritySetting; options?: Record<string, unknown> };

export type WaiverPolicy = 'allowed' | 'forbidden';

export interface Pack {
  kind: 'pack';
  name?: string;
  /** Whether `# dbfence-ignore` comments in linted files may waive findings. */
  waivers?: WaiverPolicy;
  rules: Record<string, PackEntry>;
}

export interface RuleSetting {
  severity: SeveritySetting;
  options: Record<string, unknown>;
}

/** Folds packs in order (later wins) into one setting per rule id; options merge key by key. */
export function mergePacks(packs: readonly Pack[]): Map<string, RuleSetting> {
  const settings = new Map<string, RuleSetting>();
  for (const pack of packs) {
    for (const [id, entry] of Object.entries(pack.rules)) {
      const previous = settings.get(id);
      const { severity, options } = typeof entry === 'string' ? { severity: entry, options: undefined } : entry;
      settings.set(id, {
        severity: severity ?? previous?.severity ?? 'off',
        options: { ...previous?.options, ...options },
      });
    }
  }
  return settings;
}

/**
 * Whether in-file waivers count. One pack forbidding them is enough, whatever
 * the others say: the switch exists so that whoever owns the policies can take
 * the decision away from whoever edits the linted file.
 */
export function waiverPolicy(packs: readonly Pack[]): WaiverPolicy {
  return packs.some((pack) => pack.waivers === 'forbidden') ? 'forbidden' : 'allowed';
}
