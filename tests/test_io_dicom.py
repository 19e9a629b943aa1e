"""medlab.io.read_dicom on the real CT slice that ships inside pydicom and on files the tests write."""

import numpy as np
import pydicom
import pydicom.examples
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

from medlab import io

STORED = np.array([[0, 1, 2, 3, 4], [10, 20, 30, 40, 50], [100, 200, 300, 400, 500], [1024, 1025, 2048, 3000, 4095]],
                  np.uint16)


def _write(path, pixels=STORED, *, spacing=(0.5, 0.8), slope=2, intercept=-1024, with_pixels=True, **tags):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID, ds.Modality = CTImageStorage, meta.MediaStorageSOPInstanceUID, "CT"
    if with_pixels:
        ds.set_pixel_data(pixels, "MONOCHROME2", 16 if pixels.dtype.itemsize == 2 else 8)
    if slope is not None:
        ds.RescaleSlope, ds.RescaleIntercept = slope, intercept
    if spacing is not None:
        ds.PixelSpacing = list(spacing)
    for key, value in tags.items():
        setattr(ds, key, value)
    ds.save_as(path, enforce_file_format=True)
    return path


def test_read_dicom_real_ct_slice_in_hounsfield_units():
    path = pydicom.examples.ct.filename
    ds = pydicom.dcmread(path)
    image, spacing = io.read_dicom(path)
    assert image.dtype == np.float32 and image.shape == (128, 128)
    expected = ds.pixel_array.astype(np.float64) * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    np.testing.assert_array_equal(image, expected)
    assert float(ds.RescaleIntercept) == -1024 and image.min() == -896 and image.max() == 1167
    assert spacing == (0.661468, 0.661468) and all(type(v) is float for v in spacing)


def test_read_dicom_applies_slope_and_intercept(tmp_path):
    image, spacing = io.read_dicom(_write(tmp_path / "ct.dcm"))
    assert image.dtype == np.float32 and image.shape == (4, 5)
    np.testing.assert_array_equal(image, 2.0 * STORED - 1024)
    assert spacing == (0.5, 0.8)  # (row_mm, col_mm) in PixelSpacing's order


def test_read_dicom_signed_pixels_and_no_rescale_tags(tmp_path):
    signed = np.array([[-1000, -1], [0, 1500]], np.int16)
    image, _ = io.read_dicom(_write(tmp_path / "s.dcm", signed, slope=None))
    np.testing.assert_array_equal(image, signed.astype(np.float32))
    image, _ = io.read_dicom(_write(tmp_path / "f.dcm", STORED, slope=0.5, intercept=-10.25))
    np.testing.assert_allclose(image, 0.5 * STORED - 10.25)


def test_read_dicom_missing_spacing(tmp_path):
    f = _write(tmp_path / "nospacing.dcm", spacing=None)
    with pytest.raises(ValueError, match=r"nospacing\.dcm: no PixelSpacing \(0028,0030\).*require_spacing=False"):
        io.read_dicom(f)
    image, spacing = io.read_dicom(f, require_spacing=False)
    assert spacing is None
    np.testing.assert_array_equal(image, 2.0 * STORED - 1024)
    f = _write(tmp_path / "cr.dcm", spacing=None, ImagerPixelSpacing=[0.1, 0.1])
    with pytest.raises(ValueError, match=r"cr\.dcm: no PixelSpacing.*ImagerPixelSpacing \(0018,1164\)"):
        io.read_dicom(f)


def test_read_dicom_spacing_from_shared_functional_groups(tmp_path):
    measures = Dataset()
    measures.PixelSpacing = [0.25, 0.75]
    group = Dataset()
    group.PixelMeasuresSequence = Sequence([measures])
    f = _write(tmp_path / "enhanced.dcm", spacing=None, SharedFunctionalGroupsSequence=Sequence([group]))
    assert io.read_dicom(f)[1] == (0.25, 0.75)


@pytest.mark.parametrize("spacing", [(0.0, 0.5), (0.5, -1.0), (0.5,)])
def test_read_dicom_invalid_spacing(tmp_path, spacing):
    f = _write(tmp_path / "bad.dcm", spacing=spacing)
    with pytest.raises(ValueError, match=r"bad\.dcm: PixelSpacing \(0028,0030\): expected two"):
        io.read_dicom(f)
    image, spacing = io.read_dicom(f, require_spacing=False)
    assert spacing is None and image.shape == (4, 5)


def test_read_dicom_without_pixel_data(tmp_path):
    f = _write(tmp_path / "header.dcm", with_pixels=False)
    with pytest.raises(ValueError, match=r"header\.dcm: no pixel data.*PixelData tag \(7FE0,0010\)"):
        io.read_dicom(f)
    with pytest.raises(ValueError, match=r"rtplan\.dcm: no pixel data.*\(7FE0,0010\)"):
        io.read_dicom(pydicom.examples.rt_plan.filename)


def test_read_dicom_not_dicom(tmp_path):
    (tmp_path / "notes.dcm").write_text("hello, I am not a DICOM file\n" * 20)
    with pytest.raises(ValueError, match=r"notes\.dcm: not a DICOM file"):
        io.read_dicom(tmp_path / "notes.dcm")
    np.savez(tmp_path / "scans.npz", images=np.zeros((2, 4, 4)))
    with pytest.raises(ValueError, match=r"scans\.npz: not a DICOM file"):
        io.read_dicom(tmp_path / "scans.npz")
    with pytest.raises(FileNotFoundError, match="path: no such file"):
        io.read_dicom(tmp_path / "missing.dcm")


def test_read_dicom_refuses_color(tmp_path):
    with pytest.raises(ValueError, match=r"rgb_color\.dcm: SamplesPerPixel \(0028,0002\): expected 1.*got 3"):
        io.read_dicom(pydicom.examples.rgb_color.filename)


def test_read_dicom_require_spacing_must_be_bool(tmp_path):
    with pytest.raises(TypeError, match="require_spacing: expected True or False, got 'no'"):
        io.read_dicom(_write(tmp_path / "ct.dcm"), require_spacing="no")


def test_read_dicom_multi_frame(tmp_path):
    frames = np.stack([STORED, STORED + 1, STORED + 2])
    image, spacing = io.read_dicom(_write(tmp_path / "frames.dcm", frames))
    assert image.shape == (3, 4, 5) and spacing == (0.5, 0.8)
    np.testing.assert_array_equal(image[2], 2.0 * (STORED + 2) - 1024)


def test_read_dicom_undecodable_pixel_data(tmp_path):
    from pydicom.encaps import encapsulate
    from pydicom.uid import RLELossless

    f = _write(tmp_path / "rle.dcm", with_pixels=False, Rows=4, Columns=5, BitsAllocated=16, BitsStored=16, HighBit=15,
               PixelRepresentation=0, SamplesPerPixel=1, PhotometricInterpretation="MONOCHROME2")
    ds = pydicom.dcmread(f)
    ds.file_meta.TransferSyntaxUID = RLELossless
    ds.PixelData = encapsulate([b"\x00" * 64 + b"not run-length data"])
    ds["PixelData"].VR = "OB"
    ds.save_as(f, enforce_file_format=True)
    with pytest.raises(ValueError, match=r"rle\.dcm: PixelData \(7FE0,0010\) could not be decoded \(transfer syntax "
                                         r"RLE Lossless\)"):
        io.read_dicom(f)
