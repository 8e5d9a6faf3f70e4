"""The bot replies that need no database: the list of commands."""

from monitor.messages.replies import reply_yardim
from tests.servers.fakebot import check_html


def test_yardim_lists_every_command():
    message = reply_yardim()
    check_html(message)
    for command in ("/son", "/bugun", "/durum", "/ara &lt;kelime&gt;", "/yardim"):
        assert command in message
    assert "/ara &lt;word&gt;" in reply_yardim(lang="en")
