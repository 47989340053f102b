"""The crisis conversation: the first reply, the direct questions, and the replies after.

Thin over bot.safety.crisis (which words, services and alerts) and
bot.safety.conversation (what an answer means, which question is next).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.live_chat import offer_live_chat
from bot import django_setup
from bot.regions import INTERNATIONAL, normalise_region
from bot.safety import conversation
from bot.safety.crisis import (
    ALERT_LEVELS,
    KEEP_TALKING,
    CrisisReply,
    buttons,
    card,
    main_category,
    plan_reply,
    word,
)
from bot.safety.decide import ScreenResult, highest, level_rank, stronger
from bot.safety.entities import from_entities
from bot.safety.screen import default_screen

# Built when the action server starts, not on the first crisis message.
default_screen()

FORM = "risk_questions_form"
FOOTER = "utter_crisis_footer"
# The actions that speak in a crisis: a crisis context older than the session is stale.
CRISIS_ACTIONS = frozenset(
    {"action_respond_to_crisis", "action_finish_risk_questions", "action_crisis_follow_up", FORM}
)
# How the direct questions ended, for action_finish_risk_questions.
ANSWERED, DECLINED, STOPPED, STRONGER = "answered", "declined", "stopped", "stronger"
OUTCOME_SLOT, REASKED_SLOT = "rq_outcome", "rq_reasked"
# After a reply, what the bot asks next (conversation.CALL_NOW, ...): read by the rules.
ASKED_SLOT, WORDINGS_SLOT, CATEGORY_SLOT = "crisis_asked", "crisis_wordings", "crisis_category"
# Said when a crisis context is stale, as if there had been no crisis: intent -> action.
ORDINARY_REPLIES = {
    "thank": "utter_you_are_welcome",
    "goodbye": "utter_goodbye",
    "nlu_fallback": "action_ask_affirmation",
    "feeling_fine": "utter_glad_you_are_ok",
    "leave_me_alone": "utter_give_space",
}


def screened(tracker: Tracker) -> ScreenResult:
    """The latest message's risk as the NLU screen stored it."""
    return from_entities((tracker.latest_message or {}).get("entities") or [])


def latest_intent(tracker: Tracker) -> str | None:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def answers(tracker: Tracker) -> dict[str, str | None]:
    return {slot: tracker.get_slot(slot) for slot in conversation.question_slots()}


async def alert_if_raised(tracker: Tracker, prior: str, level: str, categories) -> None:
    if level in ALERT_LEVELS and conversation.raised(prior, level):
        await raise_staff_alert(tracker.sender_id, level, list(categories))


async def raise_staff_alert(conversation_id: str, level: str, categories: Iterable[str]) -> None:
    """Queue a staff alert; its outbox is a Django model shared by every action server."""
    await django_setup.asetup()
    from bot.safety import alerts  # needs Django set up: it imports the outbox's model

    await alerts.raise_alert(conversation_id, level, categories)


def send(dispatcher: CollectingDispatcher, text: str, buttons_: tuple, payload: dict | None):
    dispatcher.utter_message(text=text, buttons=list(buttons_))
    if payload is not None:
        dispatcher.utter_message(json_message=payload)


async def give(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    reply: CrisisReply,
    result: ScreenResult,
    with_buttons: bool = True,
) -> list[EventType]:
    """Sends a crisis reply with its card, alerts staff if the level rose, and returns
    the slots that carry the crisis on (a flagged reply only)."""
    send(dispatcher, reply.text, reply.buttons if with_buttons else (), reply.payload)
    if reply.payload is None:
        return [SlotSet(WORDINGS_SLOT, reply.wordings), SlotSet(ASKED_SLOT, reply.asks)]
    if reply.alert_staff:
        await raise_staff_alert(tracker.sender_id, reply.level, reply.categories)
    return [
        SlotSet(WORDINGS_SLOT, reply.wordings),
        SlotSet("risk_level", reply.highest_level),
        SlotSet("crisis_active", True),
        SlotSet(ASKED_SLOT, reply.asks),
        SlotSet(CATEGORY_SLOT, main_category(result, reply.level)),
    ]


