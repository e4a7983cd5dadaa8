import math
import unittest

import torch

from prnet_gpu.augment import AugmentConfig, flip_horizontal, photometric, similarity, warp_images, warp_targets

S, R = 64, 8
SCALE, OFFSET, DEPTH = 1.5, 0.25, 0.5


def to_sigmoid(p):
    return (p / S + OFFSET) / SCALE


class AugmentTest(unittest.TestCase):
    def setUp(self):
        # Four surface points, each drawn as a Gaussian blob in its own image channel layout.
        self.points = torch.tensor([[20.0, 24.0, 30.0], [40.0, 22.0, 34.0], [31.0, 40.0, 28.0], [26.0, 33.0, 33.0]])
        self.targets = torch.zeros(1, R, R, 3)
        for k, p in enumerate(self.points):
            self.targets[0, k, k] = to_sigmoid(p)

    def blob_image(self, points):
        yy, xx = torch.meshgrid(torch.arange(S) + 0.5, torch.arange(S) + 0.5, indexing='ij')
        image = torch.zeros(len(points), S, S)
        for k, p in enumerate(points):
            image[k] = torch.exp(-((xx - p[0]) ** 2 + (yy - p[1]) ** 2) / (2 * 1.5 ** 2))
        return image

    def test_image_and_targets_move_together(self):
        blobs = self.blob_image(self.points)[None]  # [1, 4, S, S] one channel per point
        for angle, scale, dx, dy in [(0.4, 1.1, 0.05, -0.03), (-0.7, 0.9, -0.06, 0.02), (0.0, 1.0, 0.0, 0.0)]:
            a, s, x, y = (torch.tensor([v]) for v in (angle, scale, dx, dy))
            warped = warp_images(blobs, a, s, x, y)[0]
            moved = warp_targets(self.targets, a, s, x, y, S, SCALE, OFFSET, DEPTH)[0]
            yy, xx = torch.meshgrid(torch.arange(S) + 0.5, torch.arange(S) + 0.5, indexing='ij')
            for k in range(len(self.points)):
                w = warped[k] / warped[k].sum()
                centroid = torch.stack([(w * xx).sum(), (w * yy).sum()])
                want = S * (moved[k, k, :2] * SCALE - OFFSET)
                self.assertLess(float((centroid - want).norm()), 0.15, (angle, k))
                z = S * (moved[k, k, 2] * SCALE - OFFSET)
                self.assertAlmostEqual(float(z), scale * (float(self.points[k, 2]) - S * DEPTH) + S * DEPTH, places=3)
            self.assertTrue(bool((moved[1:, 0] == 0).all()), 'undefined pixels stay 0')

    def test_flip_mirrors_images_and_moves_targets_to_mirror_pixels(self):
        blobs = self.blob_image(self.points)[None].repeat(2, 1, 1, 1)  # [2, 4, S, S]
        targets = self.targets.repeat(2, 1, 1, 1)
        # the mirror map of a left-right symmetric R×R layout: column x ↔ R − 1 − x; row 7 has no mirror
        ys, xs = torch.meshgrid(torch.arange(R), torch.arange(R), indexing='ij')
        mirror = (ys * R + (R - 1 - xs)).reshape(-1)
        mirror[7 * R:] = -1
        images, moved = flip_horizontal(blobs, targets, torch.tensor([True, False]), mirror, SCALE, OFFSET)
        self.assertTrue(torch.equal(images[1], blobs[1]) and torch.equal(moved[1], targets[1]), 'unflipped samples pass through')
        yy, xx = torch.meshgrid(torch.arange(S) + 0.5, torch.arange(S) + 0.5, indexing='ij')
        for k in range(len(self.points)):
            # point k sat at UV pixel (k, k); after the flip it is read at the mirror pixel (R − 1 − k, k)
            got = S * (moved[0, k, R - 1 - k] * SCALE - OFFSET)
            want = torch.tensor([S - float(self.points[k, 0]), float(self.points[k, 1]), float(self.points[k, 2])])
            self.assertLess(float((got - want).abs().max()), 1e-4, k)
            w = images[0, k] / images[0, k].sum()
            centroid = torch.stack([(w * xx).sum(), (w * yy).sum()])
            self.assertLess(float((centroid - want[:2]).norm()), 1e-3, k)
            self.assertEqual(float(moved[0, k, k].abs().sum()) if k != R - 1 - k else 0.0, 0.0, 'the old pixel is now undefined')
        self.assertEqual(float(moved[0, 7].abs().sum()), 0.0, 'pixels without a mirror are undefined')

    def test_similarity_ranges(self):
        cfg = AugmentConfig(rotation_deg=30, scale=(0.9, 1.1), translate=0.05)
        a, s, x, y = similarity(1000, cfg, torch.Generator().manual_seed(0), 'cpu')
        self.assertLessEqual(float(a.abs().max()), math.radians(30))
        self.assertGreater(float(a.abs().max()), math.radians(25))
        self.assertTrue(0.9 <= float(s.min()) and float(s.max()) <= 1.1)
        self.assertLessEqual(float(torch.cat([x, y]).abs().max()), 0.05)

    def test_any_roll_mixes_in_rotations_up_to_180_degrees(self):
        base = AugmentConfig(rotation_deg=45)
        a0 = similarity(4000, base, torch.Generator().manual_seed(1), 'cpu')[0]
        cfg = AugmentConfig(rotation_deg=45, any_roll=0.25)
        a, s, x, y = similarity(4000, cfg, torch.Generator().manual_seed(1), 'cpu')
        large = a.abs() > math.radians(45)
        # About 0.25 × 3/4 of the samples fall outside ±45° (the ±180° draw lands inside a quarter of the time).
        self.assertAlmostEqual(float(large.float().mean()), 0.25 * 0.75, delta=0.03)
        self.assertLessEqual(float(a.abs().max()), math.pi)
        self.assertGreater(float(a.abs().max()), math.radians(170))
        # The ordinary draw comes first, so the samples that kept it are those of the run without any_roll.
        kept = (a == a0)
        self.assertGreater(float(kept.float().mean()), 0.7)
        self.assertTrue(bool((s >= 0.9).all()))

    def test_photometric_keeps_range_and_changes_pixels(self):
        g = torch.Generator().manual_seed(3)
        images = torch.rand(16, 3, S, S, generator=g)
        out = photometric(images, AugmentConfig(occlusion=1.0, blur=1.0, noise=1.0), g)
        self.assertEqual(out.shape, images.shape)
        self.assertGreaterEqual(float(out.min()), 0)
        self.assertLessEqual(float(out.max()), 1)
        self.assertGreater(float((out - images).abs().mean()), 0.02)
        same = photometric(images, AugmentConfig(colour=(1, 1), brightness=0, contrast=(1, 1), grey=0, blur=0, noise=0, occlusion=0), g)
        self.assertLess(float((same - images).abs().max()), 1e-6)


if __name__ == '__main__':
    unittest.main()
