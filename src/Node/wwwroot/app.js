'use strict';
// The MediaCluster page: no build step, no framework. Every call goes to this node's API with the session cookie
// set by POST /api/session (HttpOnly, expiring, ended by sign-out; the token itself is sent once, at sign-in).

const $ = (selector) => document.querySelector(selector);
const sections = ['login', 'jobs', 'job', 'live', 'cluster'];
const followers = new Map(); // job id → EventSource
let listTimer = null;
let uploadLimit = null;

class ApiError extends Error {
  constructor(message, status) { super(message); this.status = status; }
}

// A request to the node: the response when it succeeded, else an ApiError that says why in a sentence.
async function request(path, options = {}) {
  let response;
  try {
    response = await fetch(path, { credentials: 'same-origin', ...options });
  } catch {
    throw new ApiError('The node cannot be reached; is it running?', 0);
  }
  if (response.status === 401 && path !== '/api/session') {
    showLogin();
    throw new ApiError('Sign in with the API token.', 401);
  }
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try { message = (await response.json()).error || message; } catch { /* not JSON */ }
    throw new ApiError(message, response.status);
  }
  return response;
}

async function api(path, options = {}) {
  const response = await request(path, options);
  const type = response.headers.get('content-type') || '';
  return type.includes('json') ? response.json() : response.text();
}

function banner(message) {
  const b = $('#banner');
  b.textContent = message || '';
  b.hidden = !message;
}

function show(name) {
  for (const s of sections) $('#' + s).hidden = s !== name;
  for (const a of document.querySelectorAll('nav a')) {
    a.toggleAttribute('aria-current', a.id === 'nav-' + (name === 'job' ? 'jobs' : name));
    if (a.hasAttribute('aria-current')) a.setAttribute('aria-current', 'page');
  }
}

function showLogin() {
  $('#nav').hidden = true;
  show('login');
  $('#token').focus();
}

const clock = (seconds) => {
  const s = Math.max(0, seconds || 0);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = Math.floor(s % 60);
  return (h ? h + ':' + String(m).padStart(2, '0') : String(m)) + ':' + String(r).padStart(2, '0');
};
const bytes = (n) => n >= 1 << 30 ? (n / (1 << 30)).toFixed(1) + ' GiB' : n >= 1 << 20 ? (n / (1 << 20)).toFixed(1) + ' MiB' : Math.round(n / 1024) + ' KiB';
const ended = (state) => ['completed', 'failed', 'cancelled'].includes(state);

// ---- routing ----
async function route() {
  banner('');
  stopFollowing();
  const [, view, id] = location.hash.split('/');
  try {
    if (view === 'job' && id) await openJob(decodeURIComponent(id));
    else if (view === 'live') showLive();
    else if (view === 'cluster') await showCluster();
    else await showJobs();
  } catch (e) {
    if (e.status !== 401) banner(e.message);
  }
}

function stopFollowing() {
  for (const source of followers.values()) source.close();
  followers.clear();
  clearInterval(listTimer);
  listTimer = null;
}

// ---- sign-in ----
$('#login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('#login-error').textContent = '';
  try {
    await api('/api/session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token: $('#token').value.trim() }) });
    $('#token').value = '';
    $('#nav').hidden = false;
    await route();
  } catch (e) {
    $('#login-error').textContent = e.message;
  }
});

$('#older-jobs').addEventListener('click', () => loadOlderJobs().catch((e) => banner(e.message)));
$('#logout').addEventListener('click', async () => {
  await fetch('/api/session', { method: 'DELETE', credentials: 'same-origin' });
  stopFollowing();
  showLogin();
});

// ---- jobs ----
async function showJobs() {
  show('jobs');
  if (uploadLimit === null) {
    uploadLimit = (await api('/api/limits')).max_upload_bytes;
    $('#limit').textContent = bytes(uploadLimit);
  }
  await refreshJobs();
  listTimer = setInterval(() => refreshJobs().catch((e) => banner(e.message)), 5000);
}

