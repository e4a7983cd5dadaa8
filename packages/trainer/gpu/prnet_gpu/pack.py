"""Compresses a `prnet-train data export-pairs` folder into a training pack small enough to move.

python3 -m prnet_gpu.pack --pairs DIR --out DIR [--components 128] [--pca-samples 6000] [--jpeg-quality Q | --webp-quality Q]

The targets are a morphable model's surfaces seen through similarity crops, so a PCA of a few
hundred components reproduces them to a fraction of a pixel: the pack holds the PCA (mean and
float16 basis over the UV pixels the loss weights) and each sample's float16 code instead of
[R, R, 3] maps. The JPEG inputs are copied as they are, or re-encoded at --jpeg-quality Q to fit a
size limit (a lent machine's transfer, say), or as WebP at --webp-quality Q (the trainer's Pillow
reads either; the GPU README has sizes). The reconstruction error is measured on every sample
and written to pack.json (crop pixels at the network's input size).
"""
import argparse
import json
import os
import shutil
import time

import io

import numpy as np
import torch


class Targets:
    """Row access to the float16 targets of one or more pairs folders, as one array."""

    def __init__(self, maps: list):
        self.maps = maps
        self.starts = np.cumsum([0] + [len(m) for m in maps])

    def __len__(self) -> int:
        return int(self.starts[-1])

    def rows(self, index: np.ndarray) -> np.ndarray:
        index = np.asarray(index)
        out = np.empty((len(index), self.maps[0].shape[1]), dtype=np.float32)
        which = np.searchsorted(self.starts, index, side='right') - 1
        for k, m in enumerate(self.maps):
            sel = which == k
            if sel.any():
                out[sel] = m[index[sel] - self.starts[k]]
        return out


def parse_pairs_arg(arg: str) -> list:
    """'DIR[:N],DIR[:N]' → [(dir, limit or None)]."""
    out = []
    for part in arg.split(','):
        head, sep, tail = part.rpartition(':')
        out.append((head, int(tail)) if sep and tail.isdigit() else (part, None))
    return out


def _read_meta(d: str, limit) -> dict:
    with open(os.path.join(d, 'pairs.json')) as f:
        meta = json.load(f)
    if meta.get('format') != 'prnet-pairs':
        raise ValueError(f'{d} is not a prnet-pairs folder')
    if limit is not None and limit < meta['count']:
        meta['count'] = limit
        # The first `limit` samples: trim the per-source counts in order.
        left = limit
        for src in meta['sources']:
            src['count'] = min(src['count'], left)
            left -= src['count']
        meta['sources'] = [s for s in meta['sources'] if s['count'] > 0]
    return meta


def load_pairs(pairs_dirs: list):
    """Reads one or more prnet-pairs folders [(dir, limit)] (same sizes) as one: meta, Targets, weights."""
    metas, maps = [], []
    for d, limit in pairs_dirs:
        meta = _read_meta(d, limit)
        with open(os.path.join(d, 'pairs.json')) as f:
            full = json.load(f)['count']
        r = meta['uvResolution']
        maps.append(np.memmap(os.path.join(d, 'targets.f16'), dtype='<f2', mode='r', shape=(full, r * r * 3))[:meta['count']])
        metas.append(meta)
    for m in metas[1:]:
        for key in ('inputSize', 'uvResolution', 'conventions'):
            if m[key] != metas[0][key]:
                raise ValueError(f'pairs folders differ in {key}')
    meta = dict(metas[0])
    meta['count'] = sum(m['count'] for m in metas)
    meta['sources'] = [s for m in metas for s in m['sources']]
    weights = np.fromfile(os.path.join(pairs_dirs[0][0], 'weights.f32'), dtype='<f4')
    return meta, Targets(maps), weights


