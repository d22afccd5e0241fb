"""The inverter: one decoder-only LM shared by the hypothesizer and the corrector.

vLLM's V1 engine cannot serve T5, so instead of vec2text's encoder-decoder we condition a
LlamaForCausalLM on soft tokens. Two small MLPs (run in our process, never in the server)
map embeddings to soft tokens:

  hypothesize:  [P_h(e)]                 <s> y </s>
  correct:      [P_c(e, ê, e - ê)] <hyp> ĥ <s> y </s>

where e is the target embedding, ĥ a hypothesis text and ê its embedding. Sharing the LM keeps
the shipped weights small and lets one vLLM server do both jobs through `prompt_embeds`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import nn

INVERTER_CONFIG = "inverter.json"
PROJECTOR_DIR = "projector"  # outside the LM folder's top level, so vLLM's loader never sees it
PROJECTOR_FILE = "projector.safetensors"


@dataclass
class InverterConfig:
    encoder: str = "all-MiniLM-L6-v2"
    embed_dim: int = 384
    hyp_tokens: int = 16
    corr_tokens: int = 16
    proj_hidden: int = 512
    d_model: int = 384
    n_layers: int = 8
    n_heads: int = 6
    ffn: int = 1024
    vocab_size: int = 8192
    max_positions: int = 256
    max_new_tokens: int = 64
    pad_id: int = 0
    bos_id: int = 1
    eos_id: int = 2
    hyp_id: int = 3

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2))

    @classmethod
    def load(cls, path: Path) -> InverterConfig:
        data = json.loads(path.read_text())
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


class Projector(nn.Module):
    """Embedding(s) -> soft tokens for the hypothesizer and the corrector."""

    def __init__(self, cfg: InverterConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.hyp = nn.Sequential(
            nn.Linear(cfg.embed_dim, cfg.proj_hidden),
            nn.GELU(),
            nn.Linear(cfg.proj_hidden, cfg.hyp_tokens * cfg.d_model),
        )
        self.corr = nn.Sequential(
            nn.Linear(3 * cfg.embed_dim, cfg.proj_hidden),
            nn.GELU(),
            nn.Linear(cfg.proj_hidden, cfg.corr_tokens * cfg.d_model),
        )
        # Soft tokens must land at the scale of token embeddings or the LM ignores them early on.
        self.hyp_norm = nn.LayerNorm(cfg.d_model)
        self.corr_norm = nn.LayerNorm(cfg.d_model)

    def hypothesis_prefix(self, e: torch.Tensor) -> torch.Tensor:
        x = self.hyp(e).view(e.shape[0], self.cfg.hyp_tokens, self.cfg.d_model)
        return self.hyp_norm(x)

    def correction_prefix(self, e: torch.Tensor, e_hat: torch.Tensor) -> torch.Tensor:
        x = self.corr(torch.cat([e, e_hat, e - e_hat], dim=-1))
        return self.corr_norm(x.view(e.shape[0], self.cfg.corr_tokens, self.cfg.d_model))


def build_lm(cfg: InverterConfig) -> nn.Module:
    from transformers import LlamaConfig, LlamaForCausalLM

    lcfg = LlamaConfig(
        vocab_size=cfg.vocab_size,
        hidden_size=cfg.d_model,
        intermediate_size=cfg.ffn,
        num_hidden_layers=cfg.n_layers,
        num_attention_heads=cfg.n_heads,
        num_key_value_heads=cfg.n_heads,
        max_position_embeddings=cfg.max_positions,
        rms_norm_eps=1e-5,
        tie_word_embeddings=True,
        bos_token_id=cfg.bos_id,
        eos_token_id=cfg.eos_id,
        pad_token_id=cfg.pad_id,
        attn_implementation="sdpa",  # type: ignore[call-arg]
    )
    return LlamaForCausalLM(lcfg)


def count_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
