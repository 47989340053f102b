"""Scripted conversations for the load benchmark: what visitors say, turn by turn.

Plain data with no imports, so that both the locust venv and the Rasa venv can read it.
"""

# The first sentence of bot.rasa_channel.APOLOGY (that module needs Rasa to import).
APOLOGY = "Sorry, something went wrong on my side"

SCRIPTS = {
    "psychoeducation": [
        "hi",
        "what is anxiety",
        "tell me more",
        "i keep waking up at 3am and cant get back to sleep",
        "tell me more",
        "thanks",
    ],
    "exercise": [
        "can you do box breathing with me",
        "/next_step",
        "/next_step",
        "/next_step",
        "/next_step",
        "thanks",
    ],
    "checkin": [
        "can i do a quick mood check in",
        "about a 6 out of 10",
        "/skip",
        "/mood_checkin",
        '/answer{"answer": "4"}',
        "/skip",
    ],
    "crisis": [
        "i feel hopeless and i cant go on",
        "no",
        "i dont want to be alive anymore",
        "thanks",
    ],
    "referral": [
        "I'd like to see a therapist please",
        "I've been anxious and panicky for months",
        "face to face",
        "Leeds",
        "weekday evenings",
        '/answer{"clinician": "team"}',
        "/skip",
        "07911 123456",
        "yes",
    ],
}

WEIGHTS = {"psychoeducation": 40, "exercise": 25, "checkin": 15, "crisis": 10, "referral": 10}


def failure(status: int, replies) -> str | None:
    """Why a round trip failed, or None: a non-200 status or the apology text."""
    if status != 200:
        return f"HTTP {status}"
    if not isinstance(replies, list):
        return "not a list of replies"
    if any(APOLOGY in (reply.get("text") or "") for reply in replies):
        return "apology"
    return None
