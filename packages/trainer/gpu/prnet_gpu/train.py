"""Train (fine-tune) a prnet-train network on a CUDA GPU from a training pack.

python3 -m prnet_gpu.train --pack DIR --init model.json --out DIR
    [--minutes 7 | --steps N] [--batch 128] [--lr 1e-3] [--warmup 300] [--ema 0.999]
    [--val 256] [--seed 0] [--source-weights 1,1] [--checkpoint-minutes 1] [--float16] [--cpu]
    [--flip 0] [--any-roll 0] [--yaw-weights DEG:W[,DEG:W…]] [--freeze-bn] [--threads N] [--resume]
    [--stop-after-minutes M] [--micro-batch M] [--placement-weight W] [--precision auto|float32|bfloat16]

Time-boxed by default (the cosine learning-rate schedule runs over --minutes of wall time, so a
lease of a given length is used to its end), or by --steps. Prints one progress line per
--log-seconds (step, loss as crop-pixel RMS, samples/s, ETA), writes the model (and its EMA) to
--out every --checkpoint-minutes and at the end as tfjs layers models that @prnet/core loads,
with a `training` record in their metadata, and train-log.jsonl.

Every checkpoint also writes --out/state.pt (weights, EMA, optimiser moments, step, training time,
random-generator state). After an interruption, the same command with --resume continues from it
where the last checkpoint left off (the settings must match). --stop-after-minutes M ends this
invocation after M minutes with a checkpoint, so that one schedule (--minutes or --steps) can be
trained over several sessions: run the same command with --resume in each. SIGTERM or SIGINT
(kill, Ctrl-C) during training does the same at the end of the current step.

--micro-batch M splits each batch of --batch samples into forward/backward passes of M samples
whose gradients are summed before the optimiser step (gradient accumulation): the schedule and
the optimiser see --batch-sized steps while memory holds M samples' activations — for a GPU
recipe's batch 256 on the CPU. BatchNorm normalises each micro-batch by its own statistics, so
the result is not bit-identical to one pass of --batch (with --freeze-bn it is, up to rounding).
On the CPU, glibc's allocator is told to keep freed memory (tune_cpu_allocator): by default it
returns every large block to the system and page-faults it back in at the next step.

--precision bfloat16 runs the forward and backward passes under bfloat16 autocast (convolutions
and matrix products in bfloat16, the weights, the optimiser, the loss and BatchNorm's statistics
in float32), as every CUDA run does by default (`auto`: bfloat16 on CUDA, float32 on the CPU). On
a CPU with native bfloat16 instructions (x86 `avx512_bf16` or `amx_bf16`; packages/trainer/gpu/README.md
has the measured speed) it took the rate on 2 cores from 53–59 samples/s (float32, NCHW as before) or
67–70 (float32 channels_last, now the layout everywhere) to 92–93; elsewhere PyTorch emulates it and
the run warns. The validation RMS is always computed as before (float32 on the CPU), so runs of
either precision compare; a run may be resumed at another precision.

--freeze-bn keeps every BatchNorm layer on its stored statistics (its scale and shift still
train): for fine-tuning at small batches (the CPU), where batch statistics are noisy and moving
them shifts the whole network away from its large-batch fit.

--yaw-weights 40:2.5 draws the samples whose |yaw| (the pack's samples.f32) is at least 40° 2.5 times
as often as the others of their source (several thresholds: 40:2,60:3, the last one reached
applies), without changing how often each source is drawn (--source-weights): profiles, the
benchmark's weakest bin, are a small part of the labelled photos.

--placement-weight W adds W × losses.placement_loss to the position-map loss: the part of the x, y
error that a 2D similarity (the whole face moved, scaled, turned in the image) removes, counted
W + 1 times instead of once. On AFLW2000-3D about a point of the shipped model's NME is such
placement (MODEL_CARD.md, "Where the error lies"). The printed and logged loss stays the plain
position-map loss, comparable between runs.
"""
from __future__ import annotations

import argparse
import copy
import ctypes
import io
import json
import math
import os
import signal
import time

import numpy as np
import torch
from PIL import Image

from .augment import AugmentConfig, flip_horizontal, photometric, similarity, warp_images, warp_targets
from .losses import placement_loss, position_map_loss
from .tfjs_model import TfjsGraphModel


def train_mode(net: torch.nn.Module, freeze_bn: bool) -> None:
    """Training mode; with freeze_bn, BatchNorm layers normalise with (and keep) their stored statistics."""
    net.train()
    if freeze_bn:
        for m in net.modules():
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                m.eval()


