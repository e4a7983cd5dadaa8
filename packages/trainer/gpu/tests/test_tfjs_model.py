import os
import tempfile
import unittest

import numpy as np
import torch

from prnet_gpu.tfjs_model import TfjsGraphModel, _same_padding, upsample2x_bilinear_legacy

DEFAULT_MODEL = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'core', 'assets', 'models', 'default', 'model.json')


class TfjsModelTest(unittest.TestCase):
    def test_same_padding_puts_the_odd_pixel_after(self):
        self.assertEqual(_same_padding(128, 3, 2), (0, 1))
        self.assertEqual(_same_padding(128, 3, 1), (1, 1))
        self.assertEqual(_same_padding(64, 1, 1), (0, 0))
        self.assertEqual(_same_padding(5, 3, 2), (1, 1))

    def test_bilinear_upsampling_samples_input_i_over_2(self):
        x = torch.tensor([[1.0, 3.0, 7.0]]).reshape(1, 1, 1, 3).expand(1, 1, 2, 3).contiguous()
        y = upsample2x_bilinear_legacy(x)
        self.assertEqual(tuple(y.shape), (1, 1, 4, 6))
        np.testing.assert_allclose(y[0, 0, 0].numpy(), [1, 2, 3, 5, 7, 7])
        np.testing.assert_allclose(y[0, 0, :, 1].numpy(), [2, 2, 2, 2])

    def test_save_and_load_round_trip(self):
        model = TfjsGraphModel.load(DEFAULT_MODEL).eval()
        x = torch.rand(2, 128, 128, 3, generator=torch.Generator().manual_seed(0))
        with torch.no_grad():
            want = model(x)
        with tempfile.TemporaryDirectory() as tmp:
            model.save(os.path.join(tmp, 'f32'), {'trained': True, 'description': 'round trip'})
            again = TfjsGraphModel.load(os.path.join(tmp, 'f32', 'model.json')).eval()
            with torch.no_grad():
                np.testing.assert_array_equal(again(x).numpy(), want.numpy())
            self.assertEqual(again.model_json['userDefinedMetadata']['prnet']['description'], 'round trip')
            model.save(os.path.join(tmp, 'f16'), float16=True)
            half = TfjsGraphModel.load(os.path.join(tmp, 'f16', 'model.json')).eval()
            with torch.no_grad():
                self.assertLess(float((half(x) - want).abs().max()), 2e-3)
            self.assertLess(os.path.getsize(os.path.join(tmp, 'f16', 'model.weights.bin')),
                            0.51 * os.path.getsize(os.path.join(tmp, 'f32', 'model.weights.bin')))

    def test_gradients_reach_every_trainable_weight(self):
        model = TfjsGraphModel.load(DEFAULT_MODEL).train()
        x = torch.rand(2, 128, 128, 3, generator=torch.Generator().manual_seed(1))
        model(x).mean().backward()
        missing = [n for n, p in model.named_parameters() if p.grad is None or not torch.isfinite(p.grad).all()]
        self.assertEqual(missing, [])


if __name__ == '__main__':
    unittest.main()
