// rtcroom/playwright as an app's test file uses it; must compile under tsc --strict.
import {
  test, expect, expectReceivingVideo, expectReceivingAudio, rtcroomUse, launchOptions, CHROMIUM_ARGS, COLOURS,
  installFakeMedia, openParticipant, participantId, FaultyNetwork, canRun,
  type TestParticipant, type Fault, type VideoSample, type AudioSample,
} from 'rtcroom/playwright';
import { defineConfig } from '@playwright/test';

export const config = defineConfig({ use: { ...rtcroomUse({ executablePath: '/usr/bin/chromium' }), baseURL: 'http://127.0.0.1:8787' } });
const args: readonly string[] = CHROMIUM_ARGS;
const headless: boolean | undefined = launchOptions({ args: ['--foo'] }).headless;
const first: string | undefined = COLOURS[0];
void args; void headless; void first;

test('two participants see each other', async ({ participants, browser }) => {
  const [alice, bob]: TestParticipant[] = await participants(2, { names: ['alice', 'bob'] });
  if (!alice || !bob) throw new Error('two participants');
  await alice.page.goto('/?room=r&autojoin=1');
  const id: string = await alice.id();
  const video: VideoSample = await expectReceivingVideo(bob.page, { from: alice });
  const n: number = video.framesDecoded + video.rendered;
  await expectReceivingVideo(bob.page, { from: id, colour: 'ff2020', tolerance: 40, timeout: 10_000 });
  const audio: AudioSample = await expectReceivingAudio(bob.page, { from: { id }, audible: true });
  const e: number = audio.energy;
  await alice.setColour('20e020');
  const carol = await openParticipant(browser, { colour: '2040ff', camera: { noise: true, fps: 30 } });
  await installFakeMedia(carol.context, { colour: null });
  expect(await participantId(carol.page, 1000)).toBe(id);
  void n; void e;
});

test('faults', async ({ faultyNetwork }) => {
  const why: string | null = canRun();
  void why;
  const net: FaultyNetwork = await faultyNetwork({ participants: 3, serverPort: 9000 });
  const p = await net.launchParticipant(2, { colour: 'ffffff' });
  const pid: number = p.pid;
  const blackhole: Fault = net.blackholeMedia(2, { udpOnly: true });
  blackhole.clear();
  const loss = net.loss(1, 30);
  const { seen, dropped } = loss.counts();
  net.limitBandwidth(3, { rate: '1mbit', direction: 'out' }).clear();
  net.cutSocket(1).clear();
  const child = net.spawnIn(net.server, 'my-server', ['--port', String(net.serverPort)]);
  child.kill();
  p.kill();
  void pid; void seen; void dropped;
});
