"""One DICOM image in its modality's units, with its pixel spacing (read with pydicom)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["read_dicom"]


def read_dicom(path, *, require_spacing=True):
    """Read one DICOM file: pixel values in the modality's units and the pixel spacing in mm.

    The stored values are mapped through the modality LUT, for CT the linear
    ``RescaleSlope * stored + RescaleIntercept`` that gives Hounsfield units (pydicom's
    ``apply_rescale``; without rescale tags the stored values are returned as they are).

    Parameters
    ----------
    path : str or Path
        A DICOM Part 10 file (with the ``DICM`` prefix), grayscale (SamplesPerPixel 1).
    require_spacing : bool
        Raise when the file has no valid PixelSpacing (0028,0030) (missing, or not two positive
        numbers). With ``False``, such a file gives ``spacing=None``.

    Returns
    -------
    image : ndarray of float32
        (rows, cols), or (frames, rows, cols) for a multi-frame file.
    spacing : tuple of float or None
        ``(row_mm, col_mm)``: the distance between adjacent rows and between adjacent columns,
        from PixelSpacing (for an enhanced multi-frame file, its shared PixelMeasuresSequence).

    Raises
    ------
    FileNotFoundError
        No such file.
    ValueError
        Naming the file: not a DICOM file; no PixelData (7FE0,0010); pixel data that cannot be
        decoded or is not grayscale; a missing or invalid PixelSpacing (0028,0030) when
        ``require_spacing``.

    Examples
    --------
    The CT slice that ships with pydicom (stored values 128..2191, RescaleIntercept -1024):

    >>> import pydicom.examples
    >>> image, spacing = read_dicom(pydicom.examples.ct.filename)
    >>> image.shape, image.dtype, float(image.min()), float(image.max()), spacing
    ((128, 128), dtype('float32'), -896.0, 1167.0, (0.661468, 0.661468))
    """
    import pydicom  # imported here: the .npz loaders do not need it
    from pydicom.errors import InvalidDicomError
    from pydicom.pixels import apply_rescale

    if not isinstance(require_spacing, bool):
        raise TypeError(f"require_spacing: expected True or False, got {require_spacing!r}")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"path: no such file: {path}")
    try:
        ds = pydicom.dcmread(path)
    except InvalidDicomError:
        raise ValueError(f"{path}: not a DICOM file (no 'DICM' prefix after the 128-byte preamble, as DICOM "
                         "Part 10 files have)") from None
    except Exception as err:  # truncated or corrupt
        raise ValueError(f"{path}: not a readable DICOM file ({type(err).__name__}: {err})") from None
    if not any(tag in ds for tag in ("PixelData", "FloatPixelData", "DoubleFloatPixelData")):
        sop = ds.get("SOPClassUID")
        kind = f" (a {sop.name} object)" if sop is not None else ""
        raise ValueError(f"{path}: no pixel data: the file lacks the PixelData tag (7FE0,0010){kind}")
    samples = int(ds.get("SamplesPerPixel", 1))
    if samples != 1:
        raise ValueError(f"{path}: SamplesPerPixel (0028,0002): expected 1 (grayscale), got {samples} "
                         f"({ds.get('PhotometricInterpretation', '?')})")
    try:
        stored = ds.pixel_array
    except Exception as err:  # e.g. a compressed transfer syntax without its decoder installed
        syntax = ds.file_meta.get("TransferSyntaxUID", "?") if hasattr(ds, "file_meta") else "?"
        name = getattr(syntax, "name", syntax)
        raise ValueError(f"{path}: PixelData (7FE0,0010) could not be decoded (transfer syntax {name}): "
                         f"{err}") from None
    image = np.asarray(apply_rescale(stored, ds), dtype=np.float32)
    return image, _spacing(ds, path, require_spacing)


def _spacing(ds, path, require_spacing):
    spacing = ds.get("PixelSpacing")
    if spacing is None:  # enhanced multi-frame objects keep it in the shared functional groups
        try:
            spacing = ds.SharedFunctionalGroupsSequence[0].PixelMeasuresSequence[0].get("PixelSpacing")
        except (AttributeError, IndexError):
            spacing = None
    if spacing is None:
        if not require_spacing:
            return None
        hint = (" It has ImagerPixelSpacing (0018,1164), the spacing at the detector, not in the patient."
                if "ImagerPixelSpacing" in ds else "")
        raise ValueError(f"{path}: no PixelSpacing (0028,0030), so distances in mm are unknown.{hint} "
                         "Pass require_spacing=False to read the pixels without it.")
    try:
        row_mm, col_mm = (float(v) for v in spacing)
        valid = bool(np.isfinite([row_mm, col_mm]).all() and row_mm > 0 and col_mm > 0)
    except (TypeError, ValueError):
        valid = False
    if valid:
        return row_mm, col_mm
    if not require_spacing:
        return None
    raise ValueError(f"{path}: PixelSpacing (0028,0030): expected two positive numbers (row, column) in mm, "
                     f"got {spacing!r}")
