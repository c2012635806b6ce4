// The web app in headless Chromium, as a person uses it (issue 16): search, a song's page, the
// playlist builder (from the lists and from search alone), reload, the error states. A screenshot of
// each step goes to SCREENSHOT_DIR.
// Usage: node web_app_test.mjs DEMO_URL EMPTY_URL GONE_URL GONE_PID SCREENSHOT_DIR
// (tests/web_app_test.sh runs it). GONE_URL is a server on the demo data that this test kills
// (GONE_PID) once the page has loaded from it.
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { chromium } = require('../.tools/npm/node_modules/playwright-core');
const [demo, empty, gone, gonePid, screenshots] = process.argv.slice(2);

let step = 0;
let failed = false;
function check(condition, message) {
  if (!condition) {
    console.error(`FAIL: ${message}`);
    failed = true;
  } else {
    console.log(`ok: ${message}`);
  }
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, headless: true,
  args: ['--no-sandbox'] });
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  // Console errors: none, but for the failed load an error state is about (a 404, a 503, a refused
  // connection), which Chromium logs as "Failed to load resource: " and the status or the error.
  let consoleErrors = [];
  page.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(message.text()); });
  page.on('pageerror', (error) => consoleErrors.push(String(error)));
  const shot = async (name) => {
    step += 1;
    await page.screenshot({ path: path.join(screenshots, `${String(step).padStart(2, '0')}-${name}.png`), fullPage: true });
  };
  // allowed: what follows "Failed to load resource: " in the one failure that step expects.
  const noConsoleErrors = (where, allowed) => {
    const unexpected = consoleErrors.filter((text) => !(allowed && text.startsWith(`Failed to load resource: ${allowed}`)));
    check(unexpected.length === 0, `no console errors on ${where}${unexpected.length ? `: ${unexpected.join(' | ')}` : ''}`);
    consoleErrors = [];
  };
  const ids = (selector) => page.$$eval(selector, (items) => items.map((item) => item.dataset.id));

  // Every control labelled and reachable by keyboard.
  const checkControls = async (where) => {
    const problems = await page.$$eval('button, input, select, a[href], [role=row]', (elements) => elements
      .filter((e) => e.offsetParent !== null)
      .map((e) => {
        const labelled = (e.getAttribute('aria-label') || e.textContent || '').trim() ||
          (e.labels && [...e.labels].some((label) => label.textContent.trim()));
        // A search match is reached with the arrow keys from the box (aria-activedescendant).
        const focusable = e.getAttribute('role') === 'row' || e.tabIndex >= 0;
        return labelled && focusable ? null : `${e.tagName.toLowerCase()}#${e.id || ''}.${e.className}`;
      }).filter(Boolean));
    check(problems.length === 0, `every control on ${where} is labelled and focusable${problems.length ? `: ${problems.join(', ')}` : ''}`);
  };

  // 1. Search: typing shows matching songs; the keyboard opens one.
  const known = await (await fetch(`${demo}/v1/songs/0`)).json();
  const word = known.title.split(' ')[0];
  await page.goto(`${demo}/`);
  await page.waitForSelector('h1');
  const csp = (await page.request.get(`${demo}/`)).headers()['content-security-policy'] || '';
  check(csp.includes("script-src 'self'"), 'the page is served with a Content-Security-Policy');
  await shot('home');
  await page.evaluate(() => document.activeElement.blur());
  for (let i = 0; i < 5 && !(await page.evaluate(() => document.activeElement.id === 'search-input')); i += 1) {
    await page.keyboard.press('Tab');
  }
  check(await page.evaluate(() => document.activeElement.id === 'search-input'), 'Tab reaches the search box');
  await page.fill('#search-input', '');
  await page.type('#search-input', word.toLowerCase(), { delay: 30 });
  await page.waitForSelector('#search-results [role=row][data-id]', { timeout: 5000 });
  const titles = await page.$$eval('#search-results [role=row] strong', (items) => items.map((i) => i.textContent));
  check(titles.some((t) => t.toLowerCase().includes(word.toLowerCase())), `typing "${word.toLowerCase()}" shows matching songs (${titles.slice(0, 3).join(', ')})`);
  await shot('search');
  await checkControls('the search');
  await page.keyboard.press('ArrowDown');
  const chosen = await page.$eval('#search-results [aria-selected=true]', (e) => e.dataset.id);
  await page.keyboard.press('Enter');
  await page.waitForFunction((id) => location.hash === `#/songs/${encodeURIComponent(id)}`, chosen);
  check(true, `arrow keys and Enter open song ${chosen}`);
  noConsoleErrors('the search');

  // 2. A song's page: 10 similar and 10 next songs with scores.
  await page.goto(`${demo}/#/songs/${encodeURIComponent(known.id)}`);
  await page.waitForFunction(() => document.querySelectorAll('[data-scoring] ol.results li').length >= 20, null, { timeout: 10000 });
  const similar = await ids('[data-scoring=similar] ol.results li');
  const next = await ids('[data-scoring=next] ol.results li');
  const scores = await page.$$eval('[data-scoring] .score', (items) => items.map((i) => Number(i.textContent)));
  check(similar.length === 10 && next.length === 10, `the song's page shows 10 similar and 10 next songs (${similar.length}, ${next.length})`);
  check(scores.length === 20 && scores.every(Number.isFinite), 'every result shows its score');
  await shot('song');
  await checkControls('the song page');
  // Paging and the per-artist cap.
  await page.click('[data-scoring=similar] button:has-text("Next")');
  await page.waitForFunction((first) => document.querySelector('[data-scoring=similar] ol.results li')?.dataset.id !== first, similar[0]);
  const page2 = await ids('[data-scoring=similar] ol.results li');
  check(page2.every((id) => !similar.includes(id)), 'Next shows the following 10 similar songs');
  await page.selectOption('#similar-cap', '1');
  await page.waitForFunction(() => {
    const artists = [...document.querySelectorAll('[data-scoring=similar] ol.results li .artist')].map((a) => a.textContent);
    return artists.length > 0 && new Set(artists).size === artists.length;
  });
  check(true, 'one per artist leaves each artist once');
  noConsoleErrors('the song page');

  // 3. A 3-song playlist, continued: no seed among the suggestions.
  await page.evaluate(() => localStorage.clear());
  await page.goto(`${demo}/#/songs/${encodeURIComponent(known.id)}`);
  await page.waitForFunction(() => document.querySelectorAll('[data-scoring=similar] ol.results li').length >= 10);
  await page.click('.song button');
  await page.click('[data-scoring=similar] ol.results li:nth-child(1) button');
  await page.click('[data-scoring=next] ol.results li:nth-child(1) button');
  await page.goto(`${demo}/#/playlist`);
  await page.waitForSelector('ol[aria-label=Playlist] li[data-id]');
  const seeds = await ids('ol[aria-label=Playlist] li[data-id]');
  check(seeds.length === 3, `the playlist holds 3 songs (${seeds.join(', ')})`);
  await page.click('#continue');
  await page.waitForSelector('#suggestions ol.results li[data-id]');
  const suggested = await ids('#suggestions ol.results li[data-id]');
  check(suggested.length > 0 && suggested.every((id) => !seeds.includes(id)), `Continue suggests ${suggested.length} songs, no seed among them`);
  await shot('playlist-continued');
  await checkControls('the playlist');

  // 4. Dislike changes the suggestions; one click adds one.
  await page.click(`ol[aria-label=Playlist] li[data-id="${seeds[2]}"] button.dislike`);
  await page.click('#continue');
  await page.waitForFunction((before) => {
    const now = [...document.querySelectorAll('#suggestions ol.results li[data-id]')].map((li) => li.dataset.id);
    return now.length > 0 && now.join() !== before.join();
  }, suggested, { timeout: 5000 }).then(() => check(true, 'disliking a song changes the suggestions'),
    () => check(false, 'disliking a song changes the suggestions'));
  await shot('playlist-disliked');
  await page.click('#suggestions ol.results li:nth-child(1) button');
  await page.waitForFunction(() => document.querySelectorAll('ol[aria-label=Playlist] li[data-id]').length === 4);
  check(true, 'one click adds a suggestion to the playlist');

  // 5. Reload keeps the playlist (localStorage), marks included.
  await page.reload();
  await page.waitForSelector('ol[aria-label=Playlist] li[data-id]');
  const kept = await ids('ol[aria-label=Playlist] li[data-id]');
  const disliked = await page.$eval(`ol[aria-label=Playlist] li[data-id="${seeds[2]}"] button.dislike`, (b) => b.getAttribute('aria-pressed'));
  check(kept.length === 4 && seeds.every((id) => kept.includes(id)) && disliked === 'true', 'a reload keeps the playlist and its marks');
  await shot('playlist-reloaded');
  noConsoleErrors('the playlist');

  // 6. A playlist from search alone, on the playlist's page: a match's Add button adds it, by mouse
  // and by keyboard (Tab from the box reaches it), without opening the song or closing the list,
  // and the playlist on screen shows it at once; the arrow keys and Enter still open a song.
  const playlistIds = () => ids('ol[aria-label=Playlist] li[data-id]');
  const inPlaylist = (id) => page.waitForFunction((wanted) => [...document.querySelectorAll('ol[aria-label=Playlist] li[data-id]')]
    .some((li) => li.dataset.id === wanted), id, { timeout: 5000 });
  await page.click('button:has-text("Clear")');
  await page.waitForSelector('ol[aria-label=Playlist] li.muted');
  await page.fill('#search-input', '');
  await page.type('#search-input', known.artist.toLowerCase(), { delay: 30 });
  await page.waitForSelector('#search-results [role=row][data-id] button', { timeout: 5000 });
  const matches = await ids('#search-results [role=row][data-id]');
  check(matches.length >= 3, `searching "${known.artist.toLowerCase()}" shows at least 3 songs (${matches.length})`);
  const addOf = (id) => `#search-results [role=row][data-id="${id}"] button`;
  await page.click(addOf(matches[0]));
  await inPlaylist(matches[0]);
  const afterClick = await page.evaluate(() => ({ hash: location.hash, open: !document.getElementById('search-results').hidden }));
  check(afterClick.hash === '#/playlist' && afterClick.open,
    `clicking Add on a match adds it to the playlist on screen, neither opening the song nor closing the list (${JSON.stringify(afterClick)})`);
  check(await page.$eval(addOf(matches[0]), (b) => b.disabled && b.textContent === 'Added'), 'its button then says Added');
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => ({ id: document.activeElement.closest('[role=row]')?.dataset.id,
    label: document.activeElement.getAttribute('aria-label') }));
  check(focused.id === matches[1] && /^Add .+ to the playlist$/.test(focused.label || ''),
    `Tab from the search box reaches the next match's labelled Add button (${JSON.stringify(focused)})`);
  await page.keyboard.press('Enter');
  await inPlaylist(matches[1]);
  const afterKey = await page.evaluate(() => ({ hash: location.hash, open: !document.getElementById('search-results').hidden,
    focus: document.activeElement.id }));
  check(afterKey.hash === '#/playlist' && afterKey.open && afterKey.focus === 'search-input',
    `Enter on it adds the song, stays on the playlist with the list open and gives focus back to the box (${JSON.stringify(afterKey)})`);
  const built = await playlistIds();
  check(built.join() === matches.slice(0, 2).join(), `the playlist holds the 2 songs added from search (${built.join(', ')})`);
  await shot('playlist-from-search');
  await checkControls('the search over the playlist');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Escape');
  check(await page.evaluate(() => document.getElementById('search-results').hidden && document.activeElement.id === 'search-input'),
    'Escape on an Add button closes the list and returns to the box');
  await page.keyboard.press('ArrowDown');
  await page.waitForSelector('#search-results [role=row][data-id]', { state: 'visible', timeout: 5000 });
  await page.keyboard.press('ArrowDown');
  const opened = await page.$eval('#search-results [aria-selected=true]', (e) => e.dataset.id);
  await page.keyboard.press('Enter');
  await page.waitForFunction((id) => location.hash === `#/songs/${encodeURIComponent(id)}`, opened, { timeout: 5000 });
  check(opened === matches[0], `the arrow keys and Enter still open a song (${opened})`);
  check((await page.textContent('#playlist-count')) === '2', 'the header counts the 2 songs');
  noConsoleErrors('the playlist built from search');

  // 7. The model panel: HR@10 beside the baselines.
  await page.goto(`${demo}/#/model`);
  await page.waitForSelector('.chart .bar', { timeout: 5000 });
  const bars = await page.$$eval('.chart .name', (items) => items.map((i) => i.textContent));
  check(bars.includes('similar') && bars.includes('next') && bars.includes('popularity'),
    `the model panel charts HR@10 of both scorings beside the baselines (${bars.join(', ')})`);
  await shot('model');
  noConsoleErrors('the model panel');

  // 8. An unknown song: the error state.
  await page.goto(`${demo}/#/songs/no-such-song`);
  await page.waitForSelector('[data-state=not-found]', { timeout: 5000 });
  check(true, 'an unknown song shows the not-found state');
  await shot('unknown-song');
  noConsoleErrors('the unknown song', 'the server responded with a status of 404');

  // 9. A server without an active model: "no model yet".
  await page.goto(`${empty}/`);
  await page.waitForSelector('#banner[data-state=no-model]', { timeout: 5000 });
  check((await page.textContent('#banner')).includes('No model yet'), 'a server without a model says "No model yet"');
  await page.goto(`${empty}/#/songs/0`);
  await page.waitForSelector('[data-state=no-model]', { timeout: 5000 });
  check(true, 'a song page on a server without a model shows "No model yet"');
  await shot('no-model');
  noConsoleErrors('the server without a model', 'the server responded with a status of 503');

  // 10. The server goes away under a loaded page: the page says so, not a blank view or a crash.
  await page.goto(`${gone}/`);
  await page.waitForSelector('h1');
  noConsoleErrors('the page before its server goes away');
  process.kill(Number(gonePid), 'SIGKILL');
  for (let i = 0; ; i += 1) {
    const refused = await fetch(`${gone}/readyz`).then(() => false, () => true);
    if (refused) break;
    if (i === 50) throw new Error(`${gone} still answers after SIGKILL`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await page.evaluate((id) => { location.hash = `#/songs/${encodeURIComponent(id)}`; }, known.id);
  await page.waitForSelector('[data-state=unreachable]', { timeout: 5000 });
  const unreachable = await page.textContent('[data-state=unreachable]');
  check(unreachable.includes('Server unreachable') && unreachable.includes('cannot be reached'),
    `a song page with the server gone shows the unreachable state (${unreachable})`);
  await page.fill('#search-input', '');
  await page.type('#search-input', word.toLowerCase(), { delay: 30 });
  await page.waitForSelector('#search-results li[role=row].unknown', { timeout: 5000 });
  check((await page.textContent('#search-results')).includes('cannot be reached'), 'the search says the server cannot be reached');
  check(await page.isVisible('header') && (await page.textContent('h2')) === 'Server unreachable', 'the page keeps its header and its message');
  await shot('unreachable');
  // The one expected failure: each fetch to the dead server, which Chromium logs as
  // "Failed to load resource: net::ERR_CONNECTION_REFUSED"; anything else (a page error) still fails.
  noConsoleErrors('the unreachable server', 'net::ERR_CONNECTION_REFUSED');
} finally {
  await browser.close();
}
console.log(failed ? 'FAILED' : `passed; screenshots in ${screenshots}`);
process.exit(failed ? 1 : 0);
