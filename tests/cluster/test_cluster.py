"""Two Rasa instances on one PostgreSQL tracker store and one Redis lock store, behind nginx."""

import threading
from concurrent.futures import ThreadPoolExecutor

from tests.cluster.chat import new_conversation, send, text_of

SCRIPT = ["hi", "what is anxiety", "tell me more", "/do_box_breathing", "/next_step", "thanks"]


def user_texts(cluster, conversation):
    return [text for kind, _, text in cluster.tracker_events(conversation) if kind == "user"]


def assert_turns_whole(cluster, conversation):
    """Every turn's events come together: each message after the first follows the bot's
    action_listen, so no two turns of one conversation were ever handled at once."""
    events = [e for e in cluster.tracker_events(conversation) if e[0] in ("user", "action")]
    users = [i for i, event in enumerate(events) if event[0] == "user"]
    for index in users[1:]:
        assert events[index - 1][1] == "action_listen", events[index - 3 : index + 1]
    assert events[-1][1] == "action_listen"


def test_fifty_concurrent_conversations_through_nginx(cluster):
    conversations = [new_conversation() for _ in range(50)]

    def talk(conversation):
        return [send(cluster, conversation, text).status_code for text in SCRIPT]

    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(talk, conversations))

    assert statuses == [[200] * len(SCRIPT)] * 50
    for conversation in conversations:
        assert user_texts(cluster, conversation) == SCRIPT  # all there, in order, once
        assert_turns_whole(cluster, conversation)


def test_messages_sent_at_once_to_both_instances_are_handled_one_at_a_time(cluster):
    """Consistent hashing is bypassed: the lock store alone keeps each turn whole."""
    conversations = [new_conversation() for _ in range(10)]
    messages = [f"message number {n}" for n in range(6)]
    start = threading.Barrier(len(conversations) * len(messages))

    def post(job):
        conversation, number = job
        start.wait()
        via = "rasa1" if number % 2 else "rasa2"
        return send(cluster, conversation, messages[number], via=via).status_code

    jobs = [(c, n) for c in conversations for n in range(len(messages))]
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        assert set(pool.map(post, jobs)) == {200}

    for conversation in conversations:
        stored = user_texts(cluster, conversation)
        assert sorted(stored) == messages  # every message once: none lost, none doubled
        assert_turns_whole(cluster, conversation)


def test_conversations_carry_on_when_an_instance_dies(cluster):
    conversations = [new_conversation() for _ in range(20)]
    for conversation in conversations:
        assert send(cluster, conversation, "/do_box_breathing").status_code == 200

    cluster.kill("rasa1")
    try:
        replies = [send(cluster, conversation, "/next_step") for conversation in conversations]
        assert [r.status_code for r in replies] == [200] * 20
        # The surviving instance read each conversation's history: it knows the step.
        assert all("step 2 of" in text_of(reply) for reply in replies), text_of(replies[0])
    finally:
        cluster.start("rasa1")
        cluster.wait_until_ready("rasa1")
