"""The damage detector's network: a small U-Net, about a hundred thousand parameters.

Three channels in (luma and the two chroma differences, see `detector.network_input`), one
logit per pixel out. Full resolution costs most, so the network works at half resolution and
below, and only a thin full-resolution branch puts the answer back on the exact pixels: a
1-pixel speck is seen by the strided first layer and located by that branch. The input's
sides must be multiples of 16.
"""

from __future__ import annotations

import torch
from torch import nn

WIDTHS = (16, 24, 32, 48)  # at 1/2, 1/4, 1/8 and 1/16 of the input's size
FULL = 8  # channels of the full-resolution branch


def _conv(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


def _block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(_conv(cin, cout), _conv(cout, cout))


class DamageUNet(nn.Module):
    def __init__(self, widths: tuple[int, ...] = WIDTHS, in_channels: int = 3):
        super().__init__()
        self.stem = _conv(in_channels, widths[0], stride=2)
        self.down = nn.ModuleList([_block(widths[0], widths[0])])
        for cin, cout in zip(widths[:-1], widths[1:], strict=True):
            self.down.append(_block(cin, cout))
        self.up = nn.ModuleList()
        for w_skip, w_below in zip(widths[-2::-1], widths[:0:-1], strict=True):
            self.up.append(_block(w_skip + w_below, w_skip))
        self.full = _conv(in_channels, FULL)
        self.squeeze = nn.Conv2d(widths[0], FULL, 1)
        self.head = nn.Sequential(_conv(2 * FULL, FULL), nn.Conv2d(FULL, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        up = nn.functional.interpolate
        h = self.stem(x)
        skips = []
        for i, block in enumerate(self.down):
            if i:
                h = nn.functional.max_pool2d(h, 2)
            h = block(h)
            skips.append(h)
        for block, skip in zip(self.up, skips[-2::-1], strict=True):
            h = up(h, scale_factor=2.0, mode="bilinear", align_corners=False)
            h = block(torch.cat([skip, h], dim=1))
        h = up(self.squeeze(h), scale_factor=2.0, mode="bilinear", align_corners=False)
        return self.head(torch.cat([self.full(x), h], dim=1))
