// Diagnostics of `sfu_switch_ms` (SFU_SWITCH_TRACE=1): where the time of a
// switch goes. Imported first by both subscriber pages, it wraps WebSocket
// (before the page or the SDK opens one) and records, in epoch ms
// (performance.timeOrigin + now, comparable across the pages of one
// browser), every Janus `configure` with a `substream` we send and every
// `substream` event Janus sends us. Only with ?trace=1 in the page's URL;
// the samples themselves are measured the same way either way.
export const trace = (window.switchTrace = { sends: [], events: [] });
const on = new URLSearchParams(location.search).get('trace') === '1';
const now = () => performance.timeOrigin + performance.now();

const Native = window.WebSocket;
class TracedWebSocket extends Native {
  constructor(...args) {
    super(...args);
    this.addEventListener('message', (e) => {
      if (typeof e.data !== 'string' || !e.data.includes('"substream"')) return;
      const d = JSON.parse(e.data).plugindata?.data;
      if (d && d.substream !== undefined) trace.events.push({ t: now(), mid: d.mid, substream: d.substream });
    });
  }

  send(data) {
    if (typeof data === 'string' && data.includes('"substream"')) {
      const s = JSON.parse(data).body?.streams?.[0];
      if (s) trace.sends.push({ t: now(), mid: s.mid, substream: s.substream });
    }
    return super.send(data);
  }
}
if (on) window.WebSocket = TracedWebSocket;

/** The subscriber's inbound video stats now: key frames decoded and PLIs it sent. */
trace.inbound = async (pc) => {
  let out = null;
  (await pc.getStats()).forEach((s) => {
    if (s.type === 'inbound-rtp' && s.kind === 'video') out = { keyFramesDecoded: s.keyFramesDecoded ?? 0, pliCount: s.pliCount ?? 0, firCount: s.firCount ?? 0 };
  });
  return out;
};
