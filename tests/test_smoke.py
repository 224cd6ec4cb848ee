from tests.factories import PASSWORD


def test_login_me_and_customer_crud(client, world):
    r = client.post("/api/v1/auth/login", json={"tenant": world.code, "username": "admin", "password": PASSWORD})
    assert r.status_code == 200, r.text
    token = r.json()["access_token"]
    h = {"Authorization": f"Bearer {token}"}
    me = client.get("/api/v1/me", headers=h).json()
    assert me["role"]["code"] == "admin" and me["tenant"]["code"] == world.code
    r = client.post("/api/v1/customers", headers=h,
                    json={"name": "张三", "phones": ["+86 138-0013-8000"], "pool": "potential"})
    assert r.status_code == 201, r.text
    c = r.json()
    assert c["phones"] == ["13800138000"] and c["pool"] == "potential"
    r = client.patch(f"/api/v1/customers/{c['id']}", headers=h, json={"version": c["version"], "company": "汇客"})
    assert r.status_code == 200, r.text
    assert r.json()["company"] == "汇客"
    r = client.patch(f"/api/v1/customers/{c['id']}", headers=h, json={"version": c["version"], "company": "x"})
    assert r.status_code == 409 and r.json()["code"] == "version_conflict"
    r = client.get("/api/v1/customers?pool=potential", headers=h)
    assert [x["id"] for x in r.json()["items"]] == [c["id"]]
    assert client.delete(f"/api/v1/customers/{c['id']}", headers=h).status_code == 204
    assert client.get("/api/v1/customers?pool=recycle_bin", headers=h).json()["total"] == 1
