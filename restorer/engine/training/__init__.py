"""How the damage detector's model is made. Never imported at run time.

    .venv/bin/pip install -e '.[train]'
    apt-get install mate-backgrounds          # photographic wallpapers (optional source)
    .venv/bin/python -m restorer.engine.training.train --out restorer/engine/models

`sources` lists the clean photographs the model learns from (they install from the package
registries), `damage` ages them with varied synthetic damage and says where it is, and `train`
fits the small U-Net of `model` and exports it to ONNX for `restorer.engine.detector`.
"""
