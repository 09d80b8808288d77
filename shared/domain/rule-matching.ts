import { patternFinds } from './user-pattern.ts';

export type EventType = 'file_upload';

/** The parts of a rule that decide whether it matches. */
export interface RuleCriteria {
  eventType: EventType;
  fileType?: string | null;
  fileNameRegex?: string | null;
  minSizeKb?: number | null;
  isActive: boolean;
}

/** What an upload offers to the rules. */
export interface UploadFacts {
  eventType: EventType;
  fileName: string;
  fileType: string;
  sizeBytes: number;
}

/**
 * The contract's match: same event type; file type absent or equal ignoring case; pattern
 * absent or found in the name; size in KiB at least minSizeKb; the rule active.
 */
export function ruleMatches(rule: RuleCriteria, upload: UploadFacts): boolean {
  if (!rule.isActive || rule.eventType !== upload.eventType) return false;
  if (rule.fileType != null && rule.fileType.toLowerCase() !== upload.fileType.toLowerCase()) return false;
  if (rule.minSizeKb != null && upload.sizeBytes / 1024 < rule.minSizeKb) return false;
  if (rule.fileNameRegex != null && !patternFinds(rule.fileNameRegex, upload.fileName)) return false;
  return true;
}

/** Every rule the upload matches, in the given order; cheap checks run before the pattern. */
export function matchingRules<R extends RuleCriteria>(rules: readonly R[], upload: UploadFacts): R[] {
  return rules.filter((rule) => ruleMatches(rule, upload));
}
