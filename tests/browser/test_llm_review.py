"""Issue 21 in a browser: the UI with the LLM planner (an OpenAI-compatible stub on 127.0.0.1
that calls one tool per reply, as real models do) stops at the mask review before the
model's inpaint; "Use mask 2", a click on the picture, then Continue; the model's next
request carries the chosen mask, and the inpaint used it."""

from __future__ import annotations

import json

from playwright.sync_api import Page, expect
from ui_helpers import LONG, idle, send, shot, ui_server

from pixelsmith.testing.openai_stub import OpenAIStub, calls, text

DRAGON = "replace the cat with a realistic green dragon"
SCRIPT = [
    calls(("detect", {"image": "image-1", "labels": ["cat"]})),
    calls(("segment", {"image": "image-1", "detection": "detection-1", "box_index": 1})),
    calls(
        (
            "inpaint",
            {
                "image": "image-1",
                "mask": "mask-1",
                "prompt": "a realistic green dragon",
                "num_inference_steps": 2,
                "seed": 5,
            },
        )
    ),  # fmt: skip
    text("Here is image-2: the cat is a green dragon now."),
]


def test_the_llm_planner_waits_for_the_mask_review(tiny_config, tmp_path, page: Page):
    page.set_default_timeout(LONG)
    expect.set_options(timeout=LONG)
    with (
        OpenAIStub(list(SCRIPT)) as stub,
        ui_server(
            tiny_config, tmp_path, planner="llm", llm_model="stub-model", llm_base_url=stub.base_url
        ) as url,
    ):
        page.goto(url)
        idle(page)
        expect(page.get_by_text("text only (auto: stub-model is not known to see")).to_be_visible()
        page.get_by_role("button", name="Use the sample photo (a cat)").click()
        expect(page.get_by_text("goes with your next message")).to_be_visible()
        send(page, DRAGON)

        # 1. detect and segment ran; the model's inpaint waits for the review
        expect(page.get_by_role("button", name="Use mask 3")).to_be_visible()
        idle(page)
        expect(page.get_by_text("Review the mask before inpaint: now using mask-1.")).to_be_visible()
        expect(page.get_by_text("(paused for review)")).to_be_visible()
        assert len(stub.requests) == 3  # the third reply was the inpaint call, not run yet
        shot(page, "21-llm-review-paused", height=2200)

        # 2. "Use mask 2", then a click on the picture (a new mask, mask-4)
        page.get_by_role("button", name="Use mask 2").click()
        expect(page.get_by_text("now using mask-2")).to_be_visible()
        idle(page)
        picture = page.frame_locator("iframe[title*='streamlit_image_coordinates']").last.locator("img")
        expect(picture).to_be_visible()
        page.wait_for_timeout(500)
        picture.click(position={"x": 200, "y": 120})
        expect(page.get_by_text("now using mask-4")).to_be_visible()
        idle(page)

        # 3. Continue: the model's inpaint runs with mask-4, and the model is told so
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("button", name="Download PNG").first).to_be_visible()
        expect(page.get_by_text("Here is image-2: the cat is a green dragon now.")).to_be_visible()
        idle(page)
        expect(
            page.get_by_text("Going on with mask-4: you chose mask-2, then refined it with 1 click")
        ).to_be_visible()
        shot(page, "22-llm-review-continued", height=2600)
        told = [m["content"] for m in stub.requests[3]["messages"] if m["role"] == "tool"][-1]
    assert "chose mask-2, then refined it with 1 click (mask-4); this call ran with mask-4" in told
    session = json.loads(next((tmp_path / "data" / "sessions").glob("*/session.json")).read_text())
    inpaint = [s for s in session["steps"] if s["tool"] == "inpaint"]
    assert len(inpaint) == 1 and inpaint[0]["args"]["mask"] == "mask-4" and inpaint[0]["args"]["seed"] == 5
