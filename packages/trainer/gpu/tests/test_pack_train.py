import io
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import torch
from PIL import Image

from prnet_gpu.train import Pack, held_out_split, micro_batches, parse_yaw_weights, sampling_probabilities, use_bfloat16
from prnet_gpu.tfjs_model import TfjsGraphModel

HERE = os.path.dirname(os.path.abspath(__file__))
GPU_DIR = os.path.dirname(HERE)
DEFAULT_MODEL = os.path.join(GPU_DIR, '..', '..', 'core', 'assets', 'models', 'default', 'model.json')


def write_pairs(folder, count, seed, size=128, r=128, mirror=True):
    """A prnet-pairs folder with rank-4 targets (so a 6-component PCA is exact) and noise JPEGs."""
    rng = np.random.default_rng(seed)
    os.makedirs(folder)
    weights = np.zeros((r, r), dtype='<f4')
    weights[16:112, 16:112] = 3
    weights[60:70, 60:70] = 16
    defined = np.repeat((weights > 0).reshape(-1), 3)
    shared = np.random.default_rng(99).uniform(0.3, 0.7, size=(5, r * r * 3)).astype(np.float32)
    coeffs = rng.normal(size=(count, 4)).astype(np.float32) * 0.05
    targets = (shared[0] + coeffs @ shared[1:]) * defined
    targets.astype('<f2').tofile(os.path.join(folder, 'targets.f16'))
    weights.tofile(os.path.join(folder, 'weights.f32'))
    if mirror:  # column x ↔ r − 1 − x inside the weighted square (symmetric about the centre)
        ys, xs = np.meshgrid(np.arange(r), np.arange(r), indexing='ij')
        m = np.where(weights > 0, ys * r + (r - 1 - xs), -1).astype('<i4')
        m.tofile(os.path.join(folder, 'mirror.i32'))
    offsets, blob = [0], bytearray()
    for _ in range(count):
        buf = io.BytesIO()
        Image.fromarray(rng.integers(0, 255, size=(size, size, 3), dtype=np.uint8)).save(buf, format='JPEG', quality=90)
        blob += buf.getvalue()
        offsets.append(len(blob))
    with open(os.path.join(folder, 'images.bin'), 'wb') as f:
        f.write(bytes(blob))
    np.array(offsets, dtype='<u4').tofile(os.path.join(folder, 'images.idx'))
    np.stack([np.zeros(count), rng.uniform(0, 90, count)], 1).astype('<f4').tofile(os.path.join(folder, 'samples.f32'))
    meta = {'format': 'prnet-pairs', 'version': 1, 'count': count, 'inputSize': size, 'uvResolution': r, 'jpegQuality': 90,
            'conventions': {'outputScale': 1.5, 'outputOffset': 0.25, 'cropDepthCentre': 0.5},
            'sources': [{'dir': folder, 'kind': 'test', 'count': count, 'licence': 'test'}]}
    with open(os.path.join(folder, 'pairs.json'), 'w') as f:
        json.dump(meta, f)
    return targets


def run(*args):
    env = dict(os.environ, PYTHONPATH=GPU_DIR)
    return subprocess.run([sys.executable, '-m', *args], cwd=GPU_DIR, env=env, capture_output=True, text=True, check=True)


