"""Build a tiny, randomly initialised Qwen3-ASR checkpoint from qwen-asr's own classes.

The real models cannot be downloaded here, but the package's code paths (processor, chat template,
audio encoder, text decoder, generate, output parsing) can all run on a checkpoint with the same
architecture and a few thousand parameters. Its text is nonsense; its plumbing is real.

Pitfalls this recipe handles:
- the processor reads ``audio_token`` / ``audio_bos_token`` / ``audio_eos_token`` off the tokenizer,
  so they are declared as the tokenizer's extra special tokens;
- the model finds audio positions by ``audio_token_id``, which must be the tokenizer's id for it;
- the processor computes the number of audio tokens assuming 100-frame windows, so the encoder's
  ``n_window`` must be 50 (windows of 2 * n_window frames) or the counts disagree;
- multimodal RoPE splits ``head_dim / 2`` into three sections, so ``mrope_section`` must add up to it;
- ``generate`` stops on Qwen's real end-of-turn ids (151643, 151645), which a tiny vocabulary does not
  have: callers cap ``max_new_tokens`` instead.
"""

from __future__ import annotations

from pathlib import Path

SPECIAL_TOKENS = [
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|audio_start|>",
    "<|audio_end|>",
    "<|audio_pad|>",
    "<asr_text>",
]

# The same conversation shape as Qwen3-ASR's template: a system turn carrying the context, a user
# turn holding the audio placeholder, then the assistant's turn.
CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for part in message['content'] %}{% if part['type'] == 'audio' %}"
    "<|audio_start|><|audio_pad|><|audio_end|>{% endif %}{% endfor %}{% endif %}"
    "<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

TRAINING_TEXT = [
    "the quick brown fox jumps over the lazy dog",
    "language English",
    "language German",
    "hello world this is keyvox dictation",
    "Kubernetes GitHub Node.js",
    "eins zwei drei vier",
]


def build_tokenizer():
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import Qwen2TokenizerFast

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400, special_tokens=SPECIAL_TOKENS, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    bpe.train_from_iterator(TRAINING_TEXT, trainer)
    return Qwen2TokenizerFast(
        tokenizer_object=bpe,
        unk_token=None,
        bos_token=None,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        extra_special_tokens={
            "audio_token": "<|audio_pad|>",
            "audio_bos_token": "<|audio_start|>",
            "audio_eos_token": "<|audio_end|>",
        },
    )


def build_tiny_qwen3_asr(target: Path) -> Path:
    """Write a tiny Qwen3-ASR checkpoint (config, safetensors, tokenizer, processor) into ``target``."""
    import torch
    from qwen_asr.core.transformers_backend import (
        Qwen3ASRConfig,
        Qwen3ASRForConditionalGeneration,
        Qwen3ASRProcessor,
    )
    from transformers import WhisperFeatureExtractor

    tokenizer = build_tokenizer()
    ids = tokenizer.convert_tokens_to_ids
    # head_dim 64 is the smallest that vLLM's CPU attention kernels accept; rope sections add up to 64 / 2.
    hidden, head_dim = 32, 64
    config = Qwen3ASRConfig(
        thinker_config={
            "audio_config": {
                "num_mel_bins": 128,
                "encoder_layers": 1,
                "encoder_attention_heads": 2,
                "encoder_ffn_dim": 64,
                "d_model": 32,
                "output_dim": hidden,
                "n_window": 50,
                "n_window_infer": 800,
                "downsample_hidden_size": 8,
                "max_source_positions": 1500,
            },
            "text_config": {
                "vocab_size": len(tokenizer),
                "hidden_size": hidden,
                "intermediate_size": 64,
                "num_hidden_layers": 1,
                "num_attention_heads": 2,
                "num_key_value_heads": 1,
                "head_dim": head_dim,
                "max_position_embeddings": 4096,
                "tie_word_embeddings": False,
                "rope_scaling": {
                    "rope_type": "default",
                    "mrope_section": [16, 8, 8],
                    "interleaved": True,
                    "mrope_interleaved": True,
                },
            },
            "audio_token_id": ids("<|audio_pad|>"),
            "audio_start_token_id": ids("<|audio_start|>"),
            "user_token_id": ids("<|im_start|>"),
        },
        support_languages=["English", "German"],
    )
    torch.manual_seed(0)
    model = Qwen3ASRForConditionalGeneration(config).eval()
    target.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(target)
    processor = Qwen3ASRProcessor(
        feature_extractor=WhisperFeatureExtractor(feature_size=128),
        tokenizer=tokenizer,
        chat_template=CHAT_TEMPLATE,
    )
    processor.save_pretrained(target)
    return target
