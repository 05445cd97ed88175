// End-to-end: the playlist page in a real headless Chromium against a running Segue
// server on the demo catalog. Run with `npm run e2e` (settings: see config.mjs).
//
// It changes the server's data and puts it back: the track it adds to the 25-track
// playlist is removed again at the end, and the empty playlist it needs is reused
// from run to run (found by name) rather than created each time.

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, loadConfig } from './config.mjs';
import { TIMEOUT_MS, apiClient, closeContext, eventually } from './support.mjs';

const config = loadConfig();
const api = apiClient(config);
const EMPTY_PLAYLIST_NAME = 'Segue e2e: empty playlist';

/** Computed opacity and top border style of the element `locator` points at. */
function cardStyle(locator) {
  return locator.evaluate((el) => {
    const s = getComputedStyle(el);
    return { opacity: s.opacity, borderStyle: s.borderTopStyle, borderWidth: s.borderTopWidth };
  });
}

let browser;

before(async () => {
  browser = await chromium.launch({ executablePath: config.chromium, headless: true, args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
});

/** A fresh signed-in page: goes through /login#token= like a user of `segue demo`. */
async function signIn(token = config.token) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, reducedMotion: 'reduce' });
  context.setDefaultTimeout(TIMEOUT_MS);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    // Cover images on hosts this machine cannot reach fail to load; the page copes (placeholder).
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) {
      problems.push(`console error: ${msg.text()}`);
    }
  });
  const response = await page.goto(`${config.baseUrl}/login#token=${encodeURIComponent(token)}`);
  // The browser never sends the fragment: the server saw /login and nothing else.
  assert.equal(new URL(response.url()).pathname + new URL(response.url()).search, '/login');
  assert.match(response.headers()['content-security-policy'] ?? '', /script-src 'self'/);
  await page.waitForURL(`${config.baseUrl}/`);
  assert.equal(await page.evaluate(() => localStorage.getItem('segue.token')), token);
  return { context, page, problems };
}

/**
 * Start recording, in the page, every moment its text mentions recommendations
 * ("Recommended tracks", "Finding tracks that fit…", or the screen-reader notice): a
 * MutationObserver sees even a section that is rendered and removed between two polls.
 * `mentions(page)` returns what was seen.
 */
async function watchMentions(page) {
  await page.evaluate(() => {
    const seen = [];
    window.__segueMentions = seen;
    const record = () => {
      const found = document.body.textContent.match(/Recommend[a-z]*|Finding tracks/g);
      if (found) seen.push(...found);
    };
    record();
    new MutationObserver(record).observe(document.body, { childList: true, subtree: true, characterData: true });
  });
}

function mentions(page) {
  return page.evaluate(() => [...new Set(window.__segueMentions)]);
}

/** Requests the page makes for recommendations, answered, in order. */
function recordRecommendations(page) {
  const answers = [];
  page.on('response', async (response) => {
    if (!/\/playlists\/[^/]+\/recommendations/.test(new URL(response.url()).pathname)) return;
    answers.push({ url: response.url(), status: response.status(), body: await response.json().catch(() => null) });
  });
  return answers;
}