// The listing comes a page at a time, newest first (the node's Link header names the next page): the newest page is
// refreshed every few seconds, older pages are added below on request.
const jobPage = 50;
let olderJobs = null; // the cursor of the next older page (null: none)
let olderLoaded = false;

async function jobsPage(after) {
  const response = await request(`/api/jobs?limit=${jobPage}` + (after ? `&after=${encodeURIComponent(after)}` : ''));
  const next = /after=([0-9a-z-]+)>; rel="next"/.exec(response.headers.get('link') || '');
  return { jobs: await response.json(), next: next ? next[1] : null };
}

async function refreshJobs() {
  const { jobs, next } = await jobsPage(null);
  if (!olderLoaded) olderJobs = next;
  showRows(jobs.slice().reverse(), false);
}

async function loadOlderJobs() {
  const { jobs, next } = await jobsPage(olderJobs);
  olderLoaded = true;
  olderJobs = next;
  showRows(jobs, true);
}

function showRows(jobs, older) {
  for (const job of jobs) {
    renderRow(job, older);
    if (!ended(job.state) && !followers.has(job.id)) follow(job.id, renderRow);
  }
  const body = $('#job-table tbody');
  body.dataset.count = body.children.length;
  $('#older-jobs').hidden = !olderJobs;
}

function renderRow(job, older = false) {
  const body = $('#job-table tbody');
  let row = body.querySelector(`tr[data-id="${CSS.escape(job.id)}"]`);
  if (!row) {
    row = document.createElement('tr');
    row.dataset.id = job.id;
    row.innerHTML = '<td><a></a></td><td></td><td><progress max="1"></progress></td><td></td><td></td><td></td><td></td>';
    if (older) body.append(row); else body.prepend(row);
  }
  const cells = row.children;
  const link = cells[0].firstChild;
  link.href = '#/job/' + encodeURIComponent(job.id);
  link.textContent = job.title || job.id;
  cells[1].textContent = job.state;
  cells[1].className = 'state-' + job.state;
  const done = job.state === 'completed' ? 1 : job.segments_found ? job.segments_transcribed / job.segments_found * (job.speech_detection_complete ? 1 : 0.95) : 0;
  cells[2].firstChild.value = done;
  cells[2].firstChild.textContent = Math.round(done * 100) + ' %';
  cells[3].textContent = job.duration_seconds ? clock(job.duration_seconds) : '';
  cells[4].textContent = clock(job.elapsed_seconds);
  cells[5].textContent = job.duration_seconds && job.elapsed_seconds ? (job.elapsed_seconds / job.duration_seconds).toFixed(2) : '';
  cells[6].textContent = job.error || '';
}

function follow(id, onUpdate) {
  const source = new EventSource(`/api/jobs/${encodeURIComponent(id)}/events`, { withCredentials: true });
  followers.set(id, source);
  source.addEventListener('progress', (event) => {
    const job = JSON.parse(event.data);
    onUpdate(job);
    if (ended(job.state)) { source.close(); followers.delete(id); }
  });
  source.onerror = () => { source.close(); followers.delete(id); };
}

function upload(file) {
  const item = document.createElement('li');
  item.innerHTML = '<span></span><progress max="1" value="0"></progress><span class="status"></span>';
  item.firstChild.textContent = file.name;
  const status = item.querySelector('.status');
  $('#uploads').append(item);
  if (uploadLimit !== null && file.size > uploadLimit) {
    status.textContent = `${bytes(file.size)} is larger than this node's limit of ${bytes(uploadLimit)}`;
    status.className = 'status error';
    return;
  }
  const form = new FormData();
  const speakers = $('#upload-speakers').value.trim();
  if (speakers) form.append('speakers', speakers);
  form.append('file', file, file.name);
  const request = new XMLHttpRequest();
  request.open('POST', '/api/jobs');
  request.upload.onprogress = (e) => { if (e.lengthComputable) item.querySelector('progress').value = e.loaded / e.total; };
  request.onload = () => {
    let answer = {};
    try { answer = JSON.parse(request.responseText); } catch { /* not JSON */ }
    if (request.status === 202) {
      item.querySelector('progress').value = 1;
      status.textContent = 'uploaded: job ' + answer.id;
      refreshJobs().catch((e) => banner(e.message));
    } else {
      status.textContent = answer.error || `upload failed (${request.status})`;
      status.className = 'status error';
      if (request.status === 401) showLogin();
    }
  };
  request.onerror = () => { status.textContent = 'the node cannot be reached'; status.className = 'status error'; };
  request.send(form);
}

