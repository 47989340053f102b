"""tests.tools.load_scripts: how the load benchmark tells a failed round trip from a reply."""

from bot.rasa_channel import APOLOGY
from tests.tools.load_scripts import APOLOGY as APOLOGY_START
from tests.tools.load_scripts import failure


def test_its_copy_of_the_apology_is_the_channels():
    # The locust venv cannot import the channel (it needs Rasa), so the text is copied.
    assert APOLOGY.startswith(APOLOGY_START)


def test_failures_are_statuses_bad_bodies_and_the_apology():
    assert failure(200, [{"text": "Hi, I'm an AI self-help assistant."}]) is None
    assert failure(200, []) is None  # a silent command such as /restart
    assert failure(503, None) == "HTTP 503"
    assert failure(200, {"text": "hi"}) == "not a list of replies"
    assert failure(200, [{"text": APOLOGY}]) == "apology"
