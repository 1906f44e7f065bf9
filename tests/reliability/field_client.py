"""A Python field client that follows docs/sync-protocol.md and docs/uploads.md the way the
field app does (pwa/core/sync.js): an outbox of named mutations with consecutive ids, pushed
in batches of up to 100 and dropped only when `last_mutation_id` acknowledges them; pull until
`has_more` is false; photos uploaded with tuspy, HEAD first on the hash address and a creation
when the server does not know it. Every network error or 5xx is retried (the protocol says a
push is always safe to retry) and counted, so fault runs can report what they cost."""

from __future__ import annotations

import hashlib
import io
import json
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import requests
from PIL import Image
from tusclient import client as tus
from tusclient.exceptions import TusCommunicationError, TusUploadFailed

BATCH = 100
RETRYABLE = {429, 500, 502, 503, 504}


class GaveUp(RuntimeError):
    """The client kept failing past its attempt limit (a finding, not a flake)."""


@dataclass
class Photo:
    record_id: str
    kind: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def reference(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "kind": self.kind,
            "content_type": "image/jpeg",
            "size": len(self.data),
        }


@dataclass
class Tally:
    requests: int = 0
    retries: int = 0
    server_errors: int = 0  # 5xx answers seen (each retried)
    max_retries_one_call: int = 0
    waited_s: int = 0  # seconds spent obeying Retry-After
    statuses: dict[int, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)  # uploads run in threads

    def attempt(self, n: int) -> None:
        with self.lock:
            self.requests += 1
            if n:
                self.retries += 1
                self.max_retries_one_call = max(self.max_retries_one_call, n)

    def answered(self, status: int) -> None:
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if status >= 500:
                self.server_errors += 1


def photo(rng: random.Random, record_id: str, kind: str, size: int = 24) -> Photo:
    """A small JPEG with random pixels (unique per draw, so each has its own hash)."""
    image = Image.frombytes("RGB", (size, size), rng.randbytes(size * size * 3))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return Photo(record_id, kind, buffer.getvalue())


class FieldClient:
    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        client_id: str | None = None,
        max_attempts: int = 40,
        timeout: float = 15.0,
        pause: float = 0.02,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.client_id = client_id or str(uuid.uuid4())
        self.auth = {"Authorization": f"Bearer {token}"}
        self.http = httpx.Client(base_url=self.base_url, headers=self.auth, timeout=timeout)
        self.max_attempts = max_attempts
        self.pause = pause
        self.outbox: list[dict[str, Any]] = []
        self.next_id = 1
        self.acked_up_to = 0  # the highest last_mutation_id the server has told us
        self.answers: dict[int, dict[str, Any]] = {}  # mutation id -> result, when one arrived
        self.cursor: str | None = None
        self.records: dict[str, dict[str, Any]] = {}
        self.tally = Tally()
        self.batch_size = BATCH
        self.phase = "queued"

    def close(self) -> None:
        self.http.close()

    # --- outbox -------------------------------------------------------------------------

    def queue(self, name: str, args: dict[str, Any]) -> int:
        mid = self.next_id
        self.next_id += 1
        self.outbox.append({"id": mid, "name": name, "args": args})
        return mid

    def _call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST until a final answer arrives; retry network errors and 5xx like the app."""
        for attempt in range(self.max_attempts):
            self.tally.attempt(attempt)
            if attempt:
                time.sleep(min(1.0, self.pause * attempt))
            try:
                response = self.http.post(path, json=body)
            except httpx.TransportError:
                continue
            self.tally.answered(response.status_code)
            if response.status_code in RETRYABLE:
                self._wait_as_told(response.headers.get("retry-after"))
                continue
            if response.status_code != 200:
                raise GaveUp(f"{path}: {response.status_code} {response.text[:300]}")
            return response.json()
        raise GaveUp(f"{path}: no answer after {self.max_attempts} attempts")

    def _wait_as_told(self, retry_after: str | None) -> None:
        """A 429/503's Retry-After is a floor for the next attempt, as in the field app."""
        if retry_after and retry_after.isdigit():
            with self.tally.lock:
                self.tally.waited_s += int(retry_after)
            time.sleep(min(int(retry_after), 120))

    def push_all(self) -> int:
        """Push the whole outbox; returns how many mutations were acknowledged."""
        acked = 0
        while self.outbox:
            batch = self.outbox[: self.batch_size]
            answer = self._call(
                "/api/sync/push",
                {"protocol": 1, "client_id": self.client_id, "mutations": batch},
            )
            for result in answer["results"]:
                self.answers[result["id"]] = result
            acked += self._acknowledge(answer["last_mutation_id"])
        return acked

    def _acknowledge(self, last_mutation_id: int) -> int:
        self.acked_up_to = max(self.acked_up_to, last_mutation_id)
        before = len(self.outbox)
        self.outbox = [m for m in self.outbox if m["id"] > last_mutation_id]
        return before - len(self.outbox)

    def pull_all(self) -> int:
        pulled = 0
        while True:
            page = self._call(
                "/api/sync/pull",
                {"protocol": 1, "client_id": self.client_id, "cursor": self.cursor, "limit": 500},
            )
            if page["reset"]:
                self.cursor = None
                self.records.clear()
                continue
            for record in page["records"]:
                self.records[record["id"]] = record
            for tombstone in page["tombstones"]:
                self.records.pop(tombstone["id"], None)
            self._acknowledge(page["last_mutation_id"])
            self.cursor = page["cursor"]
            pulled += len(page["records"])
            if not page["has_more"]:
                return pulled

    # --- uploads ------------------------------------------------------------------------

    def upload(self, item: Photo) -> None:
        """Upload one photo until the server holds all its bytes (tuspy, HEAD first)."""
        endpoint = self.base_url + "/api/uploads/"
        uploads = tus.TusClient(endpoint, headers=self.auth)
        metadata = {
            "sha256": item.sha256,
            "record_id": item.record_id,
            "kind": item.kind,
            "filetype": "image/jpeg",
        }
        for attempt in range(self.max_attempts):
            self.tally.attempt(attempt)
            if attempt:
                time.sleep(min(1.0, self.pause * attempt))
            try:
                try:
                    uploader = uploads.uploader(
                        file_stream=io.BytesIO(item.data), url=endpoint + item.sha256
                    )
                except TusCommunicationError as error:
                    if error.status_code != 404:
                        raise
                    uploader = uploads.uploader(
                        file_stream=io.BytesIO(item.data),
                        metadata=metadata,
                        chunk_size=512 * 1024,
                    )
                uploader.upload()
                if uploader.offset == len(item.data):
                    return
            except TusCommunicationError as error:
                if error.status_code is not None:
                    self.tally.answered(error.status_code)
                    if error.status_code in (429, 503):
                        self._wait_as_told(_retry_after(error))
                    if error.status_code not in RETRYABLE | {409, 423, 460}:
                        raise GaveUp(f"upload {item.sha256}: {error}") from error
            except (TusUploadFailed, requests.RequestException):
                pass
        raise GaveUp(f"upload {item.sha256}: not complete after {self.max_attempts} attempts")


def _retry_after(error: TusCommunicationError) -> str | None:
    """tuspy keeps no headers on its errors; the JSON body of a 429/503 says the wait."""
    try:
        body = json.loads(error.response_content or b"{}")
    except ValueError:
        return None
    seconds = body.get("retry_after") if isinstance(body, dict) else None
    return str(seconds) if isinstance(seconds, int) else "5"
