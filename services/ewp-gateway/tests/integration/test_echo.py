"""Echo through the whole security stack: the partner's signed request, SMILE's signed XML answer."""

from __future__ import annotations

from smile_ewp_gateway.testpartner.world import SMILE_HEI, World, assert_valid_xml

NS = "{https://github.com/erasmus-without-paper/ewp-specs-api-echo/tree/stable-v2}"


async def test_echo_answers_the_callers_institutions_and_echoes_in_order(world: World) -> None:
    response = await world.signed("GET", "/echo", params=[("echo", "b"), ("echo", "a"), ("echo", "b")])
    assert response.status_code == 200
    root = assert_valid_xml(response)
    assert [e.text for e in root.iter(f"{NS}hei-id")] == [world.partner.hei_id]
    assert [e.text for e in root.iter(f"{NS}echo")] == ["b", "a", "b"]


async def test_echo_by_post_form(world: World) -> None:
    response = await world.signed("POST", "/echo", data={"echo": ["x", "y"]})
    assert response.status_code == 200
    assert [e.text for e in assert_valid_xml(response).iter(f"{NS}echo")] == ["x", "y"]


async def test_the_manifest_is_served_and_lists_the_keys(world: World) -> None:
    async with world.client() as client:
        response = await client.get(world.url("/manifest.xml"))
    assert response.status_code == 200
    assert world.gateway.signing_key(SMILE_HEI, "client").key.public_b64 in response.text