$('#files').addEventListener('change', (e) => { [...e.target.files].forEach(upload); e.target.value = ''; });
const drop = $('#drop');
drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); [...e.dataTransfer.files].forEach(upload); });
drop.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); $('#files').click(); } });

// ---- one job ----
async function openJob(id) {
  show('job');
  for (const part of ['#player', '#timeline', '#summary', '#artifacts', '#transcript', '#scenes', '#speakers', '#work']) $(part).replaceChildren();
  $('#scenes-box').hidden = true;
  $('#work-box').hidden = true;
  $('#speakers-box').hidden = true;
  const job = await api(`/api/jobs/${encodeURIComponent(id)}`);
  renderJob(job);
  if (!ended(job.state)) follow(id, (update) => { renderJob(update); if (update.state === 'completed') loadResults(update); });
  if (job.state === 'completed') await loadResults(job);
}

function renderJob(job) {
  $('#job-title').textContent = job.title || job.id;
  const parts = [job.state];
  if (job.duration_seconds) parts.push(clock(job.duration_seconds) + ' of media');
  if (job.segments_found) parts.push(`${job.segments_transcribed}/${job.segments_found} segments`);
  if (job.elapsed_seconds) parts.push(clock(job.elapsed_seconds) + ' elapsed');
  if (job.node) parts.push('on ' + job.node);
  $('#job-state').textContent = parts.join(' · ') + (job.error ? ' — ' + job.error : '');
  $('#job-state').className = job.error ? 'error' : '';
  const cancel = $('#cancel');
  cancel.hidden = ended(job.state);
  cancel.onclick = async () => {
    try { renderJob(await api(`/api/jobs/${encodeURIComponent(job.id)}`, { method: 'DELETE' })); } catch (e) { banner(e.message); }
  };
}

