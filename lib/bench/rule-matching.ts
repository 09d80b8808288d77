import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoRuleRepository } from '../../shared/adapters/dynamo-rule-repository-adapter.ts';
import { newId } from '../../shared/domain/ids.ts';
import { matchingRules, type UploadFacts } from '../../shared/domain/rule-matching.ts';
import { patternFinds } from '../../shared/domain/user-pattern.ts';
import type { Rule } from '../../shared/ports.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION, provision, startEngines } from '../local/engines.ts';
import { tables } from '../../shared/topology.ts';
import type { BenchResult } from './report.ts';
import { round, summarize } from './stats.ts';

/** A user's rules of every kind: by type, by pattern, by size, inactive, and catch-alls. */
export function syntheticRules(count: number, now = new Date()): Rule[] {
  const at = now.toISOString();
  return Array.from({ length: count }, (_, i) => {
    const base = {
      eventType: 'file_upload' as const,
      notifyVia: 'sms' as const,
      target: '+14155550100',
      isActive: true,
      ruleId: newId(),
      createdAt: at,
      updatedAt: at,
    };
    switch (i % 5) {
      case 0:
        return { ...base, fileType: ['pdf', 'png', 'csv', 'txt'][i % 4] };
      case 1:
        return { ...base, fileNameRegex: `^(invoice|report)-${i}-.*\\.(pdf|csv)$` };
      case 2:
        return { ...base, minSizeKb: (i % 1000) + 1 };
      case 3:
        return { ...base, fileType: 'pdf', fileNameRegex: `(?i)q${i % 4}[-_ ]?20\\d\\d`, isActive: i % 2 === 0 };
      default:
        return { ...base, fileNameRegex: '(a+)+$' };
    }
  });
}

const upload: UploadFacts = { eventType: 'file_upload', fileName: 'invoice-10-2026.pdf', fileType: 'pdf', sizeBytes: 250 * 1024 };

/**
 * One upload against `ruleCount` rules of one user: the in-memory match (patterns compiled on
 * the first upload, cached after), and the whole read-and-match against the embedded DynamoDB.
 */
export async function ruleMatchingBenchmark(opts: { ruleCount: number; runs: number }): Promise<BenchResult> {
  const started = performance.now();
  const rules = syntheticRules(opts.ruleCount);

  let t = performance.now();
  const matched = matchingRules(rules, upload).length;
  const coldMs = performance.now() - t;
  const warm: number[] = [];
  for (let i = 0; i < Math.max(5, opts.runs * 4); i++) {
    t = performance.now();
    matchingRules(rules, upload);
    warm.push(performance.now() - t);
  }

  const engines = await startEngines();
  const resources = await provision(engines);
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: engines.dynamoEndpoint }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const userId = 'bench-user';
  for (let i = 0; i < rules.length; i += 25) {
    const chunk = rules.slice(i, i + 25);
    await client.send(
      new BatchWriteCommand({
        RequestItems: { [resources.tableNames.rules]: chunk.map((r) => ({ PutRequest: { Item: { pk: userId, sk: r.ruleId, ...r } } })) },
      }),
    );
  }
  const repository = new DynamoRuleRepository(tables.rules.name, client);
  const endToEnd: number[] = [];
  for (let i = 0; i < opts.runs; i++) {
    t = performance.now();
    matchingRules(await repository.listAll(userId), upload);
    endToEnd.push(performance.now() - t);
  }
  client.destroy();
  await engines.stop();

  // The textbook catastrophic pattern against fifty thousand a's and a '!': linear time, no blow-up.
  const evil = `${'a'.repeat(50_000)}!`;
  const pathological: number[] = [];
  for (let i = 0; i < Math.max(3, opts.runs); i++) {
    t = performance.now();
    patternFinds('(a+)+$', evil);
    pathological.push(performance.now() - t);
  }

  const w = summarize(warm);
  const e = summarize(endToEnd);
  return {
    benchmark: 'rule-matching',
    description: `One upload matched against ${opts.ruleCount} rules of one user (a fifth of them \`(a+)+$\`); ${matched} match.`,
    figures: [
      { name: 'match, first upload (compiles patterns)', value: round(coldMs), unit: 'ms' },
      { name: 'match, warm', value: round(w.median, 3), unit: 'ms per upload', spread: `p95 ${round(w.p95, 3)}, n ${w.n}` },
      {
        name: '`(a+)+$` against 50,000 a\'s and "!"',
        value: round(summarize(pathological).median, 2),
        unit: 'ms',
        spread: `${round(Math.min(...pathological), 2)}–${round(Math.max(...pathological), 2)}`,
        goal: '< 100',
        met: summarize(pathological).median < 100,
      },
      { name: 'read rules + match (embedded DynamoDB)', value: round(e.median), unit: 'ms per upload', spread: `${round(e.min)}–${round(e.max)}, n ${e.n}` },
    ],
    seconds: (performance.now() - started) / 1000,
  };
}
