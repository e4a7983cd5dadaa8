"""How fast prnet_gpu.train's training step runs on this machine, per precision and memory layout.

python3 -m prnet_gpu.bench [--model model.json] [--batch 128] [--steps 3] [--threads N] [--cpu]

Times one training step as train.py takes it (forward pass, position-map loss in float32, backward
pass, Adam step) on random crops and targets, after one untimed warm-up step, in three ways:
float32 with NCHW activations (train.py before it moved to channels_last), float32 channels_last,
and bfloat16 autocast channels_last (`train.py --precision bfloat16`). Prints seconds per step,
samples/s and the ratio against the first row, all in one process, so compare rows of one run.
Each row starts from a fresh copy of the model and optimiser. Default model: the one shipped in
@prnet/core (the width the recipes train). The pack's decoding and the augmentation, which
train.py adds to every step, are not timed here.
"""
from __future__ import annotations

import argparse
import copy
import os
import time

import torch

from .losses import position_map_loss
from .tfjs_model import TfjsGraphModel, graph_config
from .train import cpu_has_native_bf16, prepare_cpu

DEFAULT_MODEL = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'core', 'assets', 'models',
                             'default', 'model.json')
ROWS = (('float32, NCHW', False, False), ('float32, channels_last', True, False), ('bfloat16, channels_last', True, True))


def time_steps(model: torch.nn.Module, x: torch.Tensor, target: torch.Tensor, weights: torch.Tensor,
               channels_last: bool, bf16: bool, steps: int) -> float:
    """Seconds per training step (mean over `steps` after one warm-up step)."""
    net = copy.deepcopy(model).to(memory_format=torch.channels_last if channels_last else torch.contiguous_format)
    net.train()
    opt = torch.optim.Adam(net.parameters(), lr=1e-6)
    # train.py hands the network NHWC crops; contiguous NHWC is NCHW in channels_last order.
    inp = x.contiguous() if channels_last else x.permute(0, 3, 1, 2).contiguous().permute(0, 2, 3, 1)

    def step() -> None:
        opt.zero_grad(set_to_none=True)
        with torch.autocast(device_type=x.device.type, dtype=torch.bfloat16, enabled=bf16):
            pred = net(inp)
        position_map_loss(pred.float(), target, weights).backward()
        opt.step()

    step()
    if x.device.type == 'cuda':
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    if x.device.type == 'cuda':
        torch.cuda.synchronize()
    return (time.perf_counter() - t0) / steps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--model', default=DEFAULT_MODEL, help='tfjs prnet-light model.json [the shipped default]')
    ap.add_argument('--batch', type=int, default=128, help='samples per step [128: the CPU recipe\'s micro-batch]')
    ap.add_argument('--steps', type=int, default=3, help='timed steps per row [3]')
    ap.add_argument('--threads', type=int, help='CPU threads [every core]')
    ap.add_argument('--cpu', action='store_true', help='run on the CPU even where CUDA is available')
    a = ap.parse_args()
    if a.batch < 1 or a.steps < 1:
        raise SystemExit('--batch and --steps must be at least 1')
    device = torch.device('cpu' if a.cpu or not torch.cuda.is_available() else 'cuda')
    if device.type == 'cpu':
        prepare_cpu(a.threads)
    model = TfjsGraphModel.load(a.model).to(device)
    size = int(graph_config(model.model_json)['layers'][0]['config']['batch_input_shape'][1])
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(a.batch, size, size, 3, generator=gen).to(device)
    with torch.no_grad():
        out_shape = model.eval()(x[:1]).shape
    target = torch.rand(a.batch, *out_shape[1:], generator=gen).to(device) * size
    weights = torch.ones(out_shape[1], out_shape[2], device=device)
    where = torch.cuda.get_device_name() if device.type == 'cuda' else (
        f'cpu, {torch.get_num_threads()} threads, bfloat16 instructions: {"yes" if cpu_has_native_bf16() else "no"}')
    print(f'prnet_gpu training step, {os.path.basename(os.path.dirname(os.path.abspath(a.model)))} '
          f'({sum(p.numel() for p in model.parameters()):,} parameters), batch {a.batch} of {size}², {a.steps} timed steps; '
          f'{where}; torch {torch.__version__}', flush=True)
    base = None
    for name, channels_last, bf16 in ROWS:
        seconds = time_steps(model, x, target, weights, channels_last, bf16, a.steps)
        base = base or seconds
        print(f'{name:<26} {seconds:8.3f} s/step {a.batch / seconds:8.1f} samples/s  ×{base / seconds:.2f}'
              + ('  [baseline]' if seconds is base else ''), flush=True)


if __name__ == '__main__':
    main()
