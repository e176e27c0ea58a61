/** The leased-job runner with an in-memory job source: slots per lane, start order, renewals, housekeeping, stop. */
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LeasedJobRunner, type LeasedJobSource } from '../src/leased-jobs.js';

interface Job {
  id: string;
  lane: 'fast' | 'slow';
}

/** A queue of jobs; each run waits until the test releases it. */
function queue(jobs: Job[]) {
  const pending = [...jobs];
  const started: string[] = [];
  const release = new Map<string, () => void>();
  const claims: Array<Record<string, number>> = [];
  const source: LeasedJobSource<Job, 'fast' | 'slow'> = {
    claim: async (_owner, free) => {
      claims.push({ ...free });
      const taken: Job[] = [];
      for (const lane of ['slow', 'fast'] as const) {
        for (let n = 0; n < free[lane]; n++) {
          const index = pending.findIndex((job) => job.lane === lane);
          if (index === -1) break;
          taken.push(...pending.splice(index, 1));
        }
      }
      return taken;
    },
    run: (job) =>
      new Promise<void>((resolve) => {
        started.push(job.id);
        release.set(job.id, resolve);
      }),
    idOf: (job) => job.id,
    laneOf: (job) => job.lane,
    startOrder: (job) => (job.lane === 'fast' ? 0 : 1),
  };
  return { source, started, release, claims };
}

const logger = pino({ level: 'silent' });

describe('LeasedJobRunner', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('claims only the free slots of each lane, starts in order, and frees a slot when its job ends', async () => {
    const q = queue([
      { id: 's1', lane: 'slow' },
      { id: 's2', lane: 'slow' },
      { id: 'f1', lane: 'fast' },
      { id: 'f2', lane: 'fast' },
    ]);
    const runner = new LeasedJobRunner(q.source, {
      name: 'test',
      logger,
      pollIntervalMs: 60_000,
      concurrency: { fast: 2, slow: 1 },
    });
    expect(await runner.round()).toEqual(['f1', 'f2', 's1']);
    expect(q.started).toEqual(['f1', 'f2', 's1']);
    // Every slot is busy: no claim at all.
    expect(await runner.round()).toEqual([]);
    expect(q.claims).toHaveLength(1);
    q.release.get('s1')?.();
    await new Promise((resolve) => setImmediate(resolve));
    expect(await runner.round()).toEqual(['s2']);
    expect(q.claims.at(-1)).toEqual({ fast: 0, slow: 1 });
    for (const id of ['f1', 'f2', 's2']) q.release.get(id)?.();
    await runner.idle();
    expect(await runner.round()).toEqual([]);
  });

  it('renews the lease of a running job, runs housekeeping once per period, and stop waits for the jobs', async () => {
    const renewed: string[] = [];
    let housekeeping = 0;
    const q = queue([{ id: 'long', lane: 'slow' }]);
    const runner = new LeasedJobRunner(
      {
        ...q.source,
        renew: {
          everyMs: 5,
          run: async (job) => {
            renewed.push(job.id);
            return true;
          },
        },
        housekeeping: { everyMs: 60_000, run: async () => void housekeeping++ },
      },
      { name: 'test', logger, pollIntervalMs: 60_000, concurrency: { fast: 1, slow: 1 } },
    );
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] });
    await runner.round();
    await runner.round();
    expect(housekeeping).toBe(1);
    await vi.advanceTimersByTimeAsync(12);
    expect(renewed).toEqual(['long', 'long']);
    let stopped = false;
    const stopping = runner.stop().then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    q.release.get('long')?.();
    await stopping;
    await vi.advanceTimersByTimeAsync(50);
    expect(renewed).toHaveLength(2); // no renewal after the job ended
  });

  it('keeps going when a job throws: the error is logged, the slot freed', async () => {
    const errors: unknown[] = [];
    const failing: LeasedJobSource<Job, 'slow'> = {
      claim: async (_owner, free) => (free.slow > 0 ? [{ id: `j${errors.length}`, lane: 'slow' }] : []),
      run: async () => {
        throw new Error('bookkeeping broke');
      },
      idOf: (job) => job.id,
    };
    const runner = new LeasedJobRunner(failing, {
      name: 'test',
      logger: pino({ level: 'error' }, { write: (line: string) => errors.push(JSON.parse(line)) }),
      pollIntervalMs: 60_000,
      concurrency: { slow: 1 },
    });
    await runner.round();
    await runner.idle();
    expect(errors).toEqual([expect.objectContaining({ msg: 'test bookkeeping failed', jobId: 'j0' })]);
    expect(await runner.round()).toEqual(['j1']);
    await runner.idle();
  });
});
