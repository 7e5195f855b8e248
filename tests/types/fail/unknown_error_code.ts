import { RtcroomError } from 'rtcroom';
export function handle(e: unknown): void {
  if (e instanceof RtcroomError && e.code === 'join-failed') console.log(e.message); // ERROR TS2367
}
