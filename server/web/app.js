// The songvec web app: search, a song's page, a playlist builder and the model, on the public API
// alone. Routes are URL fragments (#/songs/2172), so every view can be shared and reloaded.
import { api, ApiError } from './api.js';

const view = document.getElementById('view');
const banner = document.getElementById('banner');
const PAGE = 10;

// h('a', {href: '#/'}, 'text', child): an element; text is always set as text, never as HTML.
function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === undefined || value === null) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    // Through the CSSOM: the Content-Security-Policy refuses style attributes.
    else if (name === 'style') element.style.cssText = value;
    else element.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child !== null && child !== undefined && child !== false) {
      element.append(child instanceof Node ? child : String(child));
    }
  }
  return element;
}

const songLink = (song) => h('a', { href: `#/songs/${encodeURIComponent(song.id)}` },
  song.title || `(untitled ${song.id})`);
const tags = (song) => (song.tags || []).map((tag) => h('span', { class: 'tag' }, tag));

// An error as a view: the API's message, and what to do about it.
function errorState(error) {
  if (error instanceof ApiError && error.status === 503) {
    return h('div', { class: 'state error', 'data-state': 'no-model' },
      h('h2', {}, 'No model yet'),
      h('p', {}, 'The server runs but has no trained model to answer with. Train one with ',
        h('code', {}, 'songvec-train train'), '; the server picks it up without a restart.'));
  }
  if (error instanceof ApiError && error.status === 0) {
    return h('div', { class: 'state error', 'data-state': 'unreachable' },
      h('h2', {}, 'Server unreachable'), h('p', {}, error.message));
  }
  if (error instanceof ApiError && error.status === 404) {
    return h('div', { class: 'state error', 'data-state': 'not-found' },
      h('h2', {}, 'Not found'), h('p', {}, error.message), h('p', {}, h('a', { href: '#/' }, 'Back to the start')));
  }
  return h('div', { class: 'state error', 'data-state': 'error' },
    h('h2', {}, 'Something went wrong'), h('p', {}, error.message || String(error)));
}

function show(...children) {
  view.replaceChildren(...children);
}

// ---- The playlist: songs with a mark (like, dislike or none), kept in localStorage.
const STORE = 'songvec.playlist';
const playlist = {
  // Called after every change: the playlist view sets it to redraw itself, whichever control
  // (search, a result list, its own buttons) changed the playlist; route() clears it.
  changed: null,
  songs: (() => {
    try {
      const saved = JSON.parse(localStorage.getItem(STORE) || '[]');
      return Array.isArray(saved) ? saved.filter((s) => s && typeof s.id === 'string') : [];
    } catch {
      return [];
    }
  })(),
  save() {
    localStorage.setItem(STORE, JSON.stringify(this.songs));
    document.getElementById('playlist-count').textContent = this.songs.length;
    if (this.changed) this.changed();
  },
  has(id) { return this.songs.some((s) => s.id === id); },
  add(song) {
    if (this.has(song.id)) return;
    this.songs.push({ id: song.id, title: song.title, artist: song.artist, mark: 'none' });
    this.save();
  },
  remove(id) { this.songs = this.songs.filter((s) => s.id !== id); this.save(); },
  mark(id, mark) {
    const song = this.songs.find((s) => s.id === id);
    if (song) song.mark = song.mark === mark ? 'none' : mark;
    this.save();
  },
};

// after(): called once the song is added, e.g. to give focus back to the search box (the button
// is disabled then, so focus would otherwise fall to the page).
function addButton(song, after) {
  const added = playlist.has(song.id);
  return h('button', {
    type: 'button', 'aria-label': `Add ${song.title || song.id} to the playlist`, disabled: added,
    onclick: (event) => { playlist.add(song); event.target.disabled = true; event.target.textContent = 'Added'; if (after) after(); },
  }, added ? 'Added' : 'Add');
}

// A ranked list: each song links to its page, its score drawn as a bar scaled within the list.
function resultList(results, label) {
  if (results.length === 0) return h('p', { class: 'muted' }, 'No songs pass these filters.');
  const scores = results.map((r) => r.score);
  const top = Math.max(...scores), bottom = Math.min(...scores, 0);
  const width = (score) => (top > bottom ? (score - bottom) / (top - bottom) : 1) * 100;
  return h('ol', { class: 'results', 'aria-label': label },
    results.map((song) => h('li', { 'data-id': song.id },
      h('span', {}, songLink(song), ' ', h('span', { class: 'artist' }, song.artist)),
      h('span', { title: `score ${song.score}` },
        h('div', { class: 'bar', role: 'img', 'aria-label': `score ${song.score.toFixed(3)}` },
          h('span', { style: `width: ${width(song.score).toFixed(1)}%` })),
        h('span', { class: 'score' }, song.score.toFixed(3))),
      addButton(song))));
}

