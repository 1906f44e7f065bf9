"""The citizen's status page behind the receipt's link, and the /lacak lookup form."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

from server.models import Application, Role, StatusChange
from server.services.applications import sync_service
from server.services.citizen import links
from tests.server.citizen import (
    NIK,
    PHONE,
    aged_form_token,
    banjarmasin_office,
    form_nonce,
    push_application,
)


def main(html: str) -> str:
    """The page's own content (the language links in the header repeat the path)."""
    return html.split("<main>")[1].split("</main>")[0]


async def test_receipt_link_shows_the_case_and_nothing_personal(
    client, make_user, make_device, siup_mikro_form
):
    await banjarmasin_office()
    pushed = await push_application(client, make_user, make_device)
    page = await client.get(f"/t/{pushed.code}?k={pushed.token}")
    assert page.status_code == 200
    html = page.text
    assert pushed.code in html and "S*** A*****" in html
    assert 'data-status="diterima"' in html and "Diterima oleh kantor" in html
    assert "Gratis" in html and "Senin–Kamis 08.00–15.00 WITA" in html
    assert "WITA" in html.split('id="timeline"')[1]
    for secret in ("Siti", "Aminah", NIK, PHONE, PHONE[-10:], "63.71.01.1002"):
        assert secret not in html
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-robots-tag"] == "noindex, nofollow"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert len(page.content) <= 15_000
    english = await client.get(f"/t/{pushed.code}?k={pushed.token}&lang=en")
    assert "Received by the office" in english.text and "Free" in english.text


async def test_server_keeps_only_the_hash_of_the_token(
    client, make_user, make_device, siup_mikro_form
):
    pushed = await push_application(client, make_user, make_device)
    row = await Application.get(id=pushed.record_id)
    assert row.status_token_hash == hashlib.sha256(pushed.token.encode()).hexdigest()
    values = await Application.filter(id=pushed.record_id).values()
    assert not any(pushed.token in str(v) for v in values[0].values())


async def test_unknown_wrong_and_expired_links_look_the_same(
    client, make_user, make_device, siup_mikro_form
):
    pushed = await push_application(client, make_user, make_device)
    wrong = await client.get(f"/t/{pushed.code}?k={pushed.token[:-1]}X")
    unknown = await client.get(f"/t/JB-2222-3333-4444?k={pushed.token}")
    missing = await client.get(f"/t/{pushed.code}")
    garbage = await client.get("/t/%3Cscript%3E?k=" + "A" * 500)
    for answer in (wrong, unknown, missing, garbage):
        assert answer.status_code == 404
        assert main(answer.text) == main(wrong.text)
        assert answer.headers["cache-control"] == "no-store"

    verifier = await make_user(Role.VERIFIER)
    await sync_service.transition(verifier, pushed.record_id, "ditolak", "Usaha di luar wilayah")
    refused = await client.get(f"/t/{pushed.code}?k={pushed.token}")
    assert refused.status_code == 200 and "Usaha di luar wilayah" in refused.text
    long_ago = datetime.now(UTC) - timedelta(days=366)
    await StatusChange.filter(application_id=pushed.record_id, to_status="ditolak").update(
        at=long_ago
    )
    expired = await client.get(f"/t/{pushed.code}?k={pushed.token}")
    assert expired.status_code == 404 and main(expired.text) == main(wrong.text)


async def test_corrections_in_the_citizens_words_and_the_paused_clock(
    client, make_user, make_device, siup_mikro_form
):
    pushed = await push_application(client, make_user, make_device)
    verifier = await make_user(Role.VERIFIER)
    await sync_service.transition(verifier, pushed.record_id, "verifikasi")
    await sync_service.transition(verifier, pushed.record_id, "diproses")
    running = (await client.get(f"/t/{pushed.code}?k={pushed.token}")).text
    sla_text = running.split('id="sla"')[1].split("</p>")[0]
    assert "Batas waktu" in sla_text and re.search(r"Sisa [1-5] hari kerja", sla_text)
    await sync_service.transition(
        verifier,
        pushed.record_id,
        "perlu_perbaikan",
        "",
        {"phone": "Nomor HP tidak aktif, mohon berikan nomor yang bisa dihubungi"},
    )
    page = (await client.get(f"/t/{pushed.code}?k={pushed.token}")).text
    corrections = page.split('id="corrections"')[1]
    assert "Nomor HP" in corrections and "mohon berikan nomor" in corrections
    assert "menunggu perbaikan dari Anda" in page


