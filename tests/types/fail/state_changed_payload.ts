import type { Room } from 'rtcroom';
export function watch(room: Room): void {
  room.on('state-changed', (s) => console.log(s.participants, s.room)); // ERROR TS2339
}
