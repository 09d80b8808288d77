import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { benchmarks, combineRuns, runBenchmarks } from '../../../lib/bench/run.ts';
import { summarize } from '../../../lib/bench/stats.ts';
import { functions } from '../../../shared/function-specs.ts';

const outDir = mkdtempSync(join(tmpdir(), 'bench-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('npm run bench', () => {
  it('runs every benchmark at a tiny size and writes one markdown and JSON report', async () => {
    const { results, paths } = await runBenchmarks({ size: 'tiny', outDir });
    expect(results.map((r) => r.benchmark)).toEqual(Object.keys(benchmarks));
    const report = JSON.parse(readFileSync(paths.json, 'utf8'));
    expect(report.environment.commit).toBeTruthy();
    expect(report.results).toHaveLength(Object.keys(benchmarks).length);
    for (const r of results) expect(r.figures.length).toBeGreaterThan(0);

    const figuresOf = (name: string) => Object.fromEntries(results.find((r) => r.benchmark === name)!.figures.map((f) => [f.name, f]));
    const pipeline = Object.fromEntries(results.find((r) => r.benchmark === 'pipeline')!.figures.map((f) => [f.name, f.value]));
    expect(pipeline['lost notifications']).toBe(0);
    expect(pipeline['doubled messages']).toBe(0);
    const bundles = results[0]!.figures.filter((f) => f.name.endsWith(' bundle'));
    expect(bundles).toHaveLength(Object.keys(functions).length);
    expect(bundles.every((f) => f.met)).toBe(true);
    expect(readFileSync(paths.markdown, 'utf8')).toContain('## pipeline');

    // Paced to the simulator's 10 messages a second, a backlog drains, each message once. (Whether
    // a 429 slipped through is a figure here, on a machine busy with the other tests; the pacing
    // test holds the limiter to none.)
    const throughput = figuresOf('throughput');
    expect(typeof throughput['429 answers from Twilio']!.value).toBe('number');
    expect(throughput['messages sent']!.met).toBe(true);

    // Failing, throttling, slow Twilio, every message twice, a sender killed mid-batch: nothing lost or doubled.
    const faults = figuresOf('fault-run');
    expect(faults['lost notifications']!.value).toBe(0);
    expect(faults['doubled messages']!.value).toBe(0);

    // The cost model prices a metered run: every service present, and a total.
    const cost = figuresOf('cost');
    for (const service of ['DynamoDB', 'SQS', 'S3', 'Lambda', 'API Gateway']) expect(cost[`${service} per million notifications`]!.value).toBeGreaterThan(0);
    expect(cost['total per million notifications, upload included']!.value).toBeGreaterThan(0);
    const delivery = cost['delivery per million notifications (match to callbacks, no upload)']!.value as number;
    expect(delivery).toBeGreaterThan(0);
    expect(delivery).toBeLessThan(cost['total per million notifications, upload included']!.value as number);
    // The warm path times (and counts the CPU of) every function but the one that only runs when the log fails.
    const warm = Object.keys(cost).filter((k) => k.startsWith('warm ') && k.endsWith(': CPU'));
    expect(warm).toHaveLength(Object.keys(functions).length - 1);
    expect(cost['warm twilio-status-deferred: CPU']).toBeUndefined();

    // Every filter, a deep page, and the same queries once other users share the table.
    const search = results.find((r) => r.benchmark === 'file-search')!.figures.map((f) => f.name);
    for (const name of ['no filter', 'name prefix "i"', 'tag "finance"', 'type "pdf"', 'date range (March 2025)']) expect(search).toContain(name);
    expect(search.some((n) => n.startsWith('combined:'))).toBe(true);
    expect(search.some((n) => /^no filter, page \d+ \(by cursor\)$/.test(n))).toBe(true);
    expect(search).toContain('no filter, with 5 other users');

    // The console's first-visit JavaScript stays within its budget.
    expect(figuresOf('console')['initial JavaScript, gzipped']!.met).toBe(true);

    // Shuffled, duplicated callbacks: none refused, none lost, every notification at its highest status.
    const callbacks = Object.fromEntries(results.find((r) => r.benchmark === 'status-callbacks')!.figures.map((f) => [f.name, f]));
    expect(callbacks['answers other than 200']!.value).toBe(0);
    expect(callbacks['notifications not in their highest status']!.value).toBe(0);

    // Scheduled sends: none early, lost, doubled, or sent after their cancel.
    const sends = figuresOf('sends');
    for (const name of ['scheduled sends early', 'scheduled sends lost', 'scheduled sends doubled', 'canceled sends sent']) expect(sends[name]!.value).toBe(0);
    expect(typeof sends['priority send to simulator p95']!.value).toBe('number');
    expect(sends['batch sends accepted']!.value).toBeGreaterThan(0);

    // kill -9 with uploads in flight, a restart on the same state: the lost and the doubled are counted.
    const crash = figuresOf('crash');
    for (const name of ['uploads lost', 'uploads texted twice']) expect(typeof crash[name]!.value).toBe('number');

    // Calls with their consumers in a thread: none of the missed calls' replies lost or doubled, and
    // what each call cost, the consumer thread's part and the DynamoDB engine's included.
    const voice = figuresOf('voice');
    for (const name of ['duplicate auto-replies', 'lost auto-replies', 'answered calls texted']) expect(voice[name]!.value).toBe(0);
    expect(voice['CPU per call']!.value).toBeGreaterThan(0);
    const part = (name: string) => Number(new RegExp(`${name} ([\\d.]+)`).exec(voice['CPU per call']!.spread ?? '')?.[1]);
    expect(part('consumer threads')).toBeGreaterThan(0);
    expect(part('DynamoDB engine')).toBeGreaterThan(0);

    // The SDK's client-side work, priced against a plain request.
    const sdk = figuresOf('sdk-overhead');
    expect(sdk['GetItem through the DocumentClient']!.value).toBeGreaterThan(sdk["the same through Node's http"]!.value as number);
  }, 600_000);

  it('refuses an unknown benchmark by name', async () => {
    await expect(runBenchmarks({ size: 'tiny', only: ['nope'], outDir })).rejects.toThrow(/Unknown benchmark nope/);
  });

  it('measures only the functions named (--only), and refuses a name the topology does not have', async () => {
    const { results } = await runBenchmarks({ size: 'tiny', only: ['bundles'], functions: ['get-rule', 'list-lines'], outDir });
    expect(results[0]!.figures.map((f) => f.name)).toEqual(
      ['get-rule', 'list-lines'].flatMap((name) => [`${name} bundle`, `${name} require`, `${name} require / floor`]),
    );
    await expect(runBenchmarks({ size: 'tiny', only: ['bundles'], functions: ['get-rule', 'nope'], outDir })).rejects.toThrow(/Unknown function nope/);
    await expect(runBenchmarks({ size: 'tiny', functions: ['get-rule'], outDir })).rejects.toThrow(/bundles benchmark alone/);
  }, 60_000);
});

