"""The ``random_init`` control: the same architecture with random weights."""

from __future__ import annotations

import copy

from ..models import LoadedModel


def random_twin(lm: LoadedModel, seed: int = 0) -> LoadedModel:
    """The model's architecture with the config's own random initialisation (seed ``seed``),
    and every LayerNorm's γ and β a random permutation of the trained values: their scale is
    kept but no dimension keeps its role (with γ = 1, β = 0 every token's norm after a
    LayerNorm would be √d)."""
    import torch

    mdl = lm.model
    cfg = copy.deepcopy(mdl.config)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        twin = type(mdl)(cfg)
        twin.eval()
        gen = torch.Generator().manual_seed(seed)
        trained = dict(mdl.named_modules())
        with torch.no_grad():
            for name, mod in twin.named_modules():
                if isinstance(mod, torch.nn.LayerNorm) and mod.elementwise_affine:
                    _permute_affine(mod, trained.get(name, mod), gen)
    twin.to(next(mdl.parameters()).device)
    return LoadedModel(twin, lm.tokenizer, f"{lm.name} (random init, seed {seed})", lm.device)


def _permute_affine(mod: object, src: object, gen: object) -> None:
    """``mod``'s weight and bias: ``src``'s values in a random order."""
    import torch

    for attr in ("weight", "bias"):
        p = getattr(mod, attr, None)
        q = getattr(src, attr, None)
        if p is not None and q is not None:
            perm = torch.randperm(p.numel(), generator=gen)
            p.copy_(q.detach().reshape(-1)[perm].reshape(p.shape).to(p.device))
