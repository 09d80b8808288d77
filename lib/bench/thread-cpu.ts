import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** CPU seconds spent so far, by part of the local runtime. */
export type CpuByPart = Record<string, number>;

/** Node's own names for its threads (`/proc/<pid>/task/<tid>/comm`), and the part of the runtime each is. */
const partOfThread = (name: string): string => (name === 'MainThread' ? 'main thread' : name === 'WorkerThread' ? 'consumer threads' : 'V8 and libuv helpers');

let ticks: number | undefined;
const ticksPerSecond = (): number => (ticks ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100);

/** User plus system CPU seconds of a thread or process, from its /proc stat line. */
function cpuSeconds(statFile: string): number {
  const stat = readFileSync(statFile, 'utf8');
  // The name in brackets may hold spaces; the fields after it start with the state (field 3).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
}

/**
 * Where this process's CPU went, by thread kind, and the DynamoDB engine's when it runs in a
 * process of its own. Read from /proc, so Linux only: elsewhere the process's total alone.
 */
export function cpuByPart(dynamoProcessId?: number): CpuByPart {
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    const { user, system } = process.cpuUsage();
    return { process: (user + system) / 1e6 };
  }
  const parts: CpuByPart = {};
  const add = (part: string, read: () => number) => {
    try {
      parts[part] = (parts[part] ?? 0) + read();
    } catch {
      // A thread or process that ended since the listing: what it spent is no longer there to read.
    }
  };
  for (const tid of tids) {
    add(partOfThread(readThreadName(tid)), () => cpuSeconds(`/proc/self/task/${tid}/stat`));
  }
  if (dynamoProcessId !== undefined) add('DynamoDB engine', () => cpuSeconds(`/proc/${dynamoProcessId}/stat`));
  return parts;
}

function readThreadName(tid: string): string {
  try {
    return readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** What each part spent between two readings; a thread that ended in between counts as nothing. */
export function cpuSpent(before: CpuByPart, after: CpuByPart): CpuByPart {
  return Object.fromEntries(Object.entries(after).map(([part, seconds]) => [part, Math.max(0, seconds - (before[part] ?? 0))]));
}
