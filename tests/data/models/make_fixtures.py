#!/usr/bin/python3
"""Writes the tiny fixture checkpoints under tests/data/models/ and the sample model under
resources/samples/tiny-gpt2/.

Independent of Strata: the safetensors files are written here with struct + json, and the
expected values (parameter counts, elements per dtype) are computed here from the tensors
this script writes, so the C++ tests compare against numbers the C++ code did not produce.

Run from anywhere with /usr/bin/python3 (needs numpy only). The outputs are committed; the
product and the tests never run this script.
"""
import json
import os
import shutil
import struct
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
GPT2_TOKENIZER = "/work/shared/tokenizers/gpt2/tokenizer.json"

FLOATING = ("F32", "F16", "BF16")


def to_bytes(arr, dtype):
    arr = np.ascontiguousarray(arr)
    if dtype == "F32":
        return arr.astype("<f4").tobytes()
    if dtype == "F16":
        return arr.astype("<f2").tobytes()
    if dtype == "BF16":
        u = arr.astype("<f4").view("<u4").astype(np.uint64)
        u = (u + 0x7FFF + ((u >> 16) & 1)) >> 16  # round to nearest even
        return u.astype("<u2").tobytes()
    if dtype == "I64":
        return arr.astype("<i8").tobytes()
    raise ValueError(dtype)