async def test_a_reenrolled_tablet_pulls_a_token_that_works(
    client, make_user, make_device, siup_mikro_form, settings
):
    pushed = await push_application(client, make_user, make_device)
    pulled = await client.post(
        "/api/sync/pull",
        json={"protocol": 1, "client_id": pushed.client_id, "cursor": None},
        headers={"Authorization": f"Bearer {pushed.device_token}"},
    )
    record = pulled.json()["records"][0]
    assert record["status_token"] == links.reprint_token(settings.secret_key, pushed.record_id)
    assert record["status_token"] != pushed.token and len(record["status_token"]) == 22
    page = await client.get(f"/t/{pushed.code}?k={record['status_token']}")
    assert page.status_code == 200 and "S*** A*****" in page.text
    # a reprint token of another application does not open this one
    other = links.reprint_token(settings.secret_key, "another-id")
    assert (await client.get(f"/t/{pushed.code}?k={other}")).status_code == 404


async def test_lookup_by_code_and_phone_digits(
    client, make_user, make_device, siup_mikro_form, settings
):
    pushed = await push_application(client, make_user, make_device)
    nonce = await form_nonce(client, "/lacak")
    typed = pushed.code.lower().replace("-", " ")
    found = await client.post(
        "/lacak",
        data={
            "code": typed,
            "phone_last4": PHONE[-4:],
            "form_token": aged_form_token(settings, nonce),
        },
    )
    assert found.status_code == 303
    assert found.headers["location"].startswith(f"/t/{pushed.code}?k=")
    page = await client.get(found.headers["location"])
    assert page.status_code == 200 and "S*** A*****" in page.text

    wrong = await client.post(
        "/lacak",
        data={
            "code": pushed.code,
            "phone_last4": "0000",
            "form_token": aged_form_token(settings, nonce),
        },
    )
    unknown = await client.post(
        "/lacak",
        data={
            "code": "JB-2222-3333-4444",
            "phone_last4": PHONE[-4:],
            "form_token": aged_form_token(settings, nonce),
        },
    )
    assert wrong.status_code == unknown.status_code == 404
    assert "Tidak ada permohonan" in wrong.text and "Tidak ada permohonan" in unknown.text
    assert "location" not in wrong.headers


async def test_lookup_refuses_forged_hurried_and_flooding_posts(
    client, make_user, make_device, siup_mikro_form, settings
):
    pushed = await push_application(client, make_user, make_device)
    form = {"code": pushed.code, "phone_last4": PHONE[-4:]}
    no_token = await client.post("/lacak", data=form)
    assert no_token.status_code == 403 and "kedaluwarsa" in no_token.text
    nonce = await form_nonce(client, "/lacak")
    other_nonce = aged_form_token(settings, "someone-else")
    assert (
        await client.post("/lacak", data={**form, "form_token": other_nonce})
    ).status_code == 403
    hurried = await client.post(
        "/lacak", data={**form, "form_token": aged_form_token(settings, nonce, 0)}
    )
    assert hurried.status_code == 400
    bot = await client.post(
        "/lacak",
        data={**form, "website": "http://spam", "form_token": aged_form_token(settings, nonce)},
    )
    assert bot.status_code == 400
    answers = [
        await client.post(
            "/lacak",
            data={
                **form,
                "phone_last4": f"{n:04d}",
                "form_token": aged_form_token(settings, nonce),
            },
        )
        for n in range(8)
    ]
    assert answers[-1].status_code == 429
    assert int(answers[-1].headers["retry-after"]) > 0
    # the rightful owner is locked out too until the window passes: limits are per address
    assert sum(a.status_code == 404 for a in answers) == 10 - 4
