import { DEFAULT_MATCH_BUDGET, matchWithinBudget, type RuleCriteria, type UploadFacts } from '../../shared/domain/rule-matching.ts';
import { checkPatternCost, MAX_PROGRAM_SIZE, UserPatternError } from '../../shared/domain/user-pattern.ts';
import type { BenchResult } from './report.ts';
import { round, summarize } from './stats.ts';

/**
 * Patterns near the most a rule may cost (MAX_PROGRAM_SIZE), each made distinct so no match is
 * shared: the NFA's worst (nested counted repetitions) and the DFA's (many states per character,
 * no early match), since a yes/no match runs on the DFA.
 */
const COSTLY = [
  '((.{0,7}){0,7}){0,4}',
  '(.*)(.*)(.*)(.*)(.*)(.*)(.*)(.*)(.*)(.*)x',
  '(?i)q1[-_ ]?20\\d\\d',
  '((.{0,10}){0,10})',
  '(a+)+$',
  '((ab|a)(b|ba)){0,20}$',
  '[ab]*a[ab]{15}x',
  '((.{0,7}){0,7}){0,4}x',
];

/** `count` distinct patterns a save would accept, the costliest kinds first. */
export function costlyRules(count: number): RuleCriteria[] {
  const rules: RuleCriteria[] = [];
  for (let i = 0; rules.length < count; i++) {
    const pattern = `${COSTLY[i % COSTLY.length]}(?:#${i})?`;
    try {
      checkPatternCost(pattern);
    } catch (err) {
      if (err instanceof UserPatternError) continue;
      throw err;
    }
    rules.push({ eventType: 'file_upload', isActive: true, fileNameRegex: pattern });
  }
  return rules;
}

/** The longest names S3 keys allow, of the shapes that keep an NFA busiest. */
const NAMES = ['a'.repeat(255), 'ab'.repeat(127), `${'x'.repeat(250)}.pdf`];

/**
 * One upload against `ruleCount` rules of the costliest patterns a save accepts, on 255-character
 * names: the time per upload within the matching budget (what a user can make an upload cost),
 * and without it (what the patterns would cost if run to the end).
 */
export async function patternCostBenchmark(opts: { ruleCount: number; runs: number }): Promise<BenchResult> {
  const started = performance.now();
  const rules = costlyRules(opts.ruleCount);
  const upload = (fileName: string): UploadFacts => ({ eventType: 'file_upload', fileName, fileType: 'pdf', sizeBytes: 1024 });
  // Compile once, as a warm matcher has.
  matchWithinBudget(rules, upload('warm-up'), { ms: Number.POSITIVE_INFINITY });

  const withBudget: number[] = [];
  // CPU time as well: on a shared machine the wall clock also counts the time others held the cores.
  const cpuWithBudget: number[] = [];
  const unbounded: number[] = [];
  let unchecked = 0;
  // The unbounded runs come after, apart: their garbage is not something a matcher makes, and
  // collecting it must not land in the budgeted uploads' time.
  for (let run = 0; run < opts.runs; run++) {
    for (const name of NAMES) {
      const cpu = process.cpuUsage();
      const t = performance.now();
      unchecked = Math.max(unchecked, matchWithinBudget(rules, upload(name)).unchecked);
      withBudget.push(performance.now() - t);
      const used = process.cpuUsage(cpu);
      cpuWithBudget.push((used.user + used.system) / 1000);
    }
  }
  for (let run = 0; run < opts.runs; run++) {
    for (const name of NAMES) {
      const t = performance.now();
      matchWithinBudget(rules, upload(name), { ms: Number.POSITIVE_INFINITY });
      unbounded.push(performance.now() - t);
    }
  }
  const w = summarize(withBudget);
  const u = summarize(unbounded);
  const c = summarize(cpuWithBudget);
  return {
    benchmark: 'pattern-cost',
    description:
      `One upload with a 255-character name against ${rules.length} distinct patterns of the costliest kinds a save accepts ` +
      `(program size at most ${MAX_PROGRAM_SIZE}); matching budget ${DEFAULT_MATCH_BUDGET.ms} ms per upload.`,
    figures: [
      {
        name: 'worst upload, within the matching budget',
        value: round(w.max, 2),
        unit: 'ms',
        spread: `median ${round(w.median, 2)}, n ${w.n}`,
        goal: '< 20',
        met: w.max < 20,
      },
      {
        name: 'worst upload, CPU time within the matching budget',
        value: round(c.max, 2),
        unit: 'ms',
        spread: `median ${round(c.median, 2)}, n ${c.n}`,
        goal: '< 20',
        met: c.max < 20,
      },
      { name: 'rules left unchecked by the budget (worst upload)', value: unchecked, unit: 'rules' },
      { name: 'worst upload, patterns run to the end (no budget)', value: round(u.max, 2), unit: 'ms', spread: `median ${round(u.median, 2)}, n ${u.n}` },
    ],
    seconds: (performance.now() - started) / 1000,
  };
}
