"""The form fits a 10" tablet in both orientations and a phone, with large touch targets, and
every screen's text has a contrast of at least 7:1 (for reading in the sun)."""

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


# WCAG 2.x contrast of every visible text node against the first opaque background behind it.
CONTRAST = """() => {
  const channel = (v) => {
    v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const parse = (text) => {
    const m = text.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const parts = m[1].split(',').map(Number);
    return { rgb: parts.slice(0, 3), alpha: parts.length > 3 ? parts[3] : 1 };
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.alpha > 0) return c.rgb;
    }
    return [255, 255, 255];
  };
  const low = [];
  let seen = 0;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!node.textContent.trim() || !el || el.closest('[hidden]') || el.closest('option')) continue;
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (!box.width || !box.height || style.visibility === 'hidden') continue;
    const a = luminance(parse(style.color).rgb);
    const b = luminance(background(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    seen++;
    const text = node.textContent.trim().slice(0, 30);
    if (ratio < 7) low.push(`${el.tagName}.${el.className} "${text}" ${ratio.toFixed(2)}`);
  }
  return { seen, low };
}"""


async def test_text_contrast_is_at_least_7_to_1_on_every_screen(
    device: Device, demo_data, small_jpeg
) -> None:
    from .conftest import submit_nib

    page = await device.open()
    await device.login()
    await device.set_offline(True)  # the offline badge and a waiting record show too
    rec = await submit_nib(device, small_jpeg)
    screens = ["#/", f"#/r/{rec['id']}", f"#/receipt/{rec['id']}", "#/new/nib-umk", "#/settings"]
    screens += [f"#/feedback/{rec['id']}", f"#/survey/{rec['id']}"]
    for screen in screens:
        await device.goto_app(screen)
        await page.wait_for_selector("main :is(h1, h2)")
        result = await page.evaluate(CONTRAST)
        assert result["seen"] >= 5, (screen, result)
        assert result["low"] == [], f"{screen}: text under 7:1: {result['low']}"
