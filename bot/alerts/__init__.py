"""Staff alerts' outbox table, as a Django app of its own.

The action servers queue alerts in it and the referral worker posts them
(bot.safety.alerts); the staff console erases delivered ones with their
conversation. Kept out of the web site's app so that code outside bot/web/ can
use the model without importing the web site.
"""
