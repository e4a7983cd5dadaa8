"""Experiment record (model card, "Where the error lies"): two checks of the placement error.

1. Ridge regressions from the dumped landmarks / features to the offset of AFLW's annotated points
   from ours, fitted on AFLW crops and applied to the AFLW2000-3D dev split.
2. Our offsets from the dev truth against MediaPipe's; our points moved towards MediaPipe's.

usage: python3 analyse.py DUMP_DIR   (after dump.mjs aflw DIR/aflw0 0 2, … DIR/aflw1 1 2,
       dump.mjs dev DIR/dev, teacher.mjs DIR/dev; numpy only)
"""
import json
import os
import sys

import numpy as np

DATA = os.environ.get('PRNET_SHARED_DATA', '../shared/data')
# Each AFLW-21 point as the mean of Multi-PIE 68 points (None: the ears), as in the trainer's aflw21.ts.
AFLW21_FROM_68 = [[17], [19], [21], [22], [24], [26], [36], [37, 38, 40, 41], [39], [42], [43, 44, 46, 47], [45],
                  None, [31], [30], [35], None, [48], [51, 57, 62, 66], [54], [8]]
KEEP = [i for i, g in enumerate(AFLW21_FROM_68) if g]
# Points both markups define alike: eye corners, nose tip, mouth corners (AFLW-21, 68-point, MediaPipe).
STABLE21 = [6, 8, 9, 11, 14, 17, 19]
STABLE68 = [36, 39, 42, 45, 30, 48, 54]
STABLE_MP = [33, 133, 362, 263, 1, 61, 291]


def load(prefix):
    info = np.fromfile(prefix + '.info.f32', np.float32).reshape(-1, 10)
    n = len(info)
    return dict(info=info,
                f1=np.fromfile(prefix + '.f1.f16', np.float16).reshape(n, -1),
                f2=np.fromfile(prefix + '.f2.f32', np.float32).reshape(n, -1),
                lm=np.fromfile(prefix + '.lm.f32', np.float32).reshape(n, 68, 3))


def to21(p):
    return np.stack([p[:, g, :].mean(1) for g in AFLW21_FROM_68 if g], 1)


def box_size(p):
    return np.sqrt(np.ptp(p[:, :, 0], 1) * np.ptp(p[:, :, 1], 1))


def nme_bins(pred, gt, yaw):
    """Mean of the three |yaw| bins' NME (%), normalised by the ground-truth box."""
    e = np.linalg.norm(pred - gt[:, :, :2], axis=2).mean(1) / box_size(gt)
    bins = [e[yaw <= 30].mean(), e[(yaw > 30) & (yaw <= 60)].mean(), e[yaw > 60].mean()]
    return 100 * np.mean(bins), 100 * np.array(bins)


def features(d, kind):
    p = d['lm'][:, :, :2].astype(np.float64)
    if kind == 'landmarks':
        c = to21(p).mean(1)
        x = ((p - c[:, None]) / box_size(p)[:, None, None]).reshape(len(p), -1)
        return np.concatenate([x, d['info'][:, 1:4] / 90.0], 1)
    return d['f2'].astype(np.float64) if kind == 'pooled' else d['f1'].astype(np.float32)


def corrected(d, y):
    """Our points moved by y = [tx, ty (box units), a, b]: c + t + [[1+a, -b], [b, 1+a]] (p - c)."""
    p = d['lm'][:, :, :2].astype(np.float64)
    c = to21(p).mean(1)
    s = box_size(p)
    q = p - c[:, None]
    a, b = y[:, 2:3], y[:, 3:4]
    out = np.empty_like(p)
    out[:, :, 0] = c[:, None, 0] + y[:, None, 0] * s[:, None] + (1 + a) * q[:, :, 0] - b * q[:, :, 1]
    out[:, :, 1] = c[:, None, 1] + y[:, None, 1] * s[:, None] + b * q[:, :, 0] + (1 + a) * q[:, :, 1]
    return out


def aflw_targets(d, ann, similarity):
    """Per crop: how AFLW's annotated points lie from ours (similarity over 19 points, or translation over 7)."""
    p = d['lm'][:, :, :2].astype(np.float64)
    p21 = np.zeros((len(p), 21, 2))
    p21[:, KEEP] = to21(p)
    c = p21[:, KEEP].mean(1)
    s = box_size(p)
    y = np.full((len(p), 4), np.nan)
    for n, i in enumerate(d['info'][:, 0].astype(int)):
        marks = ann[i]['landmarks21']
        points = [j for j in (KEEP if similarity else STABLE21) if marks[j] is not None]
        if len(points) < (5 if similarity else 4):
            continue
        q = np.array([marks[j] for j in points], float) - c[n]
        r = p21[n, points] - c[n]
        if similarity:
            m = np.zeros((2 * len(points), 4))
            m[0::2, 0] = 1
            m[0::2, 2], m[0::2, 3] = r[:, 0], -r[:, 1]
            m[1::2, 1] = 1
            m[1::2, 2], m[1::2, 3] = r[:, 1], r[:, 0]
            t = np.linalg.lstsq(m, q.reshape(-1), rcond=None)[0]
            y[n] = [t[0] / s[n], t[1] / s[n], t[2] - 1, t[3]]
        else:
            y[n, :2] = (q - r).mean(0) / s[n]
            y[n, 2:] = 0
    return y