// ---- Search: type-ahead on GET /v1/songs?q=, debounced; arrows, Enter and Escape. The matches are
// a grid (ARIA's combobox with a grid popup): a row per song, its second cell an Add button, which
// Tab reaches from the box. Not a listbox: an option's children are presentational, so a button in
// one would be hidden from screen readers.
const searchBox = document.querySelector('.search');
const input = document.getElementById('search-input');
const listbox = document.getElementById('search-results');
let searchTimer = 0, searchSeq = 0, active = -1, hits = [];

function closeSearch() {
  listbox.hidden = true;
  input.setAttribute('aria-expanded', 'false');
  input.removeAttribute('aria-activedescendant');
  active = -1;
}

function highlight(index) {
  const rows = [...listbox.children];
  if (rows.length === 0 || hits.length === 0) return;
  active = (index + hits.length) % hits.length;
  rows.forEach((row, i) => row.setAttribute('aria-selected', String(i === active)));
  input.setAttribute('aria-activedescendant', rows[active].firstChild.id);
  rows[active].scrollIntoView({ block: 'nearest' });
}

function open(song) {
  closeSearch();
  location.hash = `#/songs/${encodeURIComponent(song.id)}`;
}

async function runSearch() {
  const q = input.value.trim();
  const seq = ++searchSeq;
  if (!q) return closeSearch();
  // A row that says something instead of listing songs.
  const message = (className, text) => h('li', { role: 'row', class: className }, h('span', { role: 'gridcell' }, text));
  let rows;
  try {
    hits = (await api.search(q)).results;
    // mousedown, not click, and its default prevented: the box keeps focus, so the list stays open.
    // On the Add button it adds (its click) without opening the song.
    rows = hits.length ? hits.map((song, i) => h('li', {
      role: 'row', 'aria-selected': 'false', 'data-id': song.id,
      onmousedown: (event) => { event.preventDefault(); if (!event.target.closest('button')) open(song); },
    }, h('span', { id: `search-option-${i}`, role: 'gridcell', class: 'match' },
      h('strong', {}, song.title || song.id), h('span', { class: 'artist' }, song.artist), tags(song),
      song.in_model ? null : h('span', { class: 'unknown' }, 'not in the model')),
    h('span', { role: 'gridcell' }, addButton(song, () => input.focus()))))
      : [message('muted', `No song matches “${q}”.`)];
  } catch (error) {
    hits = [];
    rows = [message('unknown', error.status === 400 ? 'Type letters or digits of a title or an artist.' : error.message)];
  }
  if (seq !== searchSeq) return;  // a newer query has been typed since
  listbox.replaceChildren(...rows);
  listbox.hidden = false;
  input.setAttribute('aria-expanded', 'true');
  active = -1;
}

input.addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(runSearch, 200);
});
input.addEventListener('keydown', (event) => {
  if (event.key === 'ArrowDown') { event.preventDefault(); if (listbox.hidden) runSearch(); else highlight(active + 1); }
  else if (event.key === 'ArrowUp') { event.preventDefault(); highlight(active - 1); }
  else if (event.key === 'Enter') {
    if (hits.length) { event.preventDefault(); open(hits[Math.max(active, 0)]); }
  } else if (event.key === 'Escape') closeSearch();
});
listbox.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') { closeSearch(); input.focus(); }
});
// Closes once focus has left the box and its list (Tab from the box to an Add button keeps it
// open). Checked after the event: a disabled button drops focus before after() gives it back.
searchBox.addEventListener('focusout', () => setTimeout(() => {
  if (!searchBox.contains(document.activeElement)) closeSearch();
}));

