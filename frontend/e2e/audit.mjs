// Checks that hold on every page whatever its buttons are: axe-core's audit, no
// horizontal overflow, touch-sized controls inside the viewport, truncated text that
// keeps its full text, a visible focus ring. They look at all buttons and links of the
// page's rows and cards, so controls added later are checked without naming them here.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
/** axe-core's browser build, injected from node_modules: the run needs no network. */
export const AXE_PATH = require.resolve('axe-core');
// Evaluated through the DevTools protocol rather than added as a <script>: the page's
// Content-Security-Policy (scripts from 'self' only) rightly blocks an inline script, and
// the audit must see the page under the policy it is served with.
const AXE_SOURCE = readFileSync(AXE_PATH, 'utf8');

/** Where the controls that must be touch-sized live: track rows, list rows and cards. */
export const CONTROL_SCOPES = ['li', '.track-card'];

/** WCAG 2.5.5 (44 x 44) at phone widths, 2.5.8 (24 x 24, WCAG 2.2 AA) everywhere. */
export function minTargetSize(width) {
  return width <= 480 ? 44 : 24;
}

/**
 * axe-core on the page as it is now: the WCAG 2.0/2.1 A and AA rules, best practices
 * (heading order among them) and the 2.2 target-size rule. Returns the violations of
 * impact "serious" or "critical", plus heading-order whatever its impact, each with the
 * elements at fault, so a failed assertion says what to fix.
 */
export async function axeProblems(page) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
      resultTypes: ['violations'],
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')}: ${n.failureSummary.split('\n').slice(1).join(' ').trim()}`),
      count: v.nodes.length,
    }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical' || v.id === 'heading-order');
}

/** Fails with axe's findings if the page has any (see axeProblems). */
export async function assertAxeClean(page, what) {
  const problems = await axeProblems(page);
  assert.deepEqual(problems, [], `axe-core on ${what}:\n${JSON.stringify(problems, null, 2)}`);
}

/**
 * No horizontal scrolling: the document is no wider than the window, and the window is
 * the width asked for (a mobile browser would otherwise widen its layout viewport to fit
 * the content, and the first comparison would hold trivially).
 */
export async function assertNoOverflow(page, width, what) {
  const found = await page.evaluate((asked) => {
    const vw = window.innerWidth;
    const wide = [...document.body.querySelectorAll('*')]
      .filter((el) => el.getBoundingClientRect().right > Math.min(vw, asked) + 0.5)
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')} right=${Math.round(el.getBoundingClientRect().right)}`);
    return { innerWidth: vw, scrollWidth: document.documentElement.scrollWidth, wide };
  }, width);
  assert.equal(found.innerWidth, width, `${what}: window width (too wide: ${found.wide.join(', ')})`);
  assert.ok(
    found.scrollWidth <= found.innerWidth,
    `${what}: the page is ${found.scrollWidth} px wide in a ${found.innerWidth} px window; too wide: ${found.wide.join(', ')}`,
  );
}

/**
 * Every visible button and link inside a row or card: its box, its name, whether it is
 * disabled. Returns them so the caller can also check that there are as many as expected.
 */
export function controlsInRowsAndCards(page) {
  return page.evaluate((scopes) => {
    const selector = scopes.map((s) => `${s} button, ${s} a[href], ${s} [role="button"]`).join(', ');
    return [...new Set(document.querySelectorAll(selector))]
      .filter((el) => el.getClientRects().length > 0)
      .map((el) => {
        const r = el.getBoundingClientRect();
        return {
          name: (el.getAttribute('aria-label') || el.textContent || '').trim().replace(/\s+/g, ' '),
          left: r.left,
          right: r.right,
          width: r.width,
          height: r.height,
          disabled: el.matches(':disabled'),
        };
      });
  }, CONTROL_SCOPES);
}

/** Every control of the rows and cards is inside the window and at least `min` x `min`. */
export async function assertTargets(page, width, what, { atLeast = 1 } = {}) {
  const min = minTargetSize(width);
  const controls = await controlsInRowsAndCards(page);
  assert.ok(controls.length >= atLeast, `${what}: expected ${atLeast}+ controls in rows and cards, found ${controls.length}`);
  const bad = controls.filter(
    (c) => c.width < min - 0.01 || c.height < min - 0.01 || c.left < 0 || c.right > width + 0.5,
  );
  assert.deepEqual(
    bad.map((c) => `${c.name}: ${c.width.toFixed(1)}x${c.height.toFixed(1)} at ${c.left.toFixed(0)}..${c.right.toFixed(0)}`),
    [],
    `${what}: controls under ${min}x${min} px or outside the ${width} px window`,
  );
  return controls;
}

/**
 * Text cut short with an ellipsis keeps its full text within reach: every element in a
 * row, card or the header whose content overflows it must end in an ellipsis and carry
 * the whole text in a title attribute (its own or its nearest ancestor's). Returns how
 * many were truncated.
 */
export async function assertTruncationKeepsText(page, what) {
  const found = await page.evaluate(() => {
    const clipped = [...document.querySelectorAll('li *, .track-card *, header *')].filter((el) => {
      const s = getComputedStyle(el);
      return el.scrollWidth > el.clientWidth + 1 && s.overflowX !== 'visible' && el.children.length <= 1 && el.textContent.trim();
    });
    return clipped.map((el) => {
      const text = el.textContent.trim().replace(/\s+/g, ' ');
      const title = el.closest('[title]')?.getAttribute('title') ?? '';
      return {
        text,
        ellipsis: getComputedStyle(el).textOverflow === 'ellipsis',
        titled: title.replace(/\s+/g, ' ').includes(text),
      };
    });
  });
  const bad = found.filter((f) => !f.ellipsis || !f.titled);
  assert.deepEqual(bad, [], `${what}: clipped text without an ellipsis or without its full text in a title`);
  return found.length;
}

/** The focused element shows a focus ring: an outline at least 2 px wide, not 'none'. */
export function focusRing(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const s = getComputedStyle(el);
    return {
      name: (el.getAttribute('aria-label') || el.textContent || el.tagName).trim().replace(/\s+/g, ' '),
      outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2,
      inScope: !!el.closest('li, .track-card'),
      id: el.dataset.e2eId ?? null,
    };
  });
}
