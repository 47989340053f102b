"""Live chat on the production profile: a person's messages and the visitor's, sent at the
same moment through both Rasa instances, all land once, in one order, with the bot quiet."""

from concurrent.futures import ThreadPoolExecutor

import requests

from tests.cluster.chat import new_conversation, send, text_of
from tests.support.stack import csrf


def test_a_person_and_a_visitor_writing_at_once_through_both_instances(cluster):
    responder = cluster.console_session("casey", "a long responder password 42", role="responder")
    web = cluster.url("web")
    assert responder.post(
        f"{web}/console/live/duty", data={"available": "1"}, headers=csrf(responder)
    ).ok
    visitor = new_conversation()
    assert send(cluster, visitor, "hi").status_code == 200
    asked = requests.post(
        cluster.url("nginx", "/live/request"),
        json={"conversation_id": visitor, "region": "uk"},
        timeout=30,
    )
    assert asked.json()["state"] == "waiting", asked.text
    chat = responder.get(f"{web}/console/live/queue.json", timeout=30).json()["chats"][0]
    assert responder.post(f"{web}/console/live/{chat['id']}/accept", headers=csrf(responder)).ok

    staff_lines = [f"from casey {n}" for n in range(10)]
    visitor_lines = [f"from the visitor {n}" for n in range(10)]

    def write(job):
        kind, number = job
        if kind == "staff":
            answer = responder.post(
                f"{web}/console/live/{chat['id']}/say",
                data={"text": staff_lines[number]},
                headers=csrf(responder),
                timeout=60,
            )
            return answer.status_code, answer.json()
        answer = send(cluster, visitor, visitor_lines[number], via=f"rasa{number % 2 + 1}")
        return answer.status_code, answer.json()

    jobs = [(kind, n) for n in range(10) for kind in ("staff", "visitor")]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(write, jobs))
    assert all(status == 200 for status, _ in results), results
    assert [
        body for (kind, _), (_, body) in zip(jobs, results, strict=True) if kind == "visitor"
    ] == [[]] * 10

    events = cluster.tracker_events(visitor)
    said = [text for kind, _, text in events if kind == "bot" and text in staff_lines]
    typed = [text for kind, _, text in events if kind == "user" and text in visitor_lines]
    assert sorted(said) == sorted(staff_lines) and sorted(typed) == sorted(visitor_lines)
    paused = [kind for kind, _, _ in events].index("pause")
    assert not [action for kind, action, _ in events[paused:] if kind == "action"]  # bot quiet

    responder.post(f"{web}/console/live/{chat['id']}/hand-back", headers=csrf(responder))
    answered = send(cluster, visitor, "what is anxiety")
    assert answered.status_code == 200 and "anxiety" in text_of(answered).lower()


def test_the_live_chat_endpoint_is_not_public(cluster):
    refused = requests.post(cluster.url("nginx", "/webhooks/rest/live"), json={}, timeout=30)
    assert refused.status_code == 404