async def help_with_answer(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """A risky answer inside a free-text form (safety plan, thought record, referral):
    the form keeps it as the answer, and the crisis help is shown with it. Immediate
    danger ends the form: the one thing to do then is call."""
    result = screened(tracker)
    if result.level == "none":
        return []
    prior = tracker.get_slot("risk_level") or "none"
    used = tracker.get_slot(WORDINGS_SLOT)
    reply = plan_reply(result, prior, tracker.get_slot("region"), used, questions_done=True)
    events = await give(dispatcher, tracker, reply, result, with_buttons=False)
    dispatcher.utter_message(response=FOOTER)
    if reply.level in ALERT_LEVELS:
        await offer_live_chat(dispatcher, tracker.get_slot("region"), only_if_available=True)
    if reply.level != "imminent":  # the form asks its next question; nothing else is asked
        return [*events, SlotSet(ASKED_SLOT, None)]
    return [*events, SlotSet("requested_slot", None), ActiveLoop(None)]


class ActionRespondToCrisis(Action):
    """The first reply to a flagged message; the rules then start the direct questions."""

    def name(self) -> str:
        return "action_respond_to_crisis"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        message = tracker.latest_message or {}
        prior_level = tracker.get_slot("risk_level") or "none"
        # The NLU component screened the message alone; screened again with the
        # conversation's history, a means question after distress is high.
        result = stronger(
            screened(tracker),
            default_screen().screen(
                message.get("text") or "", prior_level, tracker.get_slot("distress_seen") == "yes"
            ),
        )
        questions_done = _asked_this_session(tracker)
        reply = plan_reply(
            result,
            prior_level,
            tracker.get_slot("region"),
            tracker.get_slot(WORDINGS_SLOT),
            questions_done,
        )
        events = await give(dispatcher, tracker, reply, result)
        if reply.level in ALERT_LEVELS:  # after the crisis help, never instead of it
            await offer_live_chat(dispatcher, tracker.get_slot("region"), only_if_available=True)
        if reply.questions is None:
            return [*events, SlotSet("risk_questions", "skip")]
        # Answers from an earlier session are not this session's: ask afresh.
        fresh = [SlotSet(slot, reply.questions.get(slot)) for slot in conversation.question_slots()]
        return [*events, *fresh, SlotSet("risk_questions", "start")]


class ActionAskRiskQuestion(Action, ABC):
    """Asks one direct question (crisis.yml), with the reasons first the first time."""

    @property
    @abstractmethod
    def question(self) -> str:
        """The question's id in crisis_answers.yml (abstract: one subclass per question)."""

    def name(self) -> str:
        return f"action_ask_{conversation.SLOT_PREFIX}{self.question}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        text, _ = word(f"questions.{self.question}", tracker.get_slot("region"), None)
        events: list[EventType] = []
        if _started_this_turn(tracker):  # just after the crisis reply: say why we ask
            intro, used = word("questions.intro", None, tracker.get_slot(WORDINGS_SLOT))
            text = f"{intro} {text}"
            events.append(SlotSet(WORDINGS_SLOT, used))
        else:
            # After an answer: the numbers again, so no reply in a crisis is without them.
            dispatcher.utter_message(response=FOOTER)
        dispatcher.utter_message(text=text, buttons=list(buttons("question", None)))
        return events


class ValidateRiskQuestionsForm(FormValidationAction):
    """Reads each answer by its meaning, sets the level from the answers, and ends the
    questions at once when the answers reach imminent, when the person would rather
    not go on, or when a message is stronger than anything asked about."""

    def name(self) -> str:
        return f"validate_{FORM}"

    async def required_slots(
        self, domain_slots: list[str], dispatcher, tracker: Tracker, domain
    ) -> list[str]:
        if tracker.get_slot(OUTCOME_SLOT):
            return []
        return conversation.questions_to_ask(answers(tracker))

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        to_validate = {
            slot: value
            for slot, value in tracker.slots_to_validate().items()
            if slot in conversation.question_slots()
        }
        requested = tracker.get_slot("requested_slot")
        if requested not in to_validate:  # pre-filled from the first message: already read
            return [SlotSet(slot, value) for slot, value in to_validate.items()]
        return await self._read_answer(dispatcher, tracker, requested)

    async def _read_answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, requested: str
    ) -> list[EventType]:
        prior = tracker.get_slot("risk_level") or "none"
        message = screened(tracker)
        text = (tracker.latest_message or {}).get("text") or ""
        meant = conversation.meaning(text, latest_intent(tracker))
        known = answers(tracker)  # the requested slot holds the reply as typed: read it
        known[requested] = meant if meant in conversation.ANSWERS else None
        implied = conversation.implied_answers(text)
        for question in implied:
            known[conversation.SLOT_PREFIX + question] = conversation.YES
        from_answers = conversation.level_from_answers(known)
        # A message stronger than the answers and the conversation so far ends the
        # questions at once with its own pathway (e.g. "I've already taken them").
        if level_rank(message.level) > level_rank(highest([prior, from_answers])):
            return [SlotSet(OUTCOME_SLOT, STRONGER)]
        if meant == conversation.FINE:
            return [SlotSet(OUTCOME_SLOT, DECLINED)]
        if meant in (conversation.LEAVE, conversation.BYE):
            return [SlotSet(OUTCOME_SLOT, STOPPED)]
        if known[requested] is None and not implied:
            if tracker.get_slot(REASKED_SLOT) != requested:  # unclear: ask once more
                text, used = word("questions.reask", None, tracker.get_slot(WORDINGS_SLOT))
                dispatcher.utter_message(text=text)
                return [
                    SlotSet(requested, None),
                    SlotSet(REASKED_SLOT, requested),
                    SlotSet(WORDINGS_SLOT, used),
                ]
            known[requested] = conversation.NOT_SURE  # unclear twice: treated as "not sure"
            from_answers = conversation.level_from_answers(known)
        level = highest([prior, from_answers])
        categories = tuple(message.categories) or (tracker.get_slot(CATEGORY_SLOT) or "suicide",)
        # The card again at the level the answers set (at imminent the ending shows it).
        if conversation.raised(prior, level) and level != "imminent":
            region = _region(tracker.get_slot("region"))
            dispatcher.utter_message(json_message=card(level, categories, region))
        await alert_if_raised(tracker, prior, level, categories)
        events: list[EventType] = [SlotSet(requested, known[requested])]
        events += [
            SlotSet(slot, value)
            for slot, value in known.items()
            if slot != requested and value is not None and value != tracker.get_slot(slot)
        ]
        events.append(SlotSet("risk_level", level))
        if level == "imminent":
            events.append(SlotSet(OUTCOME_SLOT, ANSWERED))
        return events