async function loadResults(job) {
  const id = encodeURIComponent(job.id);
  const [transcript, summary, names] = await Promise.all([
    api(`/api/jobs/${id}/artifacts/transcript.json`).then((t) => typeof t === 'string' ? JSON.parse(t) : t),
    api(`/api/jobs/${id}/artifacts/summary.txt`).catch(() => ''),
    api(`/api/jobs/${id}/artifacts`),
  ]);
  const artifacts = $('#artifacts');
  artifacts.replaceChildren(...names.map((name) => {
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.href = `/api/jobs/${id}/artifacts/${name}`;
    a.download = name;
    a.textContent = name;
    li.append(a);
    return li;
  }));
  renderWork(id);
  const summaryBox = $('#summary');
  summaryBox.replaceChildren(...summary.split('\n').filter((l) => l.trim()).map((line) => Object.assign(document.createElement('p'), { textContent: line })));

  const media = await fetch(`/api/jobs/${id}/media`, { method: 'HEAD', credentials: 'same-origin' });
  let player = null;
  if (media.ok) {
    player = document.createElement((media.headers.get('content-type') || '').startsWith('video/') ? 'video' : 'audio');
    player.controls = true;
    player.preload = 'metadata';
    player.src = `/api/jobs/${id}/media`;
    $('#player').append(player);
  } else {
    $('#player').append(Object.assign(document.createElement('p'), { className: 'help', textContent: 'The media is not kept for this job (it was read from a path on the server).' }));
  }

  if (names.includes('scenes.json')) {
    const scenes = await api(`/api/jobs/${id}/artifacts/scenes.json`).then((t) => typeof t === 'string' ? JSON.parse(t) : t);
    $('#scenes').replaceChildren(...scenes.scenes.map((scene) => {
      const li = document.createElement('li');
      li.tabIndex = 0;
      const labels = Object.entries(scene.labels).map(([task, l]) => `${l.label} (${Math.round(100 * l.confidence)}%)`).join(' · ');
      li.innerHTML = '<time></time><span></span>';
      li.firstChild.textContent = `${clock(scene.start)}–${clock(scene.end)}`;
      li.lastChild.textContent = labels;
      const seek = () => { if (player) { player.currentTime = scene.start; player.play().catch(() => {}); } };
      li.addEventListener('click', seek);
      li.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); seek(); } });
      return li;
    }));
    $('#contact-sheet').src = `/api/jobs/${id}/artifacts/contact-sheet.jpg`;
    $('#scenes-box').hidden = false;
    // The scenes as the player's chapters (chapters.vtt): the scene playing is marked in the list.
    if (player && names.includes('chapters.vtt')) {
      const track = Object.assign(document.createElement('track'), { kind: 'chapters', label: 'Scenes', srclang: 'en', src: `/api/jobs/${id}/artifacts/chapters.vtt`, default: true });
      player.append(track);
      track.track.mode = 'hidden';
      const items = [...$('#scenes').children];
      track.addEventListener('cuechange', () => {
        const cue = track.track.activeCues && track.track.activeCues[0];
        items.forEach((li, i) => li.classList.toggle('current', !!cue && cue.id === `scene-${i + 1}`));
      });
    }
  }

  const duration = transcript.duration_seconds || 1;
  const timeline = $('#timeline');
  timeline.replaceChildren(...transcript.segments.map((s) => {
    const span = document.createElement('span');
    span.style.left = (100 * s.start / duration) + '%';
    span.style.width = Math.max(0.2, 100 * (s.end - s.start) / duration) + '%';
    span.title = `${clock(s.start)}–${clock(s.end)}`;
    return span;
  }));
  const head = document.createElement('i');
  timeline.append(head);

  const speakers = transcript.speakers || [];
  const colourOf = new Map(speakers.map((p, i) => [p.id, speakerColours[i % speakerColours.length]]));
  const nameOf = new Map(speakers.map((p) => [p.id, p.name]));
  renderSpeakers(job, transcript, colourOf, duration, (t) => { if (player) { player.currentTime = t; player.play().catch(() => {}); } });

  const list = $('#transcript');
  const lines = transcript.segments.map((s) => {
    const li = document.createElement('li');
    li.tabIndex = 0;
    li.dataset.start = s.start;
    li.dataset.end = s.end;
    li.innerHTML = '<time></time><span></span>';
    li.firstChild.textContent = clock(s.start);
    li.lastChild.textContent = s.text;
    if (s.speaker) {
      li.dataset.speaker = s.speaker;
      li.style.setProperty('--spk', colourOf.get(s.speaker) || '#888');
      li.lastChild.before(Object.assign(document.createElement('b'), { className: 'who', textContent: nameOf.get(s.speaker) || s.speaker }));
    }
    if (s.label) li.append(Object.assign(document.createElement('em'), { className: 'label', textContent: s.label.label, title: `${s.label.task}${s.label.model_version > 0 ? ` v${s.label.model_version}` : ''}, ${Math.round(100 * s.label.confidence)}%` }));
    const seek = () => { if (player) { player.currentTime = s.start; player.play().catch(() => {}); } };
    li.addEventListener('click', seek);
    li.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); seek(); } });
    return li;
  });
  list.replaceChildren(...lines);
  if (player) {
    player.addEventListener('timeupdate', () => {
      const t = player.currentTime;
      head.style.left = (100 * t / duration) + '%';
      let current = null;
      for (const li of lines) if (+li.dataset.start <= t + 0.05) current = li;
      for (const li of lines) li.classList.toggle('current', li === current);
      if (current && document.activeElement !== current) current.scrollIntoView({ block: 'nearest' });
    });
  }
}

