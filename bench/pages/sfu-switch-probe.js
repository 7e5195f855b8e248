// Shared by both sides of `sfu_switch_ms`: the time from now until `video`
// presents its first frame `width` pixels wide (requestVideoFrameCallback
// metadata), or null after `limitMs`.
export function timeSwitch(video, width, limitMs) {
  const t0 = performance.now();
  return new Promise((resolve) => {
    let done = false;
    const timer = setTimeout(() => { done = true; resolve(null); }, limitMs);
    const step = (_now, meta) => {
      if (done) return;
      if (meta.width === width) {
        done = true;
        clearTimeout(timer);
        resolve(performance.now() - t0);
        return;
      }
      video.requestVideoFrameCallback(step);
    };
    video.requestVideoFrameCallback(step);
  });
}
