import type { Room } from 'rtcroom';
declare const room: Room;
room.on('warning', (w) => {
  if (w.code === 'ice-failed') console.log(w.message); // ERROR TS2367
});
