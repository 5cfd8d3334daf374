"""Every My Photo use case against the in-memory fake store: who may see what (desk user, paired
phone, another user), uploads, pages, downloads, settings, pairing and the send guards."""

from __future__ import annotations

import time
from typing import Any

import pytest

from chalicelib.auth import User
from chalicelib.errors import Conflict, Forbidden, InvalidField, NotFound, Unauthorized
from chalicelib.photos import domain, service
from chalicelib.photos.store import original_key, thumb_key, web_key
from tests.fakes.photos import FakePhotoStore

ALICE = User("E1001", "김민지", "총무과", ("employee",))
BOB = User("E1002", "이서준", "재무과", ("employee",))
UPLOAD = domain.UploadRequest("현장.jpg", "image/jpeg", 1234)


@pytest.fixture
def store() -> FakePhotoStore:
    return FakePhotoStore()


def ready(store: FakePhotoStore, who: service.Principal, **extra: Any) -> str:
    """An uploaded photo that the processor has finished."""
    photo = service.create_upload(store, who, UPLOAD)["photo"]["photo_id"]
    store.mark_ready(who.prefix, photo, {"width": 1600, "height": 1200}, "e1", 1234)
    store.items[(who.prefix, photo)].update(extra)
    return str(photo)


def paired_phone(store: FakePhotoStore, owner: service.Principal) -> service.Principal:
    created = service.create_pairing(store, owner, "https://gdesk.example.go.kr")
    code = created["link"].split("#pair=", 1)[1]
    session = service.claim_pairing(store, code)["session"]
    return service.phone_principal(store, session)


def test_desk_principal_keys_a_user_under_their_own_prefix() -> None:
    who = service.desk_principal(ALICE)
    assert (who.user_id, who.prefix, who.name, who.department, who.is_phone) == \
        ("E1001", "E1001", "김민지", "총무과", False)
    assert service.desk_principal(User("../E1002", "x", "")).prefix.startswith("u")  # never a path


def test_phone_principal_rejects_bad_and_unknown_sessions(store: FakePhotoStore) -> None:
    with pytest.raises(Unauthorized):
        service.phone_principal(store, "short")
    with pytest.raises(Unauthorized):
        service.phone_principal(store, domain.new_secret())  # well formed, never issued


def test_create_upload_starts_an_uploading_record_with_the_post(store: FakePhotoStore) -> None:
    who = service.desk_principal(ALICE)
    service.put_user_settings(store, who, True)
    started = service.create_upload(store, who, UPLOAD)
    photo = started["photo"]["photo_id"]
    assert started["photo"]["status"] == "uploading" and started["photo"]["filename"] == "현장.jpg"
    assert started["upload"]["fields"]["key"] == original_key("E1001", photo)
    assert started["upload"]["max_bytes"] == store.settings.max_upload_bytes
    assert started["upload"]["expires_in"] == store.settings.upload_url_seconds
    assert store.items[("E1001", photo)]["keep_gps"] is True  # the user's setting at upload time


def test_get_photo_is_only_for_its_owner(store: FakePhotoStore) -> None:
    alice, bob = service.desk_principal(ALICE), service.desk_principal(BOB)
    photo = ready(store, alice)
    got = service.get_photo(store, alice, photo)
    assert got["status"] == "ready" and set(got["urls"]) == {"web", "thumb"}
    with pytest.raises(NotFound):
        service.get_photo(store, bob, photo)
    with pytest.raises(NotFound):
        service.get_photo(store, alice, "../../etc")


def test_a_phone_sees_only_what_it_uploaded(store: FakePhotoStore) -> None:
    alice = service.desk_principal(ALICE)
    from_desk = ready(store, alice)
    phone = paired_phone(store, alice)
    assert phone.is_phone and phone.user_id == "E1001"
    from_phone = service.create_upload(store, phone, UPLOAD)["photo"]["photo_id"]
    assert store.items[("E1001", from_phone)]["session_id"] == phone.session_id
    assert service.get_photo(store, phone, from_phone)["status"] == "uploading"
    with pytest.raises(NotFound):
        service.get_photo(store, phone, from_desk)


def test_list_photos_pages_newest_first_with_a_stable_etag(store: FakePhotoStore) -> None:
    alice = service.desk_principal(ALICE)
    ids = []
    for _ in range(3):
        ids.append(ready(store, alice))
        time.sleep(0.002)  # ids sort by upload time (milliseconds)
    page, etag = service.list_photos(store, alice, 2, None)
    assert [p["photo_id"] for p in page["photos"]] == ids[::-1][:2] and page["next_cursor"] == ids[1]
    rest, _ = service.list_photos(store, alice, 2, page["next_cursor"])
    assert [p["photo_id"] for p in rest["photos"]] == [ids[0]]
    assert service.list_photos(store, alice, 2, None)[1] == etag  # nothing changed: same ETag
    assert service.etag_matches(etag, etag)
    assert service.list_photos(store, service.desk_principal(BOB), 20, None)[0]["photos"] == []
    with pytest.raises(InvalidField):
        service.list_photos(store, alice, 2, "not-a-cursor")