def reencode_images(blob: bytes, idx: np.ndarray, quality: int, image_format: str = 'JPEG'):
    """Re-encodes the images of one images.bin (offsets idx, n + 1 of them) as `image_format`
    (JPEG or WEBP) at `quality`: (blob, idx)."""
    from PIL import Image  # only this option needs Pillow
    parts, offsets = [], [0]
    for i in range(len(idx) - 1):
        out = io.BytesIO()
        Image.open(io.BytesIO(blob[int(idx[i]):int(idx[i + 1])])).convert('RGB').save(out, image_format, quality=quality)
        parts.append(out.getvalue())
        offsets.append(offsets[-1] + len(parts[-1]))
    return b''.join(parts), np.array(offsets, dtype=np.uint64)


def merge_pairs_files(pairs_dirs: list, out: str, quality=None, image_format: str = 'JPEG') -> None:
    """Concatenates images.bin / images.idx / samples.f32 (source indices renumbered) into out,
    re-encoding the images as `image_format` at `quality` when given."""
    blobs, offsets, samples = [], [np.zeros(1, dtype=np.uint64)], []
    base, source_base = 0, 0
    for d, limit in pairs_dirs:
        meta = _read_meta(d, limit)
        n = meta['count']
        idx = np.fromfile(os.path.join(d, 'images.idx'), dtype='<u4').astype(np.uint64)[:n + 1]
        with open(os.path.join(d, 'images.bin'), 'rb') as f:
            f.seek(int(idx[0]))
            blob = f.read(int(idx[-1] - idx[0]))
        idx = idx - idx[0]
        if quality is not None:
            blob, idx = reencode_images(blob, idx, quality, image_format)
        blobs.append(blob)
        offsets.append(idx[1:] + base)
        base += int(idx[-1])
        s = np.fromfile(os.path.join(d, 'samples.f32'), dtype='<f4').reshape(-1, 2)[:n].copy()
        s[:, 0] += source_base
        source_base += len(meta['sources'])
        samples.append(s)
    if base >= 2 ** 32:
        raise ValueError('images over 4 GiB')
    with open(os.path.join(out, 'images.bin'), 'wb') as f:
        for b in blobs:
            f.write(b)
    np.concatenate(offsets).astype('<u4').tofile(os.path.join(out, 'images.idx'))
    np.concatenate(samples).astype('<f4').tofile(os.path.join(out, 'samples.f32'))


