"""The duty-table import use case (notifying.service) against the in-memory notifier store."""

from __future__ import annotations

import pytest

from chalicelib.briefing import duties
from chalicelib.briefing.notifying import service
from chalicelib.briefing.notifying.ports import ProfileChanged
from chalicelib.briefing.notifying.profiles import parse_profile
from chalicelib.errors import InvalidField, PayloadTooLarge
from tests.fakes.briefing import FakeNotifyStore


class Profiles(FakeNotifyStore):
    """The fake notifier store, with a concurrent saver that wins ``races`` times."""

    races = 0

    def put_profile(self, profile, expected_version):  # type: ignore[no-untyped-def]
        if self.races:
            self.races -= 1
            raise ProfileChanged()
        return super().put_profile(profile, expected_version)

    @property
    def rows(self):  # type: ignore[no-untyped-def]
        return self.profiles


TABLE = ("사번,부서,팀,담당업무\n"
         "E2001,경제정책과,경제분석팀,\"지역 경제 동향, 물가, 금리, 수출입, 고용 통계 분석\"\n"
         "E2002,문화예술과,,\"공연·전시·축제 지원\"\n"
         "E2003,문화예술과,,\n").encode("cp949")


def test_every_listed_employee_gets_a_working_profile_and_reimport_changes_nothing() -> None:
    store = Profiles()
    summary = service.import_duties(store, TABLE, "duties.csv")
    assert summary == {"rows": 2, "created": 2, "updated": 0, "unchanged": 0,
                       "errors": [{"line": 4, "message": "담당업무가 비어 있습니다."}]}
    economy = store.rows["E2001"]
    assert (economy.department, economy.team, economy.enabled) == ("경제정책과", "경제분석팀", True)
    assert "금리" in economy.suggested_keywords and economy.keywords == ()
    assert economy.interest().duties.startswith("지역 경제")
    again = service.import_duties(store, TABLE, "duties.csv")
    assert again["unchanged"] == 2 and again["created"] == again["updated"] == 0
    assert store.rows["E2001"].version == 1


def test_the_employees_own_edits_win_over_a_later_import() -> None:
    store = Profiles()
    service.import_duties(store, TABLE)
    mine, _ = parse_profile({"duties": "수출 기업 지원", "keywords": ["수출"]}, store.rows["E2001"], {},
                            allow_loopback=False)
    store.put_profile(mine, store.rows["E2001"].version)
    newer = TABLE.decode("cp949").replace("고용 통계 분석", "고용 동향").replace("경제분석팀", "경제정책팀")
    summary = service.import_duties(store, newer.encode())
    assert summary["updated"] == 1 and summary["unchanged"] == 1
    profile = store.rows["E2001"]
    assert profile.duties == "수출 기업 지원" and profile.keywords == ("수출",)  # the employee's
    assert profile.team == "경제정책팀"  # not edited by the employee: the table's


def test_a_race_is_retried_and_reported_by_line_when_it_persists() -> None:
    store = Profiles()
    store.races = 1
    assert service.import_duties(store, TABLE)["created"] == 2
    store = Profiles()
    store.races = 3
    summary = service.import_duties(store, TABLE)
    assert summary["created"] == 1
    assert {"line": 2, "message": "동시에 수정되어 저장하지 못했습니다. 다시 가져오세요."} \
        in summary["errors"]


def test_unreadable_uploads_are_422_and_apply_nothing() -> None:
    store = Profiles()
    with pytest.raises(InvalidField, match="담당업무"):
        service.import_duties(store, "사번,부서\nE1,도로과\n".encode())
    assert store.rows == {}
    for data in (b"", b"\x00" * 10):
        with pytest.raises(InvalidField):
            service.import_duty_table(store, data, "a.csv")
    with pytest.raises(PayloadTooLarge):
        service.import_duty_table(store, b"x" * (duties.MAX_BYTES + 1), "a.csv")
    assert store.rows == {}