class ActionFinishRiskQuestions(Action):
    """What the bot says when the direct questions end, by how they ended."""

    def name(self) -> str:
        return "action_finish_risk_questions"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        outcome = tracker.get_slot(OUTCOME_SLOT) or ANSWERED
        region = tracker.get_slot("region")
        used = tracker.get_slot(WORDINGS_SLOT)
        level = tracker.get_slot("risk_level") or "none"
        category = tracker.get_slot(CATEGORY_SLOT) or "suicide"
        reset = [
            SlotSet(OUTCOME_SLOT, None),
            SlotSet(REASKED_SLOT, None),
            SlotSet("risk_questions", "skip"),  # so a failed crisis reply never restarts them
        ]
        if outcome == STRONGER:
            result = screened(tracker)
            reply = plan_reply(result, level, region, used, questions_done=True)
            return [*reset, *await give(dispatcher, tracker, reply, result)]
        if outcome == ANSWERED:
            shown = conversation.level_from_answers(answers(tracker))
            key = "none" if shown == "none" else shown
        else:
            key = outcome
        asks = {
            "imminent": conversation.CALL_NOW,
            DECLINED: conversation.SAFE_NOW,
            STOPPED: None,
        }.get(key, KEEP_TALKING)
        offers = "support" if asks == KEEP_TALKING else None
        text, used = word(f"after_questions.{key}", region, used)
        send(dispatcher, text, buttons(asks, offers), card(level, (category,), _region(region)))
        return [*reset, SlotSet(WORDINGS_SLOT, used), SlotSet(ASKED_SLOT, asks)]