describe('playlist page', () => {
  it('shows recommendations while editing, adds one with "+", and clears them after', async () => {
    const { playlists } = await api('GET', '/me/playlists');
    const target = playlists.find((p) => p.track_count === config.trackCount);
    assert.ok(
      target,
      `no playlist with ${config.trackCount} tracks among ${JSON.stringify(playlists.map((p) => [p.name, p.track_count]))}`,
    );

    const { context, page, problems } = await signIn();
    const answers = recordRecommendations(page);
    let added = null;
    try {
      // "/" lists the user's playlists; open the target from there.
      await page.locator(`a[href="/playlist/${encodeURIComponent(target.id)}"]`).click();
      await page.waitForURL(`${config.baseUrl}/playlist/${encodeURIComponent(target.id)}`);
      await page.getByRole('heading', { level: 1, name: target.name }).waitFor();
      const trackItems = page.getByRole('list', { name: 'Tracks' }).getByRole('listitem');
      await eventually(() => trackItems.count(), config.trackCount, 'tracks shown');

      // Not editing: no recommendations anywhere.
      assert.equal(await page.getByTestId('recommendations').count(), 0);

      await page.getByRole('button', { name: 'Edit playlist' }).click();
      const section = page.getByRole('region', { name: 'Recommended tracks' });
      await section.waitFor();
      const plusButtons = section.getByRole('button', { name: /^Add .+ to playlist$/ });
      await plusButtons.first().waitFor();
      assert.equal(answers.at(-1).status, 200);
      assert.equal(answers.at(-1).body.available, true);
      const shown = await plusButtons.count();
      assert.equal(shown, answers.at(-1).body.tracks.length, 'one "+" per recommended track');
      assert.ok(shown >= 1 && shown <= 3, `3 at most by default, got ${shown}`);

      // The pointer away from the cards, so nothing is hovered while styles are read.
      await page.mouse.move(0, 0);
      const recCards = section.locator('.track-card');
      for (let i = 0; i < shown; i++) {
        const style = await cardStyle(recCards.nth(i));
        assert.equal(style.borderStyle, 'dashed', `recommendation ${i} border`);
        assert.equal(style.opacity, '0.7', `recommendation ${i} opacity`);
      }
      const playlistCard = trackItems.first().locator('.track-card');
      const solid = await cardStyle(playlistCard);
      assert.equal(solid.borderStyle, 'solid');
      assert.equal(solid.opacity, '1');
      assert.equal((await cardStyle(recCards.first())).borderWidth, solid.borderWidth, 'same card, other border');

      // Full opacity on hover and on keyboard focus.
      await recCards.first().hover();
      await eventually(async () => (await cardStyle(recCards.first())).opacity, '1', 'opacity on hover');
      await page.mouse.move(0, 0);
      await eventually(async () => (await cardStyle(recCards.first())).opacity, '0.7', 'opacity after hover');
      await plusButtons.first().focus();
      await eventually(async () => (await cardStyle(recCards.first())).opacity, '1', 'opacity on focus');
      await plusButtons.first().blur();

      mkdirSync(dirname(config.screenshot), { recursive: true });
      await page.screenshot({ path: config.screenshot, fullPage: true });

      // "+" on the first recommendation: it joins the playlist, the list is fetched again.
      const first = recCards.first();
      const addedId = Number(await first.getAttribute('data-track-id'));
      const addedTitle = (await first.locator('.title').textContent()).trim();
      const before = answers.length;
      added = addedId;
      await plusButtons.first().click();

      await eventually(() => trackItems.count(), config.trackCount + 1, 'tracks after add');
      assert.equal(Number(await trackItems.last().getAttribute('data-track-id')), addedId);
      assert.equal((await trackItems.last().locator('.title').textContent()).trim(), addedTitle);
      const stored = await api('GET', `/playlists/${encodeURIComponent(target.id)}`);
      assert.equal(stored.tracks.at(-1).id, addedId, 'the server stored the added track last');
      assert.notEqual(stored.record_cid, target.record_cid, 'the record CID changed with the add');

      await eventually(() => answers.length > before, true, 'recommendations fetched again');
      const refreshed = answers.at(-1).body;
      assert.ok(!refreshed.tracks.some((t) => t.id === addedId), 'the added track is not recommended again');
      if (refreshed.available) {
        await eventually(
          () => section.locator('.track-card').evaluateAll((els) => els.map((e) => Number(e.dataset.trackId))),
          refreshed.tracks.map((t) => t.id),
          'the refreshed recommendations are shown',
        );
      }
      assert.equal(await section.locator(`.track-card[data-track-id="${addedId}"]`).count(), 0);

      // Leaving edit mode clears them.
      await page.getByRole('button', { name: 'Done editing' }).click();
      await eventually(() => page.getByTestId('recommendations').count(), 0, 'recommendations gone');
      assert.equal(await page.getByRole('button', { name: /^Add .+ to playlist$/ }).count(), 0);
      assert.deepEqual(problems, []);
    } finally {
      // Put the demo playlist back as it was, so the next run finds 25 tracks again.
      if (added !== null) {
        await api('DELETE', `/playlists/${encodeURIComponent(target.id)}/tracks/${added}`).catch((err) => {
          console.error(`could not restore playlist ${target.id}: ${err.message}`);
        });
      }
      await closeContext(context);
    }
  });

  it('dismisses a suggestion with ✕ and undoes it, shows others, and says what each sounds like', async () => {
    const { playlists } = await api('GET', '/me/playlists');
    const target = playlists.find((p) => p.track_count === config.trackCount);
    assert.ok(target, `no playlist with ${config.trackCount} tracks`);
    const stored = await api('GET', `/playlists/${encodeURIComponent(target.id)}`);
    const titles = new Set(stored.tracks.map((t) => t.title));

    const { context, page, problems } = await signIn();
    const answers = recordRecommendations(page);
    let dismissedId = null;
    try {
      await page.goto(`${config.baseUrl}/playlist/${encodeURIComponent(target.id)}`);
      await page.getByRole('button', { name: 'Edit playlist' }).click();
      const section = page.getByRole('region', { name: 'Recommended tracks' });
      const cards = section.locator('.track-card');
      await cards.first().waitFor();
      const shownIds = () => cards.evaluateAll((els) => els.map((e) => Number(e.dataset.trackId)));
      const firstPage = await shownIds();
      assert.equal(firstPage.length, 3);

      // "sounds like <title>": a track of this playlist, for every card.
      for (let i = 0; i < firstPage.length; i++) {
        const note = (await cards.nth(i).locator('.note').textContent()).trim();
        const match = note.match(/^sounds like (.+)$/);
        assert.ok(match && titles.has(match[1]), `card ${i} says "${note}"`);
      }
      assert.equal(await section.getByRole('button', { name: /^Play preview/ }).count(), 0, 'no preview without audio_url');

      // ✕ on the second card: gone from the page and from the server's answers; focus on Undo.
      dismissedId = firstPage[1];
      const dismissedTitle = (await cards.nth(1).locator('.title').textContent()).trim();
      await section.getByRole('button', { name: `Not for this playlist: ${dismissedTitle}` }).click();
      const undo = section.getByRole('button', { name: 'Undo' });
      await undo.waitFor();
      await eventually(async () => (await shownIds()).includes(dismissedId), false, 'dismissed card gone');
      await eventually(async () => (await shownIds()).length, 3, 'its place filled');
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Undo');
      const again = await api('GET', `/playlists/${encodeURIComponent(target.id)}/recommendations?limit=10`);
      assert.ok(!again.tracks.some((t) => t.id === dismissedId), 'the server no longer suggests it');

      // "Show others": the next page of the same ranking, none of the first page's tracks.
      const before = await shownIds();
      await section.getByRole('button', { name: 'Show others' }).click();
      const anotherPage = async () => {
        const ids = await shownIds();
        return ids.length > 0 && !ids.some((id) => before.includes(id) || id === dismissedId);
      };
      await eventually(anotherPage, true, 'another page, none of the first');
      assert.equal(answers.at(-1).status, 200);
      assert.match(answers.at(-1).url, /[?&]offset=3\b/);

      // Undo from the keyboard: the track may be suggested again, and the server agrees.
      await undo.focus();
      await page.keyboard.press('Enter');
      await eventually(() => undo.count(), 0, 'undo done');
      const restored = await api('GET', `/playlists/${encodeURIComponent(target.id)}/recommendations?limit=10`);
      assert.ok(restored.tracks.some((t) => t.id === dismissedId), 'suggested again after the undo');
      dismissedId = null;
      assert.deepEqual(problems, []);
    } finally {
      if (dismissedId !== null) {
        await api('DELETE', `/playlists/${encodeURIComponent(target.id)}/recommendations/dismissed/${dismissedId}`).catch(
          (err) => console.error(`could not undo the dismissal of ${dismissedId}: ${err.message}`),
        );
      }
      await closeContext(context);
    }
  });

  it('reorders by dragging and by Alt+Arrow keys, and the server keeps the order', async () => {
    const { playlists } = await api('GET', '/me/playlists');
    const target = playlists.find((p) => p.track_count === config.trackCount);
    assert.ok(target, `no playlist with ${config.trackCount} tracks`);
    const original = (await api('GET', `/playlists/${encodeURIComponent(target.id)}`)).tracks.map((t) => t.id);

    const { context, page, problems } = await signIn();
    try {
      await page.goto(`${config.baseUrl}/playlist/${encodeURIComponent(target.id)}`);
      await page.getByRole('button', { name: 'Edit playlist' }).click();
      const items = page.getByRole('list', { name: 'Tracks' }).getByRole('listitem');
      const shownIds = () => items.evaluateAll((els) => els.map((e) => Number(e.dataset.trackId)));
      const storedIds = async () =>
        (await api('GET', `/playlists/${encodeURIComponent(target.id)}`)).tracks.map((t) => t.id);

      // Drag the first track onto the third: it lands at index 2.
      await items.nth(0).dragTo(items.nth(2));
      const dragged = [original[1], original[2], original[0], ...original.slice(3)];
      await eventually(shownIds, dragged, 'order on the page after the drag');
      await eventually(storedIds, dragged, 'order on the server after the drag');

      // Alt+ArrowUp twice from the moved track's remove button: it goes back to the top,
      // keyboard focus following it.
      await items.nth(2).getByRole('button', { name: /^Remove .+ from playlist$/ }).focus();
      await page.keyboard.press('Alt+ArrowUp');
      await page.keyboard.press('Alt+ArrowUp');
      await eventually(shownIds, original, 'order on the page after the keys');
      await eventually(storedIds, original, 'order on the server after the keys');
      const focused = await page.evaluate(() => document.activeElement?.closest('li')?.dataset.trackId);
      assert.equal(Number(focused), original[0], 'focus stayed on the moved track');
      assert.deepEqual(problems, []);
    } finally {
      await api('PUT', `/playlists/${encodeURIComponent(target.id)}/tracks`, { track_ids: original }).catch((err) => {
        console.error(`could not restore the order of ${target.id}: ${err.message}`);
      });
      await closeContext(context);
    }
  });

  it('shows no recommendation section for an empty playlist', async () => {
    const { playlists } = await api('GET', '/me/playlists');
    let empty = playlists.find((p) => p.name === EMPTY_PLAYLIST_NAME && p.track_count === 0);
    empty ??= await api('POST', '/playlists', { name: EMPTY_PLAYLIST_NAME });

    const { context, page, problems } = await signIn();
    const answers = recordRecommendations(page);
    try {
      await page.goto(`${config.baseUrl}/playlist/${encodeURIComponent(empty.id)}`);
      await page.getByRole('heading', { level: 1, name: EMPTY_PLAYLIST_NAME }).waitFor();
      await page.getByText('This playlist has no tracks yet.').waitFor();

      await watchMentions(page);
      await page.getByRole('button', { name: 'Edit playlist' }).click();
      await page.getByRole('button', { name: '+ Add tracks' }).waitFor();
      await eventually(() => answers.length, 1, 'one recommendations request');
      assert.equal(answers[0].status, 200);
      assert.deepEqual(answers[0].body, { tracks: [], available: false, more: false });

      await eventually(() => page.getByTestId('recommendations').count(), 0, 'no section');
      // And it stays away (no late render).
      await page.waitForTimeout(300);
      assert.equal(await page.getByTestId('recommendations').count(), 0);
      assert.equal(await page.getByRole('heading', { name: 'Recommended tracks' }).count(), 0);
      assert.deepEqual(await mentions(page), [], 'no flash of a section that will not exist');
      assert.deepEqual(problems, []);
    } finally {
      await closeContext(context);
    }
  });

  /*
   * With the vector store disabled (SEGUE_VECTOR_BACKEND=disabled) every answer is
   * {"tracks": [], "available": false, "more": false}. The server under test has a store, so this test
   * intercepts the recommendations request in the browser (page.route) and answers that
   * itself, late: the page is observed while the request is pending. What the server
   * answers with the store disabled is tested in the Python API tests.
   */
  it('shows nothing while a recommendations answer that will say unavailable is pending', async () => {
    const { playlists } = await api('GET', '/me/playlists');
    const target = playlists.find((p) => p.track_count === config.trackCount);
    assert.ok(target, `no playlist with ${config.trackCount} tracks`);

    const { context, page, problems } = await signIn();
    const held = [];
    let release;
    const released = new Promise((r) => (release = r));
    await page.route(
      (url) => url.pathname.endsWith('/recommendations'),
      async (route) => {
        held.push(route.request().url());
        await released;
        await route.fulfill({ status: 200, contentType: 'application/json', body: '{"tracks": [], "available": false, "more": false}' });
      },
    );
    try {
      await page.goto(`${config.baseUrl}/playlist/${encodeURIComponent(target.id)}`);
      await page.getByRole('heading', { level: 1, name: target.name }).waitFor();
      await watchMentions(page);
      await page.getByRole('button', { name: 'Edit playlist' }).click();
      await page.getByRole('button', { name: '+ Add tracks' }).waitFor();
      await eventually(() => held.length, 1, 'the recommendations request is held');

      // Pending: the page must not announce a section it does not know will exist.
      await page.waitForTimeout(500);
      assert.equal(await page.getByTestId('recommendations').count(), 0);
      assert.equal(await page.getByText(/Recommended tracks|Finding tracks/).count(), 0);

      release();
      await page.waitForTimeout(500);
      assert.equal(await page.getByTestId('recommendations').count(), 0);
      assert.deepEqual(await mentions(page), [], 'nothing mentioned recommendations at any moment');
      assert.equal(held.length, 1);
      assert.deepEqual(problems, []);
    } finally {
      release();
      await closeContext(context);
    }
  });
});