// The job's timeline (GET /api/jobs/ID/timeline): a row for its phases, then a row per node with a bar per segment
// and scene it did — the light part waiting (in the queue, for a classifier), the dark part working.
async function renderWork(id) {
  let timeline;
  try { timeline = await api(`/api/jobs/${id}/timeline`); } catch { return; }
  if (typeof timeline === 'string') timeline = JSON.parse(timeline);
  const bars = timeline.bars || [];
  if (bars.length === 0) return;
  const end = Math.max(...bars.map((b) => b.start + b.queue + b.work), 0.001);
  const nodeName = (n) => (n || 'unknown node').replace(/^akka(\.tcp)?:\/\/[^@]*@/, '');
  const rows = new Map([['phases', bars.filter((b) => b.index < 0)]]);
  for (const b of bars.filter((b) => b.index >= 0)) {
    const key = nodeName(b.node);
    if (!rows.has(key)) rows.set(key, []);
    rows.get(key).push(b);
  }
  $('#work').replaceChildren(...[...rows].filter(([, list]) => list.length > 0).map(([name, list]) => {
    const li = document.createElement('li');
    const label = Object.assign(document.createElement('span'), { className: 'name', textContent: name === 'phases' ? 'the job' : name });
    const track = Object.assign(document.createElement('div'), { className: 'track' });
    // Pieces done at once on a node (its slots) each get a lane of their own: a bar goes in the first lane free by its start.
    const lanes = [];
    const laneOf = (b) => {
      let lane = lanes.findIndex((free) => free <= b.start + 1e-6);
      if (lane < 0) { lane = lanes.length; lanes.push(0); }
      lanes[lane] = b.start + b.queue + b.work;
      return lane;
    };
    track.append(...[...list].sort((a, b) => a.start - b.start).map((b) => {
      const bar = Object.assign(document.createElement('span'), { className: `bar ${b.kind.replace(' ', '-')}` });
      bar.style.top = (laneOf(b) * 7 + 1) + 'px';
      bar.style.left = (100 * b.start / end) + '%';
      bar.style.width = Math.max(0.3, 100 * (b.queue + b.work) / end) + '%';
      bar.style.setProperty('--queue', (100 * b.queue / Math.max(b.queue + b.work, 0.001)) + '%');
      bar.title = b.index >= 0
        ? `${b.kind} ${b.index + 1} on ${nodeName(b.node)}: waited ${b.queue.toFixed(2)} s, worked ${b.work.toFixed(2)} s`
        : `${b.kind} on ${nodeName(b.node)}: ${b.work.toFixed(2)} s`;
      return bar;
    }));
    track.style.height = (lanes.length * 7 + 2) + 'px';
    li.append(label, track);
    return li;
  }));
  const pieces = bars.filter((b) => b.index >= 0);
  const waited = pieces.reduce((s, b) => s + b.queue, 0);
  const worked = pieces.reduce((s, b) => s + b.work, 0);
  $('#work-summary').textContent = `${pieces.filter((b) => b.kind === 'segment').length} segments and ${pieces.filter((b) => b.kind === 'scene').length} scenes on ${rows.size - 1} node(s): `
    + `${waited.toFixed(1)} s waiting and ${worked.toFixed(1)} s working in all, over ${end.toFixed(1)} s.`;
  $('#work-box').hidden = false;
}

// Distinct colours for speakers, in order of first appearance (dark enough for text on white).
const speakerColours = ['#1f5fbf', '#b3261e', '#1e7b34', '#8a4baf', '#b35c00', '#00796b', '#c2185b', '#5d4037', '#455a64', '#827717'];

