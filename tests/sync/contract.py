"""The contract every Store passes (Kinto-style): subclass ``StoreContract`` and provide a
``store`` fixture returning a fresh, empty store. Stores support ``fail_next_save = True`` to
simulate a transient failure at commit time."""

from __future__ import annotations

from typing import Any

import pytest

from sync import Actor, Store, Sync
from sync.errors import BadRequest, Conflict, Forbidden, NotFound, Transient
from tests.sync.helpers import (
    Clock,
    Device,
    Replica,
    ToyForms,
    create,
    full_state,
    id_factory,
    intent,
    rid,
)
from tests.sync.helpers import update as upd

AREA = "63.01"
VILLAGE = "63.01.01.2001"
OTHER_VILLAGE = "63.02.01.2001"


class StoreContract:
    @pytest.fixture
    def clock(self) -> Clock:
        return Clock()

    @pytest.fixture
    def sync(self, store: Store, clock: Clock) -> Sync:
        return Sync(store, clock=clock, new_id=id_factory())

    @pytest.fixture
    def ani(self, sync: Sync) -> Device:
        return Device(sync, Actor("u-ani", "d-ani-1", (AREA,)))

    @pytest.fixture
    def budi(self, sync: Sync) -> Device:
        return Device(sync, Actor("u-budi", "d-budi-1", ("63.02",)))

    @pytest.fixture
    def staff(self) -> Actor:
        return Actor("u-staff", None, (), "staff")

    # --- push ------------------------------------------------------------------------------

    async def test_create_and_submit(self, ani: Device) -> None:
        out = await ani.push(
            create(1, {"business_region": VILLAGE}), intent("submit_application", 1)
        )
        assert [r["status"] for r in out["results"]] == ["applied", "applied"]
        assert out["last_mutation_id"] == 2
        state = await full_state(ani)
        (record,) = state.records.values()
        assert record["status"] == "diterima"
        assert record["fields"] == {"business_region": VILLAGE}
        page = await ani.pull()
        assert page["last_mutation_id"] == 2

    async def test_replay_returns_stored_result_without_duplicates(self, ani: Device) -> None:
        body = ani.body(create(1), upd(1, phone=(None, "0812")), upd(1, phone=("x", "y")))
        first = await ani.send(body)
        before = await full_state(ani)
        again = await ani.send(body)
        assert [dict(r, replayed=True) for r in first["results"]] == again["results"]
        after = await full_state(ani)
        assert after.records == before.records
        assert len(after.records) == 1
        assert after.records[rid(1)]["version"] == before.records[rid(1)]["version"]

    async def test_partial_replay_then_fresh(self, ani: Device) -> None:
        await ani.push(create(1))
        body = ani.body(upd(1, a=(None, 1)), upd(1, b=(None, 2)))
        await ani.send(body)
        mixed = dict(
            body, mutations=[*body["mutations"], *ani.body(upd(1, c=(None, 3)))["mutations"]]
        )
        out = await ani.send(mixed)
        assert [r.get("replayed", False) for r in out["results"]] == [True, True, False]
        assert out["last_mutation_id"] == 4
        state = await full_state(ani)
        assert state.records[rid(1)]["fields"] == {"full_name": "Warga 1", "a": 1, "b": 2, "c": 3}

    async def test_transient_failure_commits_nothing(self, store: Any, ani: Device) -> None:
        body = ani.body(create(1), intent("submit_application", 1))
        store.fail_next_save = True
        with pytest.raises(Transient):
            await ani.send(body)
        page = await ani.pull()
        assert page["last_mutation_id"] == 0 and page["records"] == []
        out = await ani.send(body)
        assert [r["status"] for r in out["results"]] == ["applied", "applied"]
        assert "replayed" not in out["results"][0]

    async def test_data_the_store_refuses_is_rejected_not_retried(
        self, store: Any, ani: Device
    ) -> None:
        store.refuse_value = "POISON"
        out = await ani.push(create(1), create(2, {"x": "POISON"}), upd(1, a=(None, 1)))
        assert [(r["status"], r.get("reason")) for r in out["results"]] == [
            ("applied", None),
            ("rejected", "storage_refused"),
            ("applied", None),
        ]
        assert out["last_mutation_id"] == 3
        state = await full_state(ani)
        assert set(state.records) == {rid(1)} and state.records[rid(1)]["fields"]["a"] == 1
        again = await ani.push(create(2, {"x": "fine"}))
        assert again["results"][0]["status"] == "applied"

    async def test_rejected_mutation_is_processed_and_queue_moves_on(self, ani: Device) -> None:
        out = await ani.push(
            intent("submit_application", 9),  # no such record
            {"name": "approve_application", "args": {}},
            {"name": "create_application", "args": {"record_id": "nope"}},
            create(1),
        )
        statuses = [(r["status"], r.get("reason")) for r in out["results"]]
        assert statuses == [
            ("rejected", "not_found"),
            ("rejected", "invalid_mutation"),
            ("rejected", "invalid_mutation"),
            ("applied", None),
        ]
        assert "Unknown mutation 'approve_application'" in out["results"][1]["message"]
        assert "args" in out["results"][2]["message"]
        assert out["last_mutation_id"] == 4
        again = await ani.push(intent("submit_application", 1))
        assert again["results"][0]["status"] == "applied"

    async def test_values_every_store_can_keep(self, ani: Device) -> None:
        odd = {"n": 2**62, "f": 0.1, "u": "Désa Ñ 🌾", "z": None, "nested": {"l": [1, {"x": []}]}}
        refused = await ani.push(
            create(1, {"name": "Siti\x00"}),
            {"name": "submit_application", "args": {"record_id": rid(1), "x\x00": "\x00"}},
            {"name": "x" * 70 + "\x00", "args": {}},
        )
        assert [r["reason"] for r in refused["results"]] == ["invalid_mutation"] * 3
        ani.sent_at = "9999-12-31T23:59:59Z"
        skewed = await ani.push(create(3, {"business_region": "63.01." + "9" * 40}))
        assert skewed["clock"]["flagged"] is True and skewed["results"][0]["status"] == "applied"
        assert 0 < skewed["clock"]["skew_s"] < 2**31
        ani.sent_at = None
        area_only = Device(ani.sync, Actor("u-cita", "d-cita", (AREA,)))
        assert rid(3) not in (await full_state(area_only)).records  # not a region code
        out = await ani.push(create(2, odd))
        assert out["results"][0]["status"] == "applied"
        stored = (await full_state(ani)).records[rid(2)]["fields"]
        assert stored == {k: v for k, v in odd.items() if v is not None}

    async def test_gap_is_refused_and_commits_nothing(self, ani: Device) -> None:
        await ani.push(create(1))
        body = ani.body(create(2), first=5)
        with pytest.raises(Conflict) as caught:
            await ani.send(body)
        assert caught.value.code == "mutation_gap"
        assert caught.value.details == {"expected": 2}
        assert set((await full_state(ani)).records) == {rid(1)}
        assert (await ani.pull())["last_mutation_id"] == 1

    async def test_foreign_client_id_is_refused(self, ani: Device, budi: Device) -> None:
        await ani.push(create(1))
        budi.client_id = ani.client_id
        with pytest.raises(Forbidden):
            await budi.push(create(2))
        with pytest.raises(Forbidden):
            await budi.pull()

    async def test_envelope_errors_are_bad_requests(self, ani: Device) -> None:
        body = ani.body(create(1), create(2))
        body["mutations"][1]["id"] = 1
        with pytest.raises(BadRequest) as caught:
            await ani.send(body)
        assert caught.value.code == "ids_not_increasing"
        assert (await ani.pull())["last_mutation_id"] == 0

    # --- merge and conflicts -----------------------------------------------------------------

    async def test_field_merge(self, sync: Sync, ani: Device, staff: Actor) -> None:
        await ani.push(create(1, {"phone": "1", "email": "a@x", "name": "A", "city": "B"}))
        await sync.staff_update(staff, rid(1), {"phone": "2", "name": "Z", "city": "C"})
        out = await ani.push(
            upd(1, email=("a@x", "b@x"), name=("A", "Z"), phone=("1", "3"), city=("B", "B"))
        )
        result = out["results"][0]
        assert result["status"] == "conflict"
        (item,) = result["conflicts"]
        assert (item["field"], item["base"], item["device_value"], item["server_value"]) == (
            "phone",
            "1",
            "3",
            "2",
        )
        assert item["mutation_id"] == 2 and item["status"] == "open"
        fields = (await full_state(ani)).records[rid(1)]["fields"]
        assert fields == {"phone": "2", "email": "b@x", "name": "Z", "city": "C"}

    async def test_device_cannot_set_workflow_status(self, ani: Device) -> None:
        await ani.push(create(1))
        await ani.push(upd(1, status=(None, "disetujui")))
        record = (await full_state(ani)).records[rid(1)]
        assert record["status"] == "draf"

    async def test_conflict_visible_to_its_device_only(
        self, sync: Sync, ani: Device, staff: Actor
    ) -> None:
        other_tablet = Device(sync, ani.actor.__class__("u-ani", "d-ani-2", (AREA,)))
        await ani.push(create(1, {"phone": "1"}))
        mine = Replica(ani)
        await mine.catch_up()
        await sync.staff_update(staff, rid(1), {"phone": "2"})
        await ani.push(upd(1, phone=("1", "3")))
        await mine.catch_up()
        (item,) = mine.conflicts.values()
        assert item["device_value"] == "3" and item["server_value"] == "2"
        assert mine.records[rid(1)]["fields"]["phone"] == "2"
        assert (await full_state(other_tablet)).conflicts == {}

    async def test_resolution_is_recorded_and_synced_back(
        self, sync: Sync, ani: Device, staff: Actor, clock: Clock
    ) -> None:
        await ani.push(create(1, {"phone": "1"}))
        await sync.staff_update(staff, rid(1), {"phone": "2"})
        out = await ani.push(upd(1, phone=("1", "3")))
        conflict_id = out["results"][0]["conflicts"][0]["id"]
        mine = Replica(ani)
        await mine.catch_up()
        clock.advance(hours=1)
        resolved = await sync.resolve_conflict(staff, conflict_id, keep="device")
        assert resolved["resolution"] == {
            "value": "3",
            "by": "u-staff",
            "at": "2026-03-02T02:00:00Z",
        }
        await mine.catch_up()
        assert mine.conflicts[conflict_id]["status"] == "resolved"
        assert mine.conflicts[conflict_id]["resolution"]["value"] == "3"
        assert mine.records[rid(1)]["fields"]["phone"] == "3"
        with pytest.raises(Conflict):
            await sync.resolve_conflict(staff, conflict_id, value="4")
        with pytest.raises(NotFound):
            await sync.resolve_conflict(
                staff, "00000000-0000-4000-8000-999999999999", keep="server"
            )

    async def test_resolve_with_explicit_value_and_keep_server(
        self, sync: Sync, ani: Device, staff: Actor
    ) -> None:
        await ani.push(create(1, {"a": "1", "b": "1"}))
        await sync.staff_update(staff, rid(1), {"a": "2", "b": "2"})
        out = await ani.push(upd(1, a=("1", "3"), b=("1", "3")))
        first, second = (c["id"] for c in out["results"][0]["conflicts"])
        await sync.resolve_conflict(staff, first, value="merged")
        await sync.resolve_conflict(staff, second, keep="server")
        state = await full_state(ani)
        assert state.records[rid(1)]["fields"] == {"a": "merged", "b": "2"}
        assert {c["resolution"]["value"] for c in state.conflicts.values()} == {"merged", "2"}

    # --- workflow ----------------------------------------------------------------------------

    async def test_status_moves_follow_server_rules(
        self, sync: Sync, ani: Device, staff: Actor
    ) -> None:
        await ani.push(create(1), create(2), create(3), intent("submit_application", 3))
        out = await ani.push(intent("resubmit_application", 1), intent("submit_application", 1))
        assert [r["status"] for r in out["results"]] == ["rejected", "applied"]
        assert out["results"][0]["reason"] == "invalid_transition"
        await sync.transition(
            staff, rid(1), "perlu_perbaikan", "Foto KTP buram", {"ktp_photo": "Foto ulang"}
        )
        record = (await full_state(ani)).records[rid(1)]
        assert record["status"] == "perlu_perbaikan"
        assert record["corrections"] == {"ktp_photo": "Foto ulang"}
        out = await ani.push(upd(1, ktp_photo=(None, "new")), intent("resubmit_application", 1))
        assert [r["status"] for r in out["results"]] == ["applied", "applied"]
        record = (await full_state(ani)).records[rid(1)]
        assert (record["status"], record["corrections"]) == ("verifikasi", {})
        locked = await ani.push(upd(1, ktp_photo=("new", "newer")))
        assert locked["results"][0]["reason"] == "record_locked"
        await sync.transition(staff, rid(1), "diproses")
        await sync.transition(staff, rid(1), "disetujui")
        late = await ani.push(intent("cancel_application", 1), intent("cancel_application", 2))
        assert [r["status"] for r in late["results"]] == ["rejected", "applied"]
        with pytest.raises(Conflict):
            await sync.transition(staff, rid(1), "diterima")
        with pytest.raises(BadRequest):
            await sync.transition(staff, rid(3), "perlu_perbaikan")

    async def test_tracking_code_and_record_id_reuse(self, ani: Device, budi: Device) -> None:
        await ani.push(create(1))
        clash = create(2)
        clash["args"]["tracking_code"] = create(1)["args"]["tracking_code"]
        out = await ani.push(clash, create(1, {"full_name": "Warga 1", "phone": "8"}))
        assert out["results"][0]["reason"] == "tracking_code_taken"
        assert out["results"][1]["status"] == "applied"
        assert (await full_state(ani)).records[rid(1)]["fields"]["phone"] == "8"
        stolen = await budi.push(create(1))
        assert stolen["results"][0]["reason"] == "record_exists"

    async def test_attach_file_and_arrival(self, store: Any, sync: Sync, ani: Device) -> None:
        sha_here, sha_later = "a" * 64, "b" * 64
        await self.mark_blob(store, sha_here)
        await ani.push(
            create(1),
            intent("attach_file", 1, sha256=sha_here, kind="ktp"),
            intent("attach_file", 1, sha256=sha_later, kind="site"),
            intent("attach_file", 1, sha256=sha_later, kind="site"),
        )
        replica = Replica(ani)
        await replica.catch_up()
        files = replica.records[rid(1)]["files"]
        assert files == [
            {"sha256": sha_here, "kind": "ktp", "arrived": True},
            {"sha256": sha_later, "kind": "site", "arrived": False},
        ]
        await self.mark_blob(store, sha_later)
        assert await sync.file_arrived(sha_later) == 1
        await replica.catch_up()
        assert all(f["arrived"] for f in replica.records[rid(1)]["files"])

    async def mark_blob(self, store: Any, sha256: str) -> None:
        store.blobs.add(sha256)

    # --- pull --------------------------------------------------------------------------------

    async def test_pull_pages_by_change_sequence(self, ani: Device) -> None:
        await ani.push(*(create(n) for n in range(1, 6)))
        await ani.push(upd(2, x=(None, 1)))
        seen: list[str] = []
        cursor = None
        pages = []
        while True:
            page = await ani.pull(cursor, limit=2)
            pages.append(page)
            seen += [r["id"] for r in page["records"]]
            cursor = page["cursor"]
            if not page["has_more"]:
                break
        assert [len(p["records"]) for p in pages] == [2, 2, 1]
        assert sorted(seen) == sorted(rid(n) for n in range(1, 6))
        assert seen[-1] == rid(2)  # changed last, so it comes last
        empty = await ani.pull(cursor)
        assert (empty["records"], empty["has_more"], empty["cursor"]) == ([], False, cursor)
        await ani.push(upd(3, y=(None, 1)))
        later = await ani.pull(cursor)
        assert [r["id"] for r in later["records"]] == [rid(3)]

    async def test_pull_is_scoped(self, sync: Sync, ani: Device, budi: Device) -> None:
        await ani.push(create(1, {"business_region": OTHER_VILLAGE}), create(2))
        await budi.push(create(3, {"business_region": OTHER_VILLAGE}))
        await budi.push(create(4, {"business_region": "63.020.1"}))
        assert set((await full_state(ani)).records) == {rid(1), rid(2)}
        assert set((await full_state(budi)).records) == {rid(1), rid(3), rid(4)}
        area_only = Device(sync, Actor("u-cita", "d-cita", ("63.02",)))
        assert set((await full_state(area_only)).records) == {rid(1), rid(3)}
        nobody = Device(sync, Actor("u-dodi", "d-dodi", ("63.03",)))
        assert (await full_state(nobody)).records == {}

    async def test_tombstones(self, sync: Sync, ani: Device, staff: Actor) -> None:
        await ani.push(create(1), create(2))
        replica = Replica(ani)
        await replica.catch_up()
        await sync.delete_record(staff, rid(1))
        page = await ani.pull(replica.cursor)
        assert page["tombstones"] == [{"id": rid(1)}] and page["records"] == []
        await replica.catch_up()
        assert set(replica.records) == {rid(2)}
        edit = await ani.push(upd(1, a=(None, 1)))
        assert edit["results"][0]["reason"] == "not_found"

    @pytest.mark.parametrize("bad", ["garbage!", "YzE6eDox", ""])
    async def test_unusable_cursor_resets(self, ani: Device, bad: str) -> None:
        await ani.push(create(1), create(2))
        page = await ani.pull(bad)
        assert page["reset"] is True and page["cursor"] is None and page["records"] == []
        assert page["last_mutation_id"] == 2

    async def test_cursor_from_other_scope_or_future_or_purged_resets(
        self, store: Store, sync: Sync, ani: Device, budi: Device, staff: Actor
    ) -> None:
        await ani.push(create(1), create(2))
        cursor = (await ani.pull())["cursor"]
        assert (await budi.pull(cursor))["reset"] is True
        moved = Device(sync, Actor("u-ani", "d-ani-1", (AREA, "63.05")), ani.client_id)
        assert (await moved.pull(cursor))["reset"] is True
        await sync.delete_record(staff, rid(1))
        await sync.staff_update(staff, rid(2), {"x": 1})
        latest = (await ani.pull(cursor))["cursor"]
        await store.purge_tombstones(upto=10**6)
        assert (await ani.pull(cursor))["reset"] is True
        assert (await ani.pull(latest))["reset"] is False
        replica = Replica(ani, cursor=cursor)
        await replica.catch_up()
        assert set(replica.records) == {rid(2)}

    async def test_pull_from_any_earlier_cursor_converges(
        self, sync: Sync, ani: Device, staff: Actor
    ) -> None:
        cursors: list[str | None] = [None]
        await ani.push(create(1), create(2), create(3))
        cursors.append((await ani.pull())["cursor"])
        await sync.staff_update(staff, rid(1), {"x": 1})
        await sync.delete_record(staff, rid(3))
        cursors.append((await ani.pull())["cursor"])
        await ani.push(upd(2, x=(None, 5)), create(4))
        await sync.staff_update(staff, rid(2), {"x": 6})
        truth = await full_state(ani)
        for start in cursors:
            for limit in (1, 3, 200):
                replica = Replica(ani, cursor=start)
                if start is not None:  # state as of that cursor, then catch up
                    replica.records = {}
                    old = Replica(ani)
                    await old.catch_up()
                    replica.records = dict(old.records)
                await replica.catch_up(limit)
                assert replica.records == truth.records

    # --- clocks ------------------------------------------------------------------------------

    async def test_clock_skew_is_flagged_not_used(self, ani: Device, clock: Clock) -> None:
        ani.sent_at = "2026-03-02T03:00:00Z"  # two hours ahead
        out = await ani.push(create(1))
        assert out["clock"] == {
            "server_time": "2026-03-02T01:00:00Z",
            "skew_s": 7200,
            "flagged": True,
        }
        ani.sent_at = "2026-03-02T01:05:00Z"
        out = await ani.push(upd(1, a=(None, 1)))
        assert out["clock"]["flagged"] is False and out["clock"]["skew_s"] == 300
        ani.sent_at = None
        out = await ani.push(upd(1, b=(None, 1)))  # device_time a day old: a queue, not skew
        assert out["clock"]["skew_s"] is None and out["clock"]["flagged"] is False
        future = ani.body(upd(1, c=(None, 1)))
        future["mutations"][0]["device_time"] = "2026-03-03T00:00:00Z"
        out = await ani.send(future)
        assert out["clock"]["flagged"] is True
        assert out["results"][0]["status"] == "applied"

    # --- form rules --------------------------------------------------------------------------

    @pytest.fixture
    def forms(self) -> ToyForms:
        return ToyForms()

    @pytest.fixture
    def checked(self, store: Store, clock: Clock, forms: ToyForms) -> Device:
        sync = Sync(store, clock=clock, new_id=id_factory(), forms=forms)
        return Device(sync, Actor("u-ani", "d-ani-1", (AREA,)))

    async def test_form_rules_reject_unknown_forms_fields_and_values(
        self, checked: Device, forms: ToyForms
    ) -> None:
        out = await checked.push(
            create(1, {"full_name": "Siti", "capital": 5_000_000}),
            create(2, permit="no-such-permit"),
            create(3, {"full_name": "Rina", "shoe_size": 42}),
            upd(1, capital=(5_000_000, "lima juta")),
            upd(1, phone=(None, "0812")),
        )
        statuses = [(r["status"], r.get("reason")) for r in out["results"]]
        assert statuses == [
            ("applied", None),
            ("rejected", "unknown_form"),
            ("rejected", "invalid_fields"),
            ("rejected", "invalid_fields"),
            ("applied", None),
        ]
        assert forms.refreshes == 1
        assert "no form version 1" in out["results"][1]["message"]
        assert out["results"][2]["fields"] == {
            "shoe_size": [{"code": "unknown_field", "id": "Tidak ada.", "en": "Not on the form."}]
        }
        assert "capital: Wrong type." in out["results"][3]["message"]
        state = await full_state(checked)
        assert list(state.records) == [rid(1)]
        assert state.records[rid(1)]["fields"] == {
            "full_name": "Siti",
            "capital": 5_000_000,
            "phone": "0812",
        }

    async def test_form_rules_stored_rejection_replays_with_its_fields(
        self, checked: Device
    ) -> None:
        body = checked.body(create(1, {"full_name": "Rina", "shoe_size": 42}))
        first = await checked.send(body)
        again = await checked.send(body)
        assert again["results"] == [{**first["results"][0], "replayed": True}]
        assert again["results"][0]["fields"]["shoe_size"][0]["code"] == "unknown_field"

    async def test_form_rules_submit_needs_a_complete_form(self, checked: Device) -> None:
        out = await checked.push(create(1, {"phone": "0812"}), intent("submit_application", 1))
        assert out["results"][1]["reason"] == "invalid_fields"
        assert out["results"][1]["fields"]["full_name"][0]["code"] == "required"
        out = await checked.push(upd(1, full_name=(None, "Siti")), intent("submit_application", 1))
        assert [r["status"] for r in out["results"]] == ["applied", "applied"]
        state = await full_state(checked)
        assert state.records[rid(1)]["status"] == "diterima"

    async def test_form_rules_clearing_a_field_is_not_checked(self, checked: Device) -> None:
        await checked.push(create(1, {"full_name": "Siti", "capital": 1}))
        out = await checked.push(upd(1, capital=(1, None)))
        assert out["results"][0]["status"] == "applied"

    async def test_form_rules_apply_to_staff_edits(self, checked: Device, staff: Actor) -> None:
        await checked.push(create(1, {"full_name": "Siti"}))
        with pytest.raises(BadRequest) as refused:
            await checked.sync.staff_update(staff, rid(1), {"capital": "banyak"})
        assert refused.value.details["fields"]["capital"][0]["code"] == "wrong_type"
        record = await checked.sync.staff_update(staff, rid(1), {"capital": 7})
        assert record.fields["capital"] == 7

    # --- canonical values and stored warnings ---------------------------------------------

    async def stored(self, store: Store, record_id: str) -> Any:
        async with store.write() as tx:
            return (await tx.records([record_id]))[record_id]

    async def test_submission_stores_canonical_values_warnings_and_typed(
        self, store: Store, checked: Device, clock: Clock
    ) -> None:
        fields = {"full_name": "  Siti  ", "phone": "0812-555", "capital": 2_000_000_000}
        await checked.push(create(1, fields))
        draft = await self.stored(store, rid(1))
        assert draft.fields == fields and draft.warnings == {} and draft.submitted_at is None
        await checked.push(intent("submit_application", 1))
        kept = await self.stored(store, rid(1))
        assert kept.fields == {"full_name": "Siti", "phone": "+62812555", "capital": 2_000_000_000}
        assert kept.warnings["capital"][0]["code"] == "capital_large"
        assert kept.typed == {"phone": {"typed": "0812-555", "canonical": "+62812555"}}
        assert kept.submitted_at == clock.now
        state = await full_state(checked)  # the tablet gets what the server keeps
        assert state.records[rid(1)]["fields"]["phone"] == "+62812555"
        assert "warnings" not in state.records[rid(1)] and "typed" not in state.records[rid(1)]

    async def test_edit_from_the_typed_value_merges_without_conflict(
        self, store: Store, checked: Device, staff: Actor
    ) -> None:
        await checked.push(
            create(1, {"full_name": "Siti", "phone": "0812-555"}), intent("submit_application", 1)
        )
        out = await checked.push(upd(1, phone=("0812-555", "0813-777"), capital=(None, 5)))
        assert out["results"][0]["status"] == "applied"
        kept = await self.stored(store, rid(1))
        assert kept.fields["phone"] == "+62813777" and kept.fields["capital"] == 5
        assert kept.typed == {"phone": {"typed": "0813-777", "canonical": "+62813777"}}
        await checked.sync.staff_update(staff, rid(1), {"phone": "+62899"})
        out = await checked.push(upd(1, phone=("0813-777", "0814-000")))
        assert out["results"][0]["status"] == "conflict"  # the office changed it meanwhile
        kept = await self.stored(store, rid(1))
        assert kept.fields["phone"] == "+62899" and kept.typed == {}

    # --- one survey per service event ------------------------------------------------------

    async def test_a_second_survey_for_a_rated_service_is_refused_not_dropped(
        self, store: Store, sync: Sync, ani: Device, staff: Actor
    ) -> None:
        cici = Device(sync, Actor("u-cici", "d-cici-1", (AREA,)))  # another tablet, same area
        await ani.push(create(1, {"business_region": VILLAGE}), intent("submit_application", 1))
        for step in ("verifikasi", "diproses", "disetujui", "terbit"):
            await sync.transition(staff, rid(1), step)
        first, other = rid(901), rid(902)
        out = await ani.push(survey(1, first), survey(1, other))  # both in one push
        assert [r["status"] for r in out["results"]] == ["applied", "rejected"]
        assert out["results"][1]["reason"] == "already_rated"
        assert "already been rated" in out["results"][1]["message"]
        resent = await ani.push(survey(1, first))  # the same survey under a new mutation id
        assert resent["results"][0]["status"] == "applied"
        again = await cici.push(survey(1, other))
        assert again["results"][0]["status"] == "rejected"
        assert again["results"][0]["reason"] == "already_rated"
        async with store.write() as tx:
            held = await tx.claims([("survey", rid(1)), ("survey", rid(2))])
        assert held == {("survey", rid(1)): first}


def survey(n: int, survey_id: str) -> dict[str, Any]:
    return {
        "name": "submit_survey",
        "args": {
            "survey_id": survey_id,
            "record_id": rid(n),
            "answers": {f"u{e}": 1 + e % 4 for e in range(1, 10)},
            "age": 41,
            "sex": "L",
            "education": "s1",
            "occupation": "petani_nelayan",  # the longest choice
        },
    }
