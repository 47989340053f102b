"""bot.django_setup: Django set up once, on request, never twice."""

import asyncio

import django

from bot import django_setup


def test_setup_leaves_a_ready_django_alone(monkeypatch):
    def set_up_again():
        raise AssertionError("django.setup() ran on a Django already set up")

    monkeypatch.setattr(django, "setup", set_up_again)
    django_setup.setup()
    django_setup.setup()
    asyncio.run(django_setup.asetup())
