// Shared by both bench pages (a classic script, loaded before anything else):
// records wall-clock marks (performance.timeOrigin + performance.now(), so
// comparable to Date.now()) and instruments WebSocket and RTCPeerConnection
// the same way for rtcroom and the baseline, so the run can say where the
// setup time goes. Only the first occurrence of each mark is kept; counts
// keep every occurrence.
(() => {
  const now = () => performance.timeOrigin + performance.now();
  const marks = {};
  const counts = {};
  const notes = [];
  // Every WebSocket frame in and out: [direction, wall ms, kind, bytes].
  const wire = [];
  const mark = (name, t = now()) => { if (!(name in marks)) { marks[name] = t; if (window.__traceMarks) performance.mark(name); } };
  const count = (name) => { counts[name] = (counts[name] || 0) + 1; };
  const note = (text) => { if (notes.length < 80) notes.push(`${(now() - (marks.join_start ?? now())).toFixed(1)}ms ${text}`); };

  let finished = false;
  const finish = (error) => {
    if (finished) return;
    finished = true;
    window.__benchResult = { marks, counts, notes, wire, error: error ? String(error.stack || error) : null };
  };

  // First decoded + presented frame of the remote video.
  const watchFirstFrame = (stream) => {
    const video = document.getElementById('remote');
    if (video.srcObject === stream) return;
    video.muted = true;
    video.playsInline = true;
    video.srcObject = stream;
    video.play().catch((e) => note(`play(): ${e}`));
    video.requestVideoFrameCallback(() => { mark('first_frame'); finish(null); });
    // Every presented camera frame from then on (wall clock), for the
    // camera's longest standstill around the screen share.
    const onFrame = (_, meta) => {
      cameraFrames.push(performance.timeOrigin + meta.presentationTime);
      if (cameraFrames.length > 4000) cameraFrames.splice(0, 2000);
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  };
  const cameraFrames = [];
  // Longest time in [from, to] (wall ms) with no new camera frame presented.
  const cameraStall = (from, to) => {
    let last = from;
    let longest = 0;
    for (const t of cameraFrames) {
      if (t <= from || t > to) continue;
      longest = Math.max(longest, t - last);
      last = t;
    }
    return Math.max(longest, to - last);
  };

  // The screen-share phase (after setup): the sharer's `screen_start` and
  // the viewer's first presented frame of the screen track, wall clock.
  const screen = {};
  const watchScreenFrame = (stream) => {
    if (screen.watching) return;
    screen.watching = true;
    const video = document.createElement('video');
    video.muted = true;
    video.playsInline = true;
    video.srcObject = stream;
    document.body.append(video);
    video.play().catch((e) => note(`play(screen): ${e}`));
    video.requestVideoFrameCallback(() => { screen.first_frame = now(); });
  };

  const describe = (raw) => {
    if (typeof raw !== 'string') return null;
    try { return JSON.parse(raw); } catch { return null; }
  };

  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(...args) {
      super(...args);
      mark('ws_created');
      this.addEventListener('open', () => mark('ws_open'));
      this.addEventListener('message', (e) => {
        const m = describe(e.data);
        if (!m) return;
        wire.push(['in', now(), m.type === 'signal' ? m.data?.kind + (m.data?.type ? ':' + m.data.type : '') : m.type, String(e.data).length]);
        if (m.type === 'welcome') mark('welcome');
        else if (m.type === 'peer-joined') mark('peer_joined');
        else if (m.type === 'signal' && m.data) {
          const d = m.data;
          if (d.kind === 'description') {
            mark(`${d.type}_received`); count(`${d.type}s_received`);
            if (/\nm=video/.test(d.sdp || '')) mark(`video_${d.type}_received`);
          }
          else if (d.kind === 'candidate') { mark('candidate_received'); count('candidates_received'); }
        }
      });
    }
    send(data) {
      const m = describe(data);
      if (m) wire.push(['out', now(), m.type === 'signal' ? m.data?.kind + (m.data?.type ? ':' + m.data.type : '') : m.type, String(data).length]);
      if (m) {
        if (m.type === 'join') mark('join_sent');
        else if (m.type === 'signal' && m.data) {
          const d = m.data;
          if (d.kind === 'description') {
            mark(`${d.type}_sent`); count(`${d.type}s_sent`);
            if (/\nm=video/.test(d.sdp || '')) mark(`video_${d.type}_sent`);
          }
          else if (d.kind === 'candidate') { mark('candidate_sent'); count('candidates_sent'); }
        }
      }
      return super.send(data);
    }
  };

  const NativePc = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends NativePc {
    setRemoteDescription(d, ...rest) {
      const type = d && d.type;
      const p = super.setRemoteDescription(d, ...rest);
      p.then(() => mark(`srd_${type}_done`), () => {});
      return p;
    }
    setLocalDescription(...args) {
      const p = super.setLocalDescription(...args);
      p.then(() => mark(`sld_${this.localDescription && this.localDescription.type}_done`), () => {});
      return p;
    }
    constructor(...args) {
      super(...args);
      mark('pc_created');
      count('pcs');
      this.addEventListener('negotiationneeded', () => { mark('negotiationneeded'); count('negotiationneeded'); });
      this.addEventListener('iceconnectionstatechange', () => mark(`ice_${this.iceConnectionState}`));
      // For diagnosing failed trials (notes are printed only for those).
      this.addEventListener('signalingstatechange', () => note(`signaling ${this.signalingState}`));
      this.addEventListener('icegatheringstatechange', () => note(`gathering ${this.iceGatheringState}`));
      this.addEventListener('icecandidate', (e) => { count('local_candidates'); if (!e.candidate) note('end of local candidates'); });
      this.addEventListener('connectionstatechange', () => mark(`pc_${this.connectionState}`));
      this.addEventListener('track', (e) => { if (e.track.kind === 'video') mark('pc_track'); });
      this.addEventListener('icecandidate', (e) => { if (e.candidate) mark('local_candidate'); });
    }
  };

  // When the capture is asked for and when it is there: tells a late
  // request from a slow capture.
  const md = navigator.mediaDevices;
  const nativeGum = md.getUserMedia.bind(md);
  md.getUserMedia = (c) => {
    mark('gum_start');
    const p = nativeGum(c);
    p.then(() => mark('gum_done'), () => {});
    return p;
  };

  // Calls that change what a sender sends or cost the page time around
  // the first frame: noted with their time, counted.
  const wrap = (proto, name, label = name) => {
    const native = proto[name];
    if (typeof native !== 'function') return;
    proto[name] = function (...args) {
      mark(`${label}_first`); count(label);
      note(`${label}${name === 'setParameters' ? ' ' + JSON.stringify(args[0]?.encodings ?? null) : ''}`);
      return native.apply(this, args);
    };
  };
  wrap(RTCRtpSender.prototype, 'setParameters');
  wrap(RTCRtpSender.prototype, 'replaceTrack');
  wrap(NativePc.prototype, 'getStats', 'pc_getStats');
  wrap(RTCRtpSender.prototype, 'getStats', 'sender_getStats');
  wrap(RTCRtpReceiver.prototype, 'getStats', 'receiver_getStats');

  // Forgets what happened so far (a page that did something before its trial).
  const reset = () => {
    for (const o of [marks, counts]) for (const k of Object.keys(o)) delete o[k];
    notes.length = 0;
    cameraFrames.length = 0;
    wire.length = 0;
  };
  window.__bench = { now, mark, count, note, finish, watchFirstFrame, cameraStall, screen, watchScreenFrame, reset };
  window.__benchPartial = () => ({ marks, counts, notes });
  window.addEventListener('error', (e) => note(`error: ${e.message}`));
  window.addEventListener('unhandledrejection', (e) => note(`unhandled rejection: ${e.reason}`));
})();
