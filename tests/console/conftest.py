"""Staff console tests: SQLite by default; PostgreSQL when PG_TEST_URL is set (make test does)."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

PASSWORD = "correct horse battery staple"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/console/" in str(item.fspath):
            item.add_marker(pytest.mark.console)
            item.add_marker(
                pytest.mark.django_db(databases=["default", "tracker"], transaction=True)
            )


def make_user(username, role):
    user = get_user_model().objects.create_user(
        username, password=PASSWORD, is_staff=role == "admin"
    )
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def reviewer():
    return make_user("rita", "reviewer")


@pytest.fixture
def admin_user():
    return make_user("adam", "admin")


def logged_in(user, **client_options):
    client = Client(**client_options)
    client.force_login(user)
    return client


@pytest.fixture
def reviewer_client(reviewer):
    return logged_in(reviewer)


@pytest.fixture
def admin_client(admin_user):
    return logged_in(admin_user)
