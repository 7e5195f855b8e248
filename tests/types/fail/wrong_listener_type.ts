import type { Room } from 'rtcroom';
declare const room: Room;
room.on('participant-left', (p: { reason: 'kicked' }) => console.log(p.reason)); // ERROR TS2345