// The job's speakers: a row each with its colour, name, its turns on a timeline (a click plays from there) and a
// rename control; nothing when the job has no speakers.
function renderSpeakers(job, transcript, colourOf, duration, seek) {
  const speakers = transcript.speakers || [];
  $('#speakers-box').hidden = speakers.length === 0;
  $('#speakers').replaceChildren(...speakers.map((p) => {
    const li = document.createElement('li');
    li.style.setProperty('--spk', colourOf.get(p.id));
    li.dataset.speaker = p.id;
    const name = Object.assign(document.createElement('span'), { className: 'name', textContent: p.name, title: `${p.id}: ${clock(p.seconds)} speaking` });
    const track = Object.assign(document.createElement('div'), { className: 'track' });
    track.setAttribute('aria-label', `${p.name}'s turns`);
    track.append(...(transcript.turns || []).filter((t) => t.speaker === p.id).map((t) => {
      const span = document.createElement('span');
      span.style.left = (100 * t.start / duration) + '%';
      span.style.width = Math.max(0.2, 100 * (t.end - t.start) / duration) + '%';
      span.title = `${clock(t.start)}–${clock(t.end)}`;
      span.addEventListener('click', () => seek(t.start));
      return span;
    }));
    const rename = Object.assign(document.createElement('button'), { type: 'button', textContent: 'Rename', className: 'rename' });
    rename.setAttribute('aria-label', `Rename ${p.name}`);
    rename.onclick = () => {
      const input = Object.assign(document.createElement('input'), { value: p.name, maxLength: 64 });
      input.setAttribute('aria-label', `New name for ${p.id}`);
      const save = Object.assign(document.createElement('button'), { type: 'button', textContent: 'Save' });
      const submit = async () => {
        try {
          await api(`/api/jobs/${encodeURIComponent(job.id)}/speakers/${encodeURIComponent(p.id)}`, {
            method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: input.value.trim() }),
          });
          banner('');
          await openJob(job.id); // the transcript and speakers as written again with the name
        } catch (e) { banner(e.message); }
      };
      save.onclick = submit;
      input.addEventListener('keydown', (e) => { if (e.key === 'Enter') submit(); });
      name.replaceChildren(input);
      rename.replaceWith(save);
      input.focus();
    };
    li.append(name, track, rename);
    return li;
  }));
}

// ---- live ----
let liveSession = null;

function showLive() {
  show('live');
}

