#!/usr/bin/python3
"""Peer of bench_trace: the same GPT-2-small trace in plain PyTorch eager with forward hooks.

A GPT-2 written here from Hugging Face's modeling_gpt2.py equations (transformers is not
installed), loading the SAME model.safetensors that bench_trace wrote (parsed with
struct + json + numpy), traced at the same lengths on the same token ids with forward hooks
capturing every hidden state and every layer's attention probabilities, plus the logits.
Times are medians after one warm-up run; peak RSS is ru_maxrss after the timed runs. When
bench_trace's strata_T{T}.safetensors exist, every captured tensor is compared with them
(max |a - b| <= 1e-5 * max(1, max |b|)).

    /usr/bin/python3 bench/peer_trace.py --threads N [--dir FOLDER] [--out FOLDER] [--repeat R]
                                  [--lengths 128,512]
"""
import argparse
import json
import math
import os
import resource
import struct
import sys
import tempfile
import time

import numpy as np
import torch
from torch import nn


def read_safetensors(path):
    """{name: torch tensor} sharing one bytearray per tensor (no second copy of the weights)."""
    dtypes = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
    out = {}
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        base = 8 + n
        for name, info in header.items():
            if name == "__metadata__":
                continue
            begin, end = info["data_offsets"]
            f.seek(base + begin)
            buf = bytearray(f.read(end - begin))
            arr = np.frombuffer(buf, dtype=dtypes[info["dtype"]]).reshape(info["shape"])
            out[name] = torch.from_numpy(arr)
    return out


class Conv1D(nn.Module):
    """HF Conv1D: weight stored [in, out]; y = x W + b."""

    def __init__(self, weight, bias):
        super().__init__()
        self.weight = nn.Parameter(weight, requires_grad=False)
        self.bias = nn.Parameter(bias, requires_grad=False)

    def forward(self, x):
        shape = x.shape[:-1] + (self.weight.shape[1],)
        return torch.addmm(self.bias, x.reshape(-1, x.shape[-1]), self.weight).view(shape)


class Softmax(nn.Module):
    """The attention softmax as a module, so a forward hook sees the probabilities."""

    def forward(self, x):
        return torch.softmax(x, dim=-1)


def layer_norm(w, prefix, eps):
    ln = nn.LayerNorm(w[prefix + "weight"].shape[0], eps=eps)
    ln.weight = nn.Parameter(w[prefix + "weight"], requires_grad=False)
    ln.bias = nn.Parameter(w[prefix + "bias"], requires_grad=False)
    return ln


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class Block(nn.Module):
    def __init__(self, w, p, heads, eps):
        super().__init__()
        self.heads = heads
        self.ln_1 = layer_norm(w, p + "ln_1.", eps)
        self.c_attn = Conv1D(w[p + "attn.c_attn.weight"], w[p + "attn.c_attn.bias"])
        self.c_proj = Conv1D(w[p + "attn.c_proj.weight"], w[p + "attn.c_proj.bias"])
        self.softmax = Softmax()
        self.ln_2 = layer_norm(w, p + "ln_2.", eps)
        self.c_fc = Conv1D(w[p + "mlp.c_fc.weight"], w[p + "mlp.c_fc.bias"])
        self.mlp_proj = Conv1D(w[p + "mlp.c_proj.weight"], w[p + "mlp.c_proj.bias"])

    def forward(self, x):
        B, T, D = x.shape
        hd = D // self.heads
        q, k, v = self.c_attn(self.ln_1(x)).split(D, dim=2)
        q, k, v = (t.view(B, T, self.heads, hd).permute(0, 2, 1, 3) for t in (q, k, v))
        scores = torch.matmul(q, k.transpose(-1, -2)) / torch.full([], hd ** 0.5)
        causal = torch.ones(T, T, dtype=torch.bool).tril()
        scores = torch.where(causal, scores, torch.tensor(torch.finfo(scores.dtype).min))
        probs = self.softmax(scores)
        ctx = torch.matmul(probs, v).permute(0, 2, 1, 3).reshape(B, T, D)
        x = x + self.c_proj(ctx)
        return x + self.mlp_proj(gelu_new(self.c_fc(self.ln_2(x))))


