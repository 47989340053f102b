"""Live chat: a person from the practice joins a visitor's conversation when asked.

- ``hours``: staffed hours in the practice's time zone (LIVE_CHAT_HOURS, PRACTICE_TIME_ZONE);
- ``models``: who is on duty (ResponderDuty) and each request to talk to a person
  (LiveChat), in the Django database every process shares;
- ``availability``: whether someone can join now, for the bot and the widget;
- ``events``: the tracker events a live chat adds to the conversation (staff and system
  messages, pausing and resuming the bot), the one format Rasa's channel, the web
  process and the console share;
- ``rasa_client``: how the web process asks Rasa to add those events (Rasa writes its
  own tracker, under its lock store).

Importing this package imports no Django model and no Rasa module.
"""
