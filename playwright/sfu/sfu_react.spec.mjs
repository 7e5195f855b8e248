// examples/react in its SFU mode (`?janus=ws://…`, the room field a
// VideoRoom number), two participants with rtcroom/playwright's fake
// cameras in VideoRoom 1253: each sees the other's colour through Janus
// and has the other's tile in its grid.
import { test, expect } from '@playwright/test';
import { expectReceivingVideo, installFakeMedia, COLOURS } from '../../js/playwright.js';

test('the React example joins an SFU room: two participants see each other by colour', async ({ browser }) => {
  const people = [];
  try {
    for (const [i, name] of ['ada', 'bob'].entries()) {
      const context = await browser.newContext({ permissions: ['camera', 'microphone'], viewport: { width: 1400, height: 900 } });
      await installFakeMedia(context, { colour: COLOURS[i], width: 1280, height: 720 });
      const page = await context.newPage();
      page.on('pageerror', (e) => console.log(`[${name}] pageerror: ${e.message}`));
      const wasm = [];
      page.on('request', (r) => { if (r.url().endsWith('.wasm')) wasm.push(r.url().split('/').pop()); });
      const q = new URLSearchParams({ janus: process.env.RTCROOM_JANUS_URL, room: '1253', name, autojoin: '1' });
      await page.goto(`${process.env.RTCROOM_BASE_URL}/react/?${q}`);
      await expect(page.getByTestId('status')).toContainText('joined', { timeout: 30_000 });
      people.push({ context, page, name, colour: COLOURS[i], wasm });
    }
    const [ada, bob] = people;
    await expectReceivingVideo(bob.page, { from: { page: ada.page }, colour: ada.colour, timeout: 45_000 });
    await expectReceivingVideo(ada.page, { from: { page: bob.page }, colour: bob.colour, timeout: 45_000 });
    // Through Janus, not the page server's signaling: an SFU room's
    // subscriber connection carries the other's media.
    for (const p of people) {
      expect(await p.page.evaluate(() => [...globalThis.__RTCROOM_TEST_HOOK__.rooms][0].peerConnection('sfu-subscriber') instanceof RTCPeerConnection)).toBe(true);
    }
    // The example loads the SFU build at once: the only wasm the page fetched.
    for (const p of people) expect(p.wasm.map((f) => f.replace(/-[\w-]{8,}(?=\.wasm$)/, ''))).toEqual(['rtcroom_sfu_bg.wasm']);
    // The status names the VideoRoom; the other's tile is in the grid.
    await expect(bob.page.getByTestId('status')).toContainText('1253');
    const adaId = await ada.page.evaluate(() => [...globalThis.__RTCROOM_TEST_HOOK__.rooms][0].id);
    await expect(bob.page.locator(`figure[data-participant="${adaId}"]`)).toHaveCount(1);
  } finally {
    for (const p of people) {
      await p.page.getByRole('button', { name: 'Leave' }).click().catch(() => {});
      await p.context.close().catch(() => {});
    }
  }
});
