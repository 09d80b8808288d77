import { compileUserPattern, patternFinds } from './user-pattern.ts';

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
export function matchingRules<R extends RuleCriteria>(rules: readonly R[], upload: UploadFacts, budget?: MatchBudget): R[] {
  return matchWithinBudget(rules, upload, budget).matched;
}

/**
 * How long one upload's pattern matching may take. Past it, the rules whose patterns are still
 * to run are not matched (and counted), so one user's costly patterns cannot hold up the
 * queue every user's uploads share.
 */
export interface MatchBudget {
  ms: number;
  /** Milliseconds on a monotonic clock; the process's CPU time by default (performance.now where there is none). */
  clock?: () => number;
}

/**
 * The process's CPU time in milliseconds: what matching itself spends, so a machine busy with
 * other work does not spend an upload's budget for it (and leave its rules unchecked).
 */
function cpuMillis(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

const defaultClock: () => number = typeof process !== 'undefined' && typeof process.cpuUsage === 'function' ? cpuMillis : () => performance.now();

/** Per upload; together with what one pattern may cost at save (MAX_PROGRAM_SIZE), an upload's matching stays under 20 ms. */
export const DEFAULT_MATCH_BUDGET: MatchBudget = { ms: 10 };

/**
 * Matches the upload against the rules: the cheap checks first for every rule, then the
 * patterns, each distinct pattern run once, until the budget is spent. `unchecked` counts the
 * rules whose pattern did not run in time; they do not match.
 */
export function matchWithinBudget<R extends RuleCriteria>(
  rules: readonly R[],
  upload: UploadFacts,
  budget: MatchBudget = DEFAULT_MATCH_BUDGET,
): { matched: R[]; unchecked: number } {
  const clock = budget.clock ?? defaultClock;
  const cheap = { ...upload };
  const candidates = rules.filter((rule) => ruleMatches({ ...rule, fileNameRegex: null }, cheap));
  // Compiling is bounded by the pattern's length and cached across uploads; only running counts.
  for (const rule of candidates) if (rule.fileNameRegex != null) compileUserPattern(rule.fileNameRegex);
  const found = new Map<string, boolean>();
  const started = clock();
  let unchecked = 0;
  const matched = candidates.filter((rule) => {
    const pattern = rule.fileNameRegex;
    if (pattern == null) return true;
    const known = found.get(pattern);
    if (known !== undefined) return known;
    if (clock() - started >= budget.ms) {
      unchecked += 1;
      return false;
    }
    const result = patternFinds(pattern, upload.fileName);
    found.set(pattern, result);
    return result;
  });
  return { matched, unchecked };
}
