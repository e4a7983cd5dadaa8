"""Read a tfjs layers model (model.json + weights) into a PyTorch module and write it back.

The module interprets the Keras functional graph of model.json, so it follows any network that
`createPrnetLight` / `createResfcn256` build, as long as it uses the layer classes below. Tensors
run NCHW inside; `forward` takes and returns NHWC like the tfjs model. tfjs conventions kept:
'same' padding puts the odd pixel after (bottom/right); UpSampling2D 'bilinear' is tfjs'
resizeBilinear without half-pixel centres (output pixel i samples input i / 2).
"""
from __future__ import annotations

import copy
import json
import math
import os
from typing import Dict, List, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class ModelFormatError(ValueError):
    """model.json or its weights are not a tfjs layers model this module can run."""


def _same_padding(size: int, kernel: int, stride: int, dilation: int = 1) -> Tuple[int, int]:
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


def _activation(name: str, x: torch.Tensor) -> torch.Tensor:
    if name in (None, 'linear'):
        return x
    if name == 'relu':
        return F.relu(x)
    if name == 'sigmoid':
        return torch.sigmoid(x)
    raise ModelFormatError(f'activation "{name}" is not supported')


def upsample2x_bilinear_legacy(x: torch.Tensor) -> torch.Tensor:
    """×2 bilinear upsampling as tfjs' resizeBilinear(alignCorners=false, halfPixelCenters=false)."""
    def along(t: torch.Tensor, dim: int) -> torch.Tensor:
        n = t.shape[dim]
        nxt = torch.cat([t.narrow(dim, 1, n - 1), t.narrow(dim, n - 1, 1)], dim=dim)
        mid = 0.5 * (t + nxt)
        stacked = torch.stack([t, mid], dim=dim + 1)
        shape = list(t.shape)
        shape[dim] = 2 * n
        return stacked.reshape(shape)
    return along(along(x, 2), 3)


def coordinate_planes(n: int, h: int, w: int, like: torch.Tensor) -> torch.Tensor:
    """@prnet/core's CoordinateChannels planes, NCHW [n, 2, h, w]: x then y at pixel centres, in (-1, 1)."""
    xs = (2 * torch.arange(w, device=like.device, dtype=like.dtype) + 1) / w - 1
    ys = (2 * torch.arange(h, device=like.device, dtype=like.dtype) + 1) / h - 1
    planes = torch.stack([xs.view(1, w).expand(h, w), ys.view(h, 1).expand(h, w)])
    return planes.unsqueeze(0).expand(n, 2, h, w)


def _read_weights(model_dir: str, manifest: list) -> Dict[str, np.ndarray]:
    weights: Dict[str, np.ndarray] = {}
    for group in manifest:
        parts = []
        for path in group['paths']:
            with open(os.path.join(model_dir, path), 'rb') as f:
                parts.append(f.read())
        data = b''.join(parts)
        offset = 0
        for spec in group['weights']:
            shape = spec['shape']
            count = int(np.prod(shape)) if shape else 1
            quant = (spec.get('quantization') or {}).get('dtype')
            if quant == 'float16':
                arr = np.frombuffer(data, dtype='<f2', count=count, offset=offset).astype(np.float32)
                offset += 2 * count
            elif quant is None and spec['dtype'] == 'float32':
                arr = np.frombuffer(data, dtype='<f4', count=count, offset=offset).copy()
                offset += 4 * count
            else:
                raise ModelFormatError(f'weight {spec["name"]}: dtype {spec["dtype"]} / quantization {quant} not supported')
            weights[spec['name']] = arr.reshape(shape)
        if offset != len(data):
            raise ModelFormatError(f'weights group {group["paths"]}: read {offset} of {len(data)} bytes')
    return weights


def graph_config(model_json: dict) -> dict:
    """The Keras functional graph (layers, input and output layers) of a tfjs model.json, either topology layout."""
    topology = model_json['modelTopology']
    return topology['config'] if 'config' in topology else topology['model_config']['config']


