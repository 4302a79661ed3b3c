def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_answers_head_as_monitors_probe(client):
    response = client.head("/healthz")
    assert response.status_code == 200
    assert response.content == b""


def test_healthz_reports_an_unreachable_database(tmp_path):
    from starlette.testclient import TestClient

    from selftime.app import create_app
    from selftime.config import Settings

    # Nothing listens on port 9 of loopback, so every connection attempt is refused.
    app = create_app(Settings(database_url="postgresql://nobody@127.0.0.1:9/none", data_dir=tmp_path))
    with TestClient(app) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}
