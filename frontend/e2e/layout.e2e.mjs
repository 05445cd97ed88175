// End-to-end, for everyone and on a phone: every page at phone and desktop widths in a
// real headless Chromium against a running Segue server on the demo catalog (settings:
// config.mjs). axe-core audits each page and state (sign-in, playlists, a playlist
// read-only and in edit mode with suggestions, recommendations loading, failed and
// empty, another user's playlist with "Keep listening"), and generic checks (audit.mjs) hold the layout to: no horizontal scrolling,
// every button and link of a row or card inside the window and touch-sized, truncated
// text that keeps its full text, a focus ring on everything Tab reaches.
//
// Like playlist.e2e.mjs it changes the demo playlist and puts it back: the suggestion
// it adds is removed again, through the page, and the order restored.

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import {
  assertAxeClean,
  assertNoOverflow,
  assertTargets,
  assertTruncationKeepsText,
  focusRing,
} from './audit.mjs';
import { CHROMIUM_ARGS, loadConfig } from './config.mjs';
import { TIMEOUT_MS, apiClient, closeContext, eventually } from './support.mjs';

const config = loadConfig();
const api = apiClient(config);
const PHONE_HEIGHT = 844;
const ARTIFACTS = dirname(config.screenshot);
const RECOMMENDATIONS = (url) => /\/playlists\/[^/]+\/recommendations$/.test(url.pathname);

async function targetPlaylist() {
  const { playlists } = await api('GET', '/me/playlists');
  const target = playlists.find((p) => p.track_count === config.trackCount);
  assert.ok(target, `no playlist with ${config.trackCount} tracks`);
  return target;
}

let browser;

before(async () => {
  browser = await chromium.launch({ executablePath: config.chromium, headless: true, args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
});

/**
 * A page `width` px wide: a phone (touch, mobile viewport) up to 480 px, a desktop
 * window above. Signed in by putting the token where the UI keeps it, so the checks do
 * not depend on how a sign-in link looks; `signedIn: false` for the sign-in page.
 */
async function openPage(width, { signedIn = true, colorScheme = 'light', token = config.token } = {}) {
  const phone = width <= 480;
  const context = await browser.newContext({
    viewport: { width, height: phone ? PHONE_HEIGHT : 900 },
    isMobile: phone,
    hasTouch: phone,
    colorScheme,
    reducedMotion: 'reduce',
  });
  context.setDefaultTimeout(TIMEOUT_MS);
  if (signedIn) await context.addInitScript((t) => localStorage.setItem('segue.token', t), token);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) {
      problems.push(`console error: ${msg.text()}`);
    }
  });
  return { context, page, problems };
}

/**
 * Route the recommendations requests through a switch the test flips: 'pass' lets them
 * reach the server, 'hold' keeps them pending until `release(mode)`, 'fail' answers 503,
 * 'empty' answers available with no tracks.
 */
async function steerRecommendations(page) {
  const state = { mode: 'pass', held: [], seen: 0 };
  const answer = async (route, mode) => {
    if (mode === 'fail') {
      await route.fulfill({
        status: 503,
        contentType: 'application/json',
        body: JSON.stringify({ error: 'unavailable', detail: 'The vector store is not answering.' }),
      });
    } else if (mode === 'empty') {
      await route.fulfill({
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({ tracks: [], available: true, more: false }),
      });
    } else {
      await route.continue();
    }
  };
  await page.route(RECOMMENDATIONS, async (route) => {
    state.seen += 1;
    if (state.mode === 'hold') {
      await new Promise((resolve) => state.held.push(resolve));
      await answer(route, state.mode);
    } else {
      await answer(route, state.mode);
    }
  });
  return {
    state,
    set(mode) {
      state.mode = mode;
    },
    /** Answer the held requests as `mode`, and every later one too. */
    release(mode) {
      state.mode = mode;
      for (const resolve of state.held.splice(0)) resolve();
    },
  };
}

