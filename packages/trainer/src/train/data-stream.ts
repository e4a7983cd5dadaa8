import { InvalidArgumentError } from '@prnet/core';
import type { DatasetReader } from '../data/dataset-reader.js';
import type { Sample } from '../data/sample.js';
import type { DataCursor } from './checkpoint.js';

/** One source of a mixed stream: an opened dataset and its share. */
export interface MixedSource {
  reader: Pick<DatasetReader, 'count' | 'iterate'>;
  /** Relative weight (> 0): the probability of drawing from this source is weight / Σ weights. */
  weight: number;
  /** The next position to read (epoch, index in that epoch's shuffled order). */
  cursor: DataCursor;
}

/** Samples drawn from several datasets by weight, each visited in its own shuffled epochs. */
export interface MixedStream {
  /** The next `n` samples; `random` (uniform [0, 1)) picks the dataset of each. */
  next(n: number, random: () => number): Promise<Sample[]>;
  /** Copies of the cursors (what the next `next` call reads first). */
  cursors(): DataCursor[];
  /** Closes the open dataset iterators. */
  close(): Promise<void>;
}

/**
 * A stream over `sources` mixed by weight. Each dataset is read in shuffled epochs (order from
 * `seed` and the epoch number, see `DatasetReader.iterate`); when an epoch ends the next one
 * starts. Restarting from `cursors()` reproduces the same samples.
 */
export function createMixedStream(sources: readonly MixedSource[], seed: number): MixedStream {
  if (sources.length === 0) throw new InvalidArgumentError('training needs at least one dataset');
  const total = sources.reduce((s, x) => s + x.weight, 0);
  for (const source of sources) {
    if (!(source.weight > 0) || !Number.isFinite(source.weight)) {
      throw new InvalidArgumentError(`dataset ${source.cursor.dir}: weight must be positive, got ${source.weight}`);
    }
    if (source.reader.count === 0) throw new InvalidArgumentError(`dataset ${source.cursor.dir} holds no readable sample`);
  }
  const cursors = sources.map((s) => ({ ...s.cursor }));
  const iterators: (AsyncIterator<Sample> | undefined)[] = sources.map(() => undefined);

  async function take(i: number): Promise<Sample> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const cursor = cursors[i];
      if (cursor.index >= sources[i].reader.count) {
        cursor.epoch++;
        cursor.index = 0;
        await iterators[i]?.return?.();
        iterators[i] = undefined;
      }
      iterators[i] ??= sources[i].reader
        .iterate({ shuffle: true, seed, epoch: cursor.epoch, startIndex: cursor.index })
        [Symbol.asyncIterator]();
      const result = await iterators[i]!.next();
      if (!result.done) {
        cursor.index++;
        return result.value;
      }
      // The epoch ended early (corrupt records were skipped): start the next one.
      cursor.index = sources[i].reader.count;
    }
    throw new InvalidArgumentError(`dataset ${cursors[i].dir} yields no samples`);
  }

  return {
    async next(n, random) {
      const batch: Sample[] = [];
      for (let k = 0; k < n; k++) {
        let r = random() * total;
        let i = 0;
        while (i < sources.length - 1 && r >= sources[i].weight) r -= sources[i++].weight;
        batch.push(await take(i));
      }
      return batch;
    },
    cursors: () => cursors.map((c) => ({ ...c })),
    async close() {
      await Promise.all(iterators.map((it) => it?.return?.()));
      iterators.fill(undefined);
    },
  };
}
