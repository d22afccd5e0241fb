"""Turn a training checkpoint into a shippable fp16 inverter folder (used after device runs)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from safetensors.torch import load_file
from vecaudit.inversion.model import InverterConfig, Projector, build_lm
from vecaudit.training.inverter import export_inverter


def main(ckpt: str, tok_dir: str, dest: str) -> None:
    d = Path(ckpt)
    meta = json.loads((d / "meta.json").read_text())
    cfg = InverterConfig(**meta["config"])
    state = load_file(str(d / "model.safetensors"))
    lm = build_lm(cfg)
    lm.load_state_dict({k[3:]: v for k, v in state.items() if k.startswith("lm.")}, strict=False)
    lm.tie_weights()
    proj = Projector(cfg)
    proj.load_state_dict({k[5:]: v for k, v in state.items() if k.startswith("proj.")})
    export_inverter(
        lm,
        proj,
        cfg,
        Path(tok_dir),
        Path(dest),
        curve=meta.get("curve"),
        meta={k: meta[k] for k in ("step", "samples_seen", "elapsed")},
    )


if __name__ == "__main__":
    main(*sys.argv[1:4])