class Embed(nn.Module):
    def __init__(self, wte, wpe):
        super().__init__()
        self.wte = nn.Parameter(wte, requires_grad=False)
        self.wpe = nn.Parameter(wpe, requires_grad=False)

    def forward(self, ids):
        pos = torch.arange(ids.shape[-1])
        return nn.functional.embedding(ids, self.wte) + nn.functional.embedding(pos, self.wpe)


class GPT2LMHead(nn.Module):
    def __init__(self, w, config):
        super().__init__()
        eps = config.get("layer_norm_epsilon", 1e-5)
        self.embed = Embed(w["transformer.wte.weight"], w["transformer.wpe.weight"])
        self.h = nn.ModuleList(
            Block(w, f"transformer.h.{i}.", config["n_head"], eps) for i in range(config["n_layer"]))
        self.ln_f = layer_norm(w, "transformer.ln_f.", eps)

    def forward(self, ids):
        x = self.embed(ids)
        for block in self.h:
            x = block(x)
        x = self.ln_f(x)
        return nn.functional.linear(x, self.embed.wte)  # tied lm_head


def rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def compare(captured, path):
    ref = read_safetensors(path)
    worst = 0.0
    for name, t in captured.items():
        b = ref[name].double()
        a = t.double().reshape(b.shape)
        err = ((a - b).abs().max() / max(1.0, b.abs().max().item())).item()
        worst = max(worst, err)
        if err > 1e-5:
            print(f"  MISMATCH {name}: {err:.3g}")
    return worst, len(captured)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--dir", default=os.path.join(tempfile.gettempdir(), "strata_bench_gpt2"))
    ap.add_argument("--out", default=None)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--lengths", default="128,512")
    args = ap.parse_args()
    out = args.out or args.dir
    torch.set_num_threads(args.threads)
    with open(os.path.join(args.dir, "config.json")) as f:
        config = json.load(f)
    t0 = time.perf_counter()
    model = GPT2LMHead(read_safetensors(os.path.join(args.dir, "model.safetensors")), config).eval()
    load_s = time.perf_counter() - t0

    captured = {}
    hooks = [model.embed.register_forward_hook(lambda m, i, o: captured.__setitem__("hidden.0", o))]
    L = len(model.h)
    for l, block in enumerate(model.h):
        if l + 1 < L:  # the last entry of hidden_states is after ln_f, as in HF
            hooks.append(block.register_forward_hook(
                lambda m, i, o, l=l: captured.__setitem__(f"hidden.{l + 1}", o)))
        hooks.append(block.softmax.register_forward_hook(
            lambda m, i, o, l=l: captured.__setitem__(f"attn.{l}", o)))
    hooks.append(model.ln_f.register_forward_hook(
        lambda m, i, o: captured.__setitem__(f"hidden.{L}", o)))

    print(f"threads {torch.get_num_threads()} | load {load_s:.2f} s | PyTorch {torch.__version__} eager")
    for T in (int(n) for n in args.lengths.split(",")):
        ids_path = os.path.join(out, f"ids_T{T}.txt")
        if not os.path.exists(ids_path):
            print(f"T={T}: no {ids_path}; run bench_trace first")
            continue
        ids = torch.tensor([int(s) for s in open(ids_path).read().split()]).view(1, -1)
        times = []
        with torch.inference_mode():
            for r in range(args.repeat + 1):
                captured.clear()
                a = time.perf_counter()
                logits = model(ids)
                times.append(time.perf_counter() - a)
        captured["logits"] = logits
        med = sorted(times[1:])[len(times[1:]) // 2]
        line = f"RESULT T={T} total_s={med:.4f} peak_rss_mib={rss_mib():.0f}"
        ref = os.path.join(out, f"strata_T{T}.safetensors")
        if os.path.exists(ref):
            worst, n = compare({k: v[0] for k, v in captured.items()}, ref)
            line += f" max_rel_diff_vs_strata={worst:.2e} over {n} tensors" + (
                " OK" if worst <= 1e-5 else " FAIL")
        print(line, flush=True)


if __name__ == "__main__":
    sys.exit(main())