/** A word too long for any line of a phone. */
const LONG_WORD = 'Supercalifragilisticexpialidociousnightdrivemixtape';

/**
 * Answer GET `path` with the server's own answer changed by `change(body)`: longer names
 * than the demo has, without changing the server's data.
 */
async function lengthen(page, path, change) {
  await page.route(
    (url) => url.pathname === path,
    async (route) => {
      if (route.request().method() !== 'GET') return route.continue();
      const response = await route.fetch();
      const body = await response.json();
      change(body);
      await route.fulfill({ response, json: body });
    },
  );
}

/** The one live region through which the playlist page announces what an action did. */
function announcer(page) {
  return page.getByTestId('announcer');
}

async function expectAnnounced(page, text) {
  await eventually(async () => (await announcer(page).textContent()).trim(), text, `announced "${text}"`);
}

function rows(page) {
  return page.getByRole('list', { name: 'Tracks' }).getByRole('listitem');
}

async function titleOf(locator) {
  return (await locator.locator('.title').first().textContent()).trim();
}

describe('sign-in and playlists pages', () => {
  for (const width of [320, 390, 768, 1280]) {
    it(`fit at ${width} px${width === 390 || width === 1280 ? ' and pass axe-core' : ''}`, async () => {
      const audit = width === 390 || width === 1280;
      {
        const { context, page, problems } = await openPage(width, { signedIn: false });
        try {
          await page.goto(`${config.baseUrl}/login`);
          await page.getByRole('heading', { level: 1, name: 'Sign in to Segue' }).waitFor();
          await assertNoOverflow(page, width, 'sign-in');
          if (audit) await assertAxeClean(page, `sign-in at ${width} px`);
          assert.deepEqual(problems, []);
        } finally {
          await closeContext(context);
        }
      }
      const { context, page, problems } = await openPage(width);
      // A playlist name and a handle longer than the demo's, as people's can be.
      await lengthen(page, '/me/playlists', (body) => {
        body.playlists[0].name = `${body.playlists[0].name}: ${LONG_WORD}, extended`;
      });
      await lengthen(page, '/me', (body) => {
        body.handle = `${LONG_WORD}.${body.handle}`;
      });
      try {
        await page.goto(`${config.baseUrl}/`);
        await page.locator(`a[data-track-count="${config.trackCount}"]`).first().waitFor();
        await assertNoOverflow(page, width, 'playlists');
        await assertTargets(page, width, 'playlists', { atLeast: 1 });
        const clipped = await assertTruncationKeepsText(page, 'playlists');
        assert.ok(clipped >= 1, 'the long playlist name is cut short');
        if (audit) await assertAxeClean(page, `playlists at ${width} px`);
        assert.deepEqual(problems, []);
      } finally {
        await closeContext(context);
      }
    });
  }
});

