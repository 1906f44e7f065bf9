"""PDFs are parsed with pikepdf (qpdf): every object, compressed object streams included, is
checked for active content, and a copy without document metadata is written for serving.

Dropped: the document information dictionary (Author, Creator, Producer, Title, Subject,
Keywords, creation and modification dates), every XMP packet (``/Metadata`` on the catalog,
pages, images and any other object), application private data (``/PieceInfo``), page
modification dates (``/LastModified``) and the file identifier (``/ID``, which carries the
producing machine's fingerprint; a new one is derived from the content). The pages are
unchanged.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pikepdf

from server.uploads.errors import UploadError

# Keys and names that make a PDF do something when opened, inside compressed object streams
# too (the byte scan in checks.py only sees what is not compressed).
_ACTIVE_KEYS = frozenset(
    {"/JS", "/JavaScript", "/AA", "/EmbeddedFiles", "/XFA", "/RichMediaContent"}
)
_ACTIVE_NAMES = frozenset({"/JavaScript", "/Launch", "/EmbeddedFile", "/RichMedia", "/ImportData"})
_METADATA_KEYS = ("/Metadata", "/PieceInfo", "/LastModified")


def _dictionaries(pdf: pikepdf.Pdf) -> Iterator[pikepdf.Dictionary | pikepdf.Stream]:
    """Every dictionary of the file: each indirect object and the direct ones nested in it."""
    seen: set[tuple[int, int]] = set()
    stack: list[object] = list(pdf.objects)
    while stack:
        obj = stack.pop()
        if isinstance(obj, pikepdf.Object) and obj.is_indirect:
            if obj.objgen in seen:
                continue
            seen.add(obj.objgen)
        if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
            yield obj
            stack.extend(v for v in obj.values() if not _indirect(v))
        elif isinstance(obj, pikepdf.Array):
            stack.extend(v for v in obj if not _indirect(v))


def _indirect(value: object) -> bool:
    return isinstance(value, pikepdf.Object) and value.is_indirect


def _active(obj: pikepdf.Dictionary | pikepdf.Stream) -> bool:
    keys = set(obj.keys())
    if keys & _ACTIVE_KEYS:
        return True
    for key in ("/S", "/Type", "/Subtype"):
        value = obj.get(key)
        if isinstance(value, pikepdf.Name) and str(value) in _ACTIVE_NAMES:
            return True
    return False


def clean_pdf(data: bytes) -> bytes:
    """The PDF without its metadata; UploadError 422 if it cannot be read or is active."""
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except (pikepdf.PdfError, ValueError) as error:
        raise UploadError(
            422, "corrupt_file", "The PDF could not be read (damaged, encrypted or not a PDF)."
        ) from error
    with pdf:
        try:
            if len(pdf.pages) == 0:
                raise UploadError(422, "corrupt_file", "The PDF has no pages.")
            for obj in list(_dictionaries(pdf)):
                if _active(obj):
                    raise UploadError(
                        422,
                        "active_content",
                        "The PDF contains scripts, actions or embedded files.",
                    )
                for key in _METADATA_KEYS:
                    if key in obj:
                        del obj[key]
            for key in ("/Info", "/ID"):
                if key in pdf.trailer:
                    del pdf.trailer[key]
            out = io.BytesIO()
            pdf.save(out, deterministic_id=True, fix_metadata_version=False, preserve_pdfa=False)
        except pikepdf.PdfError as error:
            raise UploadError(
                422, "corrupt_file", "The PDF could not be read (damaged or not a PDF)."
            ) from error
        return out.getvalue()
