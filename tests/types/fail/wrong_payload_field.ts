import type { Room } from 'rtcroom';
declare const room: Room;
room.on('message', (e) => console.log(e.text)); // ERROR TS2339
