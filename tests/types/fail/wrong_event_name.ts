import type { Room } from 'rtcroom';
declare const room: Room;
room.on('participant-joind', () => {}); // ERROR TS2345