describe('sign-in links and signing out', () => {
  /** The other user's handle, from the API. */
  async function handleOf(token) {
    const response = await fetch(`${config.baseUrl}/me`, {
      headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    assert.equal(response.status, 200, 'SEGUE_E2E_OTHER_TOKEN must be a working token');
    return (await response.json()).handle;
  }

  it('asks before a link switches accounts, and the token never stays in the address', async () => {
    assert.ok(config.otherToken, 'set SEGUE_E2E_OTHER_TOKEN (make e2e does)');
    const me = await handleOf(config.token);
    const other = await handleOf(config.otherToken);
    const { context, page, problems } = await signIn();
    try {
      const link = `${config.baseUrl}/login#token=${encodeURIComponent(config.otherToken)}`;
      await page.goto(link);
      const dialog = page.getByRole('alertdialog', { name: 'Switch accounts?' });
      await dialog.waitFor();
      const prompt = `You are signed in as @${me}. Switch to the account in this link?`;
      assert.ok((await dialog.innerText()).includes(prompt), await dialog.innerText());
      assert.ok(!page.url().includes(config.otherToken), `the token left in ${page.url()}`);
      assert.equal(await page.evaluate(() => localStorage.getItem('segue.token')), config.token);

      await page.getByRole('button', { name: `Stay signed in as @${me}` }).click();
      await page.waitForURL(`${config.baseUrl}/`);
      assert.equal(await page.evaluate(() => localStorage.getItem('segue.token')), config.token);
      assert.equal(await page.evaluate(() => location.hash), '');

      await page.goto(link);
      await page.getByRole('button', { name: `Switch to @${other}` }).click();
      await page.waitForURL(`${config.baseUrl}/`);
      assert.equal(await page.evaluate(() => localStorage.getItem('segue.token')), config.otherToken);
      await page.getByText(`@${other}`, { exact: true }).waitFor();
      assert.deepEqual(problems, []);
    } finally {
      await closeContext(context);
    }
  });

  // Last: it revokes the other token for good.
  it('"Sign out" revokes the token on the server', async () => {
    assert.ok(config.otherToken, 'set SEGUE_E2E_OTHER_TOKEN (make e2e does)');
    const { context, page, problems } = await signIn(config.otherToken);
    try {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('link', { name: 'Sign in' }).first().waitFor();
      assert.equal(await page.evaluate(() => localStorage.getItem('segue.token')), null);
      const response = await fetch(`${config.baseUrl}/me`, {
        headers: { Authorization: `Bearer ${config.otherToken}` },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      assert.equal(response.status, 401);
      assert.deepEqual(problems, []);
    } finally {
      await closeContext(context);
    }
  });
});