def test_delete_photo_removes_the_record_and_every_object(store: FakePhotoStore) -> None:
    alice = service.desk_principal(ALICE)
    photo = ready(store, alice)
    for key in (original_key("E1001", photo), web_key("E1001", photo), thumb_key("E1001", photo)):
        store.objects[key] = (b"x", "image/jpeg", "e")
    with pytest.raises(NotFound):
        service.delete_photo(store, service.desk_principal(BOB), photo)
    service.delete_photo(store, alice, photo)
    assert ("E1001", photo) not in store.items and not store.objects


def test_download_gives_an_attachment_url_of_a_ready_photo_only(store: FakePhotoStore) -> None:
    alice = service.desk_principal(ALICE)
    photo = ready(store, alice, filename="현장.jpg")
    got = service.download(store, alice, photo, "web", "203.0.113.9")
    assert got["filename"] == "현장_web.jpg" and got["expires_in"] == store.settings.view_url_seconds
    assert web_key("E1001", photo) in got["url"]
    assert original_key("E1001", photo) in service.download(store, alice, photo, "original", None)["url"]
    with pytest.raises(InvalidField):
        service.download(store, alice, photo, "thumb", None)
    pending = service.create_upload(store, alice, UPLOAD)["photo"]["photo_id"]
    with pytest.raises(Conflict):
        service.download(store, alice, pending, "original", None)


def test_settings_are_per_user(store: FakePhotoStore) -> None:
    alice, bob = service.desk_principal(ALICE), service.desk_principal(BOB)
    assert service.get_user_settings(store, alice) == {"keep_location": False}
    assert service.put_user_settings(store, alice, True) == {"keep_location": True}
    assert service.get_user_settings(store, alice) == {"keep_location": True}
    assert service.get_user_settings(store, bob) == {"keep_location": False}


def test_create_pairing_gives_a_link_and_its_qr(store: FakePhotoStore) -> None:
    created = service.create_pairing(store, service.desk_principal(ALICE), "https://gdesk.example.go.kr/")
    assert created["link"].startswith("https://gdesk.example.go.kr/photo#pair=")
    assert created["qr_svg"].lstrip().startswith("<?xml") or "<svg" in created["qr_svg"]
    assert created["expires_in"] == store.settings.pairing_seconds
    code = created["link"].split("#pair=", 1)[1]
    assert created["pairing_id"] == domain.secret_hash(code)  # the id cannot claim it
    assert store.pairings[created["pairing_id"]]["user_id"] == "E1001"


def test_pairing_status_is_for_its_creator_only(store: FakePhotoStore) -> None:
    alice = service.desk_principal(ALICE)
    created = service.create_pairing(store, alice, "https://gdesk.example.go.kr")
    assert service.pairing_status(store, alice, created["pairing_id"])["status"] == "waiting"
    with pytest.raises(NotFound):
        service.pairing_status(store, service.desk_principal(BOB), created["pairing_id"])
    with pytest.raises(NotFound):
        service.pairing_status(store, alice, "nope")
    service.claim_pairing(store, created["link"].split("#pair=", 1)[1])
    assert service.pairing_status(store, alice, created["pairing_id"])["status"] == "paired"


def test_claim_pairing_works_once(store: FakePhotoStore) -> None:
    created = service.create_pairing(store, service.desk_principal(ALICE), "https://gdesk.example.go.kr")
    code = created["link"].split("#pair=", 1)[1]
    claimed = service.claim_pairing(store, code)
    assert claimed["name"] == "김민지" and domain.valid_secret(claimed["session"])
    assert service.phone_principal(store, claimed["session"]).user_id == "E1001"
    with pytest.raises(Forbidden):
        service.claim_pairing(store, code)  # single use
    with pytest.raises(InvalidField):
        service.claim_pairing(store, None)


def test_send_refuses_without_a_configured_https_webhook_or_a_ready_photo(store: FakePhotoStore) -> None:
    alice = service.desk_principal(ALICE)
    photo = ready(store, alice)
    with pytest.raises(Conflict) as raised:
        service.send(store, alice, photo)  # no webhook configured
    assert raised.value.code == "webhook_not_configured"
    store.with_settings(webhook_url="http://work.example.go.kr/hook", webhook_secret_id="s")
    with pytest.raises(Conflict) as raised:
        service.send(store, alice, photo)  # plain http to a remote host
    assert raised.value.code == "webhook_not_configured"
    store.with_settings(webhook_url="https://work.example.go.kr/hook")
    with pytest.raises(NotFound):
        service.send(store, service.desk_principal(BOB), photo)
    pending = service.create_upload(store, alice, UPLOAD)["photo"]["photo_id"]
    with pytest.raises(Conflict) as raised:
        service.send(store, alice, pending)
    assert raised.value.code == "not_ready"