class ActionCrisisFollowUp(Action):
    """A reply after the crisis answer, read by what the bot had just asked."""

    def name(self) -> str:
        return "action_crisis_follow_up"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        intent = latest_intent(tracker)
        if _stale(tracker):  # a later session: answer as if there had been no crisis
            ordinary = ORDINARY_REPLIES.get(intent or "", "utter_ask_what_else")
            return [SlotSet(ASKED_SLOT, None), FollowupAction(ordinary)]
        text = (tracker.latest_message or {}).get("text") or ""
        prior = tracker.get_slot("risk_level") or "none"
        category = tracker.get_slot(CATEGORY_SLOT) or "suicide"
        after_overdose = category == "overdose" and prior == "imminent"
        step = conversation.follow_up(
            tracker.get_slot(ASKED_SLOT), conversation.meaning(text, intent), after_overdose
        )
        key = step.reply if "." in step.reply else f"follow_up.{step.reply}"
        region = tracker.get_slot("region")
        reply, used = word(key, region, tracker.get_slot(WORDINGS_SLOT))
        level = highest([prior, step.level])
        payload = card(level, (category,), _region(region)) if step.level != "none" else None
        offers = "after_safe" if step.crisis_over else None
        send(dispatcher, reply, buttons(step.asks, offers), payload)
        await alert_if_raised(tracker, prior, level, (category,))
        if not step.crisis_over and step.reply != "keep_talking_yes":
            dispatcher.utter_message(response=FOOTER)
        return [
            SlotSet(WORDINGS_SLOT, used),
            SlotSet(ASKED_SLOT, step.asks),
            SlotSet("risk_level", level),
            SlotSet("crisis_active", not step.crisis_over),
        ]


def _region(region: str | None) -> str:
    return normalise_region(region) or INTERNATIONAL


def _seen_before(tracker: Tracker, wanted, boundary: str) -> bool | None:
    """Reading back from the latest event: True when an event ``wanted`` accepts comes
    before one of kind ``boundary``, False when the boundary comes first, None if neither."""
    for event in reversed(tracker.events):
        if event.get("event") == boundary:
            return False
        if wanted(event):
            return True
    return None


def _asked_this_session(tracker: Tracker) -> bool:
    """True when the direct questions were asked since the latest session began (a
    person back days later with new risk is asked again)."""
    ran_form = lambda e: e.get("event") == "action" and e.get("name") == FORM  # noqa: E731
    return _seen_before(tracker, ran_form, "session_started") is True


def _started_this_turn(tracker: Tracker) -> bool:
    """True when the direct questions began after the person's latest message."""
    started = lambda e: e.get("event") == "active_loop" and e.get("name") == FORM  # noqa: E731
    return _seen_before(tracker, started, "user") is True


def _stale(tracker: Tracker) -> bool:
    """True when no crisis reply was given since the conversation's latest session began
    (with no session start in the events sent, the context is current)."""
    replied = lambda e: e.get("event") == "action" and e.get("name") in CRISIS_ACTIONS  # noqa: E731
    return _seen_before(tracker, replied, "session_started") is False


# One ask action per question (action_ask_rq_<id>, which the form calls), from the data;
# kept in a list because the action server finds them as live subclasses.
ASK_ACTIONS = [
    type(f"ActionAsk_{q.id}", (ActionAskRiskQuestion,), {"question": q.id})
    for q in conversation.rules().questions
]
