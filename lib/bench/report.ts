import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

/** One figure a benchmark reports, with the goal it is held against, if any. */
export interface Figure {
  name: string;
  value: number | string;
  unit: string;
  /** Spread over runs or samples, as "min–max" or a percentile set. */
  spread?: string;
  goal?: string;
  met?: boolean;
}

export interface BenchResult {
  benchmark: string;
  description: string;
  figures: Figure[];
  seconds: number;
}

/** The machine and commit a report was made on, so figures can be compared honestly. */
export function environment() {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    // not a git checkout
  }
  return {
    date: new Date().toISOString(),
    commit,
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    platform: `${process.platform}-${process.arch}`,
  };
}

export function toMarkdown(env: ReturnType<typeof environment>, results: BenchResult[]): string {
  const lines = [
    '# Benchmark report',
    '',
    `${env.date} · commit ${env.commit} · Node ${env.node} · ${env.cores} × ${env.cpu} · ${env.memoryGiB} GiB · ${env.platform}`,
    '',
  ];
  for (const r of results) {
    lines.push(`## ${r.benchmark}`, '', r.description, '', '| figure | value | unit | spread | goal | met |', '|---|---|---|---|---|---|');
    for (const f of r.figures) {
      lines.push(`| ${f.name} | ${f.value} | ${f.unit} | ${f.spread ?? ''} | ${f.goal ?? ''} | ${f.met === undefined ? '' : f.met ? 'yes' : 'no'} |`);
    }
    lines.push('', `(${r.seconds.toFixed(1)} s)`, '');
  }
  return lines.join('\n');
}

/** Writes the report as markdown and JSON into `dir`; returns the paths. */
export function writeReport(dir: string, results: BenchResult[]): { markdown: string; json: string } {
  mkdirSync(dir, { recursive: true });
  const env = environment();
  const markdown = join(dir, 'report.md');
  const json = join(dir, 'report.json');
  writeFileSync(markdown, toMarkdown(env, results));
  writeFileSync(json, JSON.stringify({ environment: env, results }, null, 2));
  return { markdown, json };
}
