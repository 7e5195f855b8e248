// The vanilla example: join a room, show everyone's camera, chat.
// No bundler: the page imports the built package the server serves at /pkg.
import { Room, load } from '/pkg/index.js';

const $ = (id) => document.getElementById(id);
const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
let room = null;

// ?room=…&name=… prefill the form; &autojoin=1 joins right away.
const params = new URLSearchParams(location.search);
if (params.get('room')) $('room').value = params.get('room');
if (params.get('name')) $('name').value = params.get('name');
// An SFU room (?janus=…): load the SFU build of the wasm now, so the page
// downloads only that one (it runs mesh rooms too).
if (params.get('janus')) load({ sfu: 'janus' }).catch(() => {});

function status(text) { $('status').textContent = text; }

function tile(id, label) {
  let fig = document.querySelector(`figure[data-participant="${CSS.escape(id)}"]`);
  if (!fig) {
    fig = document.createElement('figure');
    fig.className = 'tile';
    fig.dataset.participant = id;
    const video = document.createElement('video');
    video.autoplay = true;
    video.playsInline = true;
    const caption = document.createElement('figcaption');
    fig.append(video, caption);
    $('tiles').append(fig);
  }
  fig.querySelector('figcaption').textContent = label;
  return fig;
}

function label(p) { return p.name || p.id; }

function addMessage(from, text) {
  const li = document.createElement('li');
  const b = document.createElement('b');
  b.textContent = `${from}: `;
  li.append(b, document.createTextNode(text));
  $('messages').append(li);
  li.scrollIntoView({ block: 'end' });
}

function setJoined(joined) {
  $('join-btn').disabled = joined;
  $('leave-btn').disabled = !joined;
  $('message').disabled = !joined;
  $('send-btn').disabled = !joined;
}

async function join() {
  setJoined(true);
  status('Joining…');
  try {
    // ?janus=ws://host:8188: an SFU room (Janus VideoRoom; the room field is its number).
    const janus = params.get('janus');
    room = janus
      ? await Room.join(janus, { sfu: 'janus', room: Number($('room').value) || 1234, name: $('name').value || undefined })
      : await Room.join(wsUrl, { room: $('room').value, name: $('name').value || undefined });
    window.__room = room;
  } catch (e) {
    setJoined(false);
    status(`Could not join (${e.code}): ${e.message}`);
    return;
  }
  const me = tile(room.id, `${$('name').value || room.id} (you)`);
  me.classList.add('local');
  room.on('participant-joined', (p) => { tile(p.id, label(p)); addMessage('room', `${label(p)} joined`); });
  room.on('participant-left', (p) => {
    document.querySelector(`figure[data-participant="${CSS.escape(p.id)}"]`)?.remove();
    addMessage('room', `${label(p)} left`);
  });
  room.on('track', ({ participant, stream, kind }) => {
    const video = tile(participant.id, label(participant)).querySelector('video');
    if (video.srcObject !== stream) video.srcObject = stream;
    if (kind === 'video') video.play().catch(() => {});
  });
  room.on('message', ({ from, data }) => addMessage(label(from), data));
  room.on('participant-state', ({ participant, state }) => {
    tile(participant.id, label(participant)).dataset.state = state;
  });
  room.on('connection-state', ({ state, reason }) => {
    if (state === 'reconnecting') status('Signaling lost: reconnecting (calls in progress continue)');
    else if (state === 'reconnected') status(`Back in room "${$('room').value}" as ${room.id}`);
    else if (state === 'disconnected') status(`Disconnected (${reason})`);
  });
  room.on('warning', (w) => console.warn('rtcroom warning', w.code, w.message));
  status(`In room "${$('room').value}" as ${room.id}`);
  try {
    const tracks = await room.publishCamera();
    const video = me.querySelector('video');
    video.muted = true;
    video.srcObject = new MediaStream(tracks.filter((t) => t.kind === 'video'));
  } catch (e) {
    addMessage('room', `camera unavailable (${e.code}); you can still watch and chat`);
  }
}

$('join').addEventListener('submit', (e) => { e.preventDefault(); join(); });
$('leave-btn').addEventListener('click', async () => {
  await room?.leave();
  room = null;
  $('tiles').replaceChildren();
  setJoined(false);
  status('Left');
});
$('chat').addEventListener('submit', (e) => {
  e.preventDefault();
  const text = $('message').value.trim();
  if (!text || !room) return;
  room.send(text);
  addMessage('you', text);
  $('message').value = '';
});
if (params.get('autojoin')) join();