describe('a playlist, read-only and in edit mode with suggestions', () => {
  for (const width of [320, 390, 768, 1280]) {
    it(`fits at ${width} px: long text truncated with its full text kept, controls inside and touch-sized`, async () => {
      const target = await targetPlaylist();
      const { context, page, problems } = await openPage(width);
      // Longer than anything in the demo: a name with a word too long for any line, a
      // title and a handle that cannot fit a phone's row.
      await lengthen(page, `/playlists/${encodeURIComponent(target.id)}`, (body) => {
        body.name = `${body.name}: ${LONG_WORD}, extended`;
        body.tracks[0].title = `${body.tracks[0].title} (${LONG_WORD} remix, extended version)`;
        body.tracks[1].artist_handle = `${LONG_WORD}.${body.tracks[1].artist_handle}`;
      });
      await lengthen(page, '/me', (body) => {
        body.handle = `${LONG_WORD}.${body.handle}`;
      });
      try {
        await page.goto(`${config.baseUrl}/playlist/${encodeURIComponent(target.id)}`);
        await page.getByRole('heading', { level: 1 }).waitFor();
        await eventually(() => rows(page).count(), config.trackCount, 'tracks shown');
        await assertNoOverflow(page, width, 'read-only playlist');
        const clipped = await assertTruncationKeepsText(page, 'read-only playlist');
        assert.ok(clipped >= 2, `the long title and handle are cut short, ${clipped} clipped`);

        await page.getByRole('button', { name: 'Edit playlist' }).click();
        const section = page.getByRole('region', { name: 'Recommended tracks' });
        await section.getByRole('button', { name: /^Add .+ to playlist$/ }).first().waitFor();
        await assertNoOverflow(page, width, 'edit mode');
        // Move up, move down and remove on every track, and at least a "+" per suggestion.
        await assertTargets(page, width, 'edit mode', { atLeast: 3 * config.trackCount + 1 });
        await assertTruncationKeepsText(page, 'edit mode');

        await page.getByRole('button', { name: '+ Add tracks' }).click();
        await page.getByRole('searchbox').fill('a');
        await page.getByRole('region', { name: 'Add tracks' }).locator('.track-card').first().waitFor();
        await assertNoOverflow(page, width, 'track search');
        await assertTargets(page, width, 'track search', { atLeast: 3 * config.trackCount + 1 });
        assert.deepEqual(problems, []);
      } finally {
        await closeContext(context);
      }
    });
  }

  for (const [label, width] of [
    ['phone', 390],
    ['desktop', 1280],
  ]) {
    it(`passes axe-core at ${width} px (${label}) read-only, editing, and while suggestions load, fail or are none; actions are announced`, async () => {
      const target = await targetPlaylist();
      const original = (await api('GET', `/playlists/${encodeURIComponent(target.id)}`)).tracks.map((t) => t.id);
      const { context, page, problems } = await openPage(width);
      const recs = await steerRecommendations(page);
      let added = null;
      try {
        await page.goto(`${config.baseUrl}/playlist/${encodeURIComponent(target.id)}`);
        await page.getByRole('heading', { level: 1, name: target.name }).waitFor();
        await eventually(() => rows(page).count(), config.trackCount, 'tracks shown');
        await assertAxeClean(page, `read-only playlist at ${width} px`);

        await page.getByRole('button', { name: 'Edit playlist' }).click();
        const section = page.getByRole('region', { name: 'Recommended tracks' });
        const plus = section.getByRole('button', { name: /^Add .+ to playlist$/ });
        await plus.first().waitFor();
        await page.mouse.move(0, 0);
        // At rest: the suggestions are dimmed, and their text must still read at 4.5:1.
        assert.equal(await section.locator('.track-card').first().evaluate((el) => getComputedStyle(el).opacity), '0.7');
        await assertAxeClean(page, `edit mode with suggestions at ${width} px`);

        mkdirSync(ARTIFACTS, { recursive: true });
        if (label === 'phone') {
          await section.evaluate((el) => el.scrollIntoView({ block: 'end' }));
          await page.screenshot({ path: join(ARTIFACTS, 'edit-view-phone.png') });
        }

        // Reorder by the arrow buttons (the way on a touch screen): announced, then undone.
        const firstTitle = await titleOf(rows(page).nth(0));
        await page.getByRole('button', { name: `Move ${firstTitle} down` }).click();
        await expectAnnounced(page, `Moved “${firstTitle}” to position 2 of ${config.trackCount}.`);
        await page.getByRole('button', { name: `Move ${firstTitle} up` }).click();
        await expectAnnounced(page, `Moved “${firstTitle}” to position 1 of ${config.trackCount}.`);
        await eventually(
          async () => (await api('GET', `/playlists/${encodeURIComponent(target.id)}`)).tracks.map((t) => t.id),
          original,
          'the order is back on the server',
        );

        // "+" on a suggestion: announced; the re-fetch it starts is held, so the section
        // shows its loading state.
        recs.set('hold');
        const card = section.locator('.track-card').first();
        added = Number(await card.getAttribute('data-track-id'));
        const addedTitle = await titleOf(card);
        await plus.first().click();
        await expectAnnounced(page, `Added “${addedTitle}” to the playlist.`);
        await eventually(() => rows(page).count(), config.trackCount + 1, 'the suggestion joined the playlist');
        await section.getByText('Finding tracks that fit…').waitFor();
        assert.equal(await section.getAttribute('aria-busy'), 'true');
        await assertAxeClean(page, `suggestions loading at ${width} px`);

        // The held request fails: the error and "Try again".
        recs.release('fail');
        await section.getByText(/Couldn't load recommendations/).waitFor();
        await assertAxeClean(page, `suggestions failed at ${width} px`);
        await assertNoOverflow(page, width, 'suggestions failed');

        // Try again, answered with nothing to suggest.
        recs.set('empty');
        await section.getByRole('button', { name: 'Try again' }).click();
        await section.getByText('No recommendations right now.').waitFor();
        await assertAxeClean(page, `no suggestions at ${width} px`);

        // Remove the added track through the page: announced, and the playlist is as it was.
        recs.set('pass');
        await page.getByRole('button', { name: `Remove ${addedTitle} from playlist` }).click();
        await expectAnnounced(page, `Removed “${addedTitle}”.`);
        await eventually(
          async () => (await api('GET', `/playlists/${encodeURIComponent(target.id)}`)).tracks.map((t) => t.id),
          original,
          'the playlist is as it was on the server',
        );
        added = null;
        // One live region said all of it: no other region carries these results.
        const elsewhere = await page
          .locator('[role="status"], [aria-live]')
          .filter({ hasText: /^(Moved|Added|Removed) “/ })
          .count();
        assert.equal(elsewhere, 1, 'the results are announced by the announcer only');
        assert.deepEqual(problems, []);
      } finally {
        recs.release('pass');
        if (added !== null) {
          await api('DELETE', `/playlists/${encodeURIComponent(target.id)}/tracks/${added}`).catch(() => undefined);
        }
        await api('PUT', `/playlists/${encodeURIComponent(target.id)}/tracks`, { track_ids: original }).catch((err) => {
          console.error(`could not restore ${target.id}: ${err.message}`);
        });
        await closeContext(context);
      }
    });
  }

  it('passes axe-core in the dark colour scheme, editing with suggestions', async () => {
    const target = await targetPlaylist();
    const { context, page, problems } = await openPage(390, { colorScheme: 'dark' });
    try {
      await page.goto(`${config.baseUrl}/playlist/${encodeURIComponent(target.id)}`);
      await page.getByRole('button', { name: 'Edit playlist' }).click();
      await page.getByRole('region', { name: 'Recommended tracks' }).getByRole('button').first().waitFor();
      await assertAxeClean(page, 'edit mode, dark, 390 px');
      assert.deepEqual(problems, []);
    } finally {
      await closeContext(context);
    }
  });

  it('reaches every control of the rows and cards with Tab, each with a visible focus ring', async () => {
    const target = await targetPlaylist();
    const { context, page, problems } = await openPage(1280);
    try {
      await page.goto(`${config.baseUrl}/playlist/${encodeURIComponent(target.id)}`);
      await page.getByRole('button', { name: 'Edit playlist' }).click();
      await page.getByRole('region', { name: 'Recommended tracks' }).getByRole('button').first().waitFor();
      // Number every enabled control of the rows and cards, then Tab through the page.
      const expected = await page.evaluate(() => {
        const els = [...new Set(document.querySelectorAll('li :is(button, a[href]), .track-card :is(button, a[href])'))];
        return els
          .filter((el) => !el.matches(':disabled'))
          .map((el, i) => {
            el.dataset.e2eId = String(i);
            return String(i);
          });
      });
      assert.ok(expected.length > 2 * config.trackCount, `${expected.length} controls`);
      const reached = new Set();
      const withoutRing = [];
      await page.locator('body').focus();
      for (let i = 0; i < expected.length + 40; i++) {
        await page.keyboard.press('Tab');
        const ring = await focusRing(page);
        if (!ring) break;
        if (!ring.outline) withoutRing.push(ring.name);
        if (ring.id !== null) reached.add(ring.id);
      }
      assert.deepEqual(withoutRing, [], 'controls focused without a visible focus ring');
      assert.deepEqual(
        expected.filter((id) => !reached.has(id)),
        [],
        'controls of rows and cards that Tab never reached',
      );
      assert.deepEqual(problems, []);
    } finally {
      await closeContext(context);
    }
  });
});

describe("another user's playlist: Keep listening", () => {
  for (const [label, width] of [
    ['phone', 390],
    ['desktop', 1280],
  ]) {
    it(`fits at ${width} px (${label}) and passes axe-core: private, with continuation tracks and previews`, async () => {
      assert.ok(config.otherToken, 'SEGUE_E2E_OTHER_TOKEN: a second user is needed to view a playlist not their own');
      const target = await targetPlaylist();
      const { context, page, problems } = await openPage(width, { token: config.otherToken });
      // A preview on the first track (the demo has none) and a title too long for a phone.
      await lengthen(page, `/playlists/${target.id}/continuation`, (body) => {
        body.tracks[0].audio_url = `${config.baseUrl}/no-such-preview.mp3`;
        body.tracks[1].title = `${body.tracks[1].title} (${LONG_WORD} remix, extended version)`;
      });
      try {
        await page.goto(`${config.baseUrl}/playlist/${encodeURIComponent(target.id)}`);
        await page.getByRole('heading', { level: 1, name: 'This playlist is private' }).waitFor();
        const section = page.getByRole('region', { name: 'Keep listening' });
        await section.locator('.track-card').first().waitFor();
        const shown = await section.locator('.track-card').count();
        assert.ok(shown >= 3, `${shown} tracks to keep listening`);
        // None of the owner's tracks is there, and nothing to add or dismiss.
        const owned = new Set((await api('GET', `/playlists/${encodeURIComponent(target.id)}`)).tracks.map((t) => t.id));
        for (const id of await section.locator('.track-card').evaluateAll((els) => els.map((el) => Number(el.dataset.trackId)))) {
          assert.ok(!owned.has(id), `track ${id} of the playlist offered to keep listening`);
        }
        assert.equal(await section.getByRole('button', { name: /to playlist|Not for this playlist/ }).count(), 0);
        await section.getByRole('button', { name: /^Play preview of / }).waitFor();
        await assertNoOverflow(page, width, 'keep listening');
        await assertTargets(page, width, 'keep listening', { atLeast: 1 });
        const clipped = await assertTruncationKeepsText(page, 'keep listening');
        assert.ok(clipped >= 1, 'the long title is cut short');
        await assertAxeClean(page, `keep listening at ${width} px`);
        if (label === 'phone') {
          mkdirSync(ARTIFACTS, { recursive: true });
          await page.screenshot({ path: join(ARTIFACTS, 'keep-listening-phone.png'), fullPage: true });
        }
        // The owner sees no such section: their page has recommendations instead.
        const owners = await openPage(width);
        try {
          await owners.page.goto(`${config.baseUrl}/playlist/${encodeURIComponent(target.id)}`);
          await eventually(() => rows(owners.page).count(), config.trackCount, 'tracks shown to the owner');
          assert.equal(await owners.page.getByRole('region', { name: 'Keep listening' }).count(), 0);
        } finally {
          await closeContext(owners.context);
        }
        assert.deepEqual(problems, []);
      } finally {
        await closeContext(context);
      }
    });
  }
});
