// expectReceivingVideo's colour is a hex string, not a number.
import { expectReceivingVideo } from 'rtcroom/playwright';
import type { Page } from '@playwright/test';

export async function f(page: Page) {
  await expectReceivingVideo(page, { from: 'x', colour: 0xff2020 }); // ERROR TS2322
}
