from __future__ import annotations

import codecs

import pytest

from chalicelib.briefing.crawling import charset

# 똠, 뷁: syllables only CP949 has (not in the EUC-KR table)
KOREAN = "행정안전부 보도자료: 지방자치단체 도로 포트홀 신고 서비스 시작 (똠방각하 뷁)"
PAGE = "<html><head>{meta}<title>보도자료</title></head><body><p>{text}</p></body></html>"


def _page(meta: str = "") -> str:
    return PAGE.format(meta=meta, text=KOREAN)


def test_euc_kr_without_any_header_or_meta_by_trial_decoding() -> None:
    body = _page().encode("cp949")
    text, codec = charset.decode(body, "text/html")
    assert KOREAN in text and codec == "cp949"


def test_euc_kr_declared_in_a_meta_tag_decodes_cp949_extensions() -> None:
    body = _page('<meta http-equiv="Content-Type" content="text/html; charset=euc-kr">').encode("cp949")
    text, codec = charset.decode(body, None)
    assert KOREAN in text and codec == "cp949"


def test_html5_meta_charset() -> None:
    text, _ = charset.decode(_page('<meta charset="EUC-KR">').encode("cp949"), "text/html")
    assert KOREAN in text


def test_header_wins_when_it_is_right_and_is_ignored_when_it_lies() -> None:
    assert charset.decode(_page().encode("utf-8"), "text/html; charset=UTF-8") == (_page(), "utf-8")
    text, codec = charset.decode(_page().encode("cp949"), "text/html; charset=utf-8")
    assert KOREAN in text and codec == "cp949"


def test_xml_declaration() -> None:
    feed = f'<?xml version="1.0" encoding="euc-kr"?><rss><channel><title>{KOREAN}</title></channel></rss>'
    text, codec = charset.decode(feed.encode("cp949"), "application/xml")
    assert KOREAN in text and codec == "cp949"


def test_utf8_without_header_and_with_bom() -> None:
    assert charset.decode(_page().encode("utf-8"))[0] == _page()
    text, _ = charset.decode(codecs.BOM_UTF8 + _page().encode("utf-8"), "text/html; charset=euc-kr")
    assert text == _page()


def test_undecodable_bytes_never_raise() -> None:
    text, _ = charset.decode(b"\xff\xfe\xfa garbage \x80\x81" * 10, "text/html; charset=nonsense")
    assert isinstance(text, str)


@pytest.mark.parametrize(("label", "codec"), [
    ("EUC-KR", "cp949"), ("ks_c_5601-1987", "cp949"), ("x-windows-949", "cp949"), ("UTF8", "utf-8"),
    ("latin1", "iso8859-1"), ("nope", None), (None, None),
])
def test_labels(label: str | None, codec: str | None) -> None:
    assert charset.normalize_label(label) == codec
