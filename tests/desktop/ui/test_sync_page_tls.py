"""The window when the county's certificate fails: the sync page says sync paused, why, what to do, whom to call."""

from __future__ import annotations

import pytest

from desktop.services.activation import activate
from desktop.services.session import Counter
from desktop.settings import Settings
from desktop.ui.activation import ActivationWindow
from sync.tls import NOT_HTTPS
from tests.county.conftest import county_engine, new_point  # noqa: F401 - fixtures
from tests.county.test_https import ca, events_at, serve  # noqa: F401 - fixtures
from tests.desktop.ui.county_window import county_window, sync
from tests.factories import PASSWORD, make_case_draft


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
def test_the_sync_page_explains_an_untrusted_certificate(qtbot, serve, ca, tmp_path, catalogue):
    county = serve(ca.issue("county"))
    folder = tmp_path / "data"
    store = activate(county.base_url, new_point(county)["code"], folder, PASSWORD, ca_file=str(ca.pem)).store
    counter = Counter(store, catalogue, Settings(folder))  # no CA file set on this PC, none in its store
    try:
        counter.store.append(make_case_draft(catalogue))
        window = county_window(qtbot, counter)
        page = window.show_page("sync")
        outcome = sync(qtbot, window, press=True)
        assert not outcome.ok and outcome.report.error.code == "cert_unknown_issuer"
        headline = page.headline.text()
        assert headline.startswith("同步已暂停：县里服务器的安全证书没有通过检查") and "不会丢失" in headline
        assert "县政务服务管理局" in headline
        reason = page.lines["error"][1].text()
        assert "不是这台电脑认识的机构发的" in reason and "没有发出任何记录" in reason and "秒后自动再试" not in reason
        assert window.sync_indicator.text() == "连接不安全（数据保存在本机）"
        assert "待同步 1 条" not in window.sync_indicator.text() and events_at(county) == 0
        window.grab().save(str(tmp_path / "sync-certificate.png"))
        counter.settings.set("county_ca_file", str(ca.pem))  # the county's IT hands the CA file over
        assert sync(qtbot, window, press=True).ok and events_at(county) == 1
        assert page.headline.text() == "记录都已同步到县里。" and window.sync_indicator.text() == "已同步"
    finally:
        store.close()


def test_activation_refuses_plain_http_to_another_machine_before_anything_is_sent(qtbot, tmp_path):
    window = ActivationWindow(tmp_path / "ledger")
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.server.setText("http://ssb.fuliang.gov.cn")
    window.code.setText("K7QX-M2PA-9TRD")
    window.password.setText(PASSWORD)
    window.again.setText(PASSWORD)
    window.submit()
    assert window.job is None and window.fields["server"].error.text() == NOT_HTTPS
    window.grab().save(str(tmp_path / "activation-http.png"))
    window.ca_file.setText(str(tmp_path / "missing.pem"))
    window.server.setText("https://ssb.fuliang.gov.cn")
    window.submit()
    assert window.job is None and "不是证书" in window.fields["ca_file"].error.text()
    assert window.fields["server"].error.isHidden()


def test_the_settings_keep_no_plain_http_address_beyond_this_machine(tmp_path):
    settings = Settings(tmp_path)
    with pytest.raises(ValueError, match="https://"):
        settings.set("county_server", "http://10.0.0.5:8600")
    settings.set("county_server", "http://127.0.0.1:8600")  # the training county on this machine
    settings.set("county_server", "https://ssb.fuliang.gov.cn")
    (tmp_path / "settings.json").write_text('{"county_server": "http://ssb.fuliang.gov.cn"}', encoding="utf-8")
    assert Settings.load(tmp_path).get("county_server") == "https://ssb.fuliang.gov.cn"  # the default, not it
