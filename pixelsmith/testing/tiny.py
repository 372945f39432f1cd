"""Tiny random checkpoints (a few hundred KB each), one builder per model role.

Every builder seeds torch so the same call writes the same weights. The pictures these
models produce are noise; the shapes, coordinates and plumbing are those of the real ones.
"""

from __future__ import annotations

import string
from functools import cache
from pathlib import Path

import torch

from pixelsmith.testing.tiny_adapters import build_lcm_lora
from pixelsmith.testing.tiny_onnx import build_lama
from pixelsmith.testing.tiny_planner import build_planner
from pixelsmith.testing.tiny_upscaler import build_upscaler

TINY_SIZE = 64  # pixels: the native resolution of every tiny vision model
LCM_DIR = "lcm-lora"
IP_ADAPTER_DIR = "ip-adapter"  # reference photos for the inpainters (built by `build_all`)
ROLE_DIRS = {
    "detector": "owlv2",
    "segmenter": "sam",
    "inpainter": "sd-inpaint",
    "generator": "sd",
    "ranker": "clip",
    "editor": "ip2p",
    "eraser": "lama",
    "upscaler": "esrgan",
}
PLANNER_DIR = "qwen3"  # the local planner's tiny model: built, not set in the config (see write_config)


def tiny_tokenizer(*, max_length: int = 77):
    """A CLIP BPE tokenizer whose merges make everyday words single tokens, as CLIP's do.

    Its merges are learned (huggingface `tokenizers`' BPE trainer) from the words of
    `pixelsmith.testing.words`, so "a photo of a teddy bear" is 7 tokens here as in the real
    tokenizer, and a long phrase overruns OWL's 16 positions here as it does there; other
    words fall back to pieces and letters. The end-of-text token has the highest id (OWL-ViT
    pools text at argmax(input_ids)) and start-of-text the next (OWL treats a query whose
    first id is 0 as padding).
    """
    from transformers import CLIPTokenizer

    vocab, merges = _learned_bpe()
    return CLIPTokenizer(vocab=vocab, merges=merges, pad_token="!", model_max_length=max_length)


@cache
def _learned_bpe() -> tuple[dict[str, int], list[tuple[str, str]]]:
    import json

    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    from pixelsmith.testing.words import vocabulary

    symbols = list(string.ascii_lowercase + string.digits) + ["!", ",", ".", "'", "-"]
    bpe = Tokenizer(models.BPE(end_of_word_suffix="</w>"))
    bpe.pre_tokenizer = pre_tokenizers.Whitespace()
    trainer = trainers.BpeTrainer(
        vocab_size=5000, initial_alphabet=symbols, end_of_word_suffix="</w>", show_progress=False
    )
    bpe.train_from_iterator(vocabulary(), trainer)
    learned = json.loads(bpe.to_str())["model"]
    tokens = symbols + [s + "</w>" for s in symbols]
    tokens += [t for t in sorted(learned["vocab"], key=learned["vocab"].get) if t not in set(tokens)]
    tokens += ["<|startoftext|>", "<|endoftext|>"]
    merges = [tuple(m) if isinstance(m, list) else tuple(m.split(" ")) for m in learned["merges"]]
    return {token: index for index, token in enumerate(tokens)}, merges


def _text_config(vocab_size: int, max_positions: int) -> dict:
    return dict(
        hidden_size=32,
        intermediate_size=37,
        num_hidden_layers=2,
        num_attention_heads=2,
        vocab_size=vocab_size,
        max_position_embeddings=max_positions,
        projection_dim=32,
        bos_token_id=vocab_size - 2,
        eos_token_id=vocab_size - 1,
        pad_token_id=0,
    )


def _vision_config(*, patch_size: int = 16) -> dict:
    return dict(
        hidden_size=32,
        intermediate_size=37,
        num_hidden_layers=2,
        num_attention_heads=2,
        image_size=TINY_SIZE,
        patch_size=patch_size,
        projection_dim=32,
    )


def build_owl(out: Path, *, version: str = "owlv2") -> Path:
    """OWLv2 (default) or OWL-ViT detector with its processor, at 64 px."""
    from transformers import (
        Owlv2Config,
        Owlv2ForObjectDetection,
        Owlv2ImageProcessor,
        Owlv2Processor,
        OwlViTConfig,
        OwlViTForObjectDetection,
        OwlViTImageProcessor,
        OwlViTProcessor,
    )

    torch.manual_seed(0)
    tokenizer = tiny_tokenizer(max_length=16)
    text, vision = _text_config(len(tokenizer), 16), _vision_config()
    if version == "owlv2":
        model = Owlv2ForObjectDetection(
            Owlv2Config(text_config=text, vision_config=vision, projection_dim=32)
        )
        images = Owlv2ImageProcessor(size={"height": TINY_SIZE, "width": TINY_SIZE})
        processor = Owlv2Processor(image_processor=images, tokenizer=tokenizer)
    else:
        model = OwlViTForObjectDetection(
            OwlViTConfig(text_config=text, vision_config=vision, projection_dim=32)
        )
        images = OwlViTImageProcessor(
            size={"height": TINY_SIZE, "width": TINY_SIZE},
            crop_size={"height": TINY_SIZE, "width": TINY_SIZE},
        )
        processor = OwlViTProcessor(image_processor=images, tokenizer=tokenizer)
    _tame_heads(model)
    model.save_pretrained(out)
    processor.save_pretrained(out)
    return out


