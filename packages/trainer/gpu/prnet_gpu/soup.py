"""Weight averaging ("model soup") of prnet-light runs that share a start.

    python3 -m prnet_gpu.soup --models A/model.json,B/model.json[,…] [--weights 1,1,…] --out DIR
        [--pack PACK --val 512 --seed 7] [--float16]

Runs trained from the same weights (cpu7, item 13's and item 14's runs and cpu9 all start from
gpu3 widened with the same seed) can stay in one basin, where the mean of their weights is itself a
good network. Every parameter and BatchNorm statistic is averaged with the given weights (equal by
default). Members may differ in one way only: a stem with the crop's coordinate planes as extra
input channels (`grow-model --coordinate-channels`) against one without; a plain member counts as
that topology with zero kernel entries for those channels, which is exactly what it computes, so
the soup takes the topology with the most stem inputs. With --pack, each member's and the soup's
RMS on the run's held-out pairs (the split prnet_gpu.train makes from --val and --seed) is printed.

Re-estimating the BatchNorm statistics of the soup on augmented training batches instead of
averaging them was tried (MODEL_CARD.md item 16) and gave a higher held-out RMS, so the statistics
are averaged.
"""
from __future__ import annotations

import argparse
import copy
import os

import torch

from .tfjs_model import ModelFormatError, TfjsGraphModel


def _padded(name: str, value: torch.Tensor, shape: torch.Size) -> torch.Tensor:
    """value grown to shape with zeros after the existing input channels (dim 1 of a conv kernel)."""
    if value.shape == shape:
        return value
    if (value.dim() != 4 or len(shape) != 4 or value.shape[0] != shape[0] or value.shape[2:] != shape[2:]
            or value.shape[1] > shape[1]):
        raise ModelFormatError(f'{name}: shapes {tuple(value.shape)} and {tuple(shape)} differ in more than '
                               'the extra input channels of coordinate planes')
    out = torch.zeros(shape, dtype=value.dtype)
    out[:, :value.shape[1]] = value
    return out


def average_models(models: list, weights: list | None = None) -> TfjsGraphModel:
    """A new network whose weights are the weighted mean of the members' (see the module docstring)."""
    if len(models) < 2:
        raise ValueError('a soup needs at least two models')
    weights = [1.0] * len(models) if weights is None else [float(w) for w in weights]
    if len(weights) != len(models) or not all(w >= 0 for w in weights) or sum(weights) <= 0:
        raise ValueError(f'--weights: one non-negative weight per model, not all zero (got {weights} for {len(models)} models)')
    total = sum(weights)
    weights = [w / total for w in weights]
    states = [m.state_dict() for m in models]
    keys = set(states[0])
    for i, s in enumerate(states[1:], 1):
        if set(s) != keys:
            diff = sorted(keys ^ set(s))
            raise ModelFormatError(f'model {i + 1} has other layers than model 1 ({", ".join(diff[:4])}…): '
                                   'only runs of one topology (± coordinate channels) can be averaged')
    # The widest stem decides the topology.
    sizes = [sum(v.numel() for v in s.values()) for s in states]
    base = models[max(range(len(models)), key=lambda i: sizes[i])]
    target = base.state_dict()
    averaged = {}
    for k, ref in target.items():
        if not ref.is_floating_point():  # BatchNorm's num_batches_tracked
            averaged[k] = ref.clone()
            continue
        averaged[k] = sum(w * _padded(k, s[k].float(), ref.shape) for s, w in zip(states, weights)).to(ref.dtype)
    soup = copy.deepcopy(base)
    soup.load_state_dict(averaged)
    return soup


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--models', required=True, help='comma-separated model.json paths (tfjs layers models)')
    ap.add_argument('--weights', default='', help='comma-separated weight per model [equal]')
    ap.add_argument('--out', required=True)
    ap.add_argument('--pack', help='a prnet-pack folder: print held-out RMS of each member and of the soup')
    ap.add_argument('--val', type=int, default=512, help='held-out pairs, as the runs\' --val [512]')
    ap.add_argument('--seed', type=int, default=7, help='the runs\' --seed, which drew the held-out split [7]')
    ap.add_argument('--float16', action='store_true', help='write float16 weights')
    ap.add_argument('--threads', type=int, help='CPU threads [every core]')
    a = ap.parse_args()
    from .train import Pack, held_out_rms, held_out_split, prepare_cpu  # the trainer's pack reader, held-out split and RMS
    prepare_cpu(a.threads)
    paths = [p for p in a.models.split(',') if p]
    models = [TfjsGraphModel.load(p) for p in paths]
    weights = [float(w) for w in a.weights.split(',')] if a.weights else None
    soup = average_models(models, weights)
    soup_info = {'trainer': 'prnet_gpu.soup', 'members': [os.path.abspath(p) for p in paths], 'weights': weights or [1.0] * len(paths)}
    if a.pack:
        pack = Pack(a.pack, torch.device('cpu'))
        val_idx, _ = held_out_split(pack.n, a.val, a.seed)
        rms = []
        for p, m in zip(paths, models):
            rms.append(held_out_rms(m, pack, val_idx))
            print(f'{p}: held-out RMS {rms[-1]:.3f} px', flush=True)
        soup_rms = held_out_rms(soup, pack, val_idx)
        print(f'soup: held-out RMS {soup_rms:.3f} px ({a.val} pairs of {a.pack}, seed {a.seed})', flush=True)
        soup_info['validation'] = {'pack': os.path.abspath(a.pack), 'samples': len(val_idx), 'seed': a.seed,
                                   'memberRmsPx': rms, 'soupRmsPx': soup_rms}
    out = soup.save(a.out, {'trained': True, 'description': 'weight average of ' + ', '.join(paths), 'training': soup_info},
                    float16=a.float16)
    print(f'wrote {out}')


if __name__ == '__main__':
    main()