def write_safetensors(path, tensors, metadata=None):
    """tensors: list of (name, dtype, np.ndarray). Data in sorted-name order, header padded
    with spaces to an 8-byte boundary, as the reference implementation does."""
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    blobs = []
    offset = 0
    for name, dtype, arr in sorted(tensors, key=lambda t: t[0]):
        data = to_bytes(arr, dtype)
        header[name] = {"dtype": dtype, "shape": list(arr.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


class Model:
    """Collects tensors with their role: 'param' (counted) or 'buffer' (not counted)."""

    def __init__(self, seed, dtype):
        self.rng = np.random.default_rng(seed)
        self.dtype = dtype
        self.items = []  # (name, dtype, array, role)

    def p(self, name, *shape, dtype=None):
        arr = (self.rng.standard_normal(shape) * 0.02).astype(np.float32)
        self.items.append((name, dtype or self.dtype, arr, "param"))

    def ones(self, name, *shape):
        self.items.append((name, self.dtype, np.ones(shape, np.float32), "param"))

    def buffer(self, name, dtype, arr):
        self.items.append((name, dtype, arr, "buffer"))

    def expected(self):
        params = sum(int(np.prod(a.shape)) for n, d, a, r in self.items
                     if r == "param" and d in FLOATING)
        by_dtype = {}
        for n, d, a, r in self.items:
            by_dtype[d] = by_dtype.get(d, 0) + int(np.prod(a.shape))
        return {"parameterCount": params, "elementsByDType": by_dtype,
                "tensorCount": len(self.items)}

    def tensors(self):
        return [(n, d, a) for n, d, a, r in self.items]


# ---------------------------------------------------------------- families

def gpt2(m, cfg, prefix, hub_buffers):
    d, L, V, P = cfg["n_embd"], cfg["n_layer"], cfg["vocab_size"], cfg["n_positions"]
    inner = cfg.get("n_inner") or 4 * d
    m.p(prefix + "wte.weight", V, d)
    m.p(prefix + "wpe.weight", P, d)
    for i in range(L):
        b = f"{prefix}h.{i}."
        m.ones(b + "ln_1.weight", d); m.p(b + "ln_1.bias", d)
        m.p(b + "attn.c_attn.weight", d, 3 * d); m.p(b + "attn.c_attn.bias", 3 * d)  # Conv1D
        m.p(b + "attn.c_proj.weight", d, d); m.p(b + "attn.c_proj.bias", d)
        m.ones(b + "ln_2.weight", d); m.p(b + "ln_2.bias", d)
        m.p(b + "mlp.c_fc.weight", d, inner); m.p(b + "mlp.c_fc.bias", inner)
        m.p(b + "mlp.c_proj.weight", inner, d); m.p(b + "mlp.c_proj.bias", d)
        if hub_buffers:
            mask = np.tril(np.ones((P, P), np.float32)).reshape(1, 1, P, P)
            m.buffer(b + "attn.bias", "F32", mask)
            m.buffer(b + "attn.masked_bias", "F32", np.array(-1e4, np.float32))
    m.ones(prefix + "ln_f.weight", d); m.p(prefix + "ln_f.bias", d)


def llama(m, cfg, lm_head=True, qkv_bias=False):
    d, L, V = cfg["hidden_size"], cfg["num_hidden_layers"], cfg["vocab_size"]
    h = cfg["num_attention_heads"]
    kv = cfg.get("num_key_value_heads") or h
    hd = cfg.get("head_dim") or d // h
    inter = cfg["intermediate_size"]
    m.p("model.embed_tokens.weight", V, d)
    for i in range(L):
        b = f"model.layers.{i}."
        m.ones(b + "input_layernorm.weight", d)
        m.p(b + "self_attn.q_proj.weight", h * hd, d)
        m.p(b + "self_attn.k_proj.weight", kv * hd, d)
        m.p(b + "self_attn.v_proj.weight", kv * hd, d)
        if qkv_bias:
            m.p(b + "self_attn.q_proj.bias", h * hd)
            m.p(b + "self_attn.k_proj.bias", kv * hd)
            m.p(b + "self_attn.v_proj.bias", kv * hd)
        m.p(b + "self_attn.o_proj.weight", d, h * hd)
        m.ones(b + "post_attention_layernorm.weight", d)
        m.p(b + "mlp.gate_proj.weight", inter, d)
        m.p(b + "mlp.up_proj.weight", inter, d)
        m.p(b + "mlp.down_proj.weight", d, inter)
    m.ones("model.norm.weight", d)
    if lm_head:
        m.p("lm_head.weight", V, d)


def bert_encoder(m, cfg, prefix, old_ln=False):
    d, L, inter = cfg["hidden_size"], cfg["num_hidden_layers"], cfg["intermediate_size"]
    g, bb = ("gamma", "beta") if old_ln else ("weight", "bias")
    for i in range(L):
        b = f"{prefix}encoder.layer.{i}."
        for n in ("query", "key", "value"):
            m.p(b + f"attention.self.{n}.weight", d, d); m.p(b + f"attention.self.{n}.bias", d)
        m.p(b + "attention.output.dense.weight", d, d); m.p(b + "attention.output.dense.bias", d)
        m.ones(b + f"attention.output.LayerNorm.{g}", d); m.p(b + f"attention.output.LayerNorm.{bb}", d)
        m.p(b + "intermediate.dense.weight", inter, d); m.p(b + "intermediate.dense.bias", inter)
        m.p(b + "output.dense.weight", d, inter); m.p(b + "output.dense.bias", d)
        m.ones(b + f"output.LayerNorm.{g}", d); m.p(b + f"output.LayerNorm.{bb}", d)


def bert(m, cfg, prefix, old_ln, mlm, pooler, position_ids):
    d, V = cfg["hidden_size"], cfg["vocab_size"]
    P, T = cfg["max_position_embeddings"], cfg.get("type_vocab_size", 2)
    g, bb = ("gamma", "beta") if old_ln else ("weight", "bias")
    e = prefix + "embeddings."
    m.p(e + "word_embeddings.weight", V, d)
    m.p(e + "position_embeddings.weight", P, d)
    m.p(e + "token_type_embeddings.weight", T, d)
    m.ones(e + f"LayerNorm.{g}", d); m.p(e + f"LayerNorm.{bb}", d)
    if position_ids:
        m.buffer(e + "position_ids", "I64", np.arange(P, dtype=np.int64).reshape(1, P))
    bert_encoder(m, cfg, prefix, old_ln)
    if pooler:
        m.p(prefix + "pooler.dense.weight", d, d); m.p(prefix + "pooler.dense.bias", d)
    if mlm:  # BertForMaskedLM head; decoder.weight is tied to word_embeddings, not stored
        c = "cls.predictions."
        m.p(c + "bias", V)
        m.p(c + "transform.dense.weight", d, d); m.p(c + "transform.dense.bias", d)
        m.ones(c + f"transform.LayerNorm.{g}", d); m.p(c + f"transform.LayerNorm.{bb}", d)


def vit(m, cfg, prefix, classifier_labels):
    d, C, ps, im = cfg["hidden_size"], cfg["num_channels"], cfg["patch_size"], cfg["image_size"]
    n = (im // ps) ** 2
    e = prefix + "embeddings."
    m.p(e + "cls_token", 1, 1, d)
    m.p(e + "position_embeddings", 1, n + 1, d)
    m.p(e + "patch_embeddings.projection.weight", d, C, ps, ps)
    m.p(e + "patch_embeddings.projection.bias", d)
    d_, L, inter = d, cfg["num_hidden_layers"], cfg["intermediate_size"]
    for i in range(L):
        b = f"{prefix}encoder.layer.{i}."
        m.ones(b + "layernorm_before.weight", d_); m.p(b + "layernorm_before.bias", d_)
        for nm in ("query", "key", "value"):
            m.p(b + f"attention.attention.{nm}.weight", d_, d_)
            m.p(b + f"attention.attention.{nm}.bias", d_)
        m.p(b + "attention.output.dense.weight", d_, d_); m.p(b + "attention.output.dense.bias", d_)
        m.ones(b + "layernorm_after.weight", d_); m.p(b + "layernorm_after.bias", d_)
        m.p(b + "intermediate.dense.weight", inter, d_); m.p(b + "intermediate.dense.bias", inter)
        m.p(b + "output.dense.weight", d_, inter); m.p(b + "output.dense.bias", d_)
    m.ones(prefix + "layernorm.weight", d); m.p(prefix + "layernorm.bias", d)
    if classifier_labels:
        m.p("classifier.weight", classifier_labels, d); m.p("classifier.bias", classifier_labels)
    else:
        m.p(prefix + "pooler.dense.weight", d, d); m.p(prefix + "pooler.dense.bias", d)


# ---------------------------------------------------------------- configs

def cfg_gpt2(**over):
    c = {"activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"],
         "attn_pdrop": 0.1, "bos_token_id": 63, "embd_pdrop": 0.1, "eos_token_id": 63,
         "initializer_range": 0.02, "layer_norm_epsilon": 1e-05, "model_type": "gpt2",
         "n_ctx": 32, "n_embd": 16, "n_head": 4, "n_layer": 2, "n_positions": 32,
         "resid_pdrop": 0.1, "summary_activation": None, "summary_first_dropout": 0.1,
         "summary_proj_to_labels": True, "summary_type": "cls_index", "summary_use_proj": True,
         "vocab_size": 64}
    c.update(over)
    return c


def cfg_llama(**over):
    c = {"architectures": ["LlamaForCausalLM"], "attention_bias": False,
         "attention_dropout": 0.0, "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu",
         "hidden_size": 32, "initializer_range": 0.02, "intermediate_size": 48,
         "max_position_embeddings": 256, "mlp_bias": False, "model_type": "llama",
         "num_attention_heads": 4, "num_hidden_layers": 2, "num_key_value_heads": 2,
         "pretraining_tp": 1, "rms_norm_eps": 1e-05,
         "rope_scaling": {"factor": 8.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                          "original_max_position_embeddings": 64, "rope_type": "llama3"},
         "rope_theta": 500000.0, "tie_word_embeddings": False, "torch_dtype": "bfloat16",
         "transformers_version": "4.45.0", "use_cache": True, "vocab_size": 96}
    c.update(over)
    return c


def cfg_mistral(**over):
    c = {"architectures": ["MistralForCausalLM"], "bos_token_id": 1, "eos_token_id": 2,
         "hidden_act": "silu", "hidden_size": 32, "initializer_range": 0.02,
         "intermediate_size": 64, "max_position_embeddings": 128, "model_type": "mistral",
         "num_attention_heads": 4, "num_hidden_layers": 2, "num_key_value_heads": 1,
         "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "sliding_window": 16,
         "tie_word_embeddings": False, "torch_dtype": "float16",
         "transformers_version": "4.34.0", "use_cache": True, "vocab_size": 80}
    c.update(over)
    return c


def cfg_qwen2(**over):
    c = {"architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0,
         "bos_token_id": 0, "eos_token_id": 0, "hidden_act": "silu", "hidden_size": 32,
         "initializer_range": 0.02, "intermediate_size": 40, "max_position_embeddings": 128,
         "max_window_layers": 2, "model_type": "qwen2", "num_attention_heads": 4,
         "num_hidden_layers": 2, "num_key_value_heads": 2, "rms_norm_eps": 1e-06,
         "rope_theta": 1000000.0, "sliding_window": 128, "tie_word_embeddings": True,
         "torch_dtype": "float32", "transformers_version": "4.40.1", "use_cache": True,
         "use_sliding_window": False, "vocab_size": 100}
    c.update(over)
    return c


def cfg_bert(**over):
    c = {"architectures": ["BertForMaskedLM"], "attention_probs_dropout_prob": 0.1,
         "gradient_checkpointing": False, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
         "hidden_size": 16, "initializer_range": 0.02, "intermediate_size": 32,
         "layer_norm_eps": 1e-12, "max_position_embeddings": 32, "model_type": "bert",
         "num_attention_heads": 2, "num_hidden_layers": 2, "pad_token_id": 0,
         "position_embedding_type": "absolute", "transformers_version": "4.6.0.dev0",
         "type_vocab_size": 2, "use_cache": True, "vocab_size": 50}
    c.update(over)
    return c


def cfg_roberta(**over):
    c = {"architectures": ["RobertaModel"], "attention_probs_dropout_prob": 0.1,
         "bos_token_id": 0, "eos_token_id": 2, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
         "hidden_size": 16, "initializer_range": 0.02, "intermediate_size": 32,
         "layer_norm_eps": 1e-05, "max_position_embeddings": 34, "model_type": "roberta",
         "num_attention_heads": 4, "num_hidden_layers": 2, "pad_token_id": 1,
         "type_vocab_size": 1, "vocab_size": 60}
    c.update(over)
    return c


def cfg_vit(**over):
    c = {"architectures": ["ViTForImageClassification"], "attention_probs_dropout_prob": 0.0,
         "hidden_act": "gelu", "hidden_dropout_prob": 0.0, "hidden_size": 16,
         "id2label": {"0": "tench, Tinca tinca", "1": "goldfish, Carassius auratus",
                      "2": "great white shark, white shark, man-eater, man-eating shark, "
                           "Carcharodon carcharias"},
         "image_size": 32, "initializer_range": 0.02, "intermediate_size": 32,
         "label2id": {"tench, Tinca tinca": 0, "goldfish, Carassius auratus": 1,
                      "great white shark, white shark, man-eater, man-eating shark, "
                      "Carcharodon carcharias": 2},
         "layer_norm_eps": 1e-12, "model_type": "vit", "num_attention_heads": 2,
         "num_channels": 3, "num_hidden_layers": 2, "patch_size": 8, "qkv_bias": True,
         "transformers_version": "4.13.0.dev0"}
    c.update(over)
    return c


VIT_PREPROCESSOR = {"do_normalize": True, "do_rescale": True, "do_resize": True,
                    "image_mean": [0.5, 0.5, 0.5], "image_processor_type": "ViTImageProcessor",
                    "image_std": [0.5, 0.5, 0.5], "resample": 2,
                    "rescale_factor": 0.00392156862745098,
                    "size": {"height": 32, "width": 32}}


# ---------------------------------------------------------------- writing

def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write("\n")


def fresh_dir(path):
    if os.path.isdir(path):
        shutil.rmtree(path)
    os.makedirs(path)


def write_folder(path, cfg, model, shards=1, extra=None):
    fresh_dir(path)
    write_json(os.path.join(path, "config.json"), cfg)
    tensors = model.tensors()
    if shards == 1:
        write_safetensors(os.path.join(path, "model.safetensors"), tensors, {"format": "pt"})
    else:
        names = sorted(t[0] for t in tensors)
        per = (len(names) + shards - 1) // shards
        weight_map = {}
        total = 0
        for s in range(shards):
            fname = f"model-{s + 1:05d}-of-{shards:05d}.safetensors"
            part = set(names[s * per:(s + 1) * per])
            chunk = [t for t in tensors if t[0] in part]
            write_safetensors(os.path.join(path, fname), chunk, {"format": "pt"})
            for t in chunk:
                weight_map[t[0]] = fname
                total += len(to_bytes(t[2], t[1]))
        write_json(os.path.join(path, "model.safetensors.index.json"),
                   {"metadata": {"total_size": total}, "weight_map": weight_map})
    for name, obj in (extra or {}).items():
        write_json(os.path.join(path, name), obj)


def build_fixtures():
    out = HERE
    expected = {}

    def add(name, cfg, model, **kw):
        write_folder(os.path.join(out, name), cfg, model, **kw)
        expected[name] = model.expected()

    # GPT2LMHeadModel as saved by current transformers: "transformer." prefix, no buffers.
    c = cfg_gpt2()
    m = Model(1, "F32"); gpt2(m, c, "transformer.", hub_buffers=False)
    add("tiny-gpt2", c, m)

    # The Hub's original gpt2 naming: no prefix, stored attn.bias / attn.masked_bias buffers,
    # n_inner set explicitly, F16 weights next to F32 buffers.
    c = cfg_gpt2(n_inner=48, architectures=["GPT2LMHeadModel"], torch_dtype="float16")
    m = Model(2, "F16"); gpt2(m, c, "", hub_buffers=True)
    add("tiny-gpt2-hub", c, m)

    # Llama 3 style: GQA, llama3 rope scaling, untied lm_head, BF16, two shards.
    c = cfg_llama()
    m = Model(3, "BF16"); llama(m, c)
    add("tiny-llama", c, m, shards=2)

    c = cfg_mistral()
    m = Model(4, "F16"); llama(m, c)
    add("tiny-mistral", c, m)

    # Qwen2: q/k/v biases, tied embeddings (no lm_head stored).
    c = cfg_qwen2()
    m = Model(5, "F32"); llama(m, c, lm_head=False, qkv_bias=True)
    add("tiny-qwen2", c, m)

    # BertForMaskedLM with the old LayerNorm.gamma/beta names and a stored position_ids.
    c = cfg_bert()
    m = Model(6, "F32"); bert(m, c, "bert.", old_ln=True, mlm=True, pooler=False, position_ids=True)
    add("tiny-bert", c, m)

    # RobertaModel, saved without prefix, with pooler, F16.
    c = cfg_roberta()
    m = Model(7, "F16"); bert(m, c, "", old_ln=False, mlm=False, pooler=True, position_ids=False)
    add("tiny-roberta", c, m)

    # ViTForImageClassification: "vit." prefix, classifier over 3 labels.
    c = cfg_vit()
    m = Model(8, "F32"); vit(m, c, "vit.", classifier_labels=3)
    add("tiny-vit", c, m, extra={"preprocessor_config.json": VIT_PREPROCESSOR})

    # --- broken folders (config disagrees with weights) ---
    m = Model(9, "F32"); gpt2(m, cfg_gpt2(), "transformer.", hub_buffers=False)
    add("bad-vocab", cfg_gpt2(vocab_size=65), m)

    m = Model(10, "F32"); bert(m, cfg_bert(), "bert.", False, False, True, False)
    add("bad-hidden", cfg_bert(hidden_size=24), m)

    m = Model(11, "F32"); llama(m, cfg_qwen2(), lm_head=False, qkv_bias=True)
    add("bad-layers", cfg_qwen2(num_hidden_layers=3), m)

    m = Model(12, "F32"); llama(m, cfg_llama(), lm_head=False)
    m.p("lm_head.weight", 95, 32)
    add("bad-lm-head", cfg_llama(torch_dtype="float32"), m)

    # Llama weights where k_proj has 4 heads but the config says 2 KV heads.
    m = Model(13, "F32"); llama(m, cfg_llama(num_key_value_heads=4))
    add("bad-kv-heads", cfg_llama(torch_dtype="float32"), m)

    # Pickle-only folder: must be refused without being read.
    p = os.path.join(out, "pickle-only")
    fresh_dir(p)
    write_json(os.path.join(p, "config.json"), cfg_gpt2())
    with open(os.path.join(p, "pytorch_model.bin"), "wb") as f:
        f.write(b"PK\x03\x04 not a real pickle archive; it must never be opened\n")

    # Weights without config.json.
    p = os.path.join(out, "no-config")
    fresh_dir(p)
    m = Model(14, "F32"); gpt2(m, cfg_gpt2(), "transformer.", hub_buffers=False)
    write_safetensors(os.path.join(p, "model.safetensors"), m.tensors(), {"format": "pt"})

    return expected


# ---------------------------------------------------------------- sample model

def build_sample():
    out = os.path.join(ROOT, "resources", "samples", "tiny-gpt2")
    fresh_dir(out)
    src = json.load(open(GPT2_TOKENIZER, encoding="utf-8"))
    real_vocab = src["model"]["vocab"]
    by_id = {i: t for t, i in real_vocab.items()}
    vocab = {by_id[i]: i for i in range(256)}  # the 256 byte symbols, GPT-2's ids
    merges = []
    n_merges = 255  # 256 bytes + 255 merges + <|endoftext|> = 512
    for mg in src["model"]["merges"]:
        if len(merges) == n_merges:
            break
        a, b = mg.split(" ") if isinstance(mg, str) else mg
        if a in vocab and b in vocab and (a + b) not in vocab:
            merges.append(mg)
            vocab[a + b] = len(vocab)
    eot = len(vocab)
    model = dict(src["model"])
    model["vocab"] = vocab
    model["merges"] = merges
    tok = {"version": src["version"], "truncation": None, "padding": None,
           "added_tokens": [dict(src["added_tokens"][0], id=eot)],
           "normalizer": src["normalizer"], "pre_tokenizer": src["pre_tokenizer"],
           "post_processor": src["post_processor"], "decoder": src["decoder"], "model": model}
    with open(os.path.join(out, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tok, f, ensure_ascii=False, separators=(",", ":"))
    V = eot + 1
    cfg = cfg_gpt2(bos_token_id=eot, eos_token_id=eot, n_ctx=128, n_embd=64, n_head=4,
                   n_layer=2, n_positions=128, vocab_size=V, torch_dtype="float32")
    m = Model(2024, "F32"); gpt2(m, cfg, "transformer.", hub_buffers=False)
    write_json(os.path.join(out, "config.json"), cfg)
    write_safetensors(os.path.join(out, "model.safetensors"), m.tensors(), {"format": "pt"})
    with open(os.path.join(out, "README.md"), "w", encoding="utf-8") as f:
        f.write(f"""# tiny-gpt2 (random weights)

A GPT-2-shaped model with **random weights**, for smoke runs of the quick-start commands
(`strata-cli inspect resources/samples/tiny-gpt2`). Its outputs mean nothing; the real demo
models come later.

- `config.json`: GPT-2 keys; n_embd 64, n_layer 2, n_head 4, n_positions 128,
  vocab_size {V}.
- `model.safetensors`: GPT2LMHeadModel tensor names (`transformer.h.0.attn.c_attn.weight`,
  ...), F32, {m.expected()["parameterCount"]} parameters, tied input/output embeddings.
- `tokenizer.json`: byte-level BPE with GPT-2's pre-tokenizer, post-processor and decoder;
  its vocabulary is the 256 GPT-2 byte symbols plus the results of the first {len(merges)}
  merges of the real GPT-2 tokenizer (same ids as GPT-2 for those tokens), and
  `<|endoftext|>` as id {eot}.

Regenerate with `/usr/bin/python3 tests/data/models/make_fixtures.py`.
""")
    return m.expected()


if __name__ == "__main__":
    expected = build_fixtures()
    expected["sample-tiny-gpt2"] = build_sample()
    write_json(os.path.join(HERE, "expected.json"), expected)
    sys.exit(0)