@torch.no_grad()
def _tame_heads(model) -> None:
    """Shrink the last layers of the box and class heads.

    With full-size random heads the boxes collapse to zero width and the logits saturate;
    small last layers keep boxes near OWL's per-patch prior and scores spread around 0.5,
    so a threshold of 0 yields real boxes for the geometry tests.
    """
    for layer in (model.box_head.dense2, model.class_head.logit_scale, model.class_head.logit_shift):
        layer.weight.mul_(0.01)


def build_sam(out: Path, *, hq: bool = False) -> Path:
    """SAM (transformers SamModel), or SAM-HQ with `hq`, at 64 px with patch size 8."""
    from transformers import SamConfig, SamHQConfig, SamHQModel, SamImageProcessor, SamModel, SamProcessor

    torch.manual_seed(0)
    decoder = dict(hidden_size=32, mlp_dim=64, num_attention_heads=2, iou_head_hidden_dim=32)
    config = (SamHQConfig if hq else SamConfig)(
        vision_config=dict(
            hidden_size=32,
            output_channels=32,
            num_hidden_layers=2,
            num_attention_heads=2,
            image_size=TINY_SIZE,
            patch_size=8,
            window_size=4,
            global_attn_indexes=[1],
            num_pos_feats=16,
            mlp_dim=64,
        ),
        prompt_encoder_config=dict(hidden_size=32, image_size=TINY_SIZE, patch_size=8, mask_input_channels=4),
        mask_decoder_config=decoder | ({"vit_dim": 32} if hq else {}),
    )
    model = (SamHQModel if hq else SamModel)(config)
    images = SamImageProcessor(
        size={"longest_edge": TINY_SIZE},
        pad_size={"height": TINY_SIZE, "width": TINY_SIZE},
        mask_size={"longest_edge": TINY_SIZE // 4},
        mask_pad_size={"height": TINY_SIZE // 4, "width": TINY_SIZE // 4},
    )
    model.save_pretrained(out)
    SamProcessor(image_processor=images).save_pretrained(out)
    return out


def _sd_shared():
    """The text encoder, tokenizer, VAE and scheduler shared by both SD checkpoints."""
    from diffusers import AutoencoderKL, PNDMScheduler
    from transformers import CLIPTextConfig, CLIPTextModel

    tokenizer = tiny_tokenizer()
    torch.manual_seed(0)
    text_encoder = CLIPTextModel(CLIPTextConfig(**_text_config(len(tokenizer), 77)))
    torch.manual_seed(0)
    vae = AutoencoderKL(  # four levels keep the real 8x latent scale factor
        block_out_channels=(16, 16, 32, 32),
        norm_num_groups=8,
        layers_per_block=1,
        down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4,
        latent_channels=4,
        sample_size=TINY_SIZE,
    )
    scheduler = PNDMScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        skip_prk_steps=True,
        set_alpha_to_one=False,
        steps_offset=1,
    )
    return tokenizer, text_encoder, vae, scheduler


def _tiny_unet(in_channels: int):
    from diffusers import UNet2DConditionModel

    torch.manual_seed(0)
    return UNet2DConditionModel(
        sample_size=TINY_SIZE // 8,
        in_channels=in_channels,
        out_channels=4,
        block_out_channels=(32, 64),
        layers_per_block=1,
        cross_attention_dim=32,
        attention_head_dim=4,
        norm_num_groups=32,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
    )


def build_sd(out: Path, *, inpainting: bool = False, instruct: bool = False) -> Path:
    """Stable Diffusion 1.x layout: inpainting (9-channel UNet), InstructPix2Pix (8: the
    photo's latents beside the noise) or text-to-image (4)."""
    from diffusers import (
        StableDiffusionInpaintPipeline,
        StableDiffusionInstructPix2PixPipeline,
        StableDiffusionPipeline,
    )

    tokenizer, text_encoder, vae, scheduler = _sd_shared()
    pipeline_class, channels = StableDiffusionPipeline, 4
    if inpainting:
        pipeline_class, channels = StableDiffusionInpaintPipeline, 9
    elif instruct:
        pipeline_class, channels = StableDiffusionInstructPix2PixPipeline, 8
    if instruct:  # timbrooks/instruct-pix2pix ships Euler ancestral
        from diffusers import EulerAncestralDiscreteScheduler

        scheduler = EulerAncestralDiscreteScheduler.from_config(scheduler.config)
    pipeline = pipeline_class(
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        unet=_tiny_unet(channels),
        scheduler=scheduler,
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    pipeline.save_pretrained(out, safe_serialization=True)
    return out


def build_clip(out: Path) -> Path:
    """CLIP ranker (image-text similarity) at 64 px."""
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPProcessor

    torch.manual_seed(0)
    tokenizer = tiny_tokenizer()
    model = CLIPModel(
        CLIPConfig(
            text_config=_text_config(len(tokenizer), 77),
            vision_config=_vision_config(),
            projection_dim=32,
        )
    )
    images = CLIPImageProcessor(
        size={"shortest_edge": TINY_SIZE}, crop_size={"height": TINY_SIZE, "width": TINY_SIZE}
    )
    model.save_pretrained(out)
    CLIPProcessor(image_processor=images, tokenizer=tokenizer).save_pretrained(out)
    return out


def build_roles(root: str | Path) -> dict[str, Path]:
    """Write one tiny checkpoint per role (its default backend) under `root`; returns {role: folder}."""
    root = Path(root)
    folders = {role: root / name for role, name in ROLE_DIRS.items()}
    build_owl(folders["detector"])
    build_owl(root / "owlvit", version="owlvit")
    build_sam(folders["segmenter"])
    build_sd(folders["inpainter"], inpainting=True)
    build_sd(folders["generator"], inpainting=False)
    build_clip(folders["ranker"])
    build_sd(folders["editor"], instruct=True)
    build_lama(folders["eraser"])  # tiny_onnx: an ONNX graph, not a torch checkpoint
    build_upscaler(folders["upscaler"])  # tiny_upscaler: a spandrel network, Real-ESRGAN's key names
    build_lcm_lora(root / LCM_DIR, _tiny_unet(4))
    build_planner(root / PLANNER_DIR)  # tiny_planner: Qwen3's architecture and tool-call template
    return folders


def write_config(root: str | Path, folders: dict[str, Path] | None = None) -> Path:
    """Write `root/pixelsmith.toml` pointing every role at the tiny checkpoints.

    The detector threshold is 0 so that random weights still yield boxes, and the
    'everything' filter is off so random SAM weights still yield masks.
    """
    root = Path(root).resolve()
    folders = folders or {role: root / name for role, name in ROLE_DIRS.items()}
    text = f"""# Tiny random checkpoints written by `pixelsmith tiny-models`: pictures are noise.
device = "cpu"

[detector]
model = "{folders["detector"].resolve().as_posix()}"
backend = "owlv2"
threshold = 0.0

[segmenter]
model = "{folders["segmenter"].resolve().as_posix()}"
backend = "sam"
points_per_side = 4
everything_min_score = 0.0

[inpainter]
model = "{folders["inpainter"].resolve().as_posix()}"

[generator]
model = "{folders["generator"].resolve().as_posix()}"

[ranker]
model = "{folders["ranker"].resolve().as_posix()}"

[editor]
model = "{folders["editor"].resolve().as_posix()}"

[eraser]
model = "{folders["eraser"].resolve().as_posix()}"

[upscaler]
model = "{folders["upscaler"].resolve().as_posix()}"

[preview]
lcm_lora = "{(root / LCM_DIR).as_posix()}"
lcm_lora_xl = "{(root / "lcm-lora-xl").as_posix()}"

[reference]
model = "{(root / IP_ADAPTER_DIR).as_posix()}"

# Other backends have tiny checkpoints here too; switch a role with two lines, e.g.
#   [detector]  model = "{(root / "grounding-dino").as_posix()}"  backend = "grounding-dino"
#   [segmenter] model = "{(root / "sam2").as_posix()}"  backend = "sam2"  (sam3/: "sam3", text_threshold 0)
#   [inpainter] model = "{(root / "sdxl-inpaint").as_posix()}"  backend = "sdxl"
#   [generator] model = "{(root / "sdxl").as_posix()}"  backend = "sdxl"
#   [editor]    model = "{(root / "flux-kontext").as_posix()}"  backend = "flux-kontext"  max_pixels = 4096
# The local planner on a tiny random model plans at random (validly): `auto` would pick it; try it with:
#   [planner_model] model = "{(root / PLANNER_DIR).as_posix()}"  max_new_tokens = 1024  max_string_chars = 24

# Concepts train in seconds on the tiny models (the real defaults: 400 steps at 512 px).
[training]
steps = 10
resolution = 64
class_images = 2
class_steps = 2
"""
    (root / "pixelsmith.toml").write_text(text)
    return root / "pixelsmith.toml"
