"""Widen a tfjs prnet-light into a wider topology, on the machine that trains it.

`prnet-train grow-model` (TypeScript) writes a grown model with its weights. Its weights file
is mostly random numbers and does not compress, which matters where the working tree that
reaches a GPU machine is size-limited. This module needs only the grown model's model.json
(the topology and the weights manifest, a few hundred kB) and the source model: it rebuilds the
same function-preserving widening with its own random numbers.

Rule (the same as grow-model's widening): every weight of the source goes into the leading slice
of the weight of the same name; conv kernel entries from a new input channel to an old output
channel are zero, so old channels, and the output, stay as they were; other new kernel entries
are He-normal random; new biases and BatchNorm offsets 0, new BatchNorm scales 1, new moving
statistics mean 0 / variance 1. Layers are matched by name, and the two topologies must list the
same layers (names and classes): widening keeps tfjs' layer names, deepening (more residual
blocks) does not, so a deepened model needs grow-model's own weights. The one exception is a
`CoordinateChannels` layer (grow-model's `--coordinate-channels`): it has no weights, and the
conv that reads it gets zero kernel entries from the two new input channels, like any new input.

    python3 -m prnet_gpu.grow --source model.json --topology grown/model.json --out DIR [--seed 0] [--float16]
"""
from __future__ import annotations

import argparse
import json
from typing import Dict

import numpy as np

from .tfjs_model import ModelFormatError, TfjsGraphModel, graph_config


def widen_weights(source: Dict[str, np.ndarray], source_json: dict, target_json: dict, seed: int = 0) -> Dict[str, np.ndarray]:
    """The target's weights (tfjs names and layouts) with the source embedded as described above."""
    a = [(l['name'], l['class_name']) for l in graph_config(source_json)['layers']]
    b = [(l['name'], l['class_name']) for l in graph_config(target_json)['layers']]
    added = {name for name, cls in b if cls == 'CoordinateChannels'} - {name for name, _ in a}
    b_kept = [layer for layer in b if layer[0] not in added]
    if a != b_kept:
        diff = next((i for i, (x, y) in enumerate(zip(a, b_kept)) if x != y), min(len(a), len(b_kept)))
        raise ModelFormatError(f'the topologies list different layers (first difference at layer {diff} of {len(a)} / {len(b_kept)}): '
                               'only widening keeps the layer names; grow deeper models with prnet-train grow-model')
    classes = dict(b)
    rng = np.random.default_rng(seed)
    result: Dict[str, np.ndarray] = {}
    specs = [w for g in target_json['weightsManifest'] for w in g['weights']]
    if sorted(s['name'] for s in specs) != sorted(source):
        raise ModelFormatError('the target topology names other weights than the source has')
    for spec in specs:
        name, shape = spec['name'], tuple(spec['shape'])
        layer, kind = name.rsplit('/', 1)
        old = source[name]
        if old.ndim != len(shape) or any(o > n for o, n in zip(old.shape, shape)):
            raise ModelFormatError(f'weight {name}: source shape {old.shape} does not fit into {shape}')
        if kind in ('kernel', 'depthwise_kernel'):
            fan_in = int(np.prod(shape[:-1])) if classes[layer] != 'DepthwiseConv2D' else shape[0] * shape[1]
            new = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=shape).astype(np.float32)
            if classes[layer] in ('Conv2D', 'Dense'):  # [kh, kw, in, out] or [in, out]
                cross = [slice(None)] * len(shape)
                cross[-2], cross[-1] = slice(old.shape[-2], None), slice(0, old.shape[-1])
                new[tuple(cross)] = 0  # new input → old output: zero
        elif kind in ('gamma', 'moving_variance'):
            new = np.ones(shape, np.float32)
        elif kind in ('beta', 'bias', 'moving_mean'):
            new = np.zeros(shape, np.float32)
        else:
            raise ModelFormatError(f'weight {name}: kind {kind} is not known to widening')
        new[tuple(slice(0, d) for d in old.shape)] = old
        result[name] = new
    return result


def widen(source: TfjsGraphModel, target_json: dict, seed: int = 0) -> TfjsGraphModel:
    """The source widened into the shapes of target_json (grow-model's model.json; see the module docstring)."""
    weights = widen_weights(source.tfjs_weights(), source.model_json, target_json, seed)
    return TfjsGraphModel(target_json, weights)  # metadata: the topology's (grow-model keeps the source's)


def _count(model: TfjsGraphModel) -> int:
    return sum(int(np.prod(v.shape)) for v in model.tfjs_weights().values())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--source', required=True, help='model.json of the trained prnet-light')
    ap.add_argument('--topology', required=True, help="model.json of the wider network (its weights file is not read)")
    ap.add_argument('--out', required=True)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--float16', action='store_true')
    a = ap.parse_args()
    source = TfjsGraphModel.load(a.source)
    with open(a.topology) as f:
        target_json = json.load(f)
    model = widen(source, target_json, a.seed)
    path = model.save(a.out, float16=a.float16)
    print(f'widened {a.source}: {_count(source)} → {_count(model)} weights → {path}')


if __name__ == '__main__':
    main()
