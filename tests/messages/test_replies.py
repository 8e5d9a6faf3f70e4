"""The bot replies that need no database: the list of commands."""

from monitor.messages.replies import reply_unknown, reply_yardim
from tests.servers.fakebot import check_html


def test_yardim_lists_every_command():
    message = reply_yardim()
    check_html(message)
    for command in ("/son", "/bugun", "/durum", "/ara &lt;kelime&gt;", "/yardim"):
        assert command in message
    assert "/ara &lt;word&gt;" in reply_yardim(lang="en")


def test_an_unknown_command_is_named_and_the_commands_listed():
    message = reply_unknown("/<merhaba>")
    check_html(message)
    assert message.startswith("/&lt;merhaba&gt; diye bir komut yok.\n\n<b>Komutlar</b>")
    assert message.endswith(reply_yardim())
    assert reply_unknown("/x", lang="en").startswith("There is no /x command.")
