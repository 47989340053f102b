"""Sending a bot.content Reply: its text and buttons, then its payload for the widget."""

from rasa_sdk.executor import CollectingDispatcher

from bot.content.topics import Reply


def send(dispatcher: CollectingDispatcher, reply: Reply) -> None:
    dispatcher.utter_message(text=reply.text, buttons=list(reply.buttons))
    if reply.custom is not None:
        dispatcher.utter_message(json_message=reply.custom)
