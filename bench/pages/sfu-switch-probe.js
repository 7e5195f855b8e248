// Shared by both sides of `sfu_switch_ms`: the time from now until `video`
// presents its first frame `width` pixels wide (requestVideoFrameCallback
// metadata), or null after `limitMs`. The frame's own timings go to
// `window.lastSwitch` (epoch ms) for the diagnostics (SFU_SWITCH_TRACE=1).
export function timeSwitch(video, width, limitMs) {
  const t0 = performance.now();
  const epoch = (t) => (t === undefined ? null : performance.timeOrigin + t);
  window.lastSwitch = { t0: epoch(t0), width, presented: null, receive: null, expectedDisplay: null };
  return new Promise((resolve) => {
    let done = false;
    const timer = setTimeout(() => { done = true; resolve(null); }, limitMs);
    const step = (_now, meta) => {
      if (done) return;
      if (meta.width === width) {
        done = true;
        clearTimeout(timer);
        const t = performance.now();
        Object.assign(window.lastSwitch, {
          presented: epoch(t), receive: epoch(meta.receiveTime), expectedDisplay: epoch(meta.expectedDisplayTime),
        });
        resolve(t - t0);
        return;
      }
      video.requestVideoFrameCallback(step);
    };
    video.requestVideoFrameCallback(step);
  });
}
