"""Documents the office adds itself (an issued permit's PDF): checked like every upload and
kept in the same content-addressed store, so ``/api/uploads/<sha256>/content`` serves them
(the copy without metadata by default; see server/uploads/pdfs.py)."""

from __future__ import annotations

import asyncio
import hashlib
import time

from server.services.applications import files
from server.uploads.checks import check_file
from server.uploads.errors import UploadError
from server.uploads.sniff import PDF
from server.uploads.storage import Storage, UploadInfo


async def store_pdf(storage: Storage, data: bytes, *, max_bytes: int) -> str:
    """Check ``data`` is a clean PDF (no scripts, actions or hidden formats), store it and
    index it; returns its sha256. Raises UploadError with a reason otherwise."""
    if len(data) > max_bytes:
        raise UploadError(413, "too_large", f"The file is larger than {max_bytes} bytes.")
    sha = hashlib.sha256(data).hexdigest()
    blob = await storage.get_blob(sha)
    if blob is None:
        now = time.time()
        info = UploadInfo(sha, len(data), {"kind": "permit"}, now, now + 3600)
        await storage.save_upload(info, new=True)
        try:
            part = await storage.open_part(sha)
            try:
                await part.write(data)
                await part.sync()
            finally:
                await part.close()
            checked = await asyncio.to_thread(check_file, storage.part_path(sha), PDF, 1, 1)
        except UploadError:
            await storage.discard_upload(sha)
            raise
        # the bytes as sent, and the copy without metadata that staff are served
        blob = await storage.commit(info, checked.content_type, checked.safe, checked.safe_type)
    await files.blob_stored(
        sha256=sha, size=len(data), content_type=PDF, safe_content_type=blob.safe_content_type
    )
    return sha
