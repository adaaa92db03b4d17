"""Model shapes as real models: random-init Llama builds, local or hub checkpoints, and the
memory check that refuses what would not fit. torch and transformers are imported inside the
functions, so ``import tokdash.speed.models`` stays light."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tokdash.errors import TokdashError
from tokdash.paths import user_path
from tokdash.settings import LOCAL, Limits
from tokdash.speed import costmodel
from tokdash.speed.costmodel import ModelShape
from tokdash.speed.devices import (  # noqa: F401  (check_fits looks these names up here)
    available_memory_bytes,
    cuda_available,
    is_cuda,
    resolve_device,
)

#: Standard deviation of the normal init of Llama's linear and embedding weights.
INIT_STD = 0.02


def prefill_activation_bytes(
    shape: ModelShape, dtype: str, batch: int, prompt: int, context: int
) -> int:
    """Peak activations of the prefill (one layer's at a time): hidden states and q/k/v/out
    (``6 * d``) and the SwiGLU MLP (``3 * d_ff``) per prompt token, attention scores as the
    math kernel holds them (``heads * prompt * context``) and the mask (``prompt * context``),
    the last position's logits in fp32 (twice: the logits and their argmax's input)."""
    b = costmodel.dtype_bytes(dtype)
    tokens = batch * prompt
    per_layer = tokens * (6 * shape.d_model + 3 * shape.d_ff) * b
    attention = batch * (shape.n_heads + 1) * prompt * context * b
    logits = batch * shape.vocab_size * 4 * 2
    return int(per_layer + attention + logits)


def required_bytes(
    shape: ModelShape, dtype: str, batch: int, context: int, prompt: int | None = None
) -> int:
    """Memory a probe needs: weights (built in ``dtype``, drawn in 16 MB fp32 blocks), the KV
    cache of ``context`` tokens, the prefill's activations of ``prompt`` tokens (default: the
    whole context), with a 10% margin."""
    weights = costmodel.weight_bytes(shape, dtype)
    kv = costmodel.kv_cache_bytes(shape, context, dtype, batch)
    acts = prefill_activation_bytes(shape, dtype, batch, prompt or context, context)
    return int((weights + kv + acts + _DRAW_BLOCK * 4) * 1.1)


def check_fits(
    shape: ModelShape,
    dtype: str,
    device: str,
    batch: int,
    context: int,
    *,
    limits: Limits = LOCAL,
    prompt: int | None = None,
) -> None:
    """Refuse a shape over ``limits.max_model_params`` parameters, or whose weights, KV cache of
    ``context`` tokens and prefill of ``prompt`` tokens (`required_bytes`) do not fit what
    ``device`` has free (on a GPU: free memory plus torch's reserved but unused blocks)."""
    params = costmodel.param_counts(shape)["total"]
    bound = limits.max_model_params
    if bound is not None and params > bound:
        raise TokdashError(
            f"{shape.name} with vocabulary {shape.vocab_size:,} has "
            f"{costmodel.format_count(params)} parameters; "
            f"{'the hosted demo' if limits.hosted else 'this setup'} builds at most "
            f"{costmodel.format_count(bound)}: pick a smaller preset"
        )
    if context > shape.max_positions:
        raise TokdashError(
            f"prompt + new tokens = {context} exceeds the {shape.name} preset's "
            f"{shape.max_positions} positions: shorten the prompt or generate fewer tokens"
        )
    need = required_bytes(shape, dtype, batch, context, prompt)
    free = available_memory_bytes(device)
    if free and need > 0.85 * free:
        raise TokdashError(
            f"{shape.name} ({costmodel.format_count(params)} parameters, {dtype}) needs about "
            f"{need / 2**30:.1f} GiB but {device} has {free / 2**30:.1f} GiB free: pick a "
            "smaller preset, a 16-bit dtype or a smaller batch"
        )


def _torch_dtype(dtype: str):
    import torch

    return getattr(torch, costmodel.dtype_name(dtype))


def llama_config(shape: ModelShape):
    """The transformers LlamaConfig of ``shape``."""
    from transformers import LlamaConfig

    return LlamaConfig(
        vocab_size=shape.vocab_size,
        hidden_size=shape.d_model,
        intermediate_size=shape.d_ff,
        num_hidden_layers=shape.n_layers,
        num_attention_heads=shape.n_heads,
        num_key_value_heads=shape.n_kv_heads,
        max_position_embeddings=shape.max_positions,
        tie_word_embeddings=shape.tie_embeddings,
    )


def build_model(shape: ModelShape, dtype: str = "float32", device: str = "cpu", seed: int = 0):
    """A random-init LlamaForCausalLM of ``shape`` on ``device`` in ``dtype``, in eval mode.

    The weights come from a local `torch.Generator` seeded with ``seed`` (Llama's init: linear
    and embedding weights normal(0, `INIT_STD`), norm weights 1, biases 0), so the same seed
    gives the same weights on a device whatever else runs in the process; torch's global
    generator is left as it was.
    """
    import torch
    from transformers import LlamaForCausalLM

    cuda = [torch.device(device).index or 0] if is_cuda(device) else []
    with torch.random.fork_rng(devices=cuda), torch.device(device):
        # built directly in ``dtype``: a 16-bit model never exists in fp32 as a whole (a 125m
        # body with o200k's vocabulary peaked at 2.2 GB built in fp32 and cast, 1.0 GB now)
        model = LlamaForCausalLM._from_config(llama_config(shape), dtype=_torch_dtype(dtype))
    init_weights(model, torch.Generator(device=device).manual_seed(seed))
    return model.to(dtype=_torch_dtype(dtype)).eval()


#: Elements drawn at a time when initialising a weight (16 MB of fp32).
_DRAW_BLOCK = 1 << 22


def init_weights(model, generator, std: float = INIT_STD) -> None:
    """Draw every parameter of ``model`` from ``generator``: matrices normal(0, ``std``),
    biases 0, other vectors (norm weights) 1. Tied weights are drawn once."""
    import torch

    with torch.no_grad():
        for name, param in model.named_parameters():
            if name.endswith("bias"):
                param.zero_()
            elif param.ndim >= 2:  # drawn in fp32 blocks whatever the dtype: the same seed, the
                flat = param.view(-1)  # same weights (rounded); never a whole fp32 copy
                for block in flat.split(_DRAW_BLOCK):
                    draw = torch.empty(block.shape, dtype=torch.float32, device=param.device)
                    block.copy_(draw.normal_(0.0, std, generator=generator))
            else:
                param.fill_(1.0)


def load_checkpoint(
    folder: str | Path, device: str = "cpu", dtype: str = "float32", *, limits: Limits = LOCAL
):
    """A causal LM from a local folder of safetensors weights (``trust_remote_code`` off);
    refused when ``limits.local_paths`` is off."""
    if not limits.local_paths:
        raise TokdashError("the hosted demo does not read local folders: use a preset shape")
    path = user_path(folder, "checkpoint")
    if not path.is_dir():
        raise TokdashError(f"{folder} is not a folder (a checkpoint folder has config.json)")
    if not (path / "config.json").is_file():
        raise TokdashError(f"{folder} has no config.json: not a transformers checkpoint")
    if not any(path.glob("*.safetensors")):
        found = "pytorch_model*.bin" if any(path.glob("*.bin")) else "no weight file"
        raise TokdashError(
            f"{folder} has {found}; only .safetensors checkpoints are loaded (no pickles)"
        )
    if is_cuda(device):  # straight onto the GPU; else (names that differ) the host first
        model = load_onto_device(path, device, dtype)
        if model is not None:
            return model
    return _from_pretrained(str(path), device, dtype, local_files_only=True)


def load_onto_device(folder: str | Path, device: str, dtype: str = "float32"):
    """The checkpoint in ``folder`` built on ``device`` in ``dtype``, each safetensors tensor
    read straight onto the device (no copy of the whole model in host memory), in eval mode.

    None when the files' tensor names are not exactly the model's (tied weights aside): then
    transformers' ``from_pretrained``, which knows the renames, has to load it.
    """
    import torch
    from safetensors import safe_open
    from transformers import AutoConfig, AutoModelForCausalLM

    path = Path(folder)
    try:
        config = AutoConfig.from_pretrained(str(path), local_files_only=True)
        with torch.device(device):
            model = AutoModelForCausalLM.from_config(config, dtype=_torch_dtype(dtype))
    except Exception as exc:  # noqa: BLE001 - transformers raises many types; show the cause
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise TokdashError(f"cannot load model {folder}: {msg[:300]}") from exc
    tensors = model.state_dict(keep_vars=True)
    filled: set[str] = set()
    with torch.no_grad():
        for file in sorted(path.glob("*.safetensors")):
            with safe_open(str(file), framework="pt", device=str(device)) as fh:
                for key in fh.keys():  # noqa: SIM118 - safe_open is not a mapping
                    shape = fh.get_slice(key).get_shape()
                    if key not in tensors or list(tensors[key].shape) != list(shape):
                        return None
                    tensors[key].copy_(fh.get_tensor(key))
                    filled.add(key)
    done = {tensors[k].data_ptr() for k in filled}
    if any(tensors[k].data_ptr() not in done for k in tensors.keys() - filled):
        return None  # a weight the files do not hold (nor tie to one they hold)
    return model.eval()


def load_hub_model(
    name: str, device: str = "cpu", dtype: str = "float32", *, limits: Limits = LOCAL
):
    """A causal LM from the Hugging Face hub (safetensors only, no remote code); refused when
    ``limits.downloads`` is off."""
    if not limits.downloads:
        raise TokdashError("the hosted demo does not download models: use a preset shape")
    return _from_pretrained(name, device, dtype, local_files_only=False)


def _from_pretrained(name: str, device: str, dtype: str, *, local_files_only: bool):
    from transformers import AutoModelForCausalLM

    try:
        model = AutoModelForCausalLM.from_pretrained(
            name,
            dtype=_torch_dtype(dtype),
            trust_remote_code=False,
            use_safetensors=True,
            local_files_only=local_files_only,
        )
    except Exception as exc:  # noqa: BLE001 - transformers raises many types; show the cause
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise TokdashError(f"cannot load model {name}: {msg[:300]}") from exc
    return model.to(device).eval()


def shape_from_config(config: Any, name: str = "checkpoint") -> ModelShape:
    """The `ModelShape` of a loaded model's config (Llama-like attribute names)."""
    try:
        heads = int(config.num_attention_heads)
        return ModelShape(
            name=name,
            n_layers=int(config.num_hidden_layers),
            d_model=int(config.hidden_size),
            n_heads=heads,
            n_kv_heads=int(getattr(config, "num_key_value_heads", None) or heads),
            d_ff=int(config.intermediate_size),
            vocab_size=int(config.vocab_size),
            tie_embeddings=bool(getattr(config, "tie_word_embeddings", False)),
            max_positions=int(getattr(config, "max_position_embeddings", 4096) or 4096),
        )
    except (AttributeError, TypeError) as exc:
        raise TokdashError(f"the model config is not Llama-like ({exc}): no cost model") from exc
