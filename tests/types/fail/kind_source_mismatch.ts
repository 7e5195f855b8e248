import type { Room } from 'rtcroom';
declare const room: Room;
room.on('track', (e) => {
  if (e.kind === 'audio') {
    if (e.source === 'camera') console.log('an audio camera?'); // ERROR TS2367
  }
});