class PackTrainTest(unittest.TestCase):
    def test_pack_merges_folders_and_reproduces_targets(self):
        with tempfile.TemporaryDirectory() as tmp:
            a = write_pairs(os.path.join(tmp, 'a'), 6, 1)
            b = write_pairs(os.path.join(tmp, 'b'), 5, 2)  # packed as b:4
            out = run('prnet_gpu.pack', '--pairs', f'{tmp}/a,{tmp}/b:4', '--out', f'{tmp}/pack', '--components', '6').stdout
            report = json.loads(out.strip().splitlines()[-1])
            self.assertEqual(report['count'], 10)
            self.assertLess(report['rmsErrorPx'], 0.05)
            pack = Pack(f'{tmp}/pack', 'cpu')
            self.assertEqual(pack.n, 10)
            self.assertEqual(pack.source.tolist(), [0] * 6 + [1] * 4)
            images, targets = pack.batch(torch.tensor([0, 7]))
            self.assertEqual(tuple(images.shape), (2, 3, 128, 128))
            want = np.stack([a[0], b[1]]).reshape(2, 128, 128, 3)
            self.assertLess(float(np.abs(targets.numpy() - want).max()), 2e-3)
            self.assertEqual(float(targets[0, 0, 0].abs().sum()), 0.0)

    def test_pack_can_reencode_the_images_smaller(self):
        with tempfile.TemporaryDirectory() as tmp:
            write_pairs(os.path.join(tmp, 'a'), 6, 4)
            run('prnet_gpu.pack', '--pairs', f'{tmp}/a', '--out', f'{tmp}/same', '--components', '6')
            run('prnet_gpu.pack', '--pairs', f'{tmp}/a:5', '--out', f'{tmp}/small', '--components', '4', '--jpeg-quality', '30')
            self.assertLess(os.path.getsize(f'{tmp}/small/images.bin'), 0.8 * os.path.getsize(f'{tmp}/same/images.bin') * 5 / 6)
            with open(f'{tmp}/small/pack.json') as f:
                meta = json.load(f)
            self.assertEqual((meta['count'], meta['jpegQuality'], meta['jpegReencodedFrom']), (5, 30, 90))
            same, small = Pack(f'{tmp}/same', 'cpu'), Pack(f'{tmp}/small', 'cpu')
            ia, ta = same.batch(torch.tensor([0, 1, 4]))
            ib, tb = small.batch(torch.tensor([0, 1, 4]))
            self.assertLess(float((ta - tb).abs().max()), 2e-3)  # the same targets (two PCA fits)
            # Each re-encoded image is much closer to its own original than to another one.
            for k in range(3):
                own = float((ib[k] - ia[k]).abs().mean())
                other = float((ib[k] - ia[(k + 1) % 3]).abs().mean())
                self.assertLess(own, 0.5 * other)
            with self.assertRaises(subprocess.CalledProcessError):
                run('prnet_gpu.pack', '--pairs', f'{tmp}/a', '--out', f'{tmp}/bad', '--jpeg-quality', '0')
            # WebP: smaller still at a higher quality, read back by the same loader.
            run('prnet_gpu.pack', '--pairs', f'{tmp}/a:5', '--out', f'{tmp}/webp', '--components', '4', '--webp-quality', '60')
            with open(f'{tmp}/webp/pack.json') as f:
                meta = json.load(f)
            self.assertEqual((meta['imageFormat'], meta['webpQuality'], meta['jpegReencodedFrom']), ('webp', 60, 90))
            with open(f'{tmp}/webp/images.bin', 'rb') as f:
                self.assertEqual(f.read(12)[8:], b'WEBP')
            iw, _ = Pack(f'{tmp}/webp', 'cpu').batch(torch.tensor([0, 1, 4]))
            for k in range(3):
                self.assertLess(float((iw[k] - ia[k]).abs().mean()), 0.5 * float((iw[k] - ia[(k + 1) % 3]).abs().mean()))
            with self.assertRaises(subprocess.CalledProcessError):
                run('prnet_gpu.pack', '--pairs', f'{tmp}/a', '--out', f'{tmp}/bad', '--jpeg-quality', '50', '--webp-quality', '50')

    def test_training_on_the_cpu_writes_models_core_can_load(self):
        with tempfile.TemporaryDirectory() as tmp:
            write_pairs(os.path.join(tmp, 'a'), 12, 3)
            run('prnet_gpu.pack', '--pairs', f'{tmp}/a', '--out', f'{tmp}/pack', '--components', '6')
            log = run('prnet_gpu.train', '--pack', f'{tmp}/pack', '--init', DEFAULT_MODEL, '--out', f'{tmp}/out', '--steps', '3',
                      '--batch', '4', '--val', '4', '--cpu', '--log-seconds', '0', '--lr', '1e-4', '--flip', '0.5',
                      '--yaw-weights', '45:2').stdout
            self.assertIn('saved step 3', log)
            for name in ('model', 'ema'):
                model = TfjsGraphModel.load(f'{tmp}/out/{name}/model.json')
                meta = model.model_json['userDefinedMetadata']['prnet']
                self.assertEqual(meta['training']['steps'], 3)
                self.assertEqual(meta['training']['trainer'], 'prnet_gpu (PyTorch)')
                self.assertTrue(meta['trained'])
            self.assertEqual(meta['training']['flip'], 0.5)
            self.assertEqual(meta['training']['yawWeights'], [[45.0, 2.0]])
            lines = [json.loads(l) for l in open(f'{tmp}/out/train-log.jsonl')]
            self.assertEqual(lines[-1]['checkpoint'], 3)

    def test_freeze_bn_keeps_the_stored_statistics_and_trains_the_rest(self):
        with tempfile.TemporaryDirectory() as tmp:
            write_pairs(os.path.join(tmp, 'a'), 8, 5)
            run('prnet_gpu.pack', '--pairs', f'{tmp}/a', '--out', f'{tmp}/pack', '--components', '6')
            args = ['prnet_gpu.train', '--pack', f'{tmp}/pack', '--init', DEFAULT_MODEL, '--steps', '2', '--batch', '4',
                    '--val', '2', '--cpu', '--log-seconds', '0', '--lr', '1e-3', '--warmup', '1']
            run(*args, '--out', f'{tmp}/frozen', '--freeze-bn')
            run(*args, '--out', f'{tmp}/live')
            init = TfjsGraphModel.load(DEFAULT_MODEL)

            def changed(path, kind):
                net = TfjsGraphModel.load(path)
                tensors = dict(net.named_buffers() if kind == 'buffers' else net.named_parameters())
                ref = dict(init.named_buffers() if kind == 'buffers' else init.named_parameters())
                keys = [k for k in ref if ('running' in k) == (kind == 'buffers') and ('running' in k or k.endswith('.weight'))]
                self.assertGreater(len(keys), 10)
                return max(float((tensors[k] - ref[k]).abs().max()) for k in keys)

            for name in ('model', 'ema'):
                self.assertEqual(changed(f'{tmp}/frozen/{name}/model.json', 'buffers'), 0.0)
                self.assertGreater(changed(f'{tmp}/live/{name}/model.json', 'buffers'), 1e-4)
            self.assertGreater(changed(f'{tmp}/frozen/model/model.json', 'parameters'), 1e-4)
            with open(f'{tmp}/frozen/model/model.json') as f:
                self.assertTrue(json.load(f)['userDefinedMetadata']['prnet']['training']['freezeBatchNorm'])

    def test_micro_batches_accumulate_to_the_whole_batch_step(self):
        self.assertEqual(micro_batches(5, 2), [(0, 2), (2, 4), (4, 5)])
        self.assertEqual(micro_batches(4, 8), [(0, 4)])
        with self.assertRaises(SystemExit):
            micro_batches(4, 0)
        with tempfile.TemporaryDirectory() as tmp:
            write_pairs(os.path.join(tmp, 'a'), 10, 8)
            run('prnet_gpu.pack', '--pairs', f'{tmp}/a', '--out', f'{tmp}/pack', '--components', '6')
            # Frozen BatchNorm: a micro-batch's forward pass does not depend on the others, so the
            # accumulated gradient is the whole batch's and both runs take the same steps.
            args = ['prnet_gpu.train', '--pack', f'{tmp}/pack', '--init', DEFAULT_MODEL, '--steps', '2', '--batch', '4',
                    '--val', '2', '--cpu', '--threads', '1', '--log-seconds', '0', '--lr', '1e-3', '--warmup', '1',
                    '--freeze-bn', '--seed', '3']
            run(*args, '--out', f'{tmp}/whole')
            run(*args, '--out', f'{tmp}/micro', '--micro-batch', '3')
            init = TfjsGraphModel.load(DEFAULT_MODEL).state_dict()
            whole = TfjsGraphModel.load(f'{tmp}/whole/model/model.json')
            micro = TfjsGraphModel.load(f'{tmp}/micro/model/model.json')
            self.assertEqual(micro.model_json['userDefinedMetadata']['prnet']['training']['microBatch'], 3)
            self.assertEqual(whole.model_json['userDefinedMetadata']['prnet']['training']['microBatch'], 4)
            w, m = whole.state_dict(), micro.state_dict()
            # (Adam's first steps are about ±lr for every weight, so a gradient within rounding of
            # zero may move either way: compare the whole displacement, not the largest entry.)
            moved = sum(float(((w[k].float() - init[k].float()) ** 2).sum()) for k in w) ** 0.5
            apart = sum(float(((w[k].float() - m[k].float()) ** 2).sum()) for k in w) ** 0.5
            self.assertGreater(moved, 0.1)
            self.assertLess(apart, moved * 0.01)

    def test_bfloat16_passes_on_the_cpu_give_the_float32_loss_to_within_bfloat16_rounding(self):
        self.assertEqual((use_bfloat16('auto', 'cuda'), use_bfloat16('auto', 'cpu')), (True, False))
        self.assertEqual((use_bfloat16('bfloat16', 'cpu'), use_bfloat16('float32', 'cuda')), (True, False))
        with self.assertRaises(SystemExit):
            use_bfloat16('half', 'cpu')
        with tempfile.TemporaryDirectory() as tmp:
            write_pairs(os.path.join(tmp, 'a'), 10, 8)
            run('prnet_gpu.pack', '--pairs', f'{tmp}/a', '--out', f'{tmp}/pack', '--components', '6')
            args = ['prnet_gpu.train', '--pack', f'{tmp}/pack', '--init', DEFAULT_MODEL, '--steps', '2', '--batch', '4',
                    '--val', '2', '--cpu', '--threads', '1', '--log-seconds', '0', '--lr', '1e-3', '--warmup', '1', '--seed', '3']
            out = {}
            for precision in ('float32', 'bfloat16'):
                printed = run(*args, '--out', f'{tmp}/{precision}', '--precision', precision).stdout
                self.assertIn(f'{precision} training passes', printed)
                with open(f'{tmp}/{precision}/model/model.json') as f:
                    self.assertEqual(json.load(f)['userDefinedMetadata']['prnet']['training']['precision'], precision)
                with open(f'{tmp}/{precision}/train-log.jsonl') as f:
                    rows = [json.loads(line) for line in f]
                # The first step's loss: the same weights and samples, only the passes' precision differs.
                out[precision] = next(r['lossRmsPx'] for r in rows if r.get('step') == 1 and 'lossRmsPx' in r)
            gap = abs(out['bfloat16'] - out['float32']) / out['float32']
            self.assertGreater(gap, 1e-6)  # bfloat16 was used (8 bits of mantissa)
            self.assertLess(gap, 0.02)     # and gives the same loss to within its rounding

    def test_a_run_stopped_and_resumed_ends_where_an_uninterrupted_one_does(self):
        with tempfile.TemporaryDirectory() as tmp:
            write_pairs(os.path.join(tmp, 'a'), 10, 6)
            run('prnet_gpu.pack', '--pairs', f'{tmp}/a', '--out', f'{tmp}/pack', '--components', '6')
            args = ['prnet_gpu.train', '--pack', f'{tmp}/pack', '--init', DEFAULT_MODEL, '--steps', '3', '--batch', '3',
                    '--val', '2', '--cpu', '--threads', '1', '--log-seconds', '0', '--lr', '1e-3', '--warmup', '2',
                    '--flip', '0.5', '--seed', '4']
            run(*args, '--out', f'{tmp}/whole')
            # One step per invocation: stopped after steps 1 and 2, the third run finishes.
            first = run(*args, '--out', f'{tmp}/parts', '--stop-after-minutes', '0').stdout
            self.assertIn('stopped at step 1', first)
            second = run(*args, '--out', f'{tmp}/parts', '--stop-after-minutes', '0', '--resume').stdout
            self.assertIn('resumed at step 1', second)
            self.assertIn('stopped at step 2', second)
            third = run(*args, '--out', f'{tmp}/parts', '--stop-after-minutes', '0', '--resume').stdout
            self.assertIn('saved step 3', third)
            self.assertNotIn('stopped', third)
            for name in ('model', 'ema'):
                whole = TfjsGraphModel.load(f'{tmp}/whole/{name}/model.json').state_dict()
                parts = TfjsGraphModel.load(f'{tmp}/parts/{name}/model.json').state_dict()
                init = TfjsGraphModel.load(DEFAULT_MODEL).state_dict()
                key = next(k for k in whole if k.endswith('.weight') and whole[k].dim() == 4)
                self.assertGreater(float((whole[key] - init[key]).abs().max()), 1e-4 if name == 'model' else 1e-7)  # it trained
                for k in whole:
                    self.assertLess(float((whole[k].float() - parts[k].float()).abs().max()), 1e-6, f'{name} {k}')
            # Without --resume the state is ignored (a new run); with other settings, refused.
            with self.assertRaises(subprocess.CalledProcessError) as failed:
                run(*[v if v != '1e-3' else '2e-3' for v in args], '--out', f'{tmp}/parts', '--resume')
            self.assertIn("lr: 0.001 there, 0.002 now", failed.exception.stderr)
            # A state written before --yaw-weights existed resumes as a run without it.
            state = torch.load(f'{tmp}/parts/state.pt')
            del state['settings']['yaw_weights']
            state['step'] = 2
            torch.save(state, f'{tmp}/parts/state.pt')
            self.assertIn('resumed at step 2', run(*args, '--out', f'{tmp}/parts', '--resume').stdout)
            with self.assertRaises(subprocess.CalledProcessError) as failed:
                run(*args, '--out', f'{tmp}/parts', '--resume', '--yaw-weights', '40:2')
            self.assertIn("yaw_weights: '' there, '40:2' now", failed.exception.stderr)

    def test_sigterm_writes_a_checkpoint_that_resume_continues(self):
        with tempfile.TemporaryDirectory() as tmp:
            write_pairs(os.path.join(tmp, 'a'), 8, 9)
            run('prnet_gpu.pack', '--pairs', f'{tmp}/a', '--out', f'{tmp}/pack', '--components', '6')
            args = ['prnet_gpu.train', '--pack', f'{tmp}/pack', '--init', DEFAULT_MODEL, '--steps', '100000', '--batch', '2',
                    '--val', '2', '--cpu', '--threads', '1', '--log-seconds', '0', '--checkpoint-minutes', '100',
                    '--out', f'{tmp}/out']
            env = dict(os.environ, PYTHONPATH=GPU_DIR, PYTHONUNBUFFERED='1')
            proc = subprocess.Popen([sys.executable, '-m', *args], cwd=GPU_DIR, env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)
            for line in proc.stdout:  # training has begun once a step is logged
                if line.startswith('step '):
                    break
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=120)
            self.assertEqual(proc.returncode, 0, err)
            stopped = re.search(r'stopped at step (\d+) after SIGTERM', out)
            self.assertIsNotNone(stopped, out)
            step = int(stopped.group(1))
            self.assertGreater(step, 0)
            self.assertEqual(torch.load(f'{tmp}/out/state.pt')['step'], step)
            resumed = run(*args, '--resume', '--stop-after-minutes', '0').stdout
            self.assertIn(f'resumed at step {step}', resumed)
            self.assertIn(f'stopped at step {step + 1} after --stop-after-minutes 0', resumed)

    def test_yaw_weights_oversample_profiles_inside_each_source(self):
        # Source 0: 6 samples, 2 of them past 40° (1 past 60°); source 1: 4 samples, 2 past 40° (1 past 60°).
        source = torch.tensor([0, 0, 0, 0, 0, 0, 1, 1, 1, 1])
        yaw = torch.tensor([0., 10, 20, 30, 45, 80, 5, 15, 50, 70])
        p = sampling_probabilities(source, yaw, [3.0, 1.0], parse_yaw_weights('40:2,60:4'))
        share = lambda mask: float(p[mask].sum() / p.sum())
        self.assertAlmostEqual(share(source == 0), 0.75, places=6)  # the sources keep their 3 : 1
        self.assertAlmostEqual(share(source == 1), 0.25, places=6)
        # Inside source 0: weights 1,1,1,1,2,4 → the 80° face is drawn 4 times as often as a frontal one.
        self.assertAlmostEqual(float(p[5] / p[0]), 4.0, places=5)
        self.assertAlmostEqual(float(p[4] / p[0]), 2.0, places=5)
        self.assertAlmostEqual(float(p[9] / p[6]), 4.0, places=5)
        # Without source weights the sources keep the share of their size.
        q = sampling_probabilities(source, yaw, [], parse_yaw_weights('40:2'))
        self.assertAlmostEqual(float(q[source == 0].sum() / q.sum()), 0.6, places=6)
        self.assertAlmostEqual(float(q[5] / q[0]), 2.0, places=5)
        # Neither: every sample equally; source weights alone as before (weight / count).
        self.assertTrue(torch.equal(sampling_probabilities(source, yaw, [], []), torch.ones(10)))
        r = sampling_probabilities(source, yaw, [3.0, 1.0], [])
        self.assertTrue(torch.allclose(r, torch.tensor([0.5] * 6 + [0.25] * 4)))
        self.assertEqual(parse_yaw_weights('60:3, 40:2'), [(40.0, 2.0), (60.0, 3.0)])
        for bad in ('40', '40:0', 'x:2', '200:2'):
            with self.assertRaises(SystemExit):
                parse_yaw_weights(bad)
        with self.assertRaises(SystemExit):
            sampling_probabilities(source, yaw, [1.0], [])

    def test_placement_weight_changes_the_steps_not_the_logged_loss(self):
        with tempfile.TemporaryDirectory() as tmp:
            write_pairs(os.path.join(tmp, 'a'), 8, 6)
            run('prnet_gpu.pack', '--pairs', f'{tmp}/a', '--out', f'{tmp}/pack', '--components', '6')
            args = ['prnet_gpu.train', '--pack', f'{tmp}/pack', '--init', DEFAULT_MODEL, '--steps', '2', '--batch', '4',
                    '--val', '2', '--cpu', '--threads', '1', '--log-seconds', '0', '--lr', '1e-3', '--warmup', '1', '--seed', '4']
            run(*args, '--out', f'{tmp}/plain')
            run(*args, '--out', f'{tmp}/placed', '--placement-weight', '5')
            plain = TfjsGraphModel.load(f'{tmp}/plain/model/model.json')
            placed = TfjsGraphModel.load(f'{tmp}/placed/model/model.json')
            self.assertEqual(placed.model_json['userDefinedMetadata']['prnet']['training']['placementWeight'], 5.0)
            self.assertEqual(plain.model_json['userDefinedMetadata']['prnet']['training']['placementWeight'], 0.0)
            p, q = plain.state_dict(), placed.state_dict()
            apart = sum(float(((p[k].float() - q[k].float()) ** 2).sum()) for k in p) ** 0.5
            self.assertGreater(apart, 1e-3)

            def first_loss(out):
                return next(l['lossRmsPx'] for l in map(json.loads, open(f'{tmp}/{out}/train-log.jsonl')) if 'lossRmsPx' in l)
            # The first step's loss is taken before any update, on the same batch: the logged loss is
            # the plain position-map loss in both runs.
            self.assertAlmostEqual(first_loss('plain'), first_loss('placed'), places=4)
            with self.assertRaises(subprocess.CalledProcessError) as failed:
                run(*args, '--out', f'{tmp}/bad', '--placement-weight', '-1')
            self.assertIn('--placement-weight', failed.exception.stderr)
            with self.assertRaises(subprocess.CalledProcessError) as failed:  # a resume must keep the weight
                run(*args, '--out', f'{tmp}/placed', '--placement-weight', '2', '--resume')
            self.assertIn('placement_weight', failed.exception.stderr)

    def test_the_held_out_split_is_a_seeded_partition(self):
        val, train = held_out_split(50, 8, seed=7)
        self.assertEqual((len(val), len(train)), (8, 42))
        self.assertEqual(sorted(torch.cat([val, train]).tolist()), list(range(50)))
        again, _ = held_out_split(50, 8, seed=7)
        self.assertTrue(torch.equal(val, again))
        other, _ = held_out_split(50, 8, seed=8)
        self.assertFalse(torch.equal(val, other))

    def test_flip_needs_the_mirror_map(self):
        with tempfile.TemporaryDirectory() as tmp:
            write_pairs(os.path.join(tmp, 'a'), 8, 4, mirror=False)
            run('prnet_gpu.pack', '--pairs', f'{tmp}/a', '--out', f'{tmp}/pack', '--components', '6')
            self.assertFalse(os.path.exists(f'{tmp}/pack/mirror.i32'))
            args = ['prnet_gpu.train', '--pack', f'{tmp}/pack', '--init', DEFAULT_MODEL, '--steps', '1', '--batch', '2',
                    '--val', '2', '--cpu', '--log-seconds', '0']
            with self.assertRaises(subprocess.CalledProcessError) as failed:
                run(*args, '--out', f'{tmp}/out', '--flip', '0.5')
            self.assertIn('mirror.i32', failed.exception.stderr)
            log = run(*args, '--out', f'{tmp}/out2').stdout  # the flip is off by default
            self.assertIn('saved step 1', log)


if __name__ == '__main__':
    unittest.main()