class Pack:
    """A training pack (prnet_gpu.pack) on a device: uint8 images, PCA codes, basis, weights."""

    def __init__(self, pack_dir: str, device):
        with open(os.path.join(pack_dir, 'pack.json')) as f:
            self.meta = json.load(f)
        if self.meta.get('format') != 'prnet-pack':
            raise ValueError(f'{pack_dir} is not a prnet-pack folder')
        m = self.meta
        self.n, self.size, self.r = m['count'], m['inputSize'], m['uvResolution']
        idx = np.fromfile(os.path.join(pack_dir, 'images.idx'), dtype='<u4')
        with open(os.path.join(pack_dir, 'images.bin'), 'rb') as f:
            blob = f.read()
        images = np.empty((self.n, self.size, self.size, 3), dtype=np.uint8)
        for i in range(self.n):
            images[i] = np.asarray(Image.open(io.BytesIO(blob[idx[i]:idx[i + 1]])).convert('RGB'))
        self.images = torch.from_numpy(images).to(device)
        weights = np.fromfile(os.path.join(pack_dir, 'weights.f32'), dtype='<f4')
        self.weights = torch.from_numpy(weights.reshape(self.r, self.r)).to(device)
        pixels = np.nonzero(weights > 0)[0]
        self.dims = torch.from_numpy(np.repeat(pixels * 3, 3) + np.tile(np.arange(3), len(pixels))).to(device)
        k = m['pca']['components']
        self.mean = torch.from_numpy(np.fromfile(os.path.join(pack_dir, 'pca-mean.f32'), dtype='<f4')).to(device)
        self.basis = torch.from_numpy(np.fromfile(os.path.join(pack_dir, 'pca-basis.f16'), dtype='<f2').astype(np.float32).reshape(k, -1)).to(device)
        self.codes = torch.from_numpy(np.fromfile(os.path.join(pack_dir, 'codes.f16'), dtype='<f2').astype(np.float32).reshape(self.n, k)).to(device)
        samples = np.fromfile(os.path.join(pack_dir, 'samples.f32'), dtype='<f4').reshape(self.n, 2)
        self.source = torch.from_numpy(samples[:, 0].astype(np.int64)).to(device)
        self.abs_yaw = torch.from_numpy(samples[:, 1]).to(device)
        mirror_path = os.path.join(pack_dir, 'mirror.i32')
        self.mirror = (torch.from_numpy(np.fromfile(mirror_path, dtype='<i4').astype(np.int64)).to(device)
                       if os.path.exists(mirror_path) else None)

    def batch(self, index: torch.Tensor):
        """(images [B, 3, S, S] float in [0, 1], targets [B, R, R, 3]) for sample indices."""
        images = self.images[index].permute(0, 3, 1, 2).float() / 255
        flat = torch.zeros(len(index), self.r * self.r * 3, device=images.device)
        flat[:, self.dims] = self.codes[index] @ self.basis + self.mean
        return images, flat.reshape(len(index), self.r, self.r, 3)


