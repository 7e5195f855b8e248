import type { Room } from 'rtcroom';
declare const room: Room;
room.on('participant-joined', (p) => console.log(p.track)); // ERROR TS2339
