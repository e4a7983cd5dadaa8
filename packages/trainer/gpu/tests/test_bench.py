import os
import re
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
GPU_DIR = os.path.dirname(HERE)


class BenchTest(unittest.TestCase):
    def test_prints_the_three_rows_against_the_float32_baseline(self):
        env = dict(os.environ, PYTHONPATH=GPU_DIR)
        out = subprocess.run([sys.executable, '-m', 'prnet_gpu.bench', '--batch', '2', '--steps', '1', '--threads', '1', '--cpu'],
                             cwd=GPU_DIR, env=env, capture_output=True, text=True, check=True).stdout
        self.assertRegex(out, r'training step, default \([\d,]+ parameters\), batch 2 of 128²')
        rows = re.findall(r'^(float32|bfloat16), (NCHW|channels_last) +([\d.]+) s/step +([\d.]+) samples/s +×([\d.]+)(  \[baseline\])?$',
                          out, re.M)
        self.assertEqual([(r[0], r[1]) for r in rows], [('float32', 'NCHW'), ('float32', 'channels_last'), ('bfloat16', 'channels_last')])
        self.assertEqual((rows[0][4], rows[0][5]), ('1.00', '  [baseline]'))
        for _, _, seconds, rate, ratio, _ in rows:
            self.assertGreater(float(seconds), 0)
            self.assertAlmostEqual(float(rate), 2 / float(seconds), delta=0.05 * float(rate) + 0.1)
            self.assertAlmostEqual(float(ratio), float(rows[0][2]) / float(seconds), delta=0.02 * float(ratio) + 0.01)
        with self.assertRaises(subprocess.CalledProcessError):
            subprocess.run([sys.executable, '-m', 'prnet_gpu.bench', '--steps', '0'], cwd=GPU_DIR, env=env, capture_output=True, check=True)


if __name__ == '__main__':
    unittest.main()