def held_out_split(n: int, val: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The trainer's fixed held-out split of a pack of n samples: (val_idx, train_idx), drawn from seed."""
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return perm[:val], perm[val:]


def held_out_rms(net: torch.nn.Module, pack: Pack, val_idx: torch.Tensor, batch: int = 256, bfloat16: bool = False) -> float:
    """RMS (crop pixels) of net's position maps on the pack's samples val_idx (plain crops, eval mode)."""
    net.eval()
    total = 0.0
    with torch.no_grad():
        for s in range(0, len(val_idx), batch):
            images, targets = pack.batch(val_idx[s:s + batch])
            with torch.autocast(device_type=images.device.type, dtype=torch.bfloat16, enabled=bfloat16):
                pred = net(images.permute(0, 2, 3, 1).contiguous())
            total += float(position_map_loss(pred.float(), targets, pack.weights)) * len(images)
    return math.sqrt(total / max(len(val_idx), 1)) * pack.size * pack.meta['conventions']['outputScale']


RUN_SETTINGS = ('pack', 'init', 'minutes', 'steps', 'batch', 'lr', 'final_lr_fraction', 'warmup', 'ema', 'val', 'seed',
                'source_weights', 'yaw_weights', 'no_augment', 'flip', 'any_roll', 'freeze_bn', 'placement_weight')


def parse_yaw_weights(arg: str) -> list:
    """'40:2.5,60:3' → [(40.0, 2.5), (60.0, 3.0)], thresholds ascending; '' → []."""
    out = []
    for part in filter(None, (p.strip() for p in (arg or '').split(','))):
        deg, sep, w = part.partition(':')
        try:
            if not sep:
                raise ValueError
            pair = (float(deg), float(w))
        except ValueError:
            raise SystemExit(f'--yaw-weights takes DEG:WEIGHT pairs such as 40:2.5, got {part!r}') from None
        if not 0 <= pair[0] <= 180 or not pair[1] > 0:
            raise SystemExit(f'--yaw-weights: the threshold must be in [0, 180] degrees and the weight positive, got {part!r}')
        out.append(pair)
    return sorted(out)


def sampling_probabilities(source: torch.Tensor, abs_yaw: torch.Tensor, source_weights: list, yaw_weights: list) -> torch.Tensor:
    """Unnormalised probability of drawing each sample: every source s gets source_weights[s] of the
    draws (equal per sample without them); inside a source, a sample's share is multiplied by the
    weight of the highest --yaw-weights threshold its |yaw| reaches."""
    per = torch.ones(len(source), device=source.device)
    for deg, w in yaw_weights:
        per = torch.where(abs_yaw >= deg, torch.full_like(per, w), per)
    if source_weights:
        w = torch.tensor(source_weights, dtype=torch.float32, device=source.device)
    else:  # each source keeps the share its size gives it
        w = torch.bincount(source).float()
    if int(source.max()) >= len(w):
        raise SystemExit(f'--source-weights gives {len(w)} weights but the pack has {int(source.max()) + 1} sources')
    mass = torch.zeros(len(w), device=source.device).index_add_(0, source, per).clamp_min(1e-12)
    return w[source] * per / mass[source]


def tune_cpu_allocator() -> bool:
    """Keeps freed memory in the process (glibc): large tensors are otherwise mmap'ed and returned
    to the system at every free and page-faulted back at the next step, which made CPU training at
    batch 256 spend half of its CPU time in the kernel (README). Returns whether glibc took it."""
    try:
        libc = ctypes.CDLL('libc.so.6')
    except OSError:  # not glibc (macOS, musl): leave the allocator alone
        return False
    m_trim_threshold, m_top_pad, m_mmap_threshold = -1, -2, -3
    big = 2 ** 31 - 1  # mallopt takes an int
    return all(libc.mallopt(param, value) == 1
               for param, value in ((m_mmap_threshold, big), (m_trim_threshold, big), (m_top_pad, 2 ** 28)))


def prepare_cpu(threads: int | None) -> None:
    """CPU runs: `threads` PyTorch threads (default every core this process may use: some builds
    start with one) and the allocator tuned (tune_cpu_allocator)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else (os.cpu_count() or 1)
    torch.set_num_threads(max(1, threads or cores))
    tune_cpu_allocator()


def cpu_has_native_bf16() -> bool:
    """Whether the CPU reports bfloat16 instructions (Linux /proc/cpuinfo flags avx512_bf16 or
    amx_bf16); without them PyTorch's CPU bfloat16 kernels are emulated and slow."""
    try:
        with open('/proc/cpuinfo') as f:
            flags = {flag for line in f if line.startswith('flags') for flag in line.split(':', 1)[1].split()}
    except OSError:
        return False
    return bool(flags & {'avx512_bf16', 'amx_bf16'})


def use_bfloat16(precision: str, device_type: str) -> bool:
    """--precision → whether the training passes run under bfloat16 autocast."""
    if precision not in ('auto', 'float32', 'bfloat16'):
        raise SystemExit(f'--precision must be auto, float32 or bfloat16, got {precision!r}')
    return precision == 'bfloat16' or (precision == 'auto' and device_type == 'cuda')


def micro_batches(n: int, size: int) -> list:
    """[(start, end)] slices of a batch of n into chunks of at most size samples."""
    if size < 1:
        raise SystemExit(f'--micro-batch must be a positive number of samples, got {size}')
    return [(s, min(s + size, n)) for s in range(0, n, size)]


def run_settings(a: argparse.Namespace) -> dict:
    """The settings that define a run's schedule and data; a --resume must repeat them."""
    out = {k: getattr(a, k) for k in RUN_SETTINGS}
    out['pack'], out['init'] = os.path.abspath(a.pack), os.path.abspath(a.init)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument('--pack', required=True)
    ap.add_argument('--init', required=True, help='model.json to start from (tfjs layers model)')
    ap.add_argument('--out', required=True)
    ap.add_argument('--minutes', type=float, default=7.0)
    ap.add_argument('--steps', type=int)
    ap.add_argument('--batch', type=int, default=128)
    ap.add_argument('--lr', type=float, default=1e-3)
    ap.add_argument('--final-lr-fraction', type=float, default=0.01)
    ap.add_argument('--warmup', type=int, default=300)
    ap.add_argument('--ema', type=float, default=0.999)
    ap.add_argument('--val', type=int, default=256, help='samples held out for validation')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--source-weights', default='', help='sampling weight per pack source, comma-separated [equal per sample]')
    ap.add_argument('--checkpoint-minutes', type=float, default=1.5)
    ap.add_argument('--log-seconds', type=float, default=15)
    ap.add_argument('--float16', action='store_true', help='write float16 weights')
    ap.add_argument('--cpu', action='store_true', help='run on the CPU (tests, CPU-only fine-tuning)')
    ap.add_argument('--threads', type=int, help='CPU threads for PyTorch [every core: some builds default to one]')
    ap.add_argument('--no-augment', action='store_true')
    ap.add_argument('--flip', type=float, default=0.0,
                    help='probability of a horizontal flip with mirrored targets, e.g. 0.5 [0 = off]; needs mirror.i32 in the pack')
    ap.add_argument('--any-roll', type=float, default=0.0,
                    help='probability of an in-plane rotation drawn from ±180° instead of ±45° (upside-down and lying faces) [0 = off]')
    ap.add_argument('--yaw-weights', default='',
                    help='DEG:W[,DEG:W…]: draw samples with |yaw| >= DEG W times as often within their source, e.g. 40:2.5 [off]')
    ap.add_argument('--freeze-bn', action='store_true',
                    help='keep BatchNorm statistics fixed (small-batch fine-tuning) [off: batch statistics, moving averages updated]')
    ap.add_argument('--resume', action='store_true',
                    help='continue from --out/state.pt when it exists (written at every checkpoint; the settings must match)')
    ap.add_argument('--micro-batch', type=int,
                    help='samples per forward/backward pass; gradients are accumulated over --batch (CPU memory) [--batch]')
    ap.add_argument('--stop-after-minutes', type=float,
                    help='end this invocation after M minutes with a checkpoint (continue later with --resume) [run to the end]')
    ap.add_argument('--placement-weight', type=float, default=0.0,
                    help='weight of an extra loss on the face\'s placement (the x, y error a 2D similarity removes) [0 = off]')
    ap.add_argument('--precision', default='auto', choices=('auto', 'float32', 'bfloat16'),
                    help='autocast of the training passes: bfloat16 is ×1.3–1.4 faster than float32 on CPUs with avx512_bf16 / amx_bf16 '
                         '[auto: bfloat16 on CUDA, float32 on the CPU]')
    a = ap.parse_args()

    device = torch.device('cpu' if a.cpu or not torch.cuda.is_available() else 'cuda')
    if device.type == 'cpu':
        prepare_cpu(a.threads)
    bf16 = use_bfloat16(a.precision, device.type)
    if bf16 and device.type == 'cpu' and not cpu_has_native_bf16():
        print('warning: --precision bfloat16 on a CPU without avx512_bf16 / amx_bf16: emulated, likely slower than float32', flush=True)
    t_start = time.time()
    torch.manual_seed(a.seed)
    gen = torch.Generator(device=device)
    gen.manual_seed(a.seed)
    if device.type == 'cuda':
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    pack = Pack(a.pack, device)
    conv = pack.meta['conventions']
    model = TfjsGraphModel.load(a.init).to(device)
    model = model.to(memory_format=torch.channels_last)  # NHWC activations: faster on CUDA and on the CPU (README)
    ema = copy.deepcopy(model).eval()
    for p in ema.parameters():
        p.requires_grad_(False)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    cfg = AugmentConfig(flip=0.0 if a.no_augment else a.flip, any_roll=a.any_roll)
    if not 0 <= cfg.flip <= 1:
        raise SystemExit(f'--flip must be a probability in [0, 1], got {a.flip}')
    if not 0 <= cfg.any_roll <= 1:
        raise SystemExit(f'--any-roll must be a probability in [0, 1], got {a.any_roll}')
    if not a.placement_weight >= 0:
        raise SystemExit(f'--placement-weight must be 0 or more, got {a.placement_weight}')
    if cfg.flip > 0 and pack.mirror is None:
        raise SystemExit(f'{a.pack} has no mirror.i32 (the UV layout\'s left-right map) for --flip: re-export the pairs with '
                         'this prnet-train and re-pack them, or pass --flip 0')

    # Validation: a fixed held-out set, plain crops.
    val_idx, train_idx = (idx.to(device) for idx in held_out_split(pack.n, a.val, a.seed))
    yaw_weights = parse_yaw_weights(a.yaw_weights)
    probs = sampling_probabilities(pack.source[train_idx], pack.abs_yaw[train_idx],
                                   [float(v) for v in a.source_weights.split(',')] if a.source_weights else [], yaw_weights)
    px = pack.size * conv['outputScale']
    micro_batch = a.batch if a.micro_batch is None else a.micro_batch
    chunks = micro_batches(a.batch, micro_batch)

    def evaluate(net) -> float:
        return held_out_rms(net, pack, val_idx, bfloat16=device.type == 'cuda')

    os.makedirs(a.out, exist_ok=True)
    log_path = os.path.join(a.out, 'train-log.jsonl')
    state_path = os.path.join(a.out, 'state.pt')
    settings = run_settings(a)
    budget = a.minutes * 60 - (time.time() - t_start) - 20  # leave time for the final save
    step, trained_seconds = 0, 0.0
    if a.resume and os.path.exists(state_path):
        state = torch.load(state_path, map_location=device)
        saved = {'yaw_weights': '', 'placement_weight': 0.0, **state['settings']}  # written before these options existed: off
        changed = {k: (saved.get(k), v) for k, v in settings.items() if saved.get(k) != v}
        if changed:
            raise SystemExit(f'--resume: {state_path} was written by a run with other settings ('
                             + ', '.join(f'{k}: {old!r} there, {new!r} now' for k, (old, new) in changed.items())
                             + '); pass the same settings, or another --out for a new run')
        model.load_state_dict(state['model'])
        ema.load_state_dict(state['ema'])
        opt.load_state_dict(state['optimizer'])
        gen.set_state(state['generator'].to('cpu'))
        step, trained_seconds, budget = state['step'], state['trainSeconds'], state['budgetSeconds']
    log = open(log_path, 'a')
    start_val = evaluate(model)
    print(f'device {device} ({torch.cuda.get_device_name() if device.type == "cuda" else "cpu"}), {pack.n} samples '
          f'({len(val_idx)} validation), {"bfloat16" if bf16 else "float32"} training passes, init {a.init}' + (f', resumed at step {step}' if step else '')
          + f': validation RMS {start_val:.3f} px', flush=True)
    log.write(json.dumps({'step': step, 'valRmsPx': start_val, **({'resumed': True} if step else {})}) + '\n')

    def save(final: bool, step: int, loss_px: float, seconds: float) -> None:
        with torch.no_grad():  # the EMA network uses the live network's BatchNorm statistics
            for be, bm in zip(ema.buffers(), model.buffers()):
                be.copy_(bm)
        record = {
            'trainer': 'prnet_gpu (PyTorch)', 'device': torch.cuda.get_device_name() if device.type == 'cuda' else 'cpu',
            'init': os.path.abspath(a.init), 'steps': step, 'batchSize': a.batch, 'samplesSeen': step * a.batch,
            'microBatch': micro_batch, 'learningRate': a.lr, 'ema': a.ema, 'flip': cfg.flip, 'anyRoll': cfg.any_roll, 'yawWeights': yaw_weights, 'freezeBatchNorm': a.freeze_bn, 'placementWeight': a.placement_weight, 'precision': 'bfloat16' if bf16 else 'float32', 'trainSeconds': seconds, 'finalLossRmsPx': loss_px,
            'pack': {k: pack.meta[k] for k in ('count', 'sources', 'pca') if k in pack.meta},
            'validation': {'samples': len(val_idx), 'modelRmsPx': evaluate(model), 'emaRmsPx': evaluate(ema)},
            'final': final,
        }
        train_mode(model, a.freeze_bn)
        for name, net in (('model', model), ('ema', ema)):
            net.save(os.path.join(a.out, name), {'trained': True, 'description': f'prnet-light fine-tuned by prnet_gpu for {step} steps ({name})', 'training': record}, float16=a.float16)
        snapshot = {'settings': settings, 'step': step, 'trainSeconds': seconds, 'budgetSeconds': budget,
                    'model': model.state_dict(), 'ema': ema.state_dict(), 'optimizer': opt.state_dict(),
                    'generator': gen.get_state()}
        torch.save(snapshot, state_path + '.tmp')
        os.replace(state_path + '.tmp', state_path)  # a kill while writing leaves the previous state
        log.write(json.dumps({'checkpoint': step, **record['validation']}) + '\n')
        log.flush()
        print(f'saved step {step}: validation RMS model {record["validation"]["modelRmsPx"]:.3f} px, '
              f'EMA {record["validation"]["emaRmsPx"]:.3f} px', flush=True)

    # SIGTERM / SIGINT (kill, Ctrl-C): finish the step, write a checkpoint, exit (continue with --resume).
    stop_requests: list = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda signum, _frame: stop_requests.append(signum))
    ema_params = list(ema.parameters())
    model_params = [p.detach() for p in model.parameters()]
    t0 = time.time() - trained_seconds
    first_step = step
    last_log = last_ckpt = time.time()
    ema_loss = None
    train_mode(model, a.freeze_bn)
    while True:
        elapsed = time.time() - t0
        progress = step / a.steps if a.steps else elapsed / budget
        if progress >= 1:
            break
        timed_out = a.stop_after_minutes is not None and step > first_step and time.time() - t_start >= a.stop_after_minutes * 60
        if timed_out or stop_requests:
            save(False, step, math.sqrt(ema_loss or 0) * px, time.time() - t0)
            log.close()
            why = f'--stop-after-minutes {a.stop_after_minutes:g}' if timed_out else signal.Signals(stop_requests[0]).name
            print(f'stopped at step {step} after {why}: run the same command with --resume to continue', flush=True)
            return
        lr = a.lr * min(1.0, (step + 1) / a.warmup) * (a.final_lr_fraction + (1 - a.final_lr_fraction) * 0.5 * (1 + math.cos(math.pi * progress)))
        for g in opt.param_groups:
            g['lr'] = lr
        index = train_idx[torch.multinomial(probs, a.batch, replacement=True, generator=gen)]
        images, targets = pack.batch(index)
        if not a.no_augment:
            if cfg.flip > 0:
                flip = torch.rand(len(index), generator=gen, device=device) < cfg.flip
                images, targets = flip_horizontal(images, targets, flip, pack.mirror, conv['outputScale'], conv['outputOffset'])
            angle, scale, dx, dy = similarity(len(index), cfg, gen, device)
            images = photometric(warp_images(images, angle, scale, dx, dy), cfg, gen)
            targets = warp_targets(targets, angle, scale, dx, dy, pack.size, conv['outputScale'], conv['outputOffset'], conv['cropDepthCentre'])
        x = images.permute(0, 2, 3, 1).contiguous()  # NHWC in memory: the channels_last input the network reads
        opt.zero_grad(set_to_none=True)
        loss = torch.zeros((), device=device)
        for c0, c1 in chunks:  # the batch's mean loss: each chunk's mean weighted by its share
            with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=bf16):
                pred = model(x[c0:c1])
            share = (c1 - c0) / a.batch
            part = position_map_loss(pred.float(), targets[c0:c1], pack.weights) * share
            if a.placement_weight > 0:
                (part + a.placement_weight * share * placement_loss(pred.float(), targets[c0:c1], pack.weights)).backward()
            else:
                part.backward()
            loss += part.detach()
        opt.step()
        with torch.no_grad():
            torch._foreach_mul_(ema_params, a.ema)
            torch._foreach_add_(ema_params, model_params, alpha=1 - a.ema)
        step += 1
        lv = float(loss) if step % 20 == 0 or step < 5 else None
        if lv is not None:
            ema_loss = lv if ema_loss is None else 0.9 * ema_loss + 0.1 * lv
        now = time.time()
        if now - last_log >= a.log_seconds and ema_loss is not None:
            rate = step * a.batch / (now - t0)
            left = (a.steps - step) * a.batch / rate if a.steps else budget - (now - t0)
            print(f'step {step} · loss {math.sqrt(ema_loss) * px:.3f} px RMS · lr {lr:.2e} · {rate:.0f} samples/s · '
                  f'elapsed {now - t0:.0f}s · ETA {max(left, 0):.0f}s', flush=True)
            log.write(json.dumps({'step': step, 'lossRmsPx': math.sqrt(ema_loss) * px, 'lr': lr, 'samplesPerSecond': rate}) + '\n')
            last_log = now
        if now - last_ckpt >= a.checkpoint_minutes * 60:
            save(False, step, math.sqrt(ema_loss or 0) * px, now - t0)
            last_ckpt = time.time()
    save(True, step, math.sqrt(ema_loss or 0) * px, time.time() - t0)
    log.close()


if __name__ == '__main__':
    main()