// ---- A song's page: similar and next side by side, each paged, capped per artist, filtered by tag.
function neighborsPanel(song, scoring, title) {
  const state = { offset: 0, max_per_artist: 0, tag: '' };
  const body = h('div', { 'aria-live': 'polite' });
  const prev = h('button', { type: 'button', onclick: () => { state.offset -= PAGE; load(); } }, '‹ Previous');
  const next = h('button', { type: 'button', onclick: () => { state.offset += PAGE; load(); } }, 'Next ›');
  const cap = h('select', { id: `${scoring}-cap`, onchange: (e) => { state.max_per_artist = Number(e.target.value); state.offset = 0; load(); } },
    [['0', 'any'], ['1', '1'], ['2', '2'], ['3', '3']].map(([value, text]) => h('option', { value }, text)));
  const tag = h('select', { id: `${scoring}-tag`, onchange: (e) => { state.tag = e.target.value; state.offset = 0; load(); } },
    h('option', { value: '' }, 'any'), (song.tags || []).map((t) => h('option', { value: t }, t)));
  async function load() {
    prev.disabled = state.offset === 0;
    body.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
    try {
      const answer = await api.neighbors(song.id, scoring, { k: PAGE, offset: state.offset, ...state });
      body.replaceChildren(resultList(answer.results, `${title} for ${song.title}`));
      next.disabled = answer.results.length < PAGE;
    } catch (error) {
      body.replaceChildren(errorState(error));
      next.disabled = true;
    }
  }
  load();
  return h('section', { class: 'panel', 'data-scoring': scoring, 'aria-label': title },
    h('h2', {}, title),
    h('div', { class: 'controls' },
      h('label', { for: `${scoring}-cap` }, 'Per artist'), cap,
      h('label', { for: `${scoring}-tag` }, 'Tag'), tag, prev, next),
    body);
}

async function songView(id) {
  show(h('p', { class: 'muted' }, 'Loading…'));
  let song;
  try {
    song = await api.song(id);
  } catch (error) {
    return show(errorState(error.status === 404 ? new ApiError(404, 'not_found', `There is no song “${id}” in the catalog.`) : error));
  }
  const header = h('section', { class: 'song' },
    h('h1', {}, song.title || `(untitled ${song.id})`),
    h('p', { class: 'artist' }, song.artist, ' · id ', song.id), h('p', {}, tags(song)),
    addButton(song));
  if (!song.in_model) {
    return show(header, h('div', { class: 'state', 'data-state': 'not-in-model' },
      'The model has no vector for this song: it was not in the training playlists.'));
  }
  show(header, h('div', { class: 'columns' },
    neighborsPanel(song, 'similar', 'Similar'), neighborsPanel(song, 'next', 'What comes next')));
}