def ridge(x, y, lams):
    mu, sd = x.mean(0), x.std(0) + 1e-6
    xs = ((x - mu) / sd).astype(np.float32)
    xtx = (xs.T @ xs).astype(np.float64)
    xty = (xs.T @ (y - y.mean(0))).astype(np.float64)
    return {lam: (mu, sd, np.linalg.solve(xtx + lam * len(x) * np.eye(len(xtx)), xty)) for lam in lams}


def predict(x, model):
    mu, sd, w = model
    return (((x - mu) / sd).astype(np.float32) @ w.astype(np.float32)).astype(np.float64)


def main(dump):
    ann = json.load(open(os.path.join(DATA, 'aflw-crops', 'annotations.json')))['samples']
    dev_samples = json.load(open(os.path.join(DATA, 'aflw2000-dev', 'annotations.json')))['samples']
    gt = np.array([s['landmarks68'] for s in dev_samples], np.float64)
    yaw = np.abs(np.array([s['yawBinDegrees'] for s in dev_samples], float))
    parts = [load(os.path.join(dump, 'aflw0')), load(os.path.join(dump, 'aflw1'))]
    aflw = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    dev = load(os.path.join(dump, 'dev'))
    base, bins = nme_bins(dev['lm'][:, :, :2].astype(np.float64), gt, yaw)
    print(f'dev, one pass, no roll recovery: {base:.2f} % ({" / ".join(f"{b:.2f}" for b in bins)})')

    idx = aflw['info'][:, 0].astype(int)
    for similarity, lams in [(True, [1e-4, 1e-3, 1e-2, 1e-1, 1]), (False, [1e-2, 1e-1, 1, 10])]:
        y = aflw_targets(aflw, ann, similarity)
        ok = ~np.isnan(y[:, 0])
        train, held = ok & (idx % 4 != 0), ok & (idx % 4 == 0)
        print(f'\n{"similarity, 19 points" if similarity else "translation, 7 points"}: {ok.sum()} crops')
        for kind in ['landmarks', 'pooled', 'bottleneck']:
            x, xd = features(aflw, kind), features(dev, kind)
            for lam, model in ridge(x[train], y[train], lams).items():
                pv = predict(x[held], model)
                yv = y[held] - y[train].mean(0)
                r2 = 1 - ((yv - pv) ** 2).mean(0) / np.maximum(yv.var(0), 1e-12)
                nme, _ = nme_bins(corrected(dev, predict(xd, model)), gt, yaw)
                shown = r2 if similarity else r2[:2]
                print(f'  {kind:10s} lambda {lam:g}: held-out R2 {np.round(shown, 3)}, dev {nme:.2f} %')

    teacher = np.fromfile(os.path.join(dump, 'dev.teacher.f32'), np.float32).reshape(-1, 469, 3)
    score = teacher[:, 468, 0]
    mp = teacher[:, :468, :2].astype(np.float64)
    ours = dev['lm'][:, :, :2].astype(np.float64)
    s = box_size(ours)
    ok = score > 0.5
    eo = (ours[:, STABLE68] - gt[:, STABLE68, :2]).mean(1) / s[:, None]
    em = (mp[:, STABLE_MP] - gt[:, STABLE68, :2]).mean(1) / s[:, None]
    eo -= eo[ok].mean(0)
    em -= em[ok].mean(0)
    print(f'\nMediaPipe on dev: {ok.sum()} faces scored > 0.5')
    for axis, name in enumerate('xy'):
        print(f'  {name}: offsets from the truth correlate {np.corrcoef(eo[ok, axis], em[ok, axis])[0, 1]:.2f}; '
              f'rms ours {100 * np.sqrt((eo[ok, axis] ** 2).mean()):.2f} %, MediaPipe {100 * np.sqrt((em[ok, axis] ** 2).mean()):.2f} % of the box')
    d = (mp[:, STABLE_MP] - ours[:, STABLE68]).mean(1) / s[:, None]
    rng = np.random.default_rng(0)
    for threshold in [0.5, 0.9]:
        for alpha in [0.25, 0.5, 0.75, 1.0]:
            scores = []
            for _ in range(50):
                half = rng.permutation(len(d)) < len(d) // 2
                moved = ours.copy()
                for fit, use in [(half, ~half), (~half, half)]:
                    centre = np.median(d[fit & (score > threshold)], 0)
                    use = use & (score > threshold)
                    moved[use] += alpha * ((d[use] - centre) * s[use, None])[:, None, :]
                scores.append(nme_bins(moved, gt, yaw)[0])
            print(f'  moved {alpha:g} of the way towards MediaPipe (score > {threshold}): {np.mean(scores):.2f} %')


if __name__ == '__main__':
    main(sys.argv[1])
