"""Who may use the bot commands: ids and usernames from config and environment."""

from monitor.telegram.access import parse_ids


def test_parse_ids_accepts_numbers_strings_and_usernames():
    ids, names = parse_ids([-1001234567890, "42", " -55 ", "@KanalAdi", "", "nonsense"])
    assert ids == {-1001234567890, 42, -55}
    assert names == {"kanaladi"}
