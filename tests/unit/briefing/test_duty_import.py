"""The duty-table import use case against an in-memory profile store."""

from __future__ import annotations

import base64
from dataclasses import replace

import pytest

from chalicelib.briefing import duty_import
from chalicelib.briefing.profiles import Profile, parse_profile
from chalicelib.errors import InvalidField


class Changed(Exception):
    pass


class Profiles:
    def __init__(self) -> None:
        self.rows: dict[str, Profile] = {}
        self.races = 0

    def get_profile(self, user_id: str) -> Profile | None:
        return self.rows.get(user_id)

    def put_profile(self, profile: Profile, expected_version: int) -> Profile:
        current = self.rows.get(profile.user_id)
        if self.races:
            self.races -= 1
            raise Changed()
        if (current.version if current else 0) != expected_version:
            raise Changed()
        saved = replace(profile, version=expected_version + 1)
        self.rows[profile.user_id] = saved
        return saved


TABLE = ("사번,부서,팀,담당업무\n"
         "E2001,경제정책과,경제분석팀,\"지역 경제 동향, 물가, 금리, 수출입, 고용 통계 분석\"\n"
         "E2002,문화예술과,,\"공연·전시·축제 지원\"\n"
         "E2003,문화예술과,,\n").encode("cp949")


def test_every_listed_employee_gets_a_working_profile_and_reimport_changes_nothing() -> None:
    store = Profiles()
    summary = duty_import.import_duties(store, TABLE, "duties.csv", conflict=Changed)
    assert summary == {"rows": 2, "created": 2, "updated": 0, "unchanged": 0,
                       "errors": [{"line": 4, "message": "담당업무가 비어 있습니다."}]}
    economy = store.rows["E2001"]
    assert (economy.department, economy.team, economy.enabled) == ("경제정책과", "경제분석팀", True)
    assert "금리" in economy.suggested_keywords and economy.keywords == ()
    assert economy.interest().duties.startswith("지역 경제")
    again = duty_import.import_duties(store, TABLE, "duties.csv", conflict=Changed)
    assert again["unchanged"] == 2 and again["created"] == again["updated"] == 0
    assert store.rows["E2001"].version == 1


def test_the_employees_own_edits_win_over_a_later_import() -> None:
    store = Profiles()
    duty_import.import_duties(store, TABLE, conflict=Changed)
    mine, _ = parse_profile({"duties": "수출 기업 지원", "keywords": ["수출"]}, store.rows["E2001"], {},
                            allow_loopback=False)
    store.put_profile(mine, store.rows["E2001"].version)
    newer = TABLE.decode("cp949").replace("고용 통계 분석", "고용 동향").replace("경제분석팀", "경제정책팀")
    summary = duty_import.import_duties(store, newer.encode(), conflict=Changed)
    assert summary["updated"] == 1 and summary["unchanged"] == 1
    profile = store.rows["E2001"]
    assert profile.duties == "수출 기업 지원" and profile.keywords == ("수출",)  # the employee's
    assert profile.team == "경제정책팀"  # not edited by the employee: the table's


def test_a_race_is_retried_and_reported_by_line_when_it_persists() -> None:
    store = Profiles()
    store.races = 1
    assert duty_import.import_duties(store, TABLE, conflict=Changed)["created"] == 2
    store = Profiles()
    store.races = 3
    summary = duty_import.import_duties(store, TABLE, conflict=Changed)
    assert summary["created"] == 1
    assert {"line": 2, "message": "동시에 수정되어 저장하지 못했습니다. 다시 가져오세요."} \
        in summary["errors"]


def test_unreadable_uploads_are_422_and_apply_nothing() -> None:
    store = Profiles()
    with pytest.raises(InvalidField, match="담당업무"):
        duty_import.import_duties(store, "사번,부서\nE1,도로과\n".encode(), conflict=Changed)
    assert store.rows == {}
    upload = {"filename": "a.csv", "content_base64": base64.b64encode(TABLE).decode()}
    data, name = duty_import.decode_upload(upload)
    assert data == TABLE and name == "a.csv"
    for body in ({"content_base64": "!!"}, {"filename": 3, "content_base64": "QQ=="}, {}):
        with pytest.raises(InvalidField):
            duty_import.decode_upload(body)
