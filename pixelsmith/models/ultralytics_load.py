"""Loading MobileSAM and FastSAM through ultralytics, offline (`segmenter.backend = "ultralytics"`).

ultralytics is AGPL-3.0 and an opt-in extra (`pip install "pixelsmith[ultralytics]"`), so it
is imported only inside the functions here, configured to stay off the network. As in
ultralytics, the file NAME picks the architecture: a name containing "FastSAM" is a FastSAM
(YOLO-seg) checkpoint, a name ending in mobile_sam.pt (or sam_b/sam_l/sam_h.pt) a SAM. Only
existing files are ever handed to ultralytics: given a bare asset name it would download it.
Running the loaded models is `pixelsmith.models.ultralytics_sam`.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import platformdirs
from PIL import Image

from pixelsmith.errors import UserError

SAM_NAMES = ("mobile_sam.pt", "sam_b.pt", "sam_l.pt", "sam_h.pt")  # ultralytics matches the name's end


def model_family(path: Path) -> str:
    """'fastsam' or 'sam' from the file name, as ultralytics decides; anything else is a UserError."""
    if "fastsam" in path.name.lower():
        return "fastsam"
    if path.name.endswith(SAM_NAMES):
        return "sam"
    raise UserError(
        f"cannot tell the ultralytics model from the file name {path.name!r}: name a FastSAM "
        f"checkpoint with 'FastSAM' in it (FastSAM-s.pt) or end a SAM one in {' / '.join(SAM_NAMES)}"
    )


def configure_offline(data_dir: str | Path | None = None) -> None:
    """Keep ultralytics off the network: no online checks, no pip installs, a private config dir.

    Sets YOLO_OFFLINE=1, YOLO_AUTOINSTALL=0 and YOLO_CONFIG_DIR (`<data_dir>/ultralytics`, or a
    temporary folder when that is not writable) unless the user already set them. Takes effect
    only before ultralytics is first imported.
    """
    os.environ.setdefault("YOLO_OFFLINE", "1")
    os.environ.setdefault("YOLO_AUTOINSTALL", "0")
    if os.environ.get("YOLO_CONFIG_DIR"):
        return
    data_dir = data_dir or os.environ.get("PIXELSMITH_DATA_DIR") or platformdirs.user_data_dir("pixelsmith")
    config_dir = Path(data_dir).expanduser() / "ultralytics"
    try:
        config_dir.mkdir(parents=True, exist_ok=True)
    except OSError:
        config_dir = Path(tempfile.mkdtemp(prefix="pixelsmith-ultralytics-"))
    os.environ["YOLO_CONFIG_DIR"] = str(config_dir)


def _system_font() -> Path | None:
    """A TTF on this machine: matplotlib's DejaVuSans.ttf (found without importing it), else a system font."""
    import importlib.util

    spec = importlib.util.find_spec("matplotlib")
    for root in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(root) / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf"
        if candidate.is_file():
            return candidate
    for folder in ("/usr/share/fonts", "/usr/local/share/fonts", "/Library/Fonts", "C:/Windows/Fonts"):
        found = next(Path(folder).rglob("*.ttf"), None) if Path(folder).is_dir() else None
        if found is not None:
            return found
    return None


def _install_font() -> None:
    """Put a TTF named Arial.ttf where ultralytics looks, so plotting never fetches it."""
    from ultralytics.utils import USER_CONFIG_DIR

    target = Path(USER_CONFIG_DIR) / "Arial.ttf"
    source = None if target.exists() else _system_font()
    if source is not None:
        try:
            shutil.copyfile(source, target)
        except OSError:
            pass  # a read-only config dir: plotting is not used by pixelsmith


def _undo_global_patches(numpy_print: dict[str, Any] | None) -> None:
    """Take back what importing ultralytics changes for the whole process.

    It replaces `PIL.Image.open` with a wrapper that, on an unidentifiable file, pip-installs
    pi-heif (or raises ModuleNotFoundError instead of UnidentifiedImageError), and it sets
    numpy's print options. pixelsmith passes arrays to ultralytics, so neither is needed.
    """
    from ultralytics.utils import patches

    if Image.open is getattr(patches, "image_open", None):
        Image.open = patches._image_open
    if numpy_print is not None:
        np.set_printoptions(**numpy_print)


def import_ultralytics(data_dir: str | Path | None = None) -> Any:
    """The ultralytics module, configured offline; a UserError naming the extra if it is missing."""
    numpy_print = None
    if "ultralytics" not in sys.modules:
        configure_offline(data_dir)
        numpy_print = np.get_printoptions()
    try:
        import ultralytics
    except ImportError as err:
        extra = 'pip install "pixelsmith[ultralytics]"'
        raise UserError(f"the ultralytics segmenter backend needs the optional extra: {extra}") from err
    _undo_global_patches(numpy_print)
    _install_font()
    return ultralytics