def px_per_unit(meta: dict) -> float:
    """Crop pixels per sigmoid unit."""
    return meta['inputSize'] * meta['conventions']['outputScale']


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument('--pairs', required=True, help='pairs folder(s), comma-separated, each optionally DIR:N for its first N samples')
    ap.add_argument('--out', required=True)
    ap.add_argument('--components', type=int, default=128)
    ap.add_argument('--pca-samples', type=int, default=6000, help='samples the PCA is fitted on (all are encoded)')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--jpeg-quality', type=int, default=None,
                    help='re-encode the input JPEGs at this quality (1-95) to make the pack smaller [copied as they are]')
    ap.add_argument('--webp-quality', type=int, default=None,
                    help='re-encode the inputs as WebP at this quality (1-95): smaller than JPEG at the same quality')
    a = ap.parse_args()
    if a.jpeg_quality is not None and a.webp_quality is not None:
        ap.error('--jpeg-quality and --webp-quality exclude each other')
    for flag, q in (('--jpeg-quality', a.jpeg_quality), ('--webp-quality', a.webp_quality)):
        if q is not None and not 1 <= q <= 95:
            ap.error(f'{flag} must be in 1..95')
    t0 = time.time()
    pairs_dirs = parse_pairs_arg(a.pairs)
    meta, targets, weights = load_pairs(pairs_dirs)
    n = meta['count']
    dims = np.repeat(np.nonzero(weights > 0)[0] * 3, 3) + np.tile(np.arange(3), int((weights > 0).sum()))
    rng = np.random.default_rng(a.seed)
    fit_idx = np.sort(rng.choice(n, size=min(n, a.pca_samples), replace=False))
    x = torch.from_numpy(targets.rows(fit_idx)[:, dims])
    mean = x.mean(0)
    torch.manual_seed(a.seed)
    _, _, v = torch.svd_lowrank(x - mean, q=a.components, niter=4)
    basis = v.T.contiguous()  # [K, D']
    basis16 = basis.half().float()
    codes = np.empty((n, a.components), dtype=np.float32)
    pw = torch.from_numpy(np.repeat(weights[weights > 0], 3))
    scale = px_per_unit(meta)
    sq_err = 0.0
    worst = 0.0
    for s in range(0, n, 1000):
        xb = torch.from_numpy(targets.rows(np.arange(s, min(s + 1000, n)))[:, dims])
        c = ((xb - mean) @ basis16.T).half().float()
        codes[s:s + 1000] = c.numpy()
        rec = c @ basis16 + mean
        e2 = ((rec - xb) ** 2 * pw).sum(1) / (pw.sum())
        sq_err += float(e2.sum())
        worst = max(worst, float(e2.max().sqrt()))
    rms_px = float(np.sqrt(sq_err / n)) * scale
    os.makedirs(a.out, exist_ok=True)
    quality, image_format = (a.webp_quality, 'WEBP') if a.webp_quality is not None else (a.jpeg_quality, 'JPEG')
    merge_pairs_files(pairs_dirs, a.out, quality, image_format)
    shutil.copyfile(os.path.join(pairs_dirs[0][0], 'weights.f32'), os.path.join(a.out, 'weights.f32'))
    # The layout's mirror map (pairs exported by prnet-train since it writes one), for flip augmentation.
    has_mirror = os.path.exists(os.path.join(pairs_dirs[0][0], 'mirror.i32'))
    if has_mirror:
        shutil.copyfile(os.path.join(pairs_dirs[0][0], 'mirror.i32'), os.path.join(a.out, 'mirror.i32'))
    mean.numpy().astype('<f4').tofile(os.path.join(a.out, 'pca-mean.f32'))
    basis.numpy().astype('<f2').tofile(os.path.join(a.out, 'pca-basis.f16'))
    codes.astype('<f2').tofile(os.path.join(a.out, 'codes.f16'))
    pack = dict(meta)
    pack['format'] = 'prnet-pack'
    if a.jpeg_quality is not None:
        pack['jpegQuality'] = a.jpeg_quality
        pack['jpegReencodedFrom'] = meta.get('jpegQuality')
    if a.webp_quality is not None:
        pack['imageFormat'] = 'webp'
        pack['webpQuality'] = a.webp_quality
        pack['jpegReencodedFrom'] = meta.get('jpegQuality')
    pack['pca'] = {
        'components': a.components,
        'fittedOn': int(len(fit_idx)),
        'dims': int(len(dims)),
        'rmsErrorPx': rms_px,
        'worstSampleRmsPx': worst * scale,
        'note': 'weighted RMS of the reconstructed targets vs the exported ones, crop pixels at inputSize',
    }
    pack['files'] = {'images': 'images.bin', 'index': 'images.idx', 'weights': 'weights.f32', 'samples': 'samples.f32',
                     'mean': 'pca-mean.f32', 'basis': 'pca-basis.f16', 'codes': 'codes.f16'}
    if has_mirror:
        pack['files']['mirror'] = 'mirror.i32'
    with open(os.path.join(a.out, 'pack.json'), 'w') as f:
        json.dump(pack, f, indent=1)
    size = sum(os.path.getsize(os.path.join(a.out, x)) for x in os.listdir(a.out))
    print(json.dumps({'count': n, 'components': a.components, 'rmsErrorPx': round(rms_px, 4),
                      'worstSampleRmsPx': round(worst * scale, 4), 'bytes': size, 'seconds': round(time.time() - t0, 1)}))


if __name__ == '__main__':
    main()
