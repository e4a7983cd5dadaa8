import { openDataset } from '../data/dataset-reader.js';
import { writeImage } from '../render/image-io.js';
import { createRng } from '../render/procedural.js';
import { readAflwAnnotations } from './aflw21.js';
import { labelContactSheet } from './label-sheet.js';

/**
 * Writes a contact sheet (PNG/JPEG by extension) of `n` random samples of a labelled dataset,
 * read back through `openDataset` as the trainer reads them, with the AFLW annotations of each
 * photo (sample.index = its annotations.json index) drawn on top. Returns the chosen sample indices.
 */
export function writeLabelledContactSheet(datasetDir: string, aflwDir: string | undefined, path: string, n = 16, options: { readonly seed?: number } = {}): number[] {
  const reader = openDataset(datasetDir, { verify: 'size' });
  const annotations = aflwDir ? readAflwAnnotations(aflwDir) : undefined;
  const rng = createRng((options.seed ?? 0) + 1);
  const chosen = new Set<number>();
  const indices: number[] = [];
  while (indices.length < Math.min(n, reader.count)) {
    const i = Math.floor(rng() * reader.count);
    if (chosen.has(i)) continue;
    chosen.add(i);
    indices.push(i);
  }
  const items = indices.map((i) => {
    const sample = reader.get(i);
    return { sample, annotations: annotations?.[sample.index]?.landmarks21 };
  });
  writeImage(labelContactSheet(items, { scale: 2 }), path);
  return indices;
}
