import { describe, expect, it } from 'vitest';
import { groupCommit } from './group-commit.ts';

describe('groupCommit', () => {
  it('runs calls made while a flush is in flight together in the next flush, answering each its own', async () => {
    const batches: number[][] = [];
    const double = groupCommit(async (items: number[]) => {
      batches.push(items);
      await new Promise((r) => setTimeout(r, 5));
      return items.map((i) => i * 2);
    });
    const first = double(1);
    await Promise.resolve();
    const rest = [2, 3, 4].map(double);
    expect(await Promise.all([first, ...rest])).toEqual([2, 4, 6, 8]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('fails only the caller whose answer is an Error, and every caller of a flush that throws', async () => {
    const odd = groupCommit(async (items: number[]) => items.map((i) => (i % 2 ? i : new Error(`even ${i}`))));
    const results = await Promise.allSettled([1, 2, 3].map(odd));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const broken = groupCommit(async (_items: number[]): Promise<number[]> => {
      throw new Error('database away');
    });
    const all = await Promise.allSettled([1, 2].map(broken));
    expect(all.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : 'ok'))).toEqual(['database away', 'database away']);
  });

  it('takes at most maxBatch items per flush', async () => {
    const sizes: number[] = [];
    const id = groupCommit(async (items: number[]) => {
      sizes.push(items.length);
      return items;
    }, 2);
    await Promise.all([1, 2, 3, 4, 5].map(id));
    expect(sizes).toEqual([2, 2, 1]);
  });
});
