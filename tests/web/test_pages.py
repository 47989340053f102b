"""The placeholder page and the web process's security headers."""

import pytest


def test_home_page_points_the_chat_at_rasa(client, settings):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-rasa-url="{settings.RASA_PUBLIC_URL}"' in html
    assert "AI self-help assistant" in html
    assert "<script>" not in html  # scripts come from files only (strict CSP)


def test_content_security_policy_forbids_inline_script(client, settings):
    policy = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert f"connect-src 'self' {settings.RASA_PUBLIC_URL}" in policy


def test_health(client):
    assert client.get("/healthz").json() == {"status": "ok"}


@pytest.mark.parametrize("path", ["/no-such-page", "/console/../etc/passwd"])
def test_unknown_paths_are_404(client, path):
    assert client.get(path).status_code == 404


def test_static_files_are_served(client):
    response = client.get("/static/lantern/placeholder.js")
    assert response.status_code == 200