// ---- The playlist builder: like / dislike, Continue with POST /v1/recommend, export.
function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = h('a', { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function playlistView() {
  const suggestions = h('div', { id: 'suggestions', 'aria-live': 'polite' });
  const rows = h('ol', { class: 'results', 'aria-label': 'Playlist' });
  function render() {
    rows.replaceChildren(...playlist.songs.map((song) => h('li', { 'data-id': song.id },
      h('span', {}, songLink(song), ' ', h('span', { class: 'artist' }, song.artist)),
      h('span', {},
        h('button', { type: 'button', class: 'like', 'aria-pressed': String(song.mark === 'like'), 'aria-label': `Like ${song.title}`,
          onclick: () => playlist.mark(song.id, 'like') }, 'Like'), ' ',
        h('button', { type: 'button', class: 'dislike', 'aria-pressed': String(song.mark === 'dislike'), 'aria-label': `Dislike ${song.title}`,
          onclick: () => playlist.mark(song.id, 'dislike') }, 'Dislike')),
      h('button', { type: 'button', 'aria-label': `Remove ${song.title}`, onclick: () => playlist.remove(song.id) }, 'Remove'))));
    if (playlist.songs.length === 0) {
      rows.replaceChildren(h('li', { class: 'muted' }, 'Empty: add songs from search or from any list.'));
    }
  }
  async function continuePlaylist() {
    const liked = playlist.songs.filter((s) => s.mark === 'like').map((s) => s.id);
    const disliked = playlist.songs.filter((s) => s.mark === 'dislike').map((s) => s.id);
    const positive = liked.length ? liked : playlist.songs.filter((s) => s.mark !== 'dislike').map((s) => s.id);
    if (positive.length === 0) {
      return suggestions.replaceChildren(h('p', { class: 'muted' }, 'Add a song (and do not dislike them all) to continue.'));
    }
    suggestions.replaceChildren(h('p', { class: 'muted' }, 'Thinking…'));
    try {
      const answer = await api.recommend({
        positive, negative: disliked, exclude: playlist.songs.map((s) => s.id), k: PAGE, max_per_artist: 2,
      });
      suggestions.replaceChildren(h('h2', {}, 'Add next'), resultList(answer.results, 'Suggestions'));
    } catch (error) {
      suggestions.replaceChildren(errorState(error));
    }
  }
  playlist.changed = render;
  render();
  show(h('h1', {}, 'Playlist'),
    h('p', { class: 'muted' }, 'Like songs to steer the suggestions towards them, dislike to steer away.'),
    h('section', { class: 'panel' }, rows,
      h('div', { class: 'controls' },
        h('button', { type: 'button', class: 'primary', id: 'continue', onclick: continuePlaylist }, 'Continue'),
        h('button', { type: 'button', onclick: () => download('playlist.txt', 'text/plain', playlist.songs.map((s) => s.id).join('\n') + '\n') }, 'Export ids'),
        h('button', { type: 'button', onclick: () => download('playlist.json', 'application/json', JSON.stringify(playlist.songs, null, 2)) }, 'Export JSON'),
        h('button', { type: 'button', onclick: () => { playlist.songs = []; playlist.save(); suggestions.replaceChildren(); } }, 'Clear'))),
    h('section', { class: 'panel' }, suggestions));
}

// ---- The model: the active version, what it was trained on, HR@10 beside the baselines.
const metric = (value) => (typeof value === 'number' ? value.toFixed(4) : '–');

function hitRateChart(metrics) {
  // What songvec-train eval stored: next-song prediction, one song given (README, "Quality").
  const rankings = metrics && metrics.next_song && metrics.next_song.rankings;
  if (!rankings) return h('p', { class: 'muted' }, 'Not evaluated yet: songvec-train eval --playlists TEST stores HR@10 here.');
  const rows = Object.entries(rankings).filter(([, m]) => typeof m['hr@10'] === 'number');
  const top = Math.max(...rows.map(([, m]) => m['hr@10']), 1e-9);
  return h('div', { class: 'chart', role: 'img', 'aria-label': 'HR@10 of each scoring and baseline' },
    rows.map(([name, m]) => [
      h('span', { class: 'name' }, name),
      h('div', { class: `bar${name === 'similar' || name === 'next' ? '' : ' baseline'}` },
        h('span', { style: `width: ${(m['hr@10'] / top * 100).toFixed(1)}%` })),
      h('span', { class: 'score' }, metric(m['hr@10']))]));
}

async function modelView() {
  show(h('p', { class: 'muted' }, 'Loading…'));
  try {
    const { active_version: version, models } = await api.models();
    if (version === null) return show(errorState(new ApiError(503, 'not_ready', '')));
    const info = models.find((m) => m.version === version);
    const trained = info.trained_on || {};
    show(h('h1', {}, `Model ${version}`),
      h('div', { class: 'columns' },
        h('section', { class: 'panel' }, h('h2', {}, 'Training'),
          h('table', {}, h('tbody', {},
            [['created', info.created_at], ['algorithm', info.algorithm], ['songs', info.vocab_size],
             ['dimensions', info.dim], ['seconds', Number(info.training_seconds).toFixed(1)],
             // What it was trained on: a file by its path, other values as they are.
             ...Object.entries(trained).map(([k, v]) => [k, v && typeof v === 'object' ? v.path || JSON.stringify(v) : v])]
              .map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, v)))))),
        h('section', { class: 'panel' }, h('h2', {}, 'HR@10, next song'), hitRateChart(info.metrics))),
      h('section', { class: 'panel' }, h('h2', {}, 'Versions'),
        h('table', {}, h('thead', {}, h('tr', {}, ['version', 'created', 'algorithm', 'songs', 'active'].map((c) => h('th', { scope: 'col' }, c)))),
          h('tbody', {}, models.map((m) => h('tr', {}, h('td', {}, m.version), h('td', {}, m.created_at),
            h('td', {}, m.algorithm), h('td', {}, m.vocab_size), h('td', {}, m.active ? 'active' : '')))))));
  } catch (error) {
    show(errorState(error));
  }
}

function homeView() {
  show(h('h1', {}, 'Find a song, see its neighbours, build a playlist'),
    h('p', {}, 'Type a title or an artist in the search box. A song’s page shows the songs most like it and what tends to come next; add songs to the ',
      h('a', { href: '#/playlist' }, 'playlist'), ' and press Continue for what to add next.'));
}

// ---- Routing and the readiness banner.
async function checkReady() {
  try {
    await api.ready();
    banner.hidden = true;
  } catch (error) {
    banner.hidden = false;
    banner.className = 'error';
    banner.dataset.state = error.status === 503 ? 'no-model' : 'unreachable';
    banner.textContent = error.status === 503
      ? 'No model yet: the server has no trained model to answer with (songvec-train train makes one).'
      : error.message;
  }
}

function route() {
  const path = location.hash.replace(/^#/, '') || '/';
  const song = path.match(/^\/songs\/(.+)$/);
  playlist.changed = null;
  if (song) songView(decodeURIComponent(song[1]));
  else if (path === '/playlist') playlistView();
  else if (path === '/model') modelView();
  else homeView();
  view.focus();
}

window.addEventListener('hashchange', route);
playlist.save();
checkReady();
route();