$('#live-start').addEventListener('click', async () => {
  $('#live-status').textContent = 'Starting the microphone…';
  $('#live-finals').replaceChildren();
  $('#live-partial').textContent = '';
  let stream, context;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, echoCancellation: true } });
    context = new AudioContext();
    await context.audioWorklet.addModule('live-worklet.js');
  } catch (e) {
    $('#live-status').textContent = 'No microphone: ' + e.message;
    return;
  }
  const socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/live`);
  socket.binaryType = 'arraybuffer';
  const capture = new AudioWorkletNode(context, 'pcm-capture');
  context.createMediaStreamSource(stream).connect(capture);
  liveSession = { socket, stream, context };
  socket.onopen = () => socket.send(JSON.stringify({ config: { sample_rate: context.sampleRate, words: true } }));
  capture.port.onmessage = (e) => { if (socket.readyState === WebSocket.OPEN) socket.send(e.data); };
  socket.onmessage = (e) => {
    const message = JSON.parse(e.data);
    if (message.job) {
      liveSession.job = message.job;
      $('#live-status').textContent = 'Listening. This session is job ' + message.job + '.';
    } else if (message.partial !== undefined) {
      $('#live-partial').textContent = message.partial;
    } else if (message.text !== undefined) {
      $('#live-partial').textContent = '';
      if (message.text) {
        const p = document.createElement('p');
        const start = message.result && message.result.length ? clock(message.result[0].start) + ' ' : '';
        p.textContent = start + message.text;
        $('#live-finals').append(p);
      }
    } else if (message.error) {
      $('#live-status').textContent = message.error;
      $('#live-status').className = 'error';
    }
  };
  socket.onclose = () => {
    stopCapture();
    if (liveSession && liveSession.job && !$('#live-status').classList.contains('error')) {
      const link = Object.assign(document.createElement('a'), { href: '#/job/' + liveSession.job, textContent: 'the session\'s job' });
      $('#live-status').replaceChildren('Stopped. The recording is being processed as ', link, '.');
    }
    $('#live-start').disabled = false;
    $('#live-stop').disabled = true;
  };
  $('#live-start').disabled = true;
  $('#live-stop').disabled = false;
});

function stopCapture() {
  if (!liveSession) return;
  liveSession.stream.getTracks().forEach((t) => t.stop());
  liveSession.context.close().catch(() => {});
}

$('#live-stop').addEventListener('click', () => {
  if (liveSession && liveSession.socket.readyState === WebSocket.OPEN) {
    stopCapture();
    liveSession.socket.send(JSON.stringify({ eof: 1 }));
  }
  $('#live-stop').disabled = true;
});

// ---- cluster ----
async function showCluster() {
  show('cluster');
  clearInterval(modelsTimer);
  // The trainer's phase and the registry change while a run goes: looked at again every 2 s while this view is open.
  modelsTimer = setInterval(() => {
    if ($('#cluster').hidden) { clearInterval(modelsTimer); return; }
    showModels().catch((e) => banner(e.message));
  }, 2000);
  await showModels();
  const [cluster, region, nodes] = await Promise.all([
    api('/api/cluster'),
    api('/api/cluster/sharding/jobs').catch(() => ({ regions: [] })),
    api('/api/cluster/nodes'),
  ]);
  const jobsAt = new Map(region.regions.map((r) => [r.address, r.entities]));
  const statusOf = new Map(nodes.map((n) => [n.address, n]));
  const body = $('#members tbody');
  body.replaceChildren(...cluster.members.map((m) => {
    const tr = document.createElement('tr');
    const n = statusOf.get(m.address);
    const cells = [m.address, m.roles.join(', '), m.status, m.reachable ? 'yes' : 'no', jobsAt.get(m.address) ?? '',
      n && n.asr_slots ? `${n.asr_busy}/${n.asr_slots}` : '', n ? n.asr_queue : '', n ? `${n.live_sessions} / ${n.live_streams}` : '',
      [m.address === cluster.self ? 'this node' : '', m.address === cluster.leader ? 'leader' : ''].filter(Boolean).join(', ')];
    for (const value of cells) tr.append(Object.assign(document.createElement('td'), { textContent: String(value) }));
    return tr;
  }));
}

// ---- models: tasks, versions, the trainer ----
let modelsTimer = null;

async function showModels() {
  const [tasks, versions, trainer] = await Promise.all([api('/api/models/tasks'), api('/api/models'), api('/api/trainer')]);
  $('#trainer-status').textContent = trainer.running_task
    ? `Training ${trainer.running_task} on dataset ${trainer.running_dataset_hash}: ${trainer.phase}; ${trainer.queued} queued.`
    : `The trainer is idle; ${trainer.queued} queued.` + (trainer.recent.length ? ` Last: ${describeRun(trainer.recent[trainer.recent.length - 1])}.` : '');
  const cancel = $('#trainer-cancel');
  cancel.hidden = !trainer.running_task;
  cancel.textContent = trainer.running_task ? `Cancel ${trainer.running_task}'s runs` : '';
  cancel.onclick = async () => {
    try {
      const answer = await api(`/api/models/${encodeURIComponent(trainer.running_task)}/cancel`, { method: 'POST' });
      $('#dataset-status').textContent = answer.message;
      await showModels();
    } catch (error) { banner(error.message); }
  };
  $('#tasks tbody').replaceChildren(...tasks.map((t) => row([t.name, t.kind + (t.built_in ? ' (built in)' : ''), t.config.trainer,
    t.promoted_version ? `v${t.promoted_version}` : 'none', t.labels.join(', ')])));
  const select = $('#dataset-task');
  const chosen = select.value;
  select.replaceChildren(...tasks.map((t) => Object.assign(document.createElement('option'), { value: t.name, textContent: t.name })));
  if (chosen) select.value = chosen;
  $('#versions tbody').replaceChildren(...versions.map((v) => {
    const tr = row([v.task, `v${v.version}`, v.status, v.test_macro_f1.toFixed(3), v.test_accuracy.toFixed(3), v.examples,
      new Date(v.created).toLocaleString(), v.reason]);
    tr.classList.add('status-' + v.status);
    tr.tabIndex = 0;
    tr.dataset.task = v.task;
    tr.dataset.version = v.version;
    const open = () => showVersion(v.task, v.version).catch((e) => banner(e.message));
    tr.addEventListener('click', open);
    tr.addEventListener('keydown', (e) => { if (e.key === 'Enter') open(); });
    return tr;
  }));
}

