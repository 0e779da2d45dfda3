def test_home_page_renders(django_app, db):
    assert django_app.get("/").status_code == 200
