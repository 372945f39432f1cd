"""Sections of the settings that stand on their own: the chat UI as a service, and Ray
Serve's scaling per role (`pixelsmith.config.Settings` holds them)."""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator


class UISettings(BaseModel):
    """The chat UI as a service others reach (`pixelsmith ui --host` beyond this machine)."""

    shared: bool = Field(
        default=False,
        description="Reached by other people: each browser sees only its own sessions. Set by "
        "`pixelsmith ui` when it listens beyond localhost.",
    )
    share_concepts: bool = Field(
        default=False,
        description="When shared: every browser sees every concept (else each its own, and the "
        "command line's).",
    )
    allow_model_changes: bool | None = Field(
        default=None,
        description="The sidebar's Models box (one model per role for the whole server); None: "
        "only when not shared.",
    )

    def models_box(self) -> bool:
        return (not self.shared) if self.allow_model_changes is None else self.allow_model_changes


class Scaling(BaseModel):
    """How one role's Ray Serve deployment runs (`executor = "ray"`, `pixelsmith serve`)."""

    replicas: int = Field(default=1, ge=1, le=64, description="Replicas; the minimum when autoscaling.")
    max_replicas: int | None = Field(default=None, ge=1, le=256, description="Autoscale up to this many.")
    gpu_fraction: float | None = Field(
        default=None, ge=0.0, le=1.0, description="GPU share per replica; None: a per-role default on GPUs."
    )
    num_cpus: float = Field(default=1.0, ge=0.0, le=256.0, description="CPUs reserved per replica.")

    @model_validator(mode="after")
    def _check_max(self) -> Scaling:
        if self.max_replicas is not None and self.max_replicas < self.replicas:
            raise ValueError(f"max_replicas must be >= replicas ({self.replicas}), got {self.max_replicas}")
        return self


class ServeSettings(BaseModel):
    """One Ray Serve deployment per model role, e.g. `[serve.inpainter] replicas = 2`."""

    detector: Scaling = Scaling()
    segmenter: Scaling = Scaling()
    inpainter: Scaling = Scaling()
    generator: Scaling = Scaling()
    ranker: Scaling = Scaling()
    editor: Scaling = Scaling()
    eraser: Scaling = Scaling()
    upscaler: Scaling = Scaling()
