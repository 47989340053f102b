"""Django never creates, migrates or flushes tables in Rasa's tracker store."""

TRACKER_ALIAS = "tracker"


class TrackerStoreRouter:
    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db == TRACKER_ALIAS else None
