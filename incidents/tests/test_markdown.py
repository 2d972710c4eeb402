"""Markdown written by staff, rendered once per text and always sanitised."""

from incidents import markdown


def test_a_text_shown_again_is_not_rendered_again(monkeypatch):
    calls = []
    real = markdown.markdown_lib.markdown
    monkeypatch.setattr(
        markdown.markdown_lib, "markdown", lambda *a, **k: calls.append(a) or real(*a, **k)
    )
    text = "We **reset** every password on 2026-11-28."

    first, again = markdown.render_markdown(text), markdown.render_markdown(text)

    assert first == again == "<p>We <strong>reset</strong> every password on 2026-11-28.</p>"
    assert len(calls) == 1


def test_an_edited_text_is_rendered_anew_and_script_never_survives():
    before = markdown.render_markdown("Call us at [our line](tel:+18005550100).")
    after = markdown.render_markdown(
        "Call us at [our line](javascript:alert(1)).<script>x()</script>"
    )

    assert 'href="tel:+18005550100"' in before
    assert "javascript" not in after and "<script" not in after