describe('summarize', () => {
  it('reports nearest-rank percentiles', () => {
    const s = summarize(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(s).toMatchObject({ n: 100, median: 50, p95: 95, p99: 99, min: 1, max: 100 });
  });
});

describe('combineRuns', () => {
  const run = (rate: number, lost: number, seconds: number) => ({
    benchmark: 'b',
    description: 'd.',
    figures: [
      { name: 'rate', value: rate, unit: '/s', spread: 'p95 x' },
      { name: 'lost', value: lost, unit: 'count', goal: '0', met: lost === 0 },
      { name: 'label', value: 'a / b', unit: '' },
    ],
    seconds,
  });

  it('reports each numeric figure from the median run, with the range over the runs, met only if every run met it', () => {
    const combined = combineRuns([run(9, 0, 10), run(12, 1, 11), run(10, 0, 12)]);
    expect(combined.figures[0]).toEqual({ name: 'rate', value: 10, unit: '/s', spread: 'p95 x; 9–12 over 3 runs' });
    expect(combined.figures[1]).toMatchObject({ value: 0, spread: '0–1 over 3 runs', met: false });
    expect(combined.figures[2]).toEqual({ name: 'label', value: 'a / b', unit: '' });
    expect(combined.seconds).toBe(33);
    expect(combined.description).toContain('median of 3 runs');
  });

  it('leaves a single run as it is', () => {
    expect(combineRuns([run(9, 0, 10)])).toEqual(run(9, 0, 10));
  });
});
