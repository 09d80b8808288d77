// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { paintedMark } from '../../../lib/bench/console.ts';

/** The few page globals the test uses (this tree type-checks without the DOM library). */
const page = globalThis as unknown as {
  document: { body: { innerHTML: string }; querySelector(selector: string): { innerHTML: string } | null };
  requestAnimationFrame(callback: () => void): number;
  __shownPaintedAt?: number;
  __consoleBenchPainted?: (at: number) => void;
};

afterEach(() => {
  page.document.body.innerHTML = '';
  page.__shownPaintedAt = undefined;
  page.__consoleBenchPainted = undefined;
});

describe('paintedMark', () => {
  it('marks the page clock once the watched element is in the page and a frame has passed, and hands the time to the driver', async () => {
    const handed: number[] = [];
    page.__consoleBenchPainted = (at) => handed.push(at);
    new Function(paintedMark('tbody tr'))();
    page.document.body.innerHTML = '<table><tbody></tbody></table>';
    await new Promise((r) => page.requestAnimationFrame(() => setTimeout(r, 0)));
    expect(page.__shownPaintedAt).toBeUndefined();
    const before = performance.now();
    page.document.querySelector('tbody')!.innerHTML = '<tr><td>report.pdf</td></tr>';
    await vi.waitFor(() => expect(page.__shownPaintedAt).toBeDefined());
    expect(page.__shownPaintedAt).toBeGreaterThanOrEqual(before);
    expect(handed).toEqual([page.__shownPaintedAt]);
  });
});
