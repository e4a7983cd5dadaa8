import math
import unittest

import torch

from prnet_gpu.losses import placement_loss, position_map_loss

R = 6


def turn(xy, degrees, scale, shift):
    c, s = math.cos(math.radians(degrees)) * scale, math.sin(math.radians(degrees)) * scale
    x, y = xy[..., 0], xy[..., 1]
    return torch.stack((c * x - s * y + shift[0], s * x + c * y + shift[1]), -1)


class PlacementLossTest(unittest.TestCase):
    def setUp(self):
        g = torch.Generator().manual_seed(3)
        self.target = torch.rand(2, R, R, 3, generator=g)
        self.weights = torch.rand(R, R, generator=g) + 0.1
        self.weights[0, :3] = 0  # pixels outside the face count for nothing

    def test_a_moved_scaled_turned_copy_is_all_placement(self):
        pred = self.target.clone()
        pred[..., :2] = turn(self.target[..., :2], 12, 1.07, (0.03, -0.02))
        self.assertAlmostEqual(float(placement_loss(pred, self.target, self.weights)),
                               float(position_map_loss(pred, self.target, self.weights)), places=6)
        self.assertGreater(float(placement_loss(pred, self.target, self.weights)), 1e-4)

    def project(self, onto, values):
        """Per sample, the weighted least-squares fit of values (x, y) by a 2D similarity of onto:
        the projection on the span of 1, i, onto, i·onto (complex notation)."""
        w = (self.weights / self.weights.sum()).reshape(-1)
        out = []
        for k in range(onto.shape[0]):
            o = onto[k, ..., :2].reshape(-1, 2)
            one, zero = torch.ones_like(o[:, 0]), torch.zeros_like(o[:, 0])
            basis = torch.stack([torch.stack((one, zero), -1), torch.stack((zero, one), -1),
                                 o, torch.stack((-o[:, 1], o[:, 0]), -1)]).reshape(4, -1)  # [4, 2P]
            ww = w.repeat_interleave(2)
            coef = torch.linalg.solve((basis * ww) @ basis.T, (basis * ww) @ values[k, ..., :2].reshape(-1))
            out.append((coef @ basis).reshape(values.shape[1], values.shape[2], 2))
        return torch.stack(out)

    def test_a_shape_change_with_the_same_placement_is_none(self):
        # The target differs from the prediction by a change orthogonal to every similarity of the
        # prediction: the best similarity is the identity, and there is nothing to place.
        g = torch.Generator().manual_seed(4)
        pred = self.target.clone()
        noise = torch.randn(2, R, R, 2, generator=g, dtype=torch.float64) * 0.05
        target = self.target.clone()
        target[..., :2] += (noise - self.project(pred.double(), noise)).float()
        self.assertLess(float(placement_loss(pred, target, self.weights)), 1e-9)
        self.assertGreater(float(position_map_loss(pred, target, self.weights)), 1e-4)

    def test_it_is_the_placement_part_of_the_loss(self):
        # Pythagoras: placement + the x, y error left after the similarity + the z error = the loss.
        g = torch.Generator().manual_seed(5)
        pred = self.target + torch.randn(2, R, R, 3, generator=g) * 0.05
        pred[..., :2] = turn(pred[..., :2], -7, 0.95, (0.02, 0.01))
        sim = self.project(pred.double(), self.target.double()).float()  # the best similarity of pred onto the target
        w = self.weights[None, ..., None]
        norm = 3 * 2 * self.weights.sum()
        shape = float(((self.target[..., :2] - sim) ** 2 * w).sum() / norm)
        depth = float(((self.target[..., 2:] - pred[..., 2:]) ** 2 * w).sum() / norm)
        place = float(placement_loss(pred, self.target, self.weights))
        self.assertAlmostEqual(place + shape + depth, float(position_map_loss(pred, self.target, self.weights)), places=6)
        self.assertAlmostEqual(place, float(((sim - pred[..., :2]) ** 2 * w).sum() / norm), places=6)
        self.assertGreater(place, 0.2 * (shape + depth))

    def test_gradients_flow_to_the_prediction(self):
        pred = self.target.clone()
        pred[..., :2] += torch.tensor([0.05, -0.03])
        pred.requires_grad_(True)
        placement_loss(pred, self.target, self.weights).backward()
        self.assertGreater(float(pred.grad[..., :2].abs().max()), 0)
        self.assertEqual(float(pred.grad[..., 2].abs().max()), 0)
        self.assertEqual(float(pred.grad[:, 0, :3].abs().max()), 0)


if __name__ == '__main__':
    unittest.main()
