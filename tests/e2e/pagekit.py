"""Helpers for the page tests: phone and desktop browser contexts, axe-core (vendored from the npm
package, see vendor/axe-core.LICENSE), the layout checks and the screenshots kept as artefacts."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
AXE = Path(__file__).with_name("vendor") / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts" / "pages"  # ignored by git
PHONE_WIDTHS = (320, 390)
WIDTHS = (320, 390, 1366)
MIN_TARGET = 44  # px, WCAG 2.5.5 target size


def context(browser: Any, width: int, bearer: str | None = None, **options: Any) -> Any:
    """A ko-KR browser context: a phone below 800 px, a desktop at 1366 px."""
    phone = width < 800
    ctx = browser.new_context(viewport={"width": width, "height": 780 if phone else 900},
                              device_scale_factor=2 if phone else 1, is_mobile=phone, has_touch=phone,
                              locale="ko-KR", timezone_id="Asia/Seoul", **options)
    if bearer:
        ctx.add_init_script(f"localStorage.setItem('gdesk.token', {json.dumps(bearer)});")
    return ctx


@cache
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """The serious and critical axe-core violations on the page as it is now (WCAG 2.2 AA rules
    and best practices). Evaluated through the DevTools protocol, so the page's CSP stays on."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source() + "\n;0")
    return list(page.evaluate("""async () => {
      const result = await axe.run(document, {resultTypes: ["violations"]});
      return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
        .map((v) => ({id: v.id, impact: v.impact, help: v.help,
                      nodes: v.nodes.slice(0, 6)
                        .map((n) => n.target.join(" ") + " :: " + n.failureSummary)}));
    }"""))


# Every element inside the viewport, every control at least 44 x 44 px. A control's target is the
# label around it (check boxes) or the label it is hidden behind (a styled file picker).
_LAYOUT = """(minTarget) => {
  const width = document.documentElement.clientWidth;
  const problems = [];
  const describe = (el) => {
    const text = (el.innerText || el.value || el.getAttribute("aria-label") || "").trim().slice(0, 24);
    return el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
      (typeof el.className === "string" && el.className.trim()
        ? "." + el.className.trim().split(/\\s+/).join(".") : "") +
      (text ? ' "' + text + '"' : "");
  };
  const shown = (el) => {
    const style = getComputedStyle(el);
    if (style.display === "none" || style.visibility === "hidden") return false;
    const rect = el.getBoundingClientRect();
    return rect.width > 0 && rect.height > 0;
  };
  const insideClip = (el) => {  // a scrolling or clipping box of its own keeps it in
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const style = getComputedStyle(p);
      if (style.overflowX !== "visible" && p.getBoundingClientRect().right <= width + 1) return true;
    }
    return false;
  };
  if (document.documentElement.scrollWidth > width + 1) {
    problems.push("the page scrolls sideways: " + document.documentElement.scrollWidth + " > " + width);
  }
  for (const el of document.body.querySelectorAll("*")) {
    if (el.closest("svg") && el.tagName.toLowerCase() !== "svg") continue;
    if (!shown(el)) continue;
    const rect = el.getBoundingClientRect();
    if ((rect.right > width + 1 || rect.left < -1) && !insideClip(el)) {
      problems.push("outside the viewport: " + describe(el) + " [" + Math.round(rect.left) + ", " +
        Math.round(rect.right) + "] of " + width);
    }
  }
  const controls = document.body.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], ' +
    '[tabindex]:not([tabindex="-1"])');
  for (const el of controls) {
    if (!shown(el)) continue;
    let target = el;
    const own = el.getBoundingClientRect();
    if (el.tagName === "INPUT" && el.closest("label")) target = el.closest("label");
    else if (el.tagName === "INPUT" && own.width <= 2 && el.id) {
      target = document.querySelector('label[for="' + el.id + '"]') || el;
    }
    const rect = target.getBoundingClientRect();
    if (rect.width + 0.5 < minTarget || rect.height + 0.5 < minTarget) {
      problems.push("target smaller than " + minTarget + " px: " + describe(el) + " " +
        Math.round(rect.width) + "x" + Math.round(rect.height));
    }
  }
  return problems;
}"""


def layout_problems(page: Any) -> list[str]:
    return list(page.evaluate(_LAYOUT, MIN_TARGET))


def screenshot(page: Any, name: str, width: int) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}-{width}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def contrast(page: Any, selector: str) -> float:
    """The WCAG contrast ratio of the first element matching ``selector``: its text colour against
    the first opaque background behind it."""
    return float(page.locator(selector).first.evaluate("""(el) => {
      const rgb = (text) => text.match(/[\\d.]+/g).map(Number);
      const lum = (c) => {
        const [r, g, b] = c.slice(0, 3).map((v) => {
          v /= 255;
          return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
      };
      let bg = null;
      for (let p = el; p; p = p.parentElement) {
        const c = rgb(getComputedStyle(p).backgroundColor);
        if (c.length === 3 || c[3] === 1) { bg = c; break; }
      }
      bg = bg || [255, 255, 255];
      const fg = rgb(getComputedStyle(el).color);
      const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
      return (a + 0.05) / (b + 0.05);
    }"""))
