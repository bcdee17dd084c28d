from tests.helpers import post_form


def test_post_without_csrf_token_is_refused_and_with_token_passes_csrf(client, world, login):
    login(client, world.participant)
    refused = client.post("/logout")
    assert refused.status_code == 400
    accepted = post_form(client, "/logout")
    assert accepted.status_code == 302
