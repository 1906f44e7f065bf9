"""The form fits a 10" tablet in both orientations and a phone, with large touch targets."""

from __future__ import annotations

import pytest

from .conftest import Device

pytestmark = pytest.mark.browser

VIEWPORTS = {"tablet landscape": (1280, 800), "tablet portrait": (800, 1280), "phone": (390, 844)}

CHECK = """() => {
  const small = [];
  let seen = 0;
  const sel = 'main button, main input, main select, main a.btn, header .btn';
  for (const el of document.querySelectorAll(sel)) {
    const r = el.getBoundingClientRect();
    if (!r.width || el.type === 'file' || el.closest('[hidden]')) continue;
    seen++;
    const target = el.type === 'checkbox' || el.type === 'radio' ? el.closest('label') : el;
    if (target.getBoundingClientRect().height < 44) small.push(el.id || el.name || el.textContent);
  }
  return {overflow: document.documentElement.scrollWidth - window.innerWidth, small, seen};
}"""


async def test_form_fits_tablet_and_phone_with_large_targets(device: Device, demo_data) -> None:
    page = await device.open()
    await device.login()
    await device.goto_app("#/new/nib-umk")
    await page.wait_for_selector("#app-form")
    for name, (w, h) in VIEWPORTS.items():
        await page.set_viewport_size({"width": w, "height": h})
        result = await page.evaluate(CHECK)
        assert result["seen"] >= 25, result
        assert result["overflow"] <= 0, f"{name}: horizontal scroll of {result['overflow']} px"
        assert result["small"] == [], f"{name}: touch targets under 44 px: {result['small']}"
