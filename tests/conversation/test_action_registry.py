"""The action server offers exactly the custom actions the domain names."""

from rasa_sdk.executor import ActionExecutor


def test_every_domain_action_is_registered_and_nothing_else(domain):
    executor = ActionExecutor()
    executor.register_package("actions")
    assert sorted(executor.actions) == sorted(domain["actions"])
