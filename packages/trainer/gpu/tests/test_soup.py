import copy
import os
import tempfile
import unittest

import numpy as np
import torch

from prnet_gpu.soup import _padded, average_models
from prnet_gpu.tfjs_model import ModelFormatError, TfjsGraphModel, graph_config

DEFAULT_MODEL = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'core', 'assets', 'models', 'default', 'model.json')


def scaled(model: TfjsGraphModel, factor: torch.Tensor | float, seed: int) -> TfjsGraphModel:
    """A copy whose floating state entries are multiplied by (1 + factor · noise), noise in [−1, 1]."""
    out = copy.deepcopy(model)
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for v in out.state_dict().values():
            if v.is_floating_point():
                v.mul_(1 + factor * (2 * torch.rand(v.shape, generator=gen) - 1))
    return out


def with_coordinate_channels(model: TfjsGraphModel, seed: int) -> TfjsGraphModel:
    """The same network with the crop's x, y planes as two more stem inputs, their kernel entries random."""
    mj = copy.deepcopy(model.model_json)
    layers = graph_config(mj)['layers']
    image = layers[0]['name']
    stem = next(spec for spec in layers[1:] if spec['inbound_nodes'][0][0][0] == image)
    stem['inbound_nodes'] = [[['coordinates', 0, 0, {}]]]
    layers.insert(1, {'name': 'coordinates', 'class_name': 'CoordinateChannels', 'config': {'name': 'coordinates', 'trainable': True},
                      'inbound_nodes': [[[image, 0, 0, {}]]]})
    weights = model.tfjs_weights()
    kernel = weights[f'{stem["name"]}/kernel']  # [kh, kw, 3, out]
    extra = np.random.default_rng(seed).normal(0, 0.05, kernel.shape[:2] + (2,) + kernel.shape[3:]).astype(np.float32)
    weights[f'{stem["name"]}/kernel'] = np.concatenate([kernel, extra], axis=2)
    return TfjsGraphModel(mj, weights)


class SoupTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.model = TfjsGraphModel.load(DEFAULT_MODEL).eval()

    def test_the_mean_of_two_opposite_perturbations_is_the_network_they_came_from(self):
        gen = torch.Generator().manual_seed(3)
        a = scaled(self.model, 0.2, seed=1)
        b = copy.deepcopy(self.model)
        with torch.no_grad():  # b = 2·model − a, entry by entry
            for vb, va in zip(b.state_dict().values(), a.state_dict().values()):
                if vb.is_floating_point():
                    vb.mul_(2).sub_(va)
        soup = average_models([a, b]).eval()
        for k, v in self.model.state_dict().items():
            if v.is_floating_point():
                np.testing.assert_allclose(soup.state_dict()[k].numpy(), v.numpy(), rtol=1e-5, atol=1e-6, err_msg=k)
        x = torch.rand(2, 128, 128, 3, generator=gen)
        with torch.no_grad():
            self.assertLess(float((soup(x) - self.model(x)).abs().max()), 1e-4)
            self.assertGreater(float((a.eval()(x) - self.model(x)).abs().max()), 1e-3)  # the members differ from it

    def test_weights_are_normalised_shares(self):
        a, b = scaled(self.model, 0.1, seed=4), scaled(self.model, 0.1, seed=5)
        soup = average_models([a, b], [3, 1])
        key = 'mods.conv_1.weight'
        want = 0.75 * a.state_dict()[key] + 0.25 * b.state_dict()[key]
        np.testing.assert_allclose(soup.state_dict()[key].numpy(), want.numpy(), rtol=1e-5, atol=1e-7)

    def test_a_plain_member_counts_as_zero_coordinate_kernels(self):
        coords = with_coordinate_channels(scaled(self.model, 0.1, seed=6), seed=7)
        for members in ([self.model, coords], [coords, self.model]):
            soup = average_models(members)
            self.assertIn('CoordinateChannels', [spec['class_name'] for spec in soup.layer_specs])
            w, wc, wp = (m.state_dict()['mods.conv_1.weight'] for m in (soup, coords, self.model))
            self.assertEqual(tuple(w.shape[:2]), (wc.shape[0], 5))
            np.testing.assert_allclose(w[:, 3:].numpy(), 0.5 * wc[:, 3:].numpy(), rtol=1e-6)
            np.testing.assert_allclose(w[:, :3].numpy(), 0.5 * (wc[:, :3] + wp).numpy(), rtol=1e-5, atol=1e-7)
        with tempfile.TemporaryDirectory() as tmp:  # the soup saves and loads as a coordinate-channel model
            path = soup.save(os.path.join(tmp, 'soup'), {'description': 'test soup'})
            again = TfjsGraphModel.load(path).eval()
            x = torch.rand(1, 128, 128, 3, generator=torch.Generator().manual_seed(8))
            with torch.no_grad():
                np.testing.assert_allclose(again(x).numpy(), soup.eval()(x).numpy(), atol=1e-6)

    def test_refuses_what_it_cannot_average(self):
        with self.assertRaises(ValueError):
            average_models([self.model])
        with self.assertRaises(ValueError):
            average_models([self.model, self.model], [1, -1])
        with self.assertRaises(ValueError):
            average_models([self.model, self.model], [1])
        with self.assertRaises(ModelFormatError):  # a wider layer is not coordinate planes
            _padded('conv', torch.zeros(4, 3, 3, 3), torch.Size([5, 3, 3, 3]))
        with self.assertRaises(ModelFormatError):
            _padded('bn', torch.zeros(16), torch.Size([32]))


if __name__ == '__main__':
    unittest.main()
