"""Runs a tfjs layers model in PyTorch on given inputs, for the parity test against tfjs.

python3 -m prnet_gpu.parity --model model.json --input in.f32 --out out.f32
    [--target t.f32 --weights w.f32] [--resave DIR]
Input/target files are raw little-endian float32 [N, S, S, 3] / [N, R, R, 3]; prints JSON with the
output shape and (with --target) the position-map loss. --resave writes the model back (float32).
"""
import argparse
import json

import numpy as np
import torch

from .losses import position_map_loss
from .tfjs_model import TfjsGraphModel


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument('--model', required=True)
    ap.add_argument('--input', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--target')
    ap.add_argument('--weights')
    ap.add_argument('--resave')
    a = ap.parse_args()
    model = TfjsGraphModel.load(a.model).eval()
    size = model.layer_specs[0]['config']['batch_input_shape'][1]
    x = torch.from_numpy(np.fromfile(a.input, dtype='<f4').reshape(-1, size, size, 3))
    with torch.no_grad():
        y = model(x)
    y.numpy().astype('<f4').tofile(a.out)
    report = {'shape': list(y.shape)}
    if a.target and a.weights:
        r = y.shape[1]
        t = torch.from_numpy(np.fromfile(a.target, dtype='<f4').reshape(-1, r, r, 3))
        w = torch.from_numpy(np.fromfile(a.weights, dtype='<f4').reshape(r, r))
        report['loss'] = float(position_map_loss(y, t, w))
    if a.resave:
        model.save(a.resave)
    print(json.dumps(report))


if __name__ == '__main__':
    main()