class TfjsGraphModel(nn.Module):
    """A tfjs layers model as a PyTorch module (see the module docstring)."""

    SUPPORTED = {'InputLayer', 'Conv2D', 'DepthwiseConv2D', 'BatchNormalization', 'ReLU', 'Add', 'UpSampling2D',
                 'GlobalAveragePooling2D', 'Dense', 'Reshape', 'Activation', 'CoordinateChannels'}

    def __init__(self, model_json: dict, weights: Dict[str, np.ndarray]):
        super().__init__()
        self.model_json = model_json
        config = graph_config(model_json)
        self.layer_specs: List[dict] = config['layers']
        self.output_names = [o[0] for o in config['output_layers']]
        self.input_names = [i[0] for i in config['input_layers']]
        self.manifest_order = [w['name'] for g in model_json['weightsManifest'] for w in g['weights']]
        self.mods = nn.ModuleDict()
        self.param_names: Dict[str, Tuple[str, str]] = {}  # tfjs weight name → (module key, attribute)
        for spec in self.layer_specs:
            cls, cfg, name = spec['class_name'], spec['config'], spec['name']
            if cls not in self.SUPPORTED:
                raise ModelFormatError(f'layer {name}: class {cls} is not supported')
            key = name.replace('.', '_')

            def w(suffix: str) -> np.ndarray:
                full = f'{name}/{suffix}'
                if full not in weights:
                    raise ModelFormatError(f'missing weight {full}')
                return weights[full]

            if cls == 'Conv2D':
                kernel = w('kernel')  # [kh, kw, in, out]
                kh, kw, cin, cout = kernel.shape
                if tuple(cfg.get('dilation_rate', [1, 1])) != (1, 1):
                    raise ModelFormatError(f'layer {name}: dilation is not supported')
                conv = nn.Conv2d(cin, cout, (kh, kw), stride=tuple(cfg['strides']), bias=cfg['use_bias'])
                conv.weight.data = torch.from_numpy(np.ascontiguousarray(kernel.transpose(3, 2, 0, 1)))
                self.param_names[f'{name}/kernel'] = (key, 'weight')
                if cfg['use_bias']:
                    conv.bias.data = torch.from_numpy(w('bias').copy())
                    self.param_names[f'{name}/bias'] = (key, 'bias')
                self.mods[key] = conv
            elif cls == 'DepthwiseConv2D':
                kernel = w('depthwise_kernel')  # [kh, kw, in, mult]
                kh, kw, cin, mult = kernel.shape
                conv = nn.Conv2d(cin, cin * mult, (kh, kw), stride=tuple(cfg['strides']), groups=cin, bias=cfg['use_bias'])
                conv.weight.data = torch.from_numpy(np.ascontiguousarray(kernel.transpose(2, 3, 0, 1).reshape(cin * mult, 1, kh, kw)))
                self.param_names[f'{name}/depthwise_kernel'] = (key, 'weight')
                if cfg['use_bias']:
                    conv.bias.data = torch.from_numpy(w('bias').copy())
                    self.param_names[f'{name}/bias'] = (key, 'bias')
                self.mods[key] = conv
            elif cls == 'BatchNormalization':
                gamma = w('gamma')
                bn = nn.BatchNorm2d(gamma.shape[0], eps=cfg['epsilon'], momentum=1 - cfg['momentum'])
                bn.weight.data = torch.from_numpy(gamma.copy())
                bn.bias.data = torch.from_numpy(w('beta').copy())
                bn.running_mean.data = torch.from_numpy(w('moving_mean').copy())
                bn.running_var.data = torch.from_numpy(w('moving_variance').copy())
                for tf_name, attr in (('gamma', 'weight'), ('beta', 'bias'), ('moving_mean', 'running_mean'), ('moving_variance', 'running_var')):
                    self.param_names[f'{name}/{tf_name}'] = (key, attr)
                self.mods[key] = bn
            elif cls == 'Dense':
                kernel = w('kernel')  # [in, out]
                lin = nn.Linear(kernel.shape[0], kernel.shape[1], bias=cfg['use_bias'])
                lin.weight.data = torch.from_numpy(np.ascontiguousarray(kernel.T))
                self.param_names[f'{name}/kernel'] = (key, 'weight')
                if cfg['use_bias']:
                    lin.bias.data = torch.from_numpy(w('bias').copy())
                    self.param_names[f'{name}/bias'] = (key, 'bias')
                self.mods[key] = lin
            elif cls == 'ReLU' and cfg.get('max_value') is not None:
                raise ModelFormatError(f'layer {name}: ReLU max_value is not supported')
            elif cls == 'UpSampling2D' and cfg['interpolation'] not in ('bilinear', 'nearest'):
                raise ModelFormatError(f'layer {name}: interpolation {cfg["interpolation"]} is not supported')
        missing = [n for n in self.manifest_order if n not in self.param_names]
        if missing:
            raise ModelFormatError(f'weights without a layer: {missing[:5]}')

    @classmethod
    def load(cls, model_json_path: str) -> 'TfjsGraphModel':
        with open(model_json_path) as f:
            model_json = json.load(f)
        if model_json.get('format') != 'layers-model':
            raise ModelFormatError(f'{model_json_path} is not a tfjs layers model (format {model_json.get("format")})')
        weights = _read_weights(os.path.dirname(os.path.abspath(model_json_path)), model_json['weightsManifest'])
        return cls(model_json, weights)

    def forward(self, image_nhwc: torch.Tensor) -> torch.Tensor:
        values: Dict[str, torch.Tensor] = {}
        for spec in self.layer_specs:
            cls, cfg, name = spec['class_name'], spec['config'], spec['name']
            key = name.replace('.', '_')
            if cls == 'InputLayer':
                values[name] = image_nhwc.permute(0, 3, 1, 2)
                continue
            nodes = spec['inbound_nodes']
            if len(nodes) != 1:
                raise ModelFormatError(f'layer {name} is used {len(nodes)} times; shared layers are not supported')
            inputs = [values[n[0]] for n in nodes[0]]
            x = inputs[0]
            if cls in ('Conv2D', 'DepthwiseConv2D'):
                conv = self.mods[key]
                kh, kw = conv.kernel_size
                sh, sw = conv.stride
                if cfg['padding'] == 'same':
                    top, bottom = _same_padding(x.shape[2], kh, sh)
                    left, right = _same_padding(x.shape[3], kw, sw)
                    if top or bottom or left or right:
                        x = F.pad(x, (left, right, top, bottom))
                elif cfg['padding'] != 'valid':
                    raise ModelFormatError(f'layer {name}: padding {cfg["padding"]}')
                y = _activation(cfg.get('activation'), conv(x))
            elif cls == 'BatchNormalization':
                y = self.mods[key](x)
            elif cls == 'ReLU':
                y = F.relu(x)
            elif cls == 'Add':
                y = inputs[0]
                for other in inputs[1:]:
                    y = y + other
            elif cls == 'UpSampling2D':
                if tuple(cfg['size']) != (2, 2):
                    raise ModelFormatError(f'layer {name}: only ×2 upsampling is supported')
                y = upsample2x_bilinear_legacy(x) if cfg['interpolation'] == 'bilinear' else F.interpolate(x, scale_factor=2, mode='nearest')
            elif cls == 'GlobalAveragePooling2D':
                y = x.mean(dim=(2, 3))
            elif cls == 'Dense':
                y = _activation(cfg.get('activation'), self.mods[key](x))
            elif cls == 'Reshape':
                h, w_, c = cfg['target_shape']
                y = x.reshape(x.shape[0], h, w_, c).permute(0, 3, 1, 2)
            elif cls == 'Activation':
                y = _activation(cfg['activation'], x)
            elif cls == 'CoordinateChannels':
                y = torch.cat([x, coordinate_planes(x.shape[0], x.shape[2], x.shape[3], x)], dim=1)
            else:  # pragma: no cover - rejected in __init__
                raise ModelFormatError(cls)
            values[name] = y
        out = values[self.output_names[0]]
        return out.permute(0, 2, 3, 1)

    def tfjs_weights(self) -> Dict[str, np.ndarray]:
        """Current weights in tfjs layouts, keyed by tfjs weight name."""
        result: Dict[str, np.ndarray] = {}
        for tf_name, (key, attr) in self.param_names.items():
            mod = self.mods[key]
            t = getattr(mod, attr).detach().float().cpu().numpy()
            if isinstance(mod, nn.Conv2d) and attr == 'weight':
                if mod.groups > 1:  # depthwise: [in*mult, 1, kh, kw] → [kh, kw, in, mult]
                    cin = mod.groups
                    t = t.reshape(cin, -1, t.shape[2], t.shape[3]).transpose(2, 3, 0, 1)
                else:
                    t = t.transpose(2, 3, 1, 0)
            elif isinstance(mod, nn.Linear) and attr == 'weight':
                t = t.T
            result[tf_name] = np.ascontiguousarray(t, dtype=np.float32)
        return result

    def save(self, out_dir: str, metadata_update: dict | None = None, float16: bool = False) -> str:
        """Writes out_dir/model.json + model.weights.bin (same topology; float32 or float16 weights)."""
        os.makedirs(out_dir, exist_ok=True)
        weights = self.tfjs_weights()
        model_json = copy.deepcopy(self.model_json)
        specs = []
        chunks = []
        for tf_name in self.manifest_order:
            arr = weights[tf_name]
            spec = {'name': tf_name, 'shape': list(arr.shape), 'dtype': 'float32'}
            if float16:
                spec['quantization'] = {'dtype': 'float16'}
                chunks.append(arr.astype('<f2').tobytes())
            else:
                chunks.append(arr.astype('<f4').tobytes())
            specs.append(spec)
        model_json['weightsManifest'] = [{'paths': ['model.weights.bin'], 'weights': specs}]
        if metadata_update:
            meta = model_json.setdefault('userDefinedMetadata', {}).setdefault('prnet', {})
            meta.update(metadata_update)
        with open(os.path.join(out_dir, 'model.weights.bin'), 'wb') as f:
            f.write(b''.join(chunks))
        path = os.path.join(out_dir, 'model.json')
        with open(path, 'w') as f:
            json.dump(model_json, f)
        return path