function describeRun(r) {
  return r.version ? `${r.task} v${r.version} ${r.status} (${r.reason})` : `${r.task} ${r.status} (${r.reason})`;
}

function row(values) {
  const tr = document.createElement('tr');
  for (const value of values) tr.append(Object.assign(document.createElement('td'), { textContent: String(value) }));
  return tr;
}

async function showVersion(task, version) {
  const detail = await api(`/api/models/${encodeURIComponent(task)}/${version}`);
  const test = detail.metrics.test;
  $('#version-title').textContent = `${task} v${version}: ${detail.model.status}, test macro-F1 ${test.macro_f1.toFixed(3)}, accuracy ${test.accuracy.toFixed(3)} on ${test.examples} examples`;
  $('#version-config').textContent = `Config ${JSON.stringify(detail.config)}; dataset ${detail.model.dataset_hash}; trained in ${detail.metrics.train_seconds} s.`;
  const head = document.createElement('tr');
  for (const label of ['true \\ predicted', ...test.labels, 'precision', 'recall']) head.append(Object.assign(document.createElement('th'), { textContent: label, scope: 'col' }));
  $('#confusion thead').replaceChildren(head);
  $('#confusion tbody').replaceChildren(...test.labels.map((label, i) => {
    const tr = document.createElement('tr');
    tr.append(Object.assign(document.createElement('th'), { textContent: label, scope: 'row' }));
    test.confusion[i].forEach((count, j) => {
      const td = Object.assign(document.createElement('td'), { textContent: String(count) });
      if (i === j) td.className = 'diagonal';
      tr.append(td);
    });
    tr.append(Object.assign(document.createElement('td'), { textContent: test.precision[i].toFixed(3) }));
    tr.append(Object.assign(document.createElement('td'), { textContent: test.recall[i].toFixed(3) }));
    return tr;
  }));
  $('#version-detail').hidden = false;
}

$('#dataset-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const task = $('#dataset-task').value;
  const file = $('#dataset-file').files[0];
  const status = $('#dataset-status');
  status.classList.remove('error');
  if (!task || !file) { status.textContent = 'Choose a task and a dataset file (a labels CSV or a zip).'; return; }
  if (uploadLimit !== null && file.size > uploadLimit) {
    status.textContent = `${file.name} is larger than this node's upload limit`;
    status.classList.add('error');
    return;
  }
  const form = new FormData();
  form.append('file', file, file.name);
  status.textContent = `Uploading ${file.name}…`;
  try {
    const answer = await api(`/api/models/${encodeURIComponent(task)}/train`, { method: 'POST', body: form });
    status.textContent = answer.already_trained
      ? `${task}: dataset ${answer.dataset_hash} was trained before, as v${answer.version}.`
      : `${task}: training on dataset ${answer.dataset_hash} queued.`;
    await showModels();
  } catch (error) {
    status.textContent = error.message;
    status.classList.add('error');
  }
});

// ---- start ----
window.addEventListener('hashchange', route);
(async () => {
  const probe = await fetch('/api/session', { credentials: 'same-origin' }).catch(() => null);
  if (!probe) { banner('The node cannot be reached; is it running?'); return; }
  if (probe.status === 401) { showLogin(); return; }
  $('#nav').hidden = false;
  await route();
})();
